// Where POST /api/values spends its time: each layer alone at the same concurrency (50):
// the Postgres transaction (BEGIN; INSERT; COMMIT on a pool of 10, as the app), the Redis
// enqueue script, and the bare HTTP host (an unknown route, 404).
import { setTimeout as sleep } from 'node:timers/promises';

import pg from 'pg';

import { TaskProducer } from '../../functions/src/queue/producer.js';
import { queueCommandNames } from '../../functions/src/queue/scripts.js';
import { createRedisClient } from '../../functions/src/redis/client.js';
import { parseRedisConnectionString } from '../../functions/src/redis/connection-string.js';
import { redisKeys } from '../../functions/src/redis/keys.js';
import type { BenchStack } from './bench-stack.js';
import { runAutocannon } from './http-bench.js';

export interface LayerRow {
  layer: string;
  operationsPerSecond: number;
  p50Ms: number;
  p99Ms: number;
}

async function closedLoop(
  name: string,
  concurrency: number,
  seconds: number,
  operation: (i: number) => Promise<unknown>,
): Promise<LayerRow> {
  const latencies: number[] = [];
  const deadline = performance.now() + seconds * 1000;
  let counter = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (performance.now() < deadline) {
        const started = performance.now();
        await operation((counter += 1));
        latencies.push(performance.now() - started);
      }
    }),
  );
  latencies.sort((a, b) => a - b);
  const at = (q: number) => latencies[Math.min(latencies.length - 1, Math.floor(q * latencies.length))] ?? NaN;
  return { layer: name, operationsPerSecond: latencies.length / seconds, p50Ms: at(0.5), p99Ms: at(0.99) };
}

export async function runLayers(stack: BenchStack, seconds = 4): Promise<LayerRow[]> {
  const rows: LayerRow[] = [];
  const pool = new pg.Pool({ connectionString: stack.env.DATABASE_URL, max: 10 });
  pool.on('error', () => undefined);
  try {
    rows.push(
      await closedLoop('Postgres: BEGIN; INSERT; COMMIT (pool 10)', 50, seconds, async (i) => {
        const client = await pool.connect();
        try {
          await client.query('BEGIN');
          await client.query('INSERT INTO submissions (number) SELECT unnest($1::int[])', [[i % 1000]]);
          await client.query('COMMIT');
        } finally {
          client.release();
        }
      }),
    );
    rows.push(
      await closedLoop('Postgres: INSERT, synchronous_commit off', 50, seconds, async (i) => {
        const client = await pool.connect();
        try {
          await client.query('BEGIN');
          await client.query('SET LOCAL synchronous_commit TO off');
          await client.query('INSERT INTO submissions (number) SELECT unnest($1::int[])', [[i % 1000]]);
          await client.query('COMMIT');
        } finally {
          client.release();
        }
      }),
    );
    rows.push(
      await closedLoop('Postgres: one INSERT, autocommit (1 round trip)', 50, seconds, (i) =>
        pool.query('INSERT INTO submissions (number) SELECT unnest($1::int[])', [[i % 1000]]),
      ),
    );
    const batch = 50;
    const batched = await closedLoop(`Postgres: BEGIN; INSERT ${batch} rows; COMMIT`, 5, seconds, async (i) => {
      const client = await pool.connect();
      try {
        await client.query('BEGIN');
        await client.query('INSERT INTO submissions (number) SELECT unnest($1::int[])', [
          Array.from({ length: batch }, (_, k) => (i + k) % 1000),
        ]);
        await client.query('COMMIT');
      } finally {
        client.release();
      }
    });
    rows.push({ ...batched, layer: `${batched.layer} (rows/s)`, operationsPerSecond: batched.operationsPerSecond * batch });
  } finally {
    await pool.end();
  }
  const master = createRedisClient(parseRedisConnectionString(stack.env.REDIS_MASTER ?? ''), {
    role: 'bench',
    timeoutMs: 10_000,
    log: () => undefined,
    unpipelinedCommands: queueCommandNames,
  });
  const keys = redisKeys('bench:tasks', 'bench:');
  const queue = new TaskProducer(master, keys);
  try {
    rows.push(await closedLoop('Redis: enqueue script (one index)', 50, seconds, (i) => queue.enqueue([String(i % 100_000)])));
  } finally {
    await master.del(...(Object.values(keys) as string[]));
    master.disconnect();
  }
  await sleep(200);
  const http = await runAutocannon({ name: 'http', url: `${stack.apiUrl}/api/no-such-route`, durationSeconds: seconds });
  rows.push({
    layer: 'HTTP host alone: GET unknown route (404)',
    operationsPerSecond: http.requestsPerSecond,
    p50Ms: http.p50Ms,
    p99Ms: http.p99Ms,
  });
  return rows;
}

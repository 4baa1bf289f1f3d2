// Benchmarks 3 and 4: submit -> value visible in /api/values/current, and queue drain rate.
import { setTimeout as sleep } from 'node:timers/promises';

import type { Redis } from 'ioredis';

import { TaskProducer } from '../../functions/src/queue/producer.js';
import { placeholderValue } from '../../functions/src/queue/records.js';
import { queueCommandNames } from '../../functions/src/queue/scripts.js';
import { createRedisClient } from '../../functions/src/redis/client.js';
import { parseRedisConnectionString } from '../../functions/src/redis/connection-string.js';
import { redisKeys } from '../../functions/src/redis/keys.js';
import type { BenchStack } from './bench-stack.js';

export interface EndToEndRow {
  n: number;
  runs: number;
  medianMs: number;
  minMs: number;
  maxMs: number;
  /** Median compute time the worker recorded (F(n) + decimal string). */
  computeMs: number | null;
}

async function postIndex(apiUrl: string, index: number, headers: Record<string, string>): Promise<void> {
  const response = await fetch(`${apiUrl}/api/values`, {
    method: 'POST',
    body: JSON.stringify({ index }),
    headers: { 'content-type': 'application/json', ...headers },
    signal: AbortSignal.timeout(5000),
  });
  if (response.status !== 202) throw new Error(`POST ${index} answered ${response.status}`);
  await response.arrayBuffer();
}

/** Submits `index` and polls /api/values/current (every 2 ms) until its value is there. */
async function submitAndWait(
  apiUrl: string,
  index: number,
  headers: Record<string, string>,
  timeoutMs = 10_000,
): Promise<number> {
  const started = performance.now();
  await postIndex(apiUrl, index, headers);
  const key = String(index);
  while (performance.now() - started < timeoutMs) {
    const response = await fetch(`${apiUrl}/api/values/current?limit=5`, { signal: AbortSignal.timeout(5000) });
    const values = (await response.json()) as Record<string, string>;
    const value = values[key];
    if (value !== undefined && value !== placeholderValue) return performance.now() - started;
    await sleep(2);
  }
  throw new Error(`F(${index}) not visible within ${timeoutMs} ms`);
}

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] ?? NaN;

/** Each n is run `runs` times on fresh neighbouring indices (n, n+1, ... or n, n-1 at MAX_INDEX). */
export async function runEndToEnd(stack: BenchStack, ns: number[], runs: number, maxIndex: number): Promise<EndToEndRow[]> {
  const rows: EndToEndRow[] = [];
  for (const n of ns) {
    const times: number[] = [];
    const computed: number[] = [];
    for (let k = 0; k < runs; k += 1) {
      const index = n + k <= maxIndex ? n + k : n - k;
      times.push(await submitAndWait(stack.apiUrl, index, stack.operator));
      const detail = (await (await fetch(`${stack.apiUrl}/api/values/${index}`, { headers: stack.operator })).json()) as {
        computedMs?: number;
      };
      if (typeof detail.computedMs === 'number') computed.push(detail.computedMs);
    }
    rows.push({
      n,
      runs,
      medianMs: median(times),
      minMs: Math.min(...times),
      maxMs: Math.max(...times),
      computeMs: computed.length ? median(computed) : null,
    });
  }
  return rows;
}

export interface DrainRow {
  workers: number;
  tasks: number;
  seconds: number;
  tasksPerSecond: number;
  perWorker: number;
  /** CPU seconds the Redis master used during the drain (INFO cpu). */
  redisMasterCpuSeconds: number;
}

/** used_cpu_user + used_cpu_sys of a Redis server, in seconds. */
export async function redisCpuSeconds(redis: Redis): Promise<number> {
  const info = await redis.info('cpu');
  const read = (name: string) => Number(new RegExp(`${name}:([\\d.]+)`).exec(info)?.[1] ?? 0);
  return read('used_cpu_user') + read('used_cpu_sys');
}

async function pendingCount(redis: Redis, keys: ReturnType<typeof redisKeys>): Promise<number> {
  const [length, queued, leases] = await Promise.all([
    redis.llen(keys.tasks),
    redis.zcard(keys.queued),
    redis.zcard(keys.leases),
  ]);
  return length + queued + leases;
}

/**
 * Empties both stores for a measurement that needs an idle system: the submissions log first,
 * then Redis. Redis alone would not do: the API's log replay rebuilds an emptied Redis from
 * the log, queueing every earlier submission ahead of the measured ones. A replay page read
 * just before the TRUNCATE can still land after the FLUSHALL, so Redis is flushed again until
 * nothing has been queued for a whole replay period (the 5 s requeue timer plus its 2 s
 * budget), within 60 s.
 */
export async function emptyStores(stack: BenchStack): Promise<void> {
  await stack.sql.query('TRUNCATE submissions');
  const keys = redisKeys('tasks', '');
  const quietForMs = 8_000;
  const giveUpAt = performance.now() + 60_000;
  await stack.redis.flushall();
  let quietSince = performance.now();
  while (performance.now() - quietSince < quietForMs) {
    if (performance.now() > giveUpAt) throw new Error('the queue kept refilling after the stores were emptied');
    if ((await pendingCount(stack.redis, keys)) > 0) {
      await stack.redis.flushall();
      quietSince = performance.now();
    }
    await sleep(100);
  }
}

/**
 * Starts `workers` worker processes on an empty queue, then queues `tasks` small indices
 * (0..tasks-1, through the same enqueue script the API uses) and times until nothing is pending.
 */
export async function runDrain(stack: BenchStack, workers: number, tasks: number): Promise<DrainRow> {
  await emptyStores(stack);
  const keys = redisKeys('tasks', '');
  const master = createRedisClient(parseRedisConnectionString(stack.env.REDIS_MASTER ?? ''), {
    role: 'bench',
    timeoutMs: 10_000,
    log: () => undefined,
    unpipelinedCommands: queueCommandNames,
  });
  const queue = new TaskProducer(master, keys);
  try {
    await stack.startWorkers(workers);
    const cpuBefore = await redisCpuSeconds(stack.redis);
    const started = performance.now();
    const chunk = 500;
    const enqueues: Promise<unknown>[] = [];
    for (let from = 0; from < tasks; from += chunk) {
      enqueues.push(queue.enqueue(Array.from({ length: Math.min(chunk, tasks - from) }, (_, i) => String(from + i))));
    }
    await Promise.all(enqueues);
    // Bounded: at most 120 s.
    while (performance.now() - started < 120_000) {
      if ((await pendingCount(stack.redis, keys)) === 0) break;
      await sleep(5);
    }
    const seconds = (performance.now() - started) / 1000;
    const redisMasterCpuSeconds = (await redisCpuSeconds(stack.redis)) - cpuBefore;
    const done = await stack.redis.bitcount(keys.computed);
    if (done < tasks)
      throw new Error(`drain with ${workers} worker(s): only ${done}/${tasks} done after ${seconds.toFixed(1)} s`);
    return {
      workers,
      tasks,
      seconds,
      tasksPerSecond: tasks / seconds,
      perWorker: tasks / seconds / workers,
      redisMasterCpuSeconds,
    };
  } finally {
    await stack.stopWorkers();
    master.disconnect();
  }
}

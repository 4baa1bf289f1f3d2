// Store faults seen from the API process: connections reset mid-transaction, stores that
// refuse or freeze, a replica that goes away, Redis that loses its data. The process keeps
// answering, every answer is bounded and names the store that is down, nothing a 202
// promised is lost, and Redis is rebuilt from the Postgres log.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';

import type { HealthReport } from '../src/http/api-types.js';
import type { RedisTopology } from '../src/live/live-types.js';
import { startDatabase, type TestDatabase } from './support/database.js';
import { freeze, redisServerPid } from './support/freeze-process.js';
import { type RedisPair, startRedisPair } from './support/redis-pair.js';
import { eventually, startStack, type TestStack } from './support/stack.js';
import { storedCount, storedDecimals } from './support/stored-values.js';
import { startTcpProxy, type TcpProxy } from './support/tcp-proxy.js';

/** Scheduling slack the tests allow on a shared 2-core machine; the code's own margin is ~250 ms. */
const slackMs = 1000;

/** One Redis pair and one PGlite (behind a proxy the tests control) for the file; a stack (own key prefix) per describe. */
interface Stores {
  redis: RedisPair;
  database: TestDatabase;
  proxy: TcpProxy;
  databaseUrl: string;
}

let stores: Stores;

beforeAll(async () => {
  const [redis, database] = await Promise.all([startRedisPair(), startDatabase('pglite')]);
  const proxy = await startTcpProxy(Number(new URL(database.url).port));
  const url = new URL(database.url);
  url.port = String(proxy.port);
  stores = { redis, database, proxy, databaseUrl: url.toString() };
}, 180_000);

afterAll(async () => {
  await stores?.proxy.close();
  await Promise.all([stores?.redis.stop(), stores?.database.stop()]);
});

async function stackBehindProxy(): Promise<Stores & { stack: TestStack }> {
  stores.proxy.setMode('forward');
  const stack = await startStack({ redis: stores.redis, database: { url: stores.databaseUrl } });
  await stack.services.submissions();
  return { ...stores, stack };
}

interface Answer {
  status: number;
  json: Record<string, unknown>;
  headers: Headers;
  ms: number;
}

async function submit(stack: TestStack, index: number, idempotencyKey?: string): Promise<Answer> {
  const started = performance.now();
  const response = await fetch(`${stack.baseUrl}/api/values`, {
    method: 'POST',
    body: JSON.stringify({ index }),
    headers: { 'content-type': 'application/json', ...(idempotencyKey ? { 'idempotency-key': idempotencyKey } : {}) },
  });
  const json = (await response.json()) as Record<string, unknown>;
  return { status: response.status, json, headers: response.headers, ms: performance.now() - started };
}

async function read(stack: TestStack, path: string): Promise<Answer> {
  const started = performance.now();
  const response = await fetch(`${stack.baseUrl}${path}`);
  const json = (await response.json()) as Record<string, unknown>;
  return { status: response.status, json, headers: response.headers, ms: performance.now() - started };
}

describe('Postgres connections reset under concurrent submissions', () => {
  let env: Awaited<ReturnType<typeof stackBehindProxy>>;

  beforeAll(async () => {
    env = await stackBehindProxy();
  });

  afterAll(async () => {
    await env?.stack.stop();
  });

  it('keeps the same process answering and loses no 202 when connections reset mid-transaction', async () => {
    const { stack, proxy, database } = env;
    const submitters = 6;
    const perSubmitter = 40;
    const accepted: number[] = [];
    const answered: number[] = [];
    let resets = 0;
    let running = true;
    const resetter = (async () => {
      while (running) {
        await new Promise((resolve) => setTimeout(resolve, 15));
        if (proxy.connections > 0) {
          proxy.resetAll();
          resets += 1;
        }
      }
    })();
    await Promise.all(
      Array.from({ length: submitters }, async (_, s) => {
        for (let i = 0; i < perSubmitter; i += 1) {
          const index = 5000 + s * perSubmitter + i;
          const response = await submit(stack, index);
          answered.push(response.status);
          if (response.status === 202) accepted.push(index);
          else expect(response.json).toMatchObject({ store: 'postgres' });
        }
      }),
    );
    running = false;
    await resetter;
    expect(resets).toBeGreaterThan(5);
    expect(answered).toHaveLength(submitters * perSubmitter);
    expect(accepted.length).toBeGreaterThan(0);
    // The same process still answers once the resets stop.
    await eventually(async () => ((await submit(stack, 4999)).status === 202 ? true : undefined), 10_000);
    const rows = await database.query<{ number: number }>('SELECT DISTINCT number FROM submissions WHERE number >= 4999');
    const logged = new Set(rows.map((row) => row.number));
    expect(accepted.filter((index) => !logged.has(index))).toEqual([]);
    stack.startWorker();
    await eventually(
      async () => {
        const values = await storedDecimals(stack.redis, stack.services.keys, accepted);
        return values.every((value) => value !== null) ? true : undefined;
      },
      20_000,
      'every accepted index computed',
    );
    await stack.stopWorker();
  });
});

describe('stores that refuse or freeze', () => {
  let env: Awaited<ReturnType<typeof stackBehindProxy>>;
  let postBoundMs: number;

  beforeAll(async () => {
    env = await stackBehindProxy();
    postBoundMs = env.stack.config.databaseTimeoutMs + env.stack.config.redisTimeoutMs + slackMs;
  });

  beforeEach(() => env.proxy.setMode('forward'));

  afterAll(async () => {
    await env?.stack.stop();
  });

  const rowsFor = async (number: number) =>
    Number((await env.database.query<{ n: string }>('SELECT count(*) AS n FROM submissions WHERE number = $1', [number]))[0]?.n);

  it('Redis master refused: 503 names redis within the bound, the submission is logged, and computed once Redis is back', async () => {
    const { stack, redis } = env;
    await redis.master.stop(true);
    let answer: Answer;
    try {
      answer = await submit(stack, 9101);
      expect(answer.status).toBe(503);
      expect(answer.json).toMatchObject({ store: 'redis', outcome: 'logged' });
      expect(answer.ms).toBeLessThan(postBoundMs);
      expect(await rowsFor(9101)).toBe(1);
      const health = await read(stack, '/api/health');
      expect(health.status).toBe(503);
      expect(health.json).toMatchObject({
        checks: { redisMaster: { ok: false, since: expect.any(Number) }, postgres: { ok: true } },
      });
      expect(JSON.stringify(health.json)).not.toMatch(/ECONNREFUSED|127\.0\.0\.1|error/);
      // Reads that may lag still come from the replica.
      const current = await read(stack, '/api/values/current');
      expect(current.status).toBe(200);
      expect(current.headers.get('x-served-by')).toBe('replica');
    } finally {
      await redis.master.start();
    }
    // The master came back empty (no persistence here), as with a lost volume: the log replay
    // queues the logged index again.
    stack.startWorker();
    await eventually(
      async () => {
        await stack.runRequeue();
        return (await read(stack, '/api/values/9101')).json.status === 'done' ? true : undefined;
      },
      20_000,
      '9101 computed after the outage',
    );
    await stack.stopWorker();
  });

  it('Redis master frozen: every concurrent 503 names redis (not postgres) within the bound; a keyed retry logs once', async () => {
    const { stack, redis } = env;
    await eventually(async () => ((await submit(stack, 9200)).status === 202 ? true : undefined), 10_000, 'master back');
    const frozen = freeze(await redisServerPid(redis.master.port));
    let answers: Answer[];
    try {
      answers = await Promise.all(Array.from({ length: 8 }, (_, i) => submit(stack, 9201 + i, `freeze-${i}`)));
      const health = await read(stack, '/api/health');
      expect(health.json).toMatchObject({ checks: { redisMaster: { ok: false }, postgres: { ok: true } } });
    } finally {
      frozen.thaw();
    }
    for (const answer of answers) {
      expect(answer.status).toBe(503);
      expect(answer.json).toMatchObject({ store: 'redis', outcome: 'logged' });
      expect(answer.ms).toBeLessThan(postBoundMs);
    }
    const retried = await eventually(async () => {
      const answer = await submit(stack, 9201, 'freeze-0');
      return answer.status === 202 ? answer : undefined;
    }, 10_000);
    expect(retried.json).toMatchObject({ working: true, index: 9201 });
    expect(await rowsFor(9201)).toBe(1);
  });

  it('Postgres refused: 503 names postgres at once, nothing logged or queued; retrying is safe', async () => {
    const { stack, proxy } = env;
    proxy.setMode('refuse');
    proxy.resetAll();
    const answer = await submit(stack, 9301, 'refused-1');
    expect(answer.status).toBe(503);
    expect(answer.json).toMatchObject({ store: 'postgres' });
    expect(['not-logged', 'unknown']).toContain(answer.json.outcome);
    expect(answer.ms).toBeLessThan(postBoundMs);
    expect(await storedCount(stack.redis, stack.services.keys, [9301])).toBe(0);
    const health = await read(stack, '/api/health');
    expect(health.status).toBe(503);
    expect(health.json).toMatchObject({
      checks: { postgres: { ok: false, since: expect.any(Number) }, redisMaster: { ok: true } },
    });
    proxy.setMode('forward');
    const retried = await eventually(async () => {
      const again = await submit(stack, 9301, 'refused-1');
      return again.status === 202 ? again : undefined;
    }, 10_000);
    expect(retried.json).toMatchObject({ status: 'queued' });
    expect(await rowsFor(9301)).toBe(1);
  });

  it('Postgres frozen: 503 names postgres within the bound, never redis; a keyed retry logs exactly once', async () => {
    const { stack, proxy } = env;
    proxy.setMode('freeze');
    let answers: Answer[];
    try {
      answers = await Promise.all(Array.from({ length: 4 }, (_, i) => submit(stack, 9401 + i, `frozen-${i}`)));
    } finally {
      proxy.setMode('forward');
    }
    for (const answer of answers) {
      expect(answer.status).toBe(503);
      expect(answer.json).toMatchObject({ store: 'postgres' });
      expect(answer.ms).toBeLessThan(postBoundMs);
    }
    for (let i = 0; i < 4; i += 1) {
      await eventually(async () => ((await submit(stack, 9401 + i, `frozen-${i}`)).status === 202 ? true : undefined), 10_000);
      expect(await rowsFor(9401 + i)).toBe(1);
    }
  });

  it('refuses an Idempotency-Key reused for another index with 422', async () => {
    expect((await submit(env.stack, 9501, 'reused')).status).toBe(202);
    const reused = await submit(env.stack, 9502, 'reused');
    expect(reused.status).toBe(422);
    expect(await rowsFor(9502)).toBe(0);
  });
});

describe('replica down, and Redis losing its data', () => {
  let env: Awaited<ReturnType<typeof stackBehindProxy>>;

  beforeAll(async () => {
    env = await stackBehindProxy();
  });

  afterAll(async () => {
    await env?.stack.stop();
  });

  it('reads from the master while the replica is down, says so, and goes back to the replica once it is healthy', async () => {
    const { stack, redis } = env;
    expect((await submit(stack, 12)).status).toBe(202);
    expect((await read(stack, '/api/values/current')).headers.get('x-served-by')).toBe('replica');
    await redis.replica.stop(true);
    try {
      for (const path of ['/api/values/current', '/api/values/recent', '/api/values/12', '/api/stats']) {
        const answer = await read(stack, path);
        expect(answer.status, path).toBe(200);
        expect(answer.headers.get('x-served-by'), path).toBe('master');
      }
      expect((await submit(stack, 13)).status).toBe(202);
      const health = await read(stack, '/api/health');
      expect(health.status).toBe(200);
      expect(health.json).toMatchObject({
        status: 'degraded',
        readsFrom: 'master',
        checks: { redisReplica: { ok: false, since: expect.any(Number) }, redisMaster: { ok: true } },
      });
    } finally {
      await redis.replica.start();
    }
    await eventually(
      async () => ((await read(stack, '/api/values/current')).headers.get('x-served-by') === 'replica' ? true : undefined),
      15_000,
      'reads back on the replica',
    );
    expect((await read(stack, '/api/health')).json).toMatchObject({ status: 'ok', readsFrom: 'replica' });
  });

  it('names the same node serving reads, and the same down-since, in /api/health and /api/topology', async () => {
    const { stack, redis } = env;
    await redis.replica.stop(true);
    try {
      // Topology first: it notices the replica down on its own, before any health check or read.
      const topology = await eventually(
        async () => {
          const answer = (await read(stack, '/api/topology')).json as unknown as RedisTopology;
          return answer.nodes[1]?.up === false ? answer : undefined;
        },
        10_000,
        'replica down in the topology',
      );
      const downSince = topology.nodes[1]?.downSince;
      expect(downSince).toEqual(expect.any(Number));
      await eventually(() => Promise.resolve(Date.now() > (downSince ?? 0) ? true : undefined), 1000, 'a later moment');
      const health = (await read(stack, '/api/health')).json as unknown as HealthReport;
      const topologyAfter = (await read(stack, '/api/topology')).json as unknown as RedisTopology;
      expect(health.readsFrom).toBe('master');
      expect(topologyAfter.readsFrom).toBe(health.readsFrom);
      expect(topologyAfter.nodes.find((node) => node.servesReads)?.name).toBe(health.readsFrom);
      expect(health.checks.redisReplica.since).toBe(downSince);
      expect(topologyAfter.nodes[1]?.downSince).toBe(downSince);
    } finally {
      await redis.replica.start();
    }
    const back = await eventually(
      async () => {
        const answer = (await read(stack, '/api/topology')).json as unknown as RedisTopology;
        return answer.readsFrom === 'replica' ? answer : undefined;
      },
      15_000,
      'reads back on the replica in the topology',
    );
    expect(back.nodes[1]?.downSince).toBeNull();
    const health = (await read(stack, '/api/health')).json as unknown as HealthReport;
    expect(health.readsFrom).toBe(back.readsFrom);
    expect(health.checks.redisReplica.since).toBeUndefined();
  });

  it('answers reads within the bound when the replica freezes, from the master', async () => {
    const { stack, redis } = env;
    const frozen = freeze(await redisServerPid(redis.replica.port));
    try {
      const answer = await read(stack, '/api/values/current');
      expect(answer.status).toBe(200);
      expect(answer.headers.get('x-served-by')).toBe('master');
      // The replica's read is also sent to the master after a short delay (hedged), so the
      // first read after the freeze is not held for the replica's command timeout; once that
      // times out the replica is marked down and later reads skip it.
      expect(answer.ms).toBeLessThan(stack.config.redisTimeoutMs);
      expect((await read(stack, '/api/values/recent')).ms).toBeLessThan(stack.config.redisTimeoutMs + slackMs);
    } finally {
      frozen.thaw();
    }
  });

  it('notices a wiped Redis by itself and computes every previously submitted index again', async () => {
    const { stack } = env;
    const indices = Array.from({ length: 30 }, (_, i) => 700 + i);
    for (const index of indices) expect((await submit(stack, index)).status).toBe(202);
    stack.startWorker();
    const allDone = async () => {
      const values = await storedDecimals(stack.redis, stack.services.keys, indices);
      return values.every((value) => value !== null);
    };
    await eventually(async () => ((await allDone()) ? true : undefined), 10_000, 'first computation');
    await stack.redis.flushall();
    // Postgres is the record: a logged index is never "not submitted", even before the rebuild.
    const detail = await read(stack, '/api/values/705');
    expect(detail.status).toBe(200);
    expect(detail.json).toMatchObject({ index: 705, status: 'queued' });
    await eventually(
      async () => {
        await stack.runRequeue();
        return (await allDone()) ? true : undefined;
      },
      20_000,
      'every index computed again',
    );
    await stack.stopWorker();
    expect(await stack.redis.get(stack.services.keys.replayCursor)).toMatch(/^\d+$/);
  });
});

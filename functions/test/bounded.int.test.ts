// Bounded by design, against a real Redis pair run with the StatefulSet's redis.conf (volatile-lru)
// under a small cap: a full cache never stops the service, a dropped value is computed again
// when asked for, one client cannot starve another, and a rebuild costs the distinct indices.
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';

import { fibonacci } from '../src/fib/bigint-fibonacci.js';
import type { HealthReport, RecentValuesPage, Stats, ValueDetail } from '../src/http/api-types.js';
import { replayLog } from '../src/submissions/log-replay.js';
import { startDatabase, type TestDatabase } from './support/database.js';
import { type RedisPair, startRedisPair } from './support/redis-pair.js';
import { eventually, startStack, type TestStack } from './support/stack.js';
import { storedDecimals } from './support/stored-values.js';

const post = (stack: TestStack, index: number, headers: Record<string, string> = {}) =>
  stack.post('/api/values', JSON.stringify({ index }), headers);

describe('a capped Redis (the StatefulSet config, 8mb cap): values are a cache', () => {
  let redis: RedisPair;
  let database: TestDatabase;
  let stack: TestStack;
  // Each F(n) near 200,000 takes ~17 KB: 800 of them are ~14 MB, well past the cap.
  const flood = Array.from({ length: 800 }, (_, i) => 200_000 + i);

  beforeAll(async () => {
    [redis, database] = await Promise.all([startRedisPair({ maxmemory: '8mb' }), startDatabase('pglite')]);
    stack = await startStack({ redis, database });
  }, 180_000);

  afterAll(async () => {
    await stack?.stop();
    await Promise.all([redis?.stop(), database?.stop()]);
  });

  it('runs with the ConfigMap policy: evict values (they carry a TTL), never the queue', async () => {
    expect(await stack.redis.config('GET', 'maxmemory-policy')).toEqual(['maxmemory-policy', 'volatile-lru']);
    expect(await stack.redis.config('GET', 'maxmemory')).toEqual(['maxmemory', String(8 * 1024 * 1024)]);
  });

  it('keeps accepting and computing submissions after the values outgrow the cap, within the cap', async () => {
    for (const index of flood) expect((await post(stack, index, stack.operator)).status).toBe(202);
    stack.startWorker();
    const pending = async () => ((await stack.get('/api/stats')).json as Stats).pending;
    await eventually(async () => ((await pending()) === 0 ? true : undefined), 120_000, 'the flood computed');

    const stats = (await stack.get('/api/stats')).json as Stats;
    expect(stats.done).toBe(flood.length);
    expect(stats.memory?.maxBytes).toBe(8 * 1024 * 1024);
    expect(stats.memory?.evictedValues).toBeGreaterThan(0);
    // Redis evicts before a write would pass the cap: a little over is the one write in flight.
    expect(stats.memory!.usedBytes).toBeLessThan(8 * 1024 * 1024 * 1.1);

    const health = await stack.get('/api/health');
    expect(health.status).toBe(200);
    expect((health.json as HealthReport).checks.redisMaster.ok).toBe(true);

    // A new submission is still accepted and computed: the cache made room.
    expect((await post(stack, 4321)).status).toBe(202);
    await eventually(
      async () => ((await storedDecimals(stack.redis, stack.services.keys, [4321]))[0] ? true : undefined),
      20_000,
    );
    expect((await storedDecimals(stack.redis, stack.services.keys, [4321]))[0]).toBe(fibonacci(4321).toString());
  }, 240_000);

  it('lists a dropped value as dropped (with its preview), computes it again when asked for, and serves the same digits', async () => {
    const stored = await storedDecimals(stack.redis, stack.services.keys, flood);
    const dropped = flood.filter((_, i) => stored[i] === null);
    expect(dropped.length).toBeGreaterThan(0);
    const index = dropped[0]!;

    let row: RecentValuesPage['items'][number] | undefined;
    for (let before: string | null = '', pages = 0; row === undefined && before !== null && pages < 20; pages += 1) {
      const query = before === '' ? '' : `&before=${before}`;
      const page = (await stack.get(`/api/values/recent?limit=200${query}`)).json as RecentValuesPage;
      row = page.items.find((item) => item.index === index);
      before = page.next;
    }
    expect(row).toMatchObject({ status: 'dropped', truncated: true, digits: fibonacci(index).toString().length });
    expect(row?.value).toMatch(/^\d{20}…\d{20} \(\d+ digits\)$/);

    const asked = await stack.get(`/api/values/${index}`);
    expect(asked.status).toBe(200);
    expect(asked.json).toMatchObject({ index, status: 'recomputing', value: null });
    const detail = await eventually(
      async () => {
        const answer = await stack.get(`/api/values/${index}`);
        return (answer.json as ValueDetail).status === 'done' ? answer : undefined;
      },
      20_000,
      'the dropped value computed again',
    );
    expect((detail.json as ValueDetail).value).toBe(fibonacci(index).toString());
    expect(detail.headers.get('etag')).toBe(`"fib-${index}"`);
    expect(detail.headers.get('cache-control')).toMatch(/immutable/);
    const again = await stack.get(`/api/values/${index}`, { 'if-none-match': `"fib-${index}"` });
    expect(again.status).toBe(304);
  }, 60_000);

  it('does not start a drop/recompute loop: dropped values stay dropped until asked for', async () => {
    for (let run = 0; run < 3; run += 1) await stack.runRequeue();
    const stats = (await stack.get('/api/stats')).json as Stats;
    expect(stats.pending).toBe(0);
    expect(stats.queueLength).toBe(0);
  });
});

describe('fair use: a budget per client, weighted by cost, shared through Redis', () => {
  let redis: RedisPair;
  let database: TestDatabase;
  let stack: TestStack;
  const previous = process.env.ASPNETCORE_FORWARDEDHEADERS_ENABLED;
  // Clients behind a trusted proxy: the host takes the address the proxy appended.
  const from = (address: string) => ({ 'x-forwarded-for': address });

  beforeAll(async () => {
    process.env.ASPNETCORE_FORWARDEDHEADERS_ENABLED = 'true';
    [redis, database] = await Promise.all([startRedisPair(), startDatabase('pglite')]);
    stack = await startStack({ redis, database });
  }, 180_000);

  afterEach(async () => {
    await stack.stopWorker();
  });

  afterAll(async () => {
    if (previous === undefined) delete process.env.ASPNETCORE_FORWARDEDHEADERS_ENABLED;
    else process.env.ASPNETCORE_FORWARDEDHEADERS_ENABLED = previous;
    await stack?.stop();
    await Promise.all([redis?.stop(), database?.stop()]);
  });

  it('answers a flooding client 429 with Retry-After past its budget, logs nothing for it, and still computes another client’s index', async () => {
    const flooder = from('203.0.113.7');
    const indices = Array.from({ length: 60 }, (_, i) => 990_000 + i);
    const answers = [];
    for (const index of indices) answers.push(await post(stack, index, flooder));
    const accepted = answers.filter((answer) => answer.status === 202).length;
    const refused = answers.filter((answer) => answer.status === 429);
    // 2,000 units at once, 100 per index near 10^6 (plus what refilled meanwhile).
    expect(accepted).toBeGreaterThanOrEqual(19);
    expect(accepted).toBeLessThan(indices.length);
    expect(refused.length).toBe(indices.length - accepted);
    expect(refused[0]?.json).toEqual({
      error: expect.stringMatching(/too many requests/),
      retryAfterSeconds: expect.any(Number),
    });
    expect(Number(refused[0]?.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    const logged = await database.query<{ count: string }>('SELECT count(*) FROM submissions WHERE number >= 990000');
    expect(Number(logged[0]?.count)).toBe(accepted);

    const other = await post(stack, 77, from('198.51.100.4'));
    expect(other.status).toBe(202);
    stack.startWorker();
    await eventually(
      async () =>
        ((await stack.get('/api/values/77', from('198.51.100.4'))).json as ValueDetail).status === 'done' ? true : undefined,
      30_000,
      'the other client’s index computed',
    );
  }, 60_000);

  it('meters a wrong operator token like any visitor, and never meters the right one', async () => {
    const client = from('203.0.113.9');
    const wrong = { ...client, authorization: 'Bearer not-the-token-at-all' };
    let refused = false;
    for (let index = 970_000; index < 970_060 && !refused; index += 1) refused = (await post(stack, index, wrong)).status === 429;
    expect(refused).toBe(true);
    // The same client, out of budget, with the operator credential: never metered.
    for (let index = 980_000; index < 980_040; index += 1) {
      expect((await post(stack, index, { ...client, ...stack.operator })).status).toBe(202);
    }
  });
});

describe('rebuilding Redis from a large log', () => {
  let redis: RedisPair;
  let database: TestDatabase;
  let stack: TestStack;

  beforeAll(async () => {
    [redis, database] = await Promise.all([startRedisPair(), startDatabase(process.env.TEST_DATABASE_URL ? 'server' : 'pglite')]);
    stack = await startStack({ redis, database });
  }, 180_000);

  afterAll(async () => {
    await stack?.stop();
    await Promise.all([redis?.stop(), database?.stop()]);
  });

  it('reads the distinct indices, not every row, and every logged index is done again', async () => {
    // The app migrates on first use; then 200,000 rows of 2,000 distinct indices, logged long ago.
    expect((await post(stack, 5, stack.operator)).status).toBe(202);
    await database.query(
      "INSERT INTO submissions (number, submitted_at) SELECT g % 2000, now() - interval '1 hour' FROM generate_series(1, 200000) AS g",
    );
    await stack.redis.flushall();
    const store = await stack.services.submissions();
    let indices = 0;
    let rows = 0;
    for (let run = 0; run < 20 && (await stack.redis.get(stack.services.keys.replayCursor)) === null; run += 1) {
      const counts = await replayLog(store, stack.services.producer);
      indices += counts.indices;
      rows += counts.rows;
    }
    expect(await stack.redis.get(stack.services.keys.replayCursor)).not.toBeNull();
    expect(indices).toBe(2000);
    expect(rows).toBeLessThan(1000);

    stack.startWorker();
    const every = Array.from({ length: 2000 }, (_, i) => i);
    await eventually(
      async () => ((await storedDecimals(stack.redis, stack.services.keys, every)).every((v) => v !== null) ? true : undefined),
      60_000,
      'every logged index computed again',
    );
    await stack.stopWorker();
  }, 180_000);
});

// Memory against the cap, on real Redis pairs run with the StatefulSet's redis.conf: a stored
// F(n) costs close to its information (MEMORY USAGE), and a master that refuses writes (full of
// keys volatile-lru may not evict) shows in /api/health with its memory, answers submissions
// with a clear 503, and health is ok again once memory is freed.
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { computeFibonacci } from '../src/fib/fibonacci.js';
import { selectFibonacciEngine } from '../src/fib/fibonacci-engine.js';
import type { HealthReport, SubmitFailure } from '../src/http/api-types.js';
import { TaskConsumer } from '../src/queue/consumer.js';
import { TaskProducer } from '../src/queue/producer.js';
import { type RedisKeys, redisKeys, valueKey } from '../src/redis/keys.js';
import { type RedisPair, startRedisPair } from './support/redis-pair.js';
import { eventually, type OwnedStack, startOwnedStack } from './support/stack.js';
import { storedDecimals } from './support/stored-values.js';

/** Bytes of information in F(n): n·log2(φ)/8 = 0.0868·n. */
const informationBytes = (n: number) => (n * Math.log2((1 + Math.sqrt(5)) / 2)) / 8;

describe('a stored value costs close to its information (the StatefulSet’s Redis, MEMORY USAGE)', () => {
  let redis: RedisPair;
  let client: Redis;
  let keys: RedisKeys;

  beforeAll(async () => {
    redis = await startRedisPair();
    client = new Redis({ port: redis.master.port, maxRetriesPerRequest: 1 });
    client.on('error', () => undefined);
    keys = redisKeys('mb:tasks', 'mb:');
  }, 60_000);

  afterAll(async () => {
    client?.disconnect();
    await redis?.stop();
  });

  it.each([100_000, 1_000_000])(
    'stores F(%i) through the worker’s path in at most 1.2 × n·log2(φ)/8 bytes',
    async (n) => {
      const indexKey = String(n);
      const producer = new TaskProducer(client, keys);
      const consumer = new TaskConsumer(client, keys, { maxAttempts: 3 });
      // As a delivery: queued, popped by the trigger, claimed, computed by the app's engine, stored.
      await producer.enqueue([indexKey]);
      expect(await client.lrem(keys.tasks, 1, indexKey)).toBe(1);
      expect(await consumer.claim(indexKey, Date.now() + 60_000)).toBe(true);
      expect(await consumer.complete(indexKey, computeFibonacci(selectFibonacciEngine('auto'), n))).toBe(true);

      const bytes = Number(await client.memory('USAGE', valueKey(keys, indexKey)));
      expect(bytes).toBeGreaterThan(informationBytes(n));
      expect(bytes).toBeLessThanOrEqual(1.2 * informationBytes(n));
      if (n === 100_000) {
        // It is F(n) (the digits a reader gets), not merely a string of the right size.
        const [decimal] = await storedDecimals(client, keys, [n]);
        expect(decimal?.length).toBe(20_899);
        expect(decimal?.slice(0, 10)).toBe('2597406934');
        expect(decimal?.slice(-10)).toBe('3428746875');
      }
    },
    60_000,
  );
});

/**
 * Fills the master with keys without a TTL (named into `names`) until it refuses writes, with a
 * margin: Redis takes a write while it is at or below its cap (the write's own arguments count,
 * and client buffers come and go by tens of KB), so the last step frees 64 KB and runs a SETRANGE,
 * whose short arguments grow a key by 1 MB past the cap: freeing a few buffers later cannot let
 * writes in again.
 */
async function fillUntilRefused(port: number, redis: Redis, names: string[]): Promise<void> {
  const isOom = (error: unknown) => error instanceof Error && error.message.startsWith('OOM');
  const set = async (value: string) => {
    const name = `filler:${names.length}`;
    try {
      await redis.set(name, value);
      names.push(name);
      return true;
    } catch (error) {
      if (isOom(error)) return false;
      throw error;
    }
  };
  // Quickly, in 64 KB keys over a connection of its own (closed after: its query buffer counts too).
  const bulk = new Redis({ port, maxRetriesPerRequest: 1 });
  bulk.on('error', () => undefined);
  try {
    const chunk = 'x'.repeat(64 * 1024);
    for (let batch = 0, refused = false; batch < 64 && !refused; batch += 1) {
      const pipeline = bulk.pipeline();
      const batchNames = Array.from({ length: 16 }, (_, i) => `filler:bulk:${batch}:${i}`);
      for (const name of batchNames) pipeline.set(name, chunk);
      const results = (await pipeline.exec()) ?? [];
      results.forEach(([error], i) => {
        if (error === null) names.push(batchNames[i] ?? '');
        else if (isOom(error)) refused = true;
        else throw error;
      });
    }
  } finally {
    await bulk.quit();
  }
  // Then in 1 KB keys up to the cap, exactly; free 64 of them and grow one key 1 MB past it.
  let small = 0;
  while (await set('y'.repeat(1024))) if (++small > 20_000) throw new Error('the 8mb cap never refused a write');
  await redis.unlink(...names.splice(-64));
  names.push('filler:pad');
  await redis.setrange('filler:pad', 1024 * 1024, 'z');
}

describe('a master that refuses writes (8mb cap, full of keys it may not evict)', () => {
  let stack: OwnedStack;
  const fillers: string[] = [];

  beforeAll(async () => {
    stack = await startOwnedStack({ maxmemory: '8mb' });
  }, 180_000);

  afterAll(async () => {
    await stack?.stop();
  });

  it('health answers 503 naming the refused write, with memory at the cap; a submission gets a clear 503', async () => {
    expect((await stack.get('/api/health')).status).toBe(200);
    // Keys with no TTL: volatile-lru evicts only keys with one, so once the values are gone
    // Redis refuses every write (OOM), the probe's too.
    await fillUntilRefused(stack.redisPair.master.port, stack.redis, fillers);
    expect(String(await stack.redis.set('filler:probe', '1').catch((error: unknown) => error))).toMatch(/OOM/);

    const health = await stack.get('/api/health');
    expect(health.status).toBe(503);
    const report = health.json as HealthReport;
    expect(report.status).toBe('degraded');
    expect(report.checks.redisMaster).toMatchObject({ ok: false, problem: 'refuses writes: out of memory' });
    expect(report.checks.postgres.ok).toBe(true);
    expect(report.memory?.maxBytes).toBe(8 * 1024 * 1024);
    expect(report.memory?.usedBytes).toBeGreaterThanOrEqual(0.9 * 8 * 1024 * 1024);

    const submission = await stack.post('/api/values', JSON.stringify({ index: 42 }), stack.operator);
    expect(submission.status).toBe(503);
    expect(submission.headers.get('content-type')).toMatch(/application\/json/);
    expect(submission.json).toMatchObject({
      store: 'redis',
      outcome: expect.stringMatching(/^(not-logged|logged|unknown)$/),
      error: expect.stringMatching(/redis/),
    } satisfies Partial<Record<keyof SubmitFailure, unknown>>);
  }, 60_000);

  it('is ok again once the filler keys are deleted', async () => {
    for (let first = 0; first < fillers.length; first += 256) await stack.redis.unlink(...fillers.slice(first, first + 256));
    const report = await eventually(
      async () => {
        const health = await stack.get('/api/health');
        return health.status === 200 && (health.json as HealthReport).status === 'ok' ? (health.json as HealthReport) : undefined;
      },
      10_000,
      'health ok after memory was freed',
    );
    expect(report.checks.redisMaster.problem).toBeUndefined();
    expect(report.memory?.usedBytes).toBeLessThan(0.5 * 8 * 1024 * 1024);
    expect((await stack.post('/api/values', JSON.stringify({ index: 42 }), stack.operator)).status).toBe(202);
  }, 30_000);
});

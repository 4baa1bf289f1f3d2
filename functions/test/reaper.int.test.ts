// The reaper alone, on one real Redis with its own key prefix (no host): leases that expire are
// requeued and counted, entries popped but never claimed get a lease, and after MAX_ATTEMPTS
// lost deliveries an index is given up on.
import type { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { TaskConsumer } from '../src/queue/consumer.js';
import { TaskProducer } from '../src/queue/producer.js';
import { Reaper } from '../src/queue/reaper.js';
import { WorkerHeartbeat } from '../src/queue/worker-heartbeat.js';
import type { RedisKeys } from '../src/redis/keys.js';
import { type PrefixedRedis, startPrefixedRedis } from './support/prefixed-redis.js';

describe('Reaper', () => {
  let store: PrefixedRedis;
  let redis: Redis;
  let keys: RedisKeys;
  let producer: TaskProducer;
  let consumer: TaskConsumer;
  let reaper: Reaper;
  const leaseMs = 1000;

  beforeAll(async () => {
    store = await startPrefixedRedis('rp');
    ({ redis, keys } = store);
    producer = new TaskProducer(redis, keys);
    consumer = new TaskConsumer(redis, keys, { maxAttempts: 2 });
    reaper = new Reaper(redis, keys);
  }, 60_000);

  afterAll(async () => {
    await store?.close();
  });

  it('leases an entry a worker popped but never claimed, then requeues it once that lease expires', async () => {
    await producer.enqueue(['5', '6']);
    expect(await redis.lpop(keys.tasks)).toBe('5'); // popped; the worker died before claiming
    const now = Date.now();
    expect(await reaper.requeueExpired(now, leaseMs, 2, 100)).toEqual({ found: 1, requeued: 0, failed: 0 });
    expect(await redis.zscore(keys.leases, '5')).toBe(String(now + leaseMs));
    expect(await reaper.requeueExpired(now + leaseMs + 1, leaseMs, 2, 100)).toEqual({ found: 0, requeued: 1, failed: 0 });
    expect(await redis.lrange(keys.tasks, 0, -1)).toEqual(['6', '5']);
    expect(await redis.hget(keys.counters, 'leaseExpired')).toBe('1');
  });

  it('gives an index up after MAX_ATTEMPTS lost deliveries and leaves a stored value alone', async () => {
    await redis.del(keys.tasks);
    for (let attempt = 0; attempt < 2; attempt += 1) {
      await redis.lrem(keys.tasks, 0, '6');
      await consumer.claim('6', 1); // a lease that is already over
      await reaper.requeueExpired(Date.now(), leaseMs, 2, 100);
    }
    expect(await redis.zscore(keys.failed, '6')).not.toBeNull();
    expect(await redis.lrange(keys.tasks, 0, -1)).not.toContain('6');
    // A finished task whose lease expires is only cleared, never requeued.
    await producer.enqueue(['8']);
    await redis.lrem(keys.tasks, 0, '8');
    await consumer.claim('8', 1);
    await consumer.complete('8', { hex: '15', computedMs: 0.1 });
    expect(await reaper.requeueExpired(Date.now(), leaseMs, 2, 100)).toEqual({ found: 0, requeued: 0, failed: 0 });
  });

  it('forgets workers not seen for a while', async () => {
    const now = Date.now();
    const beat = (workerId: string, processed: number, at: number) =>
      new WorkerHeartbeat(redis, keys, { processed, retried: 0 }, { workerId, intervalMs: 1000 }).beat(at);
    await beat('old-worker', 10, now - 60_000);
    await beat('live-worker', 3, now);
    expect(await reaper.pruneWorkers(now, 30_000)).toBe(1);
    expect(Object.keys(await redis.hgetall(keys.workers))).toEqual(['live-worker']);
  });
});

// Leases carry their owner's token (TaskConsumer with lua/claim-4, renew-leases-2, give-back-10),
// on one real Redis with its own key prefix (no host): only the worker that claimed a lease
// renews it or gives its task back, so a worker that lost a lease cannot keep it alive.
import type { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { TaskConsumer } from '../src/queue/consumer.js';
import { TaskProducer } from '../src/queue/producer.js';
import { Reaper } from '../src/queue/reaper.js';
import type { RedisKeys } from '../src/redis/keys.js';
import { type PrefixedRedis, startPrefixedRedis } from './support/prefixed-redis.js';

describe('TaskConsumer leases', () => {
  let store: PrefixedRedis;
  let redis: Redis;
  let keys: RedisKeys;
  let producer: TaskProducer;
  let reaper: Reaper;
  /** Two worker processes, each with its own lease token. */
  let first: TaskConsumer;
  let second: TaskConsumer;
  const leaseMs = 1000;
  const maxAttempts = 3;

  /** Queues an index and pops it, as the list trigger does for a worker. */
  async function deliver(indexKey: string): Promise<void> {
    await producer.enqueue([indexKey]);
    expect(await redis.lrem(keys.tasks, 1, indexKey)).toBe(1);
  }

  beforeAll(async () => {
    store = await startPrefixedRedis('cl');
    ({ redis, keys } = store);
    producer = new TaskProducer(redis, keys);
    reaper = new Reaper(redis, keys);
    first = new TaskConsumer(redis, keys, { maxAttempts });
    second = new TaskConsumer(redis, keys, { maxAttempts });
  }, 60_000);

  afterAll(async () => {
    await store?.close();
  });

  it('gives each worker process its own lease token', () => {
    expect(first.leaseToken).not.toBe(second.leaseToken);
  });

  it('a worker cannot renew another worker’s lease', async () => {
    await deliver('5');
    const deadline = Date.now() + leaseMs;
    expect(await first.claim('5', deadline)).toBe(true);
    expect(await second.renewLeases(['5'], deadline + 60_000)).toEqual([false]);
    expect(Number(await redis.zscore(keys.leases, '5'))).toBe(deadline);
    expect(await first.renewLeases(['5'], deadline + 60_000)).toEqual([true]);
    expect(Number(await redis.zscore(keys.leases, '5'))).toBe(deadline + 60_000);
  });

  it('a lease that was reaped and re-claimed is not renewed by its old owner', async () => {
    await deliver('6');
    expect(await first.claim('6', Date.now() - 1)).toBe(true); // the first worker stalled past its lease
    expect(await reaper.requeueExpired(Date.now(), leaseMs, maxAttempts, 100)).toMatchObject({ requeued: 1 });
    // Expired and requeued: the old owner's renewal does not bring the lease back.
    expect(await first.renewLeases(['6'], Date.now() + 60_000)).toEqual([false]);
    expect(await redis.zscore(keys.leases, '6')).toBeNull();
    expect(await redis.lpop(keys.tasks)).toBe('6');
    const deadline = Date.now() + leaseMs;
    expect(await second.claim('6', deadline)).toBe(true);
    expect(await first.renewLeases(['6'], deadline + 60_000)).toEqual([false]);
    expect(Number(await redis.zscore(keys.leases, '6'))).toBe(deadline);
    expect(await second.renewLeases(['6'], deadline + 60_000)).toEqual([true]);
  });

  it('a worker whose lease was taken over does not give the task back, and its new owner still can', async () => {
    // Index 6 as the previous test left it: reaped from the first worker, now leased by the second.
    const counters = async () => Number((await redis.hget(keys.counters, 'invocationFailed')) ?? 0);
    const failedBefore = await counters();
    await first.giveBack('6', true, 'computing failed');
    expect(await redis.lrange(keys.tasks, 0, -1)).toEqual([]);
    expect(await redis.zscore(keys.leases, '6')).not.toBeNull();
    expect(await redis.hget(keys.attempts, '6')).toBe('1'); // the expired lease only
    expect(await counters()).toBe(failedBefore + 1); // the failure itself is still counted
    await second.giveBack('6', false);
    expect(await redis.lrange(keys.tasks, 0, -1)).toEqual(['6']);
    expect(await redis.zscore(keys.leases, '6')).toBeNull();
  });

  it('gives back a popped task nobody has claimed, and stores a value whoever holds the lease', async () => {
    await deliver('7');
    await first.giveBack('7', false); // admission refused it before any claim
    expect(await redis.lrange(keys.tasks, 0, -1)).toEqual(['6', '7']);
    await redis.lrem(keys.tasks, 1, '7');
    expect(await second.claim('7', Date.now() + leaseMs)).toBe(true);
    // F(n) is the same whoever computes it: the old owner's value is stored and the lease is over.
    expect(await first.complete('7', { hex: 'd', computedMs: 0.1 })).toBe(true);
    expect(await redis.zscore(keys.leases, '7')).toBeNull();
    expect(await redis.hget(keys.leaseOwners, '7')).toBeNull();
    expect(await second.renewLeases(['7'], Date.now() + 60_000)).toEqual([false]);
  });
});

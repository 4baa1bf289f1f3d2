// The lease keeper alone, on one real Redis with its own key prefix (no host): it renews the
// leases its process holds before they expire, so the reaper never hands those tasks out again,
// and stops renewing a lease once released, and every lease once stopped.
import type { Redis } from 'ioredis';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';

import { TaskConsumer } from '../src/queue/consumer.js';
import { LeaseKeeper } from '../src/queue/lease-keeper.js';
import { TaskProducer } from '../src/queue/producer.js';
import { Reaper } from '../src/queue/reaper.js';
import type { RedisKeys } from '../src/redis/keys.js';
import { type PrefixedRedis, startPrefixedRedis } from './support/prefixed-redis.js';

// Renewals every second; two seconds of slack before a lease would expire on a busy machine.
const leaseMs = 3000;

describe('LeaseKeeper', () => {
  let store: PrefixedRedis;
  let redis: Redis;
  let keys: RedisKeys;
  let producer: TaskProducer;
  let consumer: TaskConsumer;
  let reaper: Reaper;
  const keepers: LeaseKeeper[] = [];

  const newKeeper = () => {
    const keeper = new LeaseKeeper(consumer, { leaseMs });
    keepers.push(keeper);
    return keeper;
  };
  const deadlineOf = async (indexKey: string) => Number(await redis.zscore(keys.leases, indexKey));

  /** Delivers an index to this worker and claims it, as processTask does, under the keeper's deadline. */
  async function claimHeld(keeper: LeaseKeeper, indexKey: string): Promise<number> {
    await producer.enqueue([indexKey]);
    await redis.lrem(keys.tasks, 1, indexKey);
    const deadline = keeper.deadline();
    expect(await consumer.claim(indexKey, deadline)).toBe(true);
    keeper.hold(indexKey);
    return deadline;
  }

  /** Polls `check` every 50 ms until it holds; fails after `timeoutMs`. */
  async function until(what: string, check: () => Promise<boolean>, timeoutMs = 15_000): Promise<void> {
    const giveUpAt = Date.now() + timeoutMs;
    while (!(await check())) {
      if (Date.now() > giveUpAt) throw new Error(`timed out waiting for ${what}`);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }

  /** Waits until the lease of `indexKey` (held by a running keeper) has moved forward twice. */
  async function renewedTwice(indexKey: string): Promise<void> {
    for (let renewal = 0; renewal < 2; renewal += 1) {
      const before = await deadlineOf(indexKey);
      await until(`a renewal of ${indexKey}`, async () => (await deadlineOf(indexKey)) > before);
    }
  }

  beforeAll(async () => {
    store = await startPrefixedRedis('lk');
    ({ redis, keys } = store);
    producer = new TaskProducer(redis, keys);
    consumer = new TaskConsumer(redis, keys, { maxAttempts: 3 });
    reaper = new Reaper(redis, keys);
  }, 60_000);

  afterEach(() => {
    for (const keeper of keepers.splice(0)) keeper.stop();
  });

  afterAll(async () => {
    await store?.close();
  });

  it('renews the leases it holds before they expire, so the reaper does not requeue their tasks', async () => {
    const keeper = newKeeper();
    const firstDeadline = await claimHeld(keeper, '1');
    // Past the first deadline, the lease has never been seen expired.
    await until('the first deadline to pass', async () => {
      expect(await deadlineOf('1')).toBeGreaterThan(Date.now());
      return Date.now() > firstDeadline + 100;
    });
    expect(await reaper.requeueExpired(Date.now(), leaseMs, 3, 100)).toEqual({ found: 0, requeued: 0, failed: 0 });
    expect(await redis.llen(keys.tasks)).toBe(0);
  });

  it('stops renewing a lease once it is released, and keeps renewing the others', async () => {
    const keeper = newKeeper();
    await claimHeld(keeper, '2');
    await claimHeld(keeper, '3');
    keeper.release('2');
    await renewedTwice('3'); // a renewal sent before the release has landed by now
    const released = await deadlineOf('2');
    await renewedTwice('3');
    expect(await deadlineOf('2')).toBe(released);
  });

  it('keeps a lease held by two invocations until both release it', async () => {
    const keeper = newKeeper();
    await claimHeld(keeper, '4');
    keeper.hold('4'); // the same index delivered twice to this process
    keeper.release('4');
    await renewedTwice('4');
  });

  it('stops renewing every lease once stopped (at close)', async () => {
    const stopped = newKeeper();
    await claimHeld(stopped, '5');
    const witness = newKeeper();
    await claimHeld(witness, '6');
    stopped.stop();
    await renewedTwice('6'); // a renewal sent before the stop has landed by now
    const lastDeadline = await deadlineOf('5');
    await renewedTwice('6');
    expect(await deadlineOf('5')).toBe(lastDeadline);
  });
});

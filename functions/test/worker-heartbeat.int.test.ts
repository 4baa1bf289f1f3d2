// The worker heartbeat alone, on one real Redis with its own key prefix (no host): it records the
// worker as alive with the tasks it processed, and adds each retry it counted to the total once.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { parseHeartbeat } from '../src/queue/records.js';
import { WorkerHeartbeat, type WorkerTally } from '../src/queue/worker-heartbeat.js';
import { type PrefixedRedis, startPrefixedRedis } from './support/prefixed-redis.js';

describe('WorkerHeartbeat', () => {
  let store: PrefixedRedis;

  beforeAll(async () => {
    store = await startPrefixedRedis('hb');
  }, 60_000);

  afterAll(async () => {
    await store?.close();
  });

  it('records the worker as seen now with its processed count, and adds each retry to the total once', async () => {
    const { redis, keys } = store;
    const tally: { -readonly [K in keyof WorkerTally]: number } = { processed: 4, retried: 2 };
    const heartbeat = new WorkerHeartbeat(redis, keys, tally, { workerId: 'worker-a', intervalMs: 60_000 });
    await heartbeat.beat(1000);
    expect(parseHeartbeat((await redis.hget(keys.workers, 'worker-a')) ?? '')).toEqual({ lastSeen: 1000, processed: 4 });
    expect(await redis.hget(keys.counters, 'retried')).toBe('2');
    tally.processed = 5;
    tally.retried = 3;
    await heartbeat.beat(2000);
    await heartbeat.beat(3000);
    expect(parseHeartbeat((await redis.hget(keys.workers, 'worker-a')) ?? '')).toEqual({ lastSeen: 3000, processed: 5 });
    expect(await redis.hget(keys.counters, 'retried')).toBe('3');
  });

  it('sends its first beat as soon as it starts, not an interval later', async () => {
    const { redis, keys } = store;
    const heartbeat = new WorkerHeartbeat(
      redis,
      keys,
      { processed: 0, retried: 0 },
      { workerId: 'worker-b', intervalMs: 60_000 },
    );
    heartbeat.start();
    const giveUpAt = Date.now() + 10_000;
    while ((await redis.hget(keys.workers, 'worker-b')) === null) {
      if (Date.now() > giveUpAt) throw new Error('no heartbeat within 10 s of start');
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
    heartbeat.stop();
  });
});

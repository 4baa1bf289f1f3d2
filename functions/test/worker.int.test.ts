// The worker under load and faults: transient Redis errors retried with backoff, a failed
// invocation giving its task back at once, backpressure within the lease, the counters in
// /api/stats and the events stream.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { DependencyUnavailableError } from '../src/errors.js';
import { selectFibonacciEngine } from '../src/fib/fibonacci-engine.js';
import type { TaskConsumer } from '../src/queue/consumer.js';
import { processTask, type ProcessTaskOptions, type TaskOutcome } from '../src/queue/process-task.js';
import { WorkBudget } from '../src/queue/work-budget.js';
import { startDatabase, type TestDatabase } from './support/database.js';
import { type RedisPair, startRedisPair } from './support/redis-pair.js';
import { eventually, startStack, type TestStack } from './support/stack.js';
import { seedValue, storedCount, storedDecimals } from './support/stored-values.js';

const leaseMs = 2000;

describe('worker', () => {
  let redis: RedisPair;
  let database: TestDatabase;
  let stack: TestStack;

  beforeAll(async () => {
    [redis, database] = await Promise.all([startRedisPair(), startDatabase('pglite')]);
    stack = await startStack({
      redis,
      database,
      env: { LEASE_MS: String(leaseMs), MAX_ATTEMPTS: '3', REDIS_TIMEOUT_MS: '1000' },
    });
  }, 180_000);

  afterAll(async () => {
    await stack?.stop();
    await Promise.all([redis?.stop(), database?.stop()]);
  });

  const k = () => stack.services.keys;
  // Read from the master (the direct client): /api/stats reads a replica that may lag a moment.
  const counters = async () => {
    const fields = await stack.redis.hgetall(stack.services.keys.counters);
    const count = (name: string) => Number(fields[name] ?? 0);
    return {
      leaseExpired: count('leaseExpired'),
      invocationFailed: count('invocationFailed'),
      givenBack: count('givenBack'),
      retried: count('retried'),
    };
  };
  const options = (overrides: Partial<ProcessTaskOptions> = {}): ProcessTaskOptions => ({
    consumer: stack.services.consumer,
    leaseKeeper: stack.services.leaseKeeper,
    budget: new WorkBudget({ budgetMs: leaseMs / 4 }),
    engine: selectFibonacciEngine('auto'),
    maxIndex: stack.config.maxIndex,
    log: () => undefined,
    ...overrides,
  });
  /** Queues indices as the API does and pops them as the trigger does. */
  const popQueued = async (indices: number[]): Promise<string[]> => {
    await stack.services.producer.enqueue(indices.map(String));
    return (await stack.redis.lpop(stack.config.tasksKey, indices.length)) ?? [];
  };

  it('retries a transient Redis error with backoff instead of failing the invocation, and counts the retries', async () => {
    const [entry] = await popQueued([61]);
    const before = (await counters()).retried;
    // Every client's commands wait 1.5 s: longer than the 1 s command timeout.
    await stack.redis.call('CLIENT', 'PAUSE', '1500', 'ALL');
    expect(await processTask(Number(entry), options())).toBe('computed');
    await stack.services.heartbeat.beat();
    expect((await counters()).retried).toBeGreaterThan(before);
    expect(await storedDecimals(stack.redis, k(), [61])).toEqual(['2504730781961']);
  });

  it('gives a failed invocation its task back at once, counting an attempt, not after the lease', async () => {
    const [entry] = await popQueued([62]);
    const failing = Object.create(stack.services.consumer) as TaskConsumer;
    failing.complete = () => Promise.reject(new Error('storing failed'));
    const before = await counters();
    await expect(processTask(Number(entry), options({ consumer: failing }))).rejects.toThrow('storing failed');
    expect(await stack.redis.lrange(stack.config.tasksKey, 0, -1)).toEqual(['62']);
    expect(await stack.redis.zscore(k().leases, '62')).toBeNull();
    expect(await stack.redis.hget(k().attempts, '62')).toBe('1');
    const after = await counters();
    expect(after.invocationFailed - before.invocationFailed).toBe(1);
    expect(after.givenBack - before.givenBack).toBe(1);
    expect(after.leaseExpired).toBe(before.leaseExpired);
    await stack.redis.del(stack.config.tasksKey);
  });

  it('holds no more popped work than it can finish well within its lease, giving the rest back unstarted', async () => {
    // Estimated well past a quarter of the lease in all (~12 ms each on the BigInt model).
    const indices = Array.from({ length: 100 }, (_, i) => 900_000 + i);
    const entries = await popQueued(indices);
    const budget = new WorkBudget({ budgetMs: leaseMs / 4 });
    const before = await counters();
    // As the trigger does: one invocation per popped entry, all at once.
    const outcomes: TaskOutcome[] = await Promise.all(entries.map((entry) => processTask(Number(entry), options({ budget }))));
    const givenBack = outcomes.filter((outcome) => outcome === 'given-back').length;
    expect(outcomes.filter((outcome) => outcome === 'computed').length).toBeGreaterThan(0);
    expect(givenBack).toBeGreaterThan(0);
    expect((await counters()).givenBack - before.givenBack).toBe(givenBack);
    // Given back at once: on the list again, not waiting for a lease to expire.
    expect(await stack.redis.llen(stack.config.tasksKey)).toBe(givenBack);
    expect(await stack.redis.zcard(k().leases)).toBe(0);
    expect(budget.held).toBe(0);
    stack.startWorker();
    try {
      // A generous bound (this is about what is given back, not how fast). The check counts keys:
      // it used to decode every value to decimal each 25 ms, which starved this same process's worker.
      await eventually(
        async () => ((await storedCount(stack.redis, k(), indices)) === indices.length ? true : undefined),
        120_000,
        'every index computed',
      );
    } finally {
      // Stopped even when the wait fails, so that the next tests do not share the queue with it.
      await stack.stopWorker();
    }
    expect((await counters()).leaseExpired).toBe(before.leaseExpired);
  }, 180_000);

  it('treats only store outages as transient: a bad index fails without retries', async () => {
    const consumer = Object.create(stack.services.consumer) as TaskConsumer;
    let claims = 0;
    consumer.claim = () => {
      claims += 1;
      return Promise.reject(claims < 3 ? new DependencyUnavailableError('redis') : new Error('bug'));
    };
    const [entry] = await popQueued([63]);
    await expect(processTask(Number(entry), options({ consumer }))).rejects.toThrow('bug');
    expect(claims).toBe(3);
    await stack.redis.del(stack.config.tasksKey);
  });

  it('shows the counters in /api/stats', async () => {
    await stack.redis.hincrby(stack.services.keys.counters, 'leaseExpired', 1);
    const expected = await counters();
    await eventually(async () => {
      const { json } = await stack.get('/api/stats');
      const shown = (json as { counters: Record<string, number> }).counters;
      return shown.leaseExpired === expected.leaseExpired ? shown : undefined;
    }, 3000);
    const shown = ((await stack.get('/api/stats')).json as { counters: unknown }).counters;
    expect(Object.keys(shown as object).sort()).toEqual(['givenBack', 'invocationFailed', 'leaseExpired', 'retried']);
  });

  it('writes queued and done events to the fib:events stream', async () => {
    const [entry] = await popQueued([64]);
    await processTask(Number(entry), options());
    const events = await stack.redis.xrange(k().events, '-', '+');
    const forIndex = events.map(([, fields]) => fields).filter((fields) => fields[1] === '64');
    expect(forIndex).toEqual([
      ['index', '64', 'status', 'queued'],
      ['index', '64', 'status', 'done'],
    ]);
  });
  it('queues a batch of submissions in order, once each, and lists a repeated index at its latest submission', async () => {
    await seedValue(stack.redis, k(), 74);
    const sequenceBefore = Number((await stack.redis.get(k().sequence)) ?? 0);
    const statuses = await stack.services.producer.enqueue(['71', '74', '72', '71', '73', '74']);
    expect(statuses).toEqual(['queued', 'done', 'queued', 'queued', 'queued', 'done']);
    const tasks = await stack.redis.lrange(stack.config.tasksKey, 0, -1);
    expect(tasks.filter((entry) => ['71', '72', '73', '74'].includes(entry))).toEqual(['71', '72', '73']);
    expect(await stack.redis.zrevrange(k().recent, 0, 3)).toEqual(['74', '73', '71', '72']);
    expect(Number(await stack.redis.get(k().sequence))).toBe(sequenceBefore + 6);
    expect(Number(await stack.redis.zscore(k().queued, '73'))).toBe(sequenceBefore + 5);
    expect(await stack.services.producer.enqueue(['72', '74'])).toEqual(['queued', 'done']);
    expect(await stack.redis.llen(stack.config.tasksKey)).toBe(tasks.length);
  });
});

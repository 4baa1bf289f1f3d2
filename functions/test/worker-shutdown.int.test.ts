// A worker told to stop (SIGTERM, as the kubelet does on every KEDA scale-in and rollout) under
// load: it takes no new task, gives back at once what it has not started, finishes what it is
// computing, closes everything and exits by itself; no lease expires and every task is done.
import { randomBytes } from 'node:crypto';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { functionSelection } from '../../local/runtime/functions-processes.js';
import { type HostProcess, startHostProcess } from '../../local/test/support/host-process.js';
import { type Config, loadConfig } from '../src/config.js';
import { selectFibonacciEngine } from '../src/fib/fibonacci-engine.js';
import type { TaskConsumer } from '../src/queue/consumer.js';
import { processTask } from '../src/queue/process-task.js';
import { WorkBudget } from '../src/queue/work-budget.js';
import { createServices, type Services } from '../src/services.js';
import { createRedisServer, type RedisServer } from './support/redis-pair.js';
import { eventually } from './support/stack.js';

const leaseMs = 4000;
const tasks = 3000;

describe('worker SIGTERM under load', () => {
  let redis: RedisServer;
  let config: Readonly<Config>;
  let services: Services;
  let env: Record<string, string>;
  const hosts: HostProcess[] = [];
  const engine = selectFibonacciEngine('auto');

  beforeAll(async () => {
    redis = await createRedisServer();
    await redis.node.start();
    const prefix = `w${randomBytes(3).toString('hex')}:`;
    env = {
      REDIS_MASTER: `127.0.0.1:${redis.port},ssl=False,abortConnect=False`,
      REDIS_KEY_PREFIX: prefix,
      TASKS_KEY: `${prefix}tasks`,
      LEASE_MS: String(leaseMs),
      REDIS_TIMEOUT_MS: '1000',
      WORKER_POLLING_INTERVAL_MS: '20',
      ...functionSelection(['fib-worker']),
    };
    config = loadConfig(env);
    services = createServices(config, () => undefined);
  }, 60_000);

  afterAll(async () => {
    await Promise.all(hosts.map((host) => host.stop()));
    await services?.close();
    await redis?.dispose();
  });

  const figures = async () => (await services.readModel.stats(Date.now())).value;
  /** What the api's queue-maintenance timer does every 5 s: requeue tasks whose lease expired (counted). */
  const reap = () => services.reaper.requeueExpired(Date.now(), leaseMs, config.maxAttempts, 1000);

  it('gives back at once, unstarted and with no attempt counted, every task whose compute had not begun when shutdown began', async () => {
    const indices = ['501', '502', '503', '504', '505'];
    await services.producer.enqueue(indices);
    const popped = (await services.master.lpop(config.tasksKey, indices.length)) ?? [];
    const stopping = new AbortController();
    // Shutdown begins while the tasks hold their claims and wait for their compute slot.
    const consumer = Object.create(services.consumer) as TaskConsumer;
    consumer.claim = async (...args) => {
      const claimed = await services.consumer.claim(...args);
      stopping.abort();
      return claimed;
    };
    const before = (await figures()).counters;
    const outcomes = await Promise.all(
      popped.map((entry) =>
        processTask(Number(entry), {
          consumer,
          leaseKeeper: services.leaseKeeper,
          budget: new WorkBudget({ budgetMs: leaseMs / 4 }),
          engine,
          maxIndex: config.maxIndex,
          log: () => undefined,
          stopping: stopping.signal,
        }),
      ),
    );
    expect(outcomes).toEqual(indices.map(() => 'given-back'));
    expect((await services.master.lrange(config.tasksKey, 0, -1)).sort()).toEqual(indices);
    expect(await services.master.zcard(services.keys.leases)).toBe(0);
    expect(await services.master.hmget(services.keys.attempts, ...indices)).toEqual(indices.map(() => null));
    const after = (await figures()).counters;
    expect(after.givenBack - before.givenBack).toBe(indices.length);
    expect(after.invocationFailed).toBe(before.invocationFailed);
    // A task popped after shutdown began is given back before it is even claimed.
    expect(
      await processTask(Number(await services.master.lpop(config.tasksKey)), {
        consumer: services.consumer,
        leaseKeeper: services.leaseKeeper,
        budget: new WorkBudget({ budgetMs: leaseMs / 4 }),
        engine,
        maxIndex: config.maxIndex,
        log: () => undefined,
        stopping: stopping.signal,
      }),
    ).toBe('given-back');
    await services.master.del(config.tasksKey);
    await services.master.del(services.keys.queued);
  });

  it('exits by itself with 0 lease expiries, and a second worker finishes every task', async () => {
    // Indices large enough that a batch is real work (F(20,000)..F(200,000): 0.1 to a few ms each).
    const indices = Array.from({ length: tasks }, (_, i) => 20_000 + ((i * 7919) % 180_000));
    await services.producer.enqueue(indices.map(String));
    const first = await startHostProcess(env);
    hosts.push(first);
    await eventually(async () => ((await figures()).done >= 200 ? true : undefined), 60_000, 'the first worker under way');

    const ended = await first.terminate();
    expect(ended).toEqual({ code: 0, signal: null });
    expect(first.output()).toContain('SIGTERM: stopping');
    const atExit = await figures();
    // Nothing is left computing: what it held was finished or given back.
    expect(atExit.computing).toBe(0);
    expect(atExit.done).toBeLessThan(tasks);

    const second = await startHostProcess(env);
    hosts.push(second);
    await eventually(
      async () => {
        await reap();
        const now = await figures();
        return now.done === tasks && now.pending === 0 && now.queueLength === 0 ? now : undefined;
      },
      120_000,
      'every task done',
    );
    await reap();
    expect((await figures()).counters.leaseExpired).toBe(0);
  }, 240_000);
});

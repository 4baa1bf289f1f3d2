// Faults of workers: dying after popping or mid-batch, leases, bounded attempts. Nothing may be
// lost, half-written or left hanging. Store outages: store-faults.int.test.ts.
import { type ChildProcess, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';

import { eventually, type OwnedStack, startOwnedStack } from './support/stack.js';
import { storedCount } from './support/stored-values.js';

const leaseMs = 400;
const root = fileURLToPath(new URL('../..', import.meta.url));

describe('faults', () => {
  let stack: OwnedStack;

  beforeAll(async () => {
    stack = await startOwnedStack({ env: { LEASE_MS: String(leaseMs), MAX_ATTEMPTS: '3' } });
  }, 180_000);

  beforeEach(async () => {
    // Each test starts with an empty queue; values from earlier tests may stay.
    const k = stack.services.keys;
    await stack.redis.del(k.tasks, k.queued, k.leases, k.attempts, k.failed);
    // Deleting the queue makes earlier tests' indices unknown to Redis: mark the log replayed so
    // the requeue timer's log replay (store-faults covers it) does not queue them again here.
    await stack.redis.set(k.replayCursor, String(Number.MAX_SAFE_INTEGER));
  });

  afterEach(async () => {
    await stack.stopWorker();
  });

  afterAll(async () => {
    await stack?.stop();
  });

  const statusOf = async (index: number) =>
    (await stack.get(`/api/values/${index}`, stack.operator)).json as { status: string; attempts: number };
  const expireLeases = () => new Promise((resolve) => setTimeout(resolve, leaseMs + 50));

  it('requeues tasks a worker popped but died before handling, and computes them once', async () => {
    await stack.post('/api/values', '{"index": 20}');
    await stack.post('/api/values', '{"index": 21}');
    // The extension pops the batch before any handler runs; the process then dies.
    expect(await stack.redis.lpop(stack.config.tasksKey, 10)).toEqual(['20', '21']);
    await stack.runRequeue(); // notices they left the list unclaimed and starts their lease
    expect(await stack.redis.llen(stack.config.tasksKey)).toBe(0);
    await expireLeases();
    await stack.runRequeue();
    expect(await stack.redis.lrange(stack.config.tasksKey, 0, -1)).toEqual(['20', '21']);
    stack.startWorker();
    await eventually(async () => ((await statusOf(21)).status === 'done' ? true : undefined), 3000, 'index 21 done');
    expect(await stack.get('/api/values/20')).toMatchObject({ json: { value: '6765', status: 'done' } });
    expect((await statusOf(20)).attempts).toBe(0);
  });

  it('requeues a task whose handler claimed it and then died mid-compute', async () => {
    await stack.post('/api/values', '{"index": 30}');
    await stack.redis.lpop(stack.config.tasksKey);
    expect(await stack.services.consumer.claim('30', Date.now() + leaseMs)).toBe(true);
    expect((await statusOf(30)).status).toBe('computing');
    await expireLeases();
    await stack.runRequeue();
    expect(await stack.redis.lrange(stack.config.tasksKey, 0, -1)).toEqual(['30']);
    expect((await statusOf(30)).attempts).toBe(1);
    stack.startWorker();
    await eventually(async () => ((await statusOf(30)).status === 'done' ? true : undefined), 3000, 'index 30 done');
  });

  it('keeps the lease of a live worker renewed, so its task is not handed out twice', async () => {
    await stack.post('/api/values', '{"index": 35}');
    await stack.redis.lpop(stack.config.tasksKey);
    const keeper = stack.services.leaseKeeper;
    expect(await stack.services.consumer.claim('35', keeper.deadline())).toBe(true);
    keeper.hold('35');
    await expireLeases();
    await expireLeases();
    await stack.runRequeue();
    expect(await stack.redis.llen(stack.config.tasksKey)).toBe(0);
    expect((await statusOf(35)).status).toBe('computing');
    keeper.release('35');
    await expireLeases();
    await stack.runRequeue();
    expect(await stack.redis.lrange(stack.config.tasksKey, 0, -1)).toEqual(['35']);
  });

  it('moves a task to failed after MAX_ATTEMPTS lost deliveries, and a new submission retries it', async () => {
    await stack.post('/api/values', '{"index": 44}');
    for (let attempt = 1; attempt <= 3; attempt += 1) {
      await stack.redis.lpop(stack.config.tasksKey);
      await stack.services.consumer.claim('44', Date.now() + leaseMs);
      await expireLeases();
      await stack.runRequeue();
    }
    expect(await stack.redis.llen(stack.config.tasksKey)).toBe(0);
    expect(await statusOf(44)).toMatchObject({ status: 'failed', attempts: 3 });
    expect(((await stack.get('/api/stats')).json as { failed: number }).failed).toBe(1);
    expect((await stack.post('/api/values', '{"index": 44}')).json).toMatchObject({ status: 'queued' });
    stack.startWorker();
    await eventually(async () => ((await statusOf(44)).status === 'done' ? true : undefined), 3000, 'index 44 done');
  });

  it('loses nothing when a real worker process is killed mid-batch', async () => {
    // Large enough that the worker is still busy when the first value is stored.
    const indices = Array.from({ length: 120 }, (_, i) => 880_000 + i);
    for (const index of indices) await stack.post('/api/values', JSON.stringify({ index }), stack.operator);
    const env = {
      ...process.env,
      REDIS_MASTER: stack.redisPair.master.connectionString,
      REDIS_REPLICA: stack.redisPair.replica.connectionString,
      REDIS_KEY_PREFIX: stack.config.keyPrefix,
      TASKS_KEY: stack.config.tasksKey,
      LEASE_MS: String(leaseMs),
      WORKER_MAX_BATCH_SIZE: '5',
      WORKER_POLLING_INTERVAL_MS: '10',
      AzureFunctionsJobHost__functions__0: 'fib-worker',
    };
    const worker: ChildProcess = spawn(process.execPath, ['--import', 'tsx', 'local/host/main.ts', '--quiet'], {
      cwd: root,
      env,
      stdio: 'ignore',
    });
    const exited = new Promise((resolve) => worker.once('exit', resolve));
    const stored = async () => storedCount(stack.redis, stack.services.keys, indices);
    try {
      // Kill it as soon as some, but not all, values are stored.
      await eventually(async () => ((await stored()) > 0 ? true : undefined), 20_000, 'first result');
      worker.kill('SIGKILL');
      await exited;
    } finally {
      worker.kill('SIGKILL');
    }
    const pending = async () =>
      (await stack.redis.zcard(stack.services.keys.queued)) + (await stack.redis.zcard(stack.services.keys.leases));
    // Killed mid-work: some values stored, the rest popped-and-lost or still queued.
    expect(await stored()).toBeLessThan(indices.length);
    expect(await pending()).toBeGreaterThan(0);
    stack.startWorker();
    await eventually(
      async () => {
        await stack.runRequeue();
        return (await pending()) === 0 ? true : undefined;
      },
      60_000,
      'every index recovered',
    );
    const statuses = await Promise.all(indices.map(statusOf));
    expect(statuses.filter((s) => s.status !== 'done')).toEqual([]);
    expect(await stack.redis.zcard(stack.services.keys.failed)).toBe(0);
  }, 120_000);
});

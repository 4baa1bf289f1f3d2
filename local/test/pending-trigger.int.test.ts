// KEDA sees work in flight: the local scaler evaluates both triggers of keda/scaledobject.yaml
// (LLEN tasks, and `pending` from the api's /api/stats through the metrics-api trigger) against
// a real stack whose tasks are popped and held under leases, like KEDA's e2e suites:
// activation, scale-out, no scale-in while leases are held, scale-in after. The clock of the
// scaling loops is driven by the test; Redis, the api and the leases are real.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { computeFibonacci } from '../../functions/src/fib/fibonacci.js';
import { selectFibonacciEngine } from '../../functions/src/fib/fibonacci-engine.js';
import { startDatabase, type TestDatabase } from '../../functions/test/support/database.js';
import { type RedisPair, startRedisPair } from '../../functions/test/support/redis-pair.js';
import { startStack, type TestStack } from '../../functions/test/support/stack.js';
import { LocalScaler, type WorkerHandle } from '../runtime/local-scaler.js';
import { readMetricsApiTrigger } from '../runtime/metrics-api-trigger.js';
import { parseScaledObject } from '../runtime/scaling-rules.js';

const root = join(import.meta.dirname, '..', '..');
const manifest = parseScaledObject(readFileSync(join(root, 'keda', 'scaledobject.yaml'), 'utf8'));

describe('the worker scales on pending work (queued + leased), not only on LLEN', () => {
  const engine = selectFibonacciEngine('auto');
  let redis: RedisPair;
  let database: TestDatabase;
  let stack: TestStack;

  beforeAll(async () => {
    [redis, database] = await Promise.all([startRedisPair(), startDatabase('pglite')]);
    stack = await startStack({ redis, database });
  }, 180_000);

  afterAll(async () => {
    await stack?.stop();
    await Promise.all([redis?.stop(), database?.stop()]);
  });

  it('reads the pending trigger from keda/scaledobject.yaml: /api/stats `pending`, one batch per replica', () => {
    expect(manifest.metricsApiTriggers).toEqual([
      expect.objectContaining({ valueLocation: 'pending', targetValue: manifest.listLength, activationTargetValue: 0 }),
    ]);
  });

  it('activates on queued work, scales out on it, keeps workers while leases are held, then scales in', async () => {
    // The manifest's triggers and periods, with a smaller batch so a few hundred tasks are "many".
    const spec = {
      ...manifest,
      listLength: 100,
      metricsApiTriggers: manifest.metricsApiTriggers!.map((t) => ({ ...t, targetValue: 100 })),
    };
    let now = 0;
    const running = new Set<number>();
    let started = 0;
    const scaler = new LocalScaler({
      spec,
      now: () => now,
      readQueueLength: () => stack.redis.llen(stack.config.tasksKey),
      readMetricsApiValues: () => Promise.all(spec.metricsApiTriggers.map((t) => readMetricsApiTrigger(t, stack.baseUrl))),
      startWorker(): WorkerHandle {
        const id = (started += 1);
        running.add(id);
        return { stop: () => Promise.resolve(void running.delete(id)) };
      },
    });
    const tick = async (seconds: number) => {
      now += seconds * 1000;
      await scaler.kedaTick();
      await scaler.hpaTick();
    };
    /** /api/stats reads the replica: wait until it shows `pending` (bounded). */
    const pendingIs = async (expected: number) => {
      for (let i = 0; i < 200; i += 1) {
        const { json } = await stack.get('/api/stats');
        if ((json as { pending: number }).pending === expected) return;
        await new Promise((resolve) => setTimeout(resolve, 25));
      }
      throw new Error(`pending never reached ${expected}`);
    };

    await tick(1);
    expect(running.size).toBe(0);

    // Activation and scale-out: 350 queued tasks -> ceil(350 / 100) = 4 replicas.
    const indices = Array.from({ length: 350 }, (_, i) => String(1000 + i));
    await stack.services.producer.enqueue(indices);
    await pendingIs(350);
    now += 1000;
    await scaler.kedaTick(); // KEDA's pass: 0 -> 1
    expect(running.size).toBe(1);
    await tick(15); // the HPA's: 1 -> 4
    expect(running.size).toBe(4);

    // The workers pop every entry and hold 350 leases: LLEN is 0, the work is not done.
    const popped = (await stack.redis.lpop(stack.config.tasksKey, indices.length)) ?? [];
    expect(popped.length).toBe(350);
    const claims = await Promise.all(popped.map((key) => stack.services.consumer.claim(key, Date.now() + 600_000)));
    expect(claims.every(Boolean)).toBe(true);
    await pendingIs(350);
    expect(await stack.redis.llen(stack.config.tasksKey)).toBe(0);
    // Well past the cooldown and the scale-down window: still active, still 4 (pending / 100).
    for (let t = 0; t < spec.cooldownPeriodSeconds + 120; t += 15) await tick(15);
    expect(scaler.snapshot()).toMatchObject({ active: true, queueLength: 0, metricsApiValues: [350] });
    expect(running.size).toBe(4);

    // Part of the batch stored: pending 50 -> the HPA scales in towards 1, never to 0.
    await Promise.all(
      popped.slice(0, 300).map((key) => stack.services.consumer.complete(key, computeFibonacci(engine, Number(key)))),
    );
    await pendingIs(50);
    for (let t = 0; t < 300; t += 15) await tick(15);
    expect(running.size).toBe(1);
    expect(scaler.snapshot().active).toBe(true);

    // The last leases released: inactive, and to zero once the cooldown has passed.
    await Promise.all(
      popped.slice(300).map((key) => stack.services.consumer.complete(key, computeFibonacci(engine, Number(key)))),
    );
    await pendingIs(0);
    await tick(1);
    expect(running.size).toBe(1); // cooling down
    await tick(spec.cooldownPeriodSeconds + 1);
    expect(running.size).toBe(0);
    expect(scaler.snapshot()).toMatchObject({ active: false, desired: 0, metricsApiValues: [0] });
    await scaler.stop();
  }, 120_000);
});

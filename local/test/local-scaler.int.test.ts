// `npm start` (local/runtime/main.ts) with its KEDA-faithful scaler, end to end like KEDA's e2e
// suites: activation 0 -> 1, scale-out 1 -> N on the queue, scale-in N -> 0 after the
// cooldown, with real worker processes stopped gracefully (the stack keeps running); the
// scaler's state is read where the runtime publishes it (GET <runtimeUrl>/scaler).
import { setTimeout as sleep } from 'node:timers/promises';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { operatorHeaders, readOperatorToken } from '../runtime/operator-token.js';
import { fastScaledObject } from './support/fast-scaled-object.js';
import { type RuntimeProcess, startRuntimeProcess } from './support/runtime-process.js';

describe('npm start runs workers under the local KEDA scaler', () => {
  let runtime: RuntimeProcess;
  let apiUrl = '';
  let runtimeUrl = '';

  beforeAll(async () => {
    runtime = await startRuntimeProcess({
      label: 'npm start',
      scaledObject: fastScaledObject(),
      readyWithinMs: 180_000,
      stopGraceMs: 15_000,
    });
    ({ apiUrl, runtimeUrl } = runtime);
  }, 300_000);

  afterAll(async () => {
    await runtime?.stop();
  }, 30_000);

  it('goes 0 -> 1 -> N -> 0 on a burst and keeps the stack running', async () => {
    const state = async () =>
      (await (await fetch(`${runtimeUrl}/scaler`)).json()) as { desired: number; running: number; mode: string; cap: number };
    expect(await state()).toMatchObject({ mode: 'keda', desired: 0, running: 0, cap: 4 });

    // A burst of 1,500 distinct, moderately costly indices, sent 50 at a time.
    const indices = Array.from({ length: 1500 }, (_, i) => 150_000 + i * 7);
    for (let i = 0; i < indices.length; i += 50) {
      await Promise.all(
        indices.slice(i, i + 50).map((index) =>
          fetch(`${apiUrl}/api/values`, {
            method: 'POST',
            // The operator credential npm start generated: a burst like this is a load test.
            headers: { 'content-type': 'application/json', ...operatorHeaders(readOperatorToken(runtime.dataDir)) },
            body: JSON.stringify({ index }),
          }).then((r) => {
            expect(r.status).toBe(202);
            return r.arrayBuffer();
          }),
        ),
      );
    }
    let peak = 0;
    let drained = false;
    // Bounded in time, not in passes: on a busy machine each pass takes longer.
    for (const deadline = Date.now() + 150_000; Date.now() < deadline;) {
      const replicas = (await state()).desired;
      peak = Math.max(peak, replicas);
      const stats = (await (await fetch(`${apiUrl}/api/stats`)).json()) as { pending: number; done: number };
      if (stats.pending === 0 && stats.done >= indices.length) drained = true;
      if (drained && replicas === 0) break;
      await sleep(100);
    }
    expect(drained).toBe(true);
    // Sampling every 100 ms can miss a short peak; the scaler logs every change it makes.
    for (const [, replicas] of runtime.output().matchAll(/\[scaler\] workers \d+ -> (\d+)/g))
      peak = Math.max(peak, Number(replicas));
    if (peak <= 1)
      console.log(
        runtime
          .output()
          .split('\n')
          .filter((l) => l.includes('scaler'))
          .join('\n'),
      );
    expect(peak).toBeGreaterThan(1);
    expect(await state()).toMatchObject({ desired: 0, running: 0 });
    expect(runtime.output()).toMatch(/\[scaler\] workers 0 -> 1 {2}\(KEDA activated/);
    expect(runtime.output()).toMatch(/\[scaler\] workers 1 -> [2-4] {2}\(HPA/);
    expect(runtime.output()).toMatch(/\[scaler\] workers \d -> 0 {2}\(KEDA: every trigger inactive for cooldownPeriod 3 s\)/);
    // Scale-in stopped workers on purpose: none was restarted as if it had crashed.
    expect(runtime.output()).not.toMatch(/worker-\d+ exited/);
    expect(runtime.child.exitCode).toBeNull();
    expect((await fetch(`${apiUrl}/api/health`)).status).toBe(200);
  }, 240_000);
});

// `npm run cluster` end to end, like KEDA's e2e suites but with the real engines in the loop: the
// real KEDA operator activates the worker Deployment 0 -> 1, the real HPA controller (which KEDA's
// HPA drives through KEDA's metrics API server) scales it 1 -> N on the queue, and KEDA takes it
// back to 0 after the cooldown; the local runtime's worker processes follow spec.replicas. Both
// triggers of keda/scaledobject.yaml run, as deployed: redis on LLEN and metrics-api on the api's
// `pending` (the overlay points its URL at the local api). The same trace (LLEN and pending)
// replayed through the emulated rules must give the same structure of counts over time.
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { compareScalers, comparisonLines, type TracePoint } from '../../bench/loadtest/compare-scalers.js';
import { enginesAvailability, ensureEngines } from '../cluster/engines.js';
import { runKubectl } from '../cluster/kube-api.js';
import { operatorHeaders, readOperatorToken } from '../runtime/operator-token.js';
import { parseScaledObject } from '../runtime/scaling-rules.js';
import { fastScaledObject } from './support/fast-scaled-object.js';
import { type RuntimeProcess, startRuntimeProcess } from './support/runtime-process.js';

// Both triggers: the trace below records LLEN and pending, so the replay runs both as KEDA does.
const scaledObject = fastScaledObject();

const availability = await enginesAvailability();
if (availability === 'no-go' || availability === 'skipped') {
  console.warn(
    availability === 'skipped'
      ? 'NOT RUN: the real KEDA + HPA scaling test (local/test/real-engines-scaling.int.test.ts): REAL_ENGINES=skip.'
      : 'NOT RUN: the real KEDA + HPA scaling test (local/test/real-engines-scaling.int.test.ts) needs Go 1.26+ to build the engines; none was found.',
  );
}

describe.skipIf(availability === 'no-go' || availability === 'skipped')(
  'npm run cluster: workers scaled by the real KEDA operator and HPA controller',
  () => {
    let runtime: RuntimeProcess;
    let apiUrl = '';
    let runtimeUrl = '';
    let kubectl = '';

    beforeAll(async () => {
      kubectl = (
        await ensureEngines({
          log: (message) => console.log(`[engines] ${message}`),
          // npm test's build step has just tried: a recorded failure fails here at once with its error.
          afterFailedBuild: 'fail',
        })
      ).kubectl;
      runtime = await startRuntimeProcess({
        label: 'npm run cluster',
        scaledObject,
        args: ['--engines', 'real'],
        readyWithinMs: 300_000,
        stopGraceMs: 30_000,
      });
      ({ apiUrl, runtimeUrl } = runtime);
    }, 60 * 60_000);

    afterAll(async () => {
      await runtime?.stop();
    }, 60_000);

    it('goes 0 -> 1 -> N -> 0 on a burst, as the emulated rules do on the same queue', async () => {
      const state = async () =>
        (await (await fetch(`${runtimeUrl}/scaler`)).json()) as {
          desired: number;
          running: number;
          mode: string;
          queueLength: number;
          reason: string;
        };
      expect((await state()).mode).toBe('real-keda');
      const kubeconfig = join(runtime.dataDir, 'cluster', 'kubeconfig');
      // The Deployment is created with 1 replica; KEDA takes it to 0 while the queue is empty, and
      // the runtime has read that from the API server once its reason names the Deployment.
      const settled = async () => {
        const now = await state();
        return now.desired === 0 && /spec\.replicas = 0/.test(now.reason);
      };
      for (let i = 0; i < 600 && !(await settled()); i += 1) await sleep(100);
      expect(await state()).toMatchObject({ desired: 0, running: 0 });

      const started = performance.now();
      const trace: TracePoint[] = [];
      // What each trigger reads: LLEN (the runtime's /scaler) and `pending` of /api/stats.
      const stats = async () => (await (await fetch(`${apiUrl}/api/stats`)).json()) as { pending: number; done: number };
      const record = async () => {
        const [now, counts] = await Promise.all([state(), stats()]);
        trace.push({
          t: Math.round((performance.now() - started) / 100) / 10,
          queueLength: now.queueLength,
          pending: counts.pending,
          replicas: now.desired,
        });
        return { ...now, ...counts };
      };
      const indices = Array.from({ length: 1500 }, (_, i) => 150_000 + i * 7);
      for (let i = 0; i < indices.length; i += 50) {
        await Promise.all(
          indices.slice(i, i + 50).map((index) =>
            fetch(`${apiUrl}/api/values`, {
              method: 'POST',
              // The operator credential the runtime generated: a burst like this is a load test.
              headers: { 'content-type': 'application/json', ...operatorHeaders(readOperatorToken(runtime.dataDir)) },
              body: JSON.stringify({ index }),
            }).then((r) => {
              expect(r.status).toBe(202);
              return r.arrayBuffer();
            }),
          ),
        );
        await record();
      }
      let drained = false;
      for (let i = 0; i < 1200; i += 1) {
        const now = await record();
        if (now.pending === 0 && now.done >= indices.length) drained = true;
        if (drained && now.desired === 0) break;
        await sleep(250);
      }
      expect(drained).toBe(true);
      expect(await state()).toMatchObject({ desired: 0, running: 0 });
      // The runtime reads spec.replicas every 250 ms, so with a 1 s HPA period it may see KEDA's 1
      // and the HPA's next count as one step; the engines' own events record each decision.
      expect(runtime.output()).toMatch(
        /\[scaler\] workers 0 -> [1-4] {2}\(Deployment fib\/worker spec\.replicas = [1-4] \(set by the (KEDA operator|HPA controller)\)\)/,
      );
      expect(runtime.output()).toMatch(
        /\[scaler\] workers [0-3] -> [2-4] {2}\(Deployment fib\/worker spec\.replicas = [2-4] \(set by the HPA controller\)\)/,
      );
      expect(runtime.output()).toMatch(
        /\[scaler\] workers [1-4] -> 0 {2}\(Deployment fib\/worker spec\.replicas = 0 \(set by the KEDA operator\)\)/,
      );
      const events = await runKubectl(kubectl, kubeconfig, ['get', 'events', '-n', 'fib', '-o', 'json']);
      const reasons = (JSON.parse(events.stdout) as { items: { reason: string; message: string }[] }).items.map(
        (event) => `${event.reason}: ${event.message}`,
      );
      expect(reasons).toContainEqual(
        expect.stringMatching(/^KEDAScaleTargetActivated: Scaled apps\/v1\.Deployment fib\/worker from 0 to 1/),
      );
      expect(reasons).toContainEqual(
        // Named after the trigger whose proposal was the largest (s0: redis, s1: metrics-api).
        expect.stringMatching(
          /^SuccessfulRescale: New size: [2-4]; reason: external metric (s0-redis-tasks|s1-metric-api-pending)/,
        ),
      );
      expect(reasons).toContainEqual(
        expect.stringMatching(/^KEDAScaleTargetDeactivated: Deactivated apps\/v1\.Deployment fib\/worker from 1 to 0/),
      );
      expect(runtime.output()).not.toMatch(/worker-\d+ exited/);

      // KEDA's HPA for the worker, as `kubectl get hpa` shows it.
      const hpa = await runKubectl(kubectl, kubeconfig, ['get', 'hpa', 'keda-hpa-worker', '-n', 'fib', '-o', 'json']);
      expect(hpa.stderr).toBe('');
      expect(JSON.parse(hpa.stdout)).toMatchObject({
        spec: {
          scaleTargetRef: { name: 'worker' },
          minReplicas: 1,
          maxReplicas: 4,
          // One external metric per trigger, both served by KEDA's metrics API server.
          metrics: [
            { type: 'External', external: { metric: { name: 's0-redis-tasks' } } },
            { type: 'External', external: { metric: { name: 's1-metric-api-pending' } } },
          ],
        },
      });

      // Replica decisions compared by structure, not speed: the same staircase up to transient
      // steps, the first worker and the return to 0 within one polling interval (+ the tolerance
      // of bench/loadtest/compare-scalers.ts, structureToleranceSeconds, which says why). The HPA's
      // sync-timer phase and KEDA's polling phase against this run are unknown; compareScalers
      // tries every HPA phase and the structure check absorbs one period of either.
      const comparison = compareScalers(parseScaledObject(scaledObject), trace, { hpaSyncPeriodSeconds: 1 });
      console.log(['emulation vs real engines on this run:', ...comparisonLines(comparison)].join('\n  '));
      expect(comparison.milestones.real.peak).toBeGreaterThan(1);
      expect(comparison.milestones.emulated.backToZero).not.toBeNull();
      expect(comparison.structure.differences).toEqual([]);
      expect((await fetch(`${apiUrl}/api/health`)).status).toBe(200);
    }, 300_000);
  },
);

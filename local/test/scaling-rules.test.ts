// KEDA's and the HPA's scaling rules (local/runtime/scaling-rules.ts) against the examples in
// their docs, and the local scaler driven through activation, scale-out and scale-in.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

import { describe, expect, it } from 'vitest';

import { LocalScaler, type WorkerHandle } from '../runtime/local-scaler.js';
import {
  defaultScaleDown,
  defaultScaleUp,
  hpaMetricReplicas,
  hpaStep,
  kedaStep,
  newHpaState,
  parseScaledObject,
  scaleDownLimit,
  scaleUpLimit,
  type ScalingSpec,
} from '../runtime/scaling-rules.js';

const root = join(import.meta.dirname, '..', '..');

function specWith(overrides: Partial<ScalingSpec> = {}): ScalingSpec {
  return {
    name: 'worker',
    listName: 'tasks',
    listLength: 1000,
    activationListLength: 0,
    minReplicaCount: 0,
    maxReplicaCount: 10,
    pollingIntervalSeconds: 5,
    cooldownPeriodSeconds: 120,
    scaleUp: structuredClone({ ...defaultScaleUp, policies: [...defaultScaleUp.policies] }),
    scaleDown: structuredClone({ ...defaultScaleDown, policies: [...defaultScaleDown.policies] }),
    ...overrides,
  };
}

describe('parseScaledObject', () => {
  it('reads the numbers of keda/scaledobject.yaml (the one source of truth)', () => {
    const spec = parseScaledObject(readFileSync(join(root, 'keda', 'scaledobject.yaml'), 'utf8'));
    expect(spec).toMatchObject({ listName: 'tasks', minReplicaCount: 0 });
    expect(spec.listLength).toBeGreaterThan(0);
    expect(spec.maxReplicaCount).toBeGreaterThanOrEqual(1);
    expect(spec.pollingIntervalSeconds).toBeGreaterThan(0);
    expect(spec.scaleUp.policies.length).toBeGreaterThan(0);
  });

  it('fills KEDA, redis scaler and HPA defaults when fields are missing', () => {
    const spec = parseScaledObject(`
apiVersion: keda.sh/v1alpha1
kind: ScaledObject
metadata: { name: w }
spec:
  scaleTargetRef: { name: w }
  triggers:
    - type: redis
      metadata: { address: "r:6379", listName: jobs }
`);
    expect(spec).toMatchObject({
      listName: 'jobs',
      listLength: 5,
      activationListLength: 0,
      minReplicaCount: 0,
      maxReplicaCount: 100,
      pollingIntervalSeconds: 30,
      cooldownPeriodSeconds: 300,
    });
    expect(spec.scaleDown.stabilizationWindowSeconds).toBe(300);
    expect(spec.scaleUp.policies).toEqual([
      { type: 'Percent', value: 100, periodSeconds: 15 },
      { type: 'Pods', value: 4, periodSeconds: 15 },
    ]);
  });

  it('rejects a manifest without a redis trigger, naming what is missing', () => {
    expect(() => parseScaledObject('kind: ScaledObject\nspec: { triggers: [{ type: cpu }] }')).toThrow(/redis/);
    expect(() => parseScaledObject('kind: Deployment')).toThrow(/ScaledObject/);
  });

  it('reads metrics-api triggers beside the redis one, and refuses a trigger it cannot evaluate', () => {
    const redis = '{ type: redis, metadata: { address: "r:6379", listName: jobs } }';
    const spec = parseScaledObject(`kind: ScaledObject
spec:
  triggers:
    - ${redis}
    - { type: metrics-api, metadata: { url: "http://api/api/stats", valueLocation: pending, targetValue: "10" } }`);
    expect(spec.metricsApiTriggers).toEqual([
      { type: 'metrics-api', url: 'http://api/api/stats', valueLocation: 'pending', targetValue: 10, activationTargetValue: 0 },
    ]);
    expect(() => parseScaledObject(`kind: ScaledObject\nspec: { triggers: [${redis}, { type: cpu }] }`)).toThrow(/not cpu/);
    expect(() =>
      parseScaledObject(
        `kind: ScaledObject\nspec: { triggers: [${redis}, { type: metrics-api, metadata: { url: "http://a/", valueLocation: "a[0]", targetValue: "1" } }] }`,
      ),
    ).toThrow(/valueLocation/);
  });
});

describe('several triggers (KEDA: active when any is; HPA: the largest proposal)', () => {
  const spec = specWith({
    listLength: 1000,
    metricsApiTriggers: [
      { type: 'metrics-api', url: 'http://api/api/stats', valueLocation: 'pending', targetValue: 1000, activationTargetValue: 0 },
    ],
  });

  it('stays active on pending work alone (a popped batch: LLEN 0)', () => {
    const step = kedaStep({ spec, queueLength: 0, metricsApiValues: [1], currentReplicas: 1, lastActiveTime: 0, now: 1e9 });
    expect(step).toMatchObject({ isActive: true, replicas: undefined, lastActiveTime: 1e9 });
    expect(
      kedaStep({ spec, queueLength: 0, metricsApiValues: [0], currentReplicas: 1, lastActiveTime: 0, now: 1e9 }).replicas,
    ).toBe(0);
  });

  it('proposes the larger of ceil(LLEN / listLength) and ceil(pending / targetValue)', () => {
    const hpa = (metricValue: number, pending: number) =>
      hpaStep({ spec, state: newHpaState(), metricValue, metricsApiValues: [pending], currentReplicas: 1, now: 0 }).proposal;
    expect(hpa(0, 3500)).toBe(4);
    expect(hpa(5500, 3500)).toBe(6);
  });
});

describe('KEDA activation (scale executor)', () => {
  const spec = specWith({ activationListLength: 0, cooldownPeriodSeconds: 120 });

  it('stays at 0 while LLEN <= activationListLength', () => {
    expect(kedaStep({ spec, queueLength: 0, currentReplicas: 0, lastActiveTime: undefined, now: 0 })).toMatchObject({
      isActive: false,
      replicas: undefined,
    });
    const thresholded = specWith({ activationListLength: 50 });
    expect(
      kedaStep({ spec: thresholded, queueLength: 50, currentReplicas: 0, lastActiveTime: undefined, now: 0 }).replicas,
    ).toBeUndefined();
    expect(kedaStep({ spec: thresholded, queueLength: 51, currentReplicas: 0, lastActiveTime: undefined, now: 0 }).replicas).toBe(
      1,
    );
  });

  it('activates 0 -> 1 on one queued task and records lastActiveTime', () => {
    expect(kedaStep({ spec, queueLength: 1, currentReplicas: 0, lastActiveTime: undefined, now: 1000 })).toMatchObject({
      isActive: true,
      replicas: 1,
      lastActiveTime: 1000,
    });
  });

  it('activates to minReplicaCount when that is above 1', () => {
    expect(
      kedaStep({ spec: specWith({ minReplicaCount: 3 }), queueLength: 1, currentReplicas: 0, lastActiveTime: undefined, now: 0 })
        .replicas,
    ).toBe(3);
  });

  it('leaves 1..N to the HPA while active', () => {
    expect(kedaStep({ spec, queueLength: 5000, currentReplicas: 4, lastActiveTime: 0, now: 1000 })).toMatchObject({
      replicas: undefined,
      lastActiveTime: 1000,
    });
  });

  it('scales to 0 only after cooldownPeriod since the trigger was last active', () => {
    expect(
      kedaStep({ spec, queueLength: 0, currentReplicas: 1, lastActiveTime: 10_000, now: 10_000 + 120_000 }).replicas,
    ).toBeUndefined();
    expect(kedaStep({ spec, queueLength: 0, currentReplicas: 1, lastActiveTime: 10_000, now: 10_000 + 120_001 }).replicas).toBe(
      0,
    );
    // Even from several replicas: KEDA sets 0 directly, the HPA's scale-down policies do not apply.
    expect(kedaStep({ spec, queueLength: 0, currentReplicas: 6, lastActiveTime: 0, now: 121_000 }).replicas).toBe(0);
  });

  it('never scales below minReplicaCount when it is above 0', () => {
    expect(
      kedaStep({ spec: specWith({ minReplicaCount: 2 }), queueLength: 0, currentReplicas: 2, lastActiveTime: 0, now: 1e9 })
        .replicas,
    ).toBeUndefined();
  });
});

describe('HPA metric proposal (AverageValue = listLength)', () => {
  it('doubles at 2x the target and halves at 0.5x (the HPA docs example, 200m/100m and 50m/100m)', () => {
    expect(hpaMetricReplicas({ metricValue: 200 * 4, targetAverageValue: 100, currentReplicas: 4 })).toBe(8);
    expect(hpaMetricReplicas({ metricValue: 50 * 4, targetAverageValue: 100, currentReplicas: 4 })).toBe(2);
  });

  it('is ceil(LLEN / listLength) for a Redis list', () => {
    expect(hpaMetricReplicas({ metricValue: 12_345, targetAverageValue: 1000, currentReplicas: 1 })).toBe(13);
    expect(hpaMetricReplicas({ metricValue: 0, targetAverageValue: 1000, currentReplicas: 3 })).toBe(0);
  });

  it('keeps the count while the ratio is within the 0.1 tolerance', () => {
    expect(hpaMetricReplicas({ metricValue: 10_900, targetAverageValue: 1000, currentReplicas: 10 })).toBe(10);
    expect(hpaMetricReplicas({ metricValue: 9_100, targetAverageValue: 1000, currentReplicas: 10 })).toBe(10);
    expect(hpaMetricReplicas({ metricValue: 11_200, targetAverageValue: 1000, currentReplicas: 10 })).toBe(12);
    expect(hpaMetricReplicas({ metricValue: 8_800, targetAverageValue: 1000, currentReplicas: 10 })).toBe(9);
  });
});

describe('HPA behaviour policies', () => {
  it('default scale-up: double or +4 pods per 15 s, whichever is more (Max)', () => {
    const state = newHpaState();
    expect(scaleUpLimit(1, state, defaultScaleUp, 0)).toBe(5);
    expect(scaleUpLimit(10, state, defaultScaleUp, 0)).toBe(20);
  });

  it('scale-down example from the HPA docs: 4 pods or 10 % per minute, Max picks the bigger change', () => {
    const rules = {
      stabilizationWindowSeconds: 0,
      selectPolicy: 'Max' as const,
      policies: [
        { type: 'Pods' as const, value: 4, periodSeconds: 60 },
        { type: 'Percent' as const, value: 10, periodSeconds: 60 },
      ],
    };
    expect(scaleDownLimit(80, newHpaState(), rules, 0)).toBe(72); // 10 % of 80 = 8 > 4
    expect(scaleDownLimit(20, newHpaState(), rules, 0)).toBe(16); // 4 > 10 % of 20
    expect(scaleDownLimit(80, newHpaState(), { ...rules, selectPolicy: 'Min' }, 0)).toBe(76);
  });

  it('counts changes already made in the policy period (periodStartReplicas)', () => {
    const spec = specWith();
    const state = newHpaState();
    expect(hpaStep({ spec, state, metricValue: 20_000, currentReplicas: 1, now: 0 })).toMatchObject({
      replicas: 5,
      proposal: 20,
      reason: 'scale-up policy limit',
    });
    // 10 s later the period still starts at 1 replica: no further growth allowed.
    expect(hpaStep({ spec, state, metricValue: 20_000, currentReplicas: 5, now: 10_000 }).replicas).toBe(5);
    // After 15 s the period starts at 5: max(5 * 2, 5 + 4) = 10, capped by maxReplicaCount 10.
    expect(hpaStep({ spec, state, metricValue: 20_000, currentReplicas: 5, now: 16_000 })).toMatchObject({
      replicas: 10,
      reason: 'maxReplicaCount',
    });
  });

  it('scale-down stabilization: the highest recommendation in the window wins (KEP-853 example)', () => {
    const spec = specWith({
      maxReplicaCount: 20,
      scaleDown: {
        stabilizationWindowSeconds: 600,
        selectPolicy: 'Max',
        policies: [{ type: 'Pods', value: 5, periodSeconds: 600 }],
      },
    });
    const state = newHpaState();
    const minute = 60_000;
    // Recommendations 10, 9, 8, 9, 9, 8, 9, 8, 9, 8 one per minute: the largest (10) holds.
    // (tolerance 0: the KEP's example is about raw recommendations; 9/10 is within the default 0.1.)
    [10, 9, 8, 9, 9, 8, 9, 8, 9, 8].forEach((recommendation, i) => {
      const step = hpaStep({
        spec,
        state,
        metricValue: recommendation * 1000,
        currentReplicas: 10,
        now: i * minute,
        tolerance: 0,
      });
      expect(step.replicas).toBe(10);
    });
    // Minute 10: the 10 left the 600 s window; the largest remaining is 9 -> 10 to 9.
    expect(hpaStep({ spec, state, metricValue: 7000, currentReplicas: 10, now: 10 * minute, tolerance: 0 }).replicas).toBe(9);
  });

  it('never goes below 1 (KEDA owns 1 -> 0) and never above maxReplicaCount', () => {
    const spec = specWith({
      scaleDown: {
        stabilizationWindowSeconds: 0,
        selectPolicy: 'Max',
        policies: [{ type: 'Percent', value: 100, periodSeconds: 15 }],
      },
    });
    expect(hpaStep({ spec, state: newHpaState(), metricValue: 0, currentReplicas: 4, now: 0 }).replicas).toBe(1);
    expect(hpaStep({ spec, state: newHpaState(), metricValue: 1e9, currentReplicas: 9, now: 0 }).replicas).toBe(10);
  });

  it('does nothing at 0 replicas (scaling disabled until KEDA activates)', () => {
    expect(hpaStep({ spec: specWith(), state: newHpaState(), metricValue: 50_000, currentReplicas: 0, now: 0 }).replicas).toBe(0);
  });
});

describe('LocalScaler (KEDA loop + HPA loop with fake workers)', () => {
  function harness(spec: ScalingSpec) {
    let now = 0;
    let queue = 0;
    let started = 0;
    let stopped = 0;
    const running = new Set<number>();
    const scaler = new LocalScaler({
      spec,
      now: () => now,
      readQueueLength: () => Promise.resolve(queue),
      startWorker(): WorkerHandle {
        started += 1;
        const id = started;
        running.add(id);
        return {
          stop: () => {
            stopped += 1;
            running.delete(id);
            return Promise.resolve();
          },
        };
      },
    });
    return {
      scaler,
      set: (values: { now?: number; queue?: number }) => {
        now = values.now ?? now;
        queue = values.queue ?? queue;
      },
      running: () => running.size,
      counts: () => ({ started, stopped }),
    };
  }

  it('goes 0 -> 1 -> 5 -> 10 -> 5 -> 1 -> 0 for a burst, as the ScaledObject in keda/ prescribes', async () => {
    const spec = parseScaledObject(readFileSync(join(root, 'keda', 'scaledobject.yaml'), 'utf8'));
    const h = harness({
      ...spec,
      maxReplicaCount: 10,
      listLength: 1000,
      cooldownPeriodSeconds: 120,
      minReplicaCount: 0,
      activationListLength: 0,
    });
    await h.scaler.kedaTick();
    expect(h.running()).toBe(0);

    h.set({ now: 1000, queue: 20_000 });
    await h.scaler.kedaTick(); // activation
    expect(h.running()).toBe(1);
    await h.scaler.hpaTick(); // 1 -> min(max(2, 5), 20)
    expect(h.running()).toBe(5);
    h.set({ now: 16_000 });
    await h.scaler.kedaTick(); // still active: lastActiveTime = 16 s
    await h.scaler.hpaTick();
    expect(h.running()).toBe(10);

    // Drained: the scale-down window and policies slow the way down, KEDA ends it.
    h.set({ now: 31_000, queue: 0 });
    await h.scaler.kedaTick();
    await h.scaler.hpaTick();
    const afterDrain = h.running();
    expect(afterDrain).toBeGreaterThanOrEqual(1);
    expect(afterDrain).toBeLessThanOrEqual(10);
    for (let t = 46_000; t <= 150_000; t += 15_000) {
      h.set({ now: t });
      await h.scaler.hpaTick();
      await h.scaler.kedaTick();
    }
    expect(h.running()).toBeGreaterThanOrEqual(1); // lastActiveTime 16 s + cooldown 120 s not passed at 136 s
    h.set({ now: 152_000 });
    await h.scaler.kedaTick();
    expect(h.running()).toBe(0);
    expect(h.counts().started).toBe(h.counts().stopped);
    expect(h.scaler.snapshot()).toMatchObject({ desired: 0, running: 0, active: false, queueLength: 0 });
  });

  it('pins the count with WORKERS (fixedReplicas) and never polls', async () => {
    let reads = 0;
    const handles: number[] = [];
    const scaler = new LocalScaler({
      spec: specWith(),
      fixedReplicas: 3,
      readQueueLength: () => {
        reads += 1;
        return Promise.resolve(99_999);
      },
      startWorker: () => {
        handles.push(1);
        return { stop: () => Promise.resolve() };
      },
    });
    scaler.start();
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(handles.length).toBe(3);
    expect(reads).toBe(0);
    await scaler.stop();
  });

  it('keeps the current count while the queue cannot be read (KEDA without fallback)', async () => {
    let failing = false;
    const logs: string[] = [];
    const scaler = new LocalScaler({
      spec: specWith(),
      log: (message) => logs.push(message),
      readQueueLength: () => (failing ? Promise.reject(new Error('ECONNREFUSED')) : Promise.resolve(3000)),
      startWorker: () => ({ stop: () => Promise.resolve() }),
      now: () => 0,
    });
    await scaler.kedaTick();
    expect(scaler.desired).toBe(1);
    failing = true;
    await scaler.kedaTick();
    await scaler.hpaTick();
    expect(scaler.desired).toBe(1);
    expect(logs.filter((line) => line.includes('cannot read'))).toHaveLength(1);
  });
  it('runs at most `cap` workers while KEDA and the HPA want more, and shows both figures', async () => {
    let now = 0;
    let queue = 20_000;
    let started = 0;
    const logs: string[] = [];
    const scaler = new LocalScaler({
      spec: specWith({ listLength: 1000, maxReplicaCount: 10 }),
      cap: { cap: 2, reason: 'test cap' },
      now: () => now,
      log: (message) => logs.push(message),
      readQueueLength: () => Promise.resolve(queue),
      startWorker: () => {
        started += 1;
        return { stop: () => Promise.resolve() };
      },
    });
    await scaler.kedaTick();
    await scaler.hpaTick();
    now = 15_000;
    await scaler.hpaTick();
    expect(scaler.snapshot()).toMatchObject({ desired: 10, running: 2, cap: 2, capReason: 'test cap' });
    expect(started).toBe(2);
    expect(logs.some((line) => /workers \d+ -> 10, running 2 \(cap 2: test cap\)/.test(line))).toBe(true);
    queue = 0;
    now = 500_000;
    await scaler.kedaTick();
    expect(scaler.snapshot()).toMatchObject({ desired: 0, running: 0 });
  });
});

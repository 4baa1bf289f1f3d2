// Emulation against the real engines on one recorded queue-length trace: the load test's CSV of a
// run on the real KEDA operator and HPA controller (npm run cluster) holds, every second, LLEN
// of the tasks list and the Deployment's replicas they set. Replaying that queue through the
// TypeScript rules (local/runtime/scaling-rules.ts, stepped as local-scaler.ts steps them) gives
// the emulation's replicas for the same input; the two series are compared here.
import { readFileSync } from 'node:fs';

import { hpaControllerDefaults, hpaStep, kedaStep, newHpaState, type ScalingSpec } from '../../local/runtime/scaling-rules.js';
import { csvColumns } from './chart.js';

/** One second of a recorded run. */
export interface TracePoint {
  /** Seconds since the run started. */
  t: number;
  queueLength: number;
  /** The real engines' replicas at that second (the Deployment's spec.replicas). */
  replicas: number;
}

/** Reads `t`, `queueLength` and `workersDesired` from a load test CSV (rows without them are skipped). */
export function readTrace(csvPath: string): TracePoint[] {
  const lines = readFileSync(csvPath, 'utf8').trim().split('\n');
  const header = lines[0]?.split(',') ?? [];
  if (header.join(',') !== csvColumns.join(',')) throw new Error(`${csvPath}: not a load test CSV (header differs)`);
  const column = (name: (typeof csvColumns)[number]) => header.indexOf(name);
  const [t, queue, desired] = [column('t'), column('queueLength'), column('workersDesired')];
  const points: TracePoint[] = [];
  for (const line of lines.slice(1)) {
    const fields = line.split(',');
    const values = [t, queue, desired].map((index) => Number(fields[index]));
    if (values.some((value) => !Number.isFinite(value)) || fields[queue] === '' || fields[desired] === '') continue;
    points.push({ t: values[0] ?? 0, queueLength: values[1] ?? 0, replicas: values[2] ?? 0 });
  }
  return points;
}

/**
 * The emulated replica count at each trace point. KEDA's pass runs every pollingInterval and the
 * HPA's every sync period, the first HPA pass `hpaPhaseSeconds` after the start (the real HPA's
 * timer started with kube-controller-manager, so its phase against the run is unknown). Each pass
 * reads the queue as last recorded before it.
 */
export function replayEmulation(
  spec: ScalingSpec,
  trace: readonly TracePoint[],
  options: { hpaPhaseSeconds?: number; hpaSyncPeriodSeconds?: number; initialReplicas?: number } = {},
): number[] {
  const sync = options.hpaSyncPeriodSeconds ?? hpaControllerDefaults.syncPeriodSeconds;
  const phase = options.hpaPhaseSeconds ?? 0;
  const state = newHpaState();
  let desired = options.initialReplicas ?? trace[0]?.replicas ?? 0;
  let lastActiveTime: number | undefined;
  let nextKeda = trace[0]?.t ?? 0;
  let nextHpa = (trace[0]?.t ?? 0) + phase;
  const result: number[] = [];
  let index = 0;
  const end = trace.at(-1)?.t ?? 0;
  const queueAt = (time: number) => {
    while (index + 1 < trace.length && (trace[index + 1]?.t ?? Infinity) <= time) index += 1;
    return trace[index]?.queueLength ?? 0;
  };
  let out = 0;
  // Events in time order; the replica count at each trace point is the one after every pass up to it.
  for (let time = trace[0]?.t ?? 0; time <= end + 1e-9; time = Math.min(nextKeda, nextHpa)) {
    while (out < trace.length && (trace[out]?.t ?? Infinity) < time) {
      result.push(desired);
      out += 1;
    }
    const now = time * 1000;
    if (nextKeda <= time) {
      const step = kedaStep({ spec, queueLength: queueAt(time), currentReplicas: desired, lastActiveTime, now });
      lastActiveTime = step.lastActiveTime;
      if (step.replicas !== undefined) desired = step.replicas;
      nextKeda += spec.pollingIntervalSeconds;
    }
    if (nextHpa <= time) {
      desired = hpaStep({ spec, state, metricValue: queueAt(time), currentReplicas: desired, now }).replicas;
      nextHpa += sync;
    }
  }
  while (out < trace.length) {
    result.push(desired);
    out += 1;
  }
  return result;
}

/** The distinct replica counts in order (0, 1, 2, 4, … 0): the staircase, free of timing. */
export function staircase(series: readonly number[]): number[] {
  return series.filter((value, i) => i === 0 || value !== series[i - 1]);
}

/** How the emulation compares with the real engines on one trace. */
export interface ScalerComparison {
  /** The HPA phase that matches best (seconds after the first sample). */
  hpaPhaseSeconds: number;
  real: number[];
  emulated: number[];
  /** Fraction of samples with equal counts, best phase. */
  agreement: number;
  /** Largest per-sample difference, best phase. */
  maxDifference: number;
  realStaircase: number[];
  emulatedStaircase: number[];
  /** Agreement for every phase (0, 0.5, … sync - 0.5 s), to show how much the unknown phase matters. */
  agreementByPhase: number[];
  /** Seconds at which the count first left 0, reached its peak and returned to 0 (real / emulated). */
  milestones: { real: Milestones; emulated: Milestones };
}

export interface Milestones {
  firstActive: number | null;
  peak: number;
  peakAt: number | null;
  backToZero: number | null;
}

function milestones(trace: readonly TracePoint[], series: readonly number[]): Milestones {
  const firstIndex = series.findIndex((value) => value > 0);
  const peak = Math.max(0, ...series);
  const peakIndex = series.indexOf(peak);
  const zeroIndex = firstIndex < 0 ? -1 : series.findIndex((value, i) => i > peakIndex && value === 0);
  const at = (i: number) => (i < 0 ? null : (trace[i]?.t ?? null));
  return { firstActive: at(firstIndex), peak, peakAt: peak > 0 ? at(peakIndex) : null, backToZero: at(zeroIndex) };
}

/** Replays the trace at every HPA phase and reports the best match (and how the rest fare). */
export function compareScalers(spec: ScalingSpec, recorded: readonly TracePoint[], hpaSyncPeriodSeconds = 15): ScalerComparison {
  // A run stops once the real count is back at 0; the emulation's cooldown may end a little
  // later. Both are held at their last state for one more cooldown (+ one HPA period), with the
  // last queue length, so a late emulated return to 0 is seen (and counted as disagreement).
  const last = recorded.at(-1);
  const tail = last
    ? Array.from({ length: spec.cooldownPeriodSeconds + hpaSyncPeriodSeconds }, (_, i) => ({ ...last, t: last.t + i + 1 }))
    : [];
  const trace = [...recorded, ...tail];
  const real = trace.map((point) => point.replicas);
  // Half-second steps: a KEDA pass and an HPA pass in the same instant run in either order.
  const runs = Array.from({ length: hpaSyncPeriodSeconds * 2 }, (_, step) => {
    const phase = step / 2;
    const emulated = replayEmulation(spec, trace, { hpaPhaseSeconds: phase, hpaSyncPeriodSeconds, initialReplicas: real[0] });
    const equal = emulated.filter((value, i) => value === real[i]).length;
    return { phase, emulated, agreement: trace.length === 0 ? 1 : equal / trace.length };
  });
  const best = runs.reduce((a, b) => (b.agreement > a.agreement ? b : a));
  return {
    hpaPhaseSeconds: best.phase,
    real,
    emulated: best.emulated,
    agreement: best.agreement,
    maxDifference: Math.max(0, ...best.emulated.map((value, i) => Math.abs(value - (real[i] ?? 0)))),
    realStaircase: staircase(real),
    emulatedStaircase: staircase(best.emulated),
    agreementByPhase: runs.map((run) => Math.round(run.agreement * 1000) / 1000),
    milestones: { real: milestones(trace, real), emulated: milestones(trace, best.emulated) },
  };
}

/** Console lines for a comparison. */
export function comparisonLines(comparison: ScalerComparison): string[] {
  const m = comparison.milestones;
  const s = (value: number | null) => (value === null ? 'never' : `${value} s`);
  return [
    `real KEDA + HPA staircase:     ${comparison.realStaircase.join(' -> ')}`,
    `emulated (TypeScript) staircase: ${comparison.emulatedStaircase.join(' -> ')}`,
    `same count in ${(comparison.agreement * 100).toFixed(1)} % of samples (best HPA phase ${comparison.hpaPhaseSeconds} s; by phase: ${comparison.agreementByPhase.map((a) => `${Math.round(a * 100)}%`).join(' ')}), largest difference ${comparison.maxDifference}`,
    `first worker: real ${s(m.real.firstActive)}, emulated ${s(m.emulated.firstActive)}; peak: real ${m.real.peak} at ${s(m.real.peakAt)}, emulated ${m.emulated.peak} at ${s(m.emulated.peakAt)}; back to 0: real ${s(m.real.backToZero)}, emulated ${s(m.emulated.backToZero)}`,
  ];
}

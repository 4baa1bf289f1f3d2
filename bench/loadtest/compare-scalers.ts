// Emulation against the real engines on one recorded trace: the load test's CSV of a run on the
// real KEDA operator and HPA controller (npm run cluster) holds, every second, LLEN of the tasks
// list (the redis trigger's metric), `pending` of /api/stats (the metrics-api trigger's) and the
// Deployment's replicas they set. Replaying both metrics through the TypeScript rules
// (local/runtime/scaling-rules.ts, stepped as local-scaler.ts steps them) gives the emulation's
// replicas for the same input; the two series are compared here, by structure (the staircase of
// counts, when the first worker came and when the last went), not sample by sample alone.
import { readFileSync } from 'node:fs';

import { hpaControllerDefaults, hpaStep, kedaStep, newHpaState, type ScalingSpec } from '../../local/runtime/scaling-rules.js';
import { csvColumns } from './chart.js';

/** One sample of a recorded run. */
export interface TracePoint {
  /** Seconds since the run started. */
  t: number;
  /** LLEN of the tasks list: the redis trigger's metric. */
  queueLength: number;
  /** `pending` of GET /api/stats: the metrics-api trigger's metric (absent: not recorded). */
  pending?: number;
  /** The real engines' replicas at that moment (the Deployment's spec.replicas). */
  replicas: number;
}

/**
 * Reads `t`, `queueLength`, `pending` and `workersDesired` from a load test CSV (rows without
 * `t`, `queueLength` or `workersDesired` are skipped; an empty `pending` is left out).
 */
export function readTrace(csvPath: string): TracePoint[] {
  const lines = readFileSync(csvPath, 'utf8').trim().split('\n');
  const header = lines[0]?.split(',') ?? [];
  if (header.join(',') !== csvColumns.join(',')) throw new Error(`${csvPath}: not a load test CSV (header differs)`);
  const column = (name: (typeof csvColumns)[number]) => header.indexOf(name);
  const [t, queue, desired, pending] = [column('t'), column('queueLength'), column('workersDesired'), column('pending')];
  const points: TracePoint[] = [];
  for (const line of lines.slice(1)) {
    const fields = line.split(',');
    const values = [t, queue, desired].map((index) => Number(fields[index]));
    if (values.some((value) => !Number.isFinite(value)) || fields[queue] === '' || fields[desired] === '') continue;
    const point: TracePoint = { t: values[0] ?? 0, queueLength: values[1] ?? 0, replicas: values[2] ?? 0 };
    const pendingValue = fields[pending] === '' ? Number.NaN : Number(fields[pending]);
    if (Number.isFinite(pendingValue)) point.pending = pendingValue;
    points.push(point);
  }
  return points;
}

/**
 * The values of the ScaledObject's metrics-api triggers at one trace point, in order: a trace
 * records `pending` of /api/stats only, so a trigger reading anything else cannot be replayed.
 * An unrecorded value is left out (KEDA: inactive; HPA: no proposal from that trigger).
 */
export function traceMetricsApiValues(spec: ScalingSpec, point: TracePoint | undefined): number[] {
  const triggers = spec.metricsApiTriggers ?? [];
  const other = triggers.find((trigger) => trigger.valueLocation !== 'pending');
  if (other)
    throw new Error(`the trace records pending of /api/stats only; a metrics-api trigger reads "${other.valueLocation}"`);
  return point?.pending === undefined ? [] : triggers.map(() => point.pending ?? 0);
}

/**
 * The emulated replica count at each trace point. KEDA's pass runs every pollingInterval and the
 * HPA's every sync period, the first HPA pass `hpaPhaseSeconds` after the start (the real HPA's
 * timer started with kube-controller-manager, so its phase against the run is unknown). Each pass
 * reads both triggers' metrics (LLEN and `pending`) as last recorded before it.
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
  // The last point recorded at or before `time`: what a pass then would have read.
  const pointAt = (time: number) => {
    while (index + 1 < trace.length && (trace[index + 1]?.t ?? Infinity) <= time) index += 1;
    return trace[index];
  };
  let out = 0;
  // Events in time order; the replica count at each trace point is the one after every pass up to it.
  for (let time = trace[0]?.t ?? 0; time <= end + 1e-9; time = Math.min(nextKeda, nextHpa)) {
    while (out < trace.length && (trace[out]?.t ?? Infinity) < time) {
      result.push(desired);
      out += 1;
    }
    const now = time * 1000;
    const point = pointAt(time);
    const queueLength = point?.queueLength ?? 0;
    const metricsApiValues = traceMetricsApiValues(spec, point);
    if (nextKeda <= time) {
      const step = kedaStep({ spec, queueLength, metricsApiValues, currentReplicas: desired, lastActiveTime, now });
      lastActiveTime = step.lastActiveTime;
      if (step.replicas !== undefined) desired = step.replicas;
      nextKeda += spec.pollingIntervalSeconds;
    }
    if (nextHpa <= time) {
      desired = hpaStep({ spec, state, metricValue: queueLength, metricsApiValues, currentReplicas: desired, now }).replicas;
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
  /** The structural comparison ({@link compareStructure}): what must agree whatever the timers' phases. */
  structure: StructureComparison;
}

/** A count a series held for longer than a transient step. */
export interface Plateau {
  replicas: number;
  /** Seconds since the start: when the count was first seen, and when the next count was. */
  from: number;
  to: number;
}

/** Whether two replica series have the same structure, within the stated tolerance. */
export interface StructureComparison {
  /** The slack for sampling and a busy machine, on top of the engines' own periods. */
  toleranceSeconds: number;
  /** pollingInterval + the HPA sync period + the tolerance: how far in time one decision may move. */
  windowSeconds: number;
  /**
   * pollingInterval + the HPA sync period + 1 s of sampling: a step held shorter than this can come
   * from the timers' phases alone (a count the HPA held until its next pass), so either series may
   * skip it; a longer one must be in both.
   */
  transientSeconds: number;
  realPlateaus: Plateau[];
  emulatedPlateaus: Plateau[];
  /** Each disagreement in words; empty when the structures agree. */
  differences: string[];
}

/**
 * Default tolerance of {@link compareStructure}, beyond one polling interval / sync period: the
 * runtime reads spec.replicas every 250 ms, a trace is sampled every 0.25–1 s, and on a busy
 * 2-core machine KEDA's reconcile, the HPA's work queue and the event recorder each lag by up to a
 * second or two. A difference larger than this is a different decision, not timing.
 */
export const structureToleranceSeconds = 5;

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

/** The runs of equal counts of a series held for at least `minSeconds` (the last run lasts to the trace's end). */
export function plateaus(times: readonly number[], series: readonly number[], minSeconds: number): Plateau[] {
  const runs: Plateau[] = [];
  for (let i = 0; i < series.length; i += 1) {
    if (i > 0 && series[i] === series[i - 1]) continue;
    let next = i + 1;
    while (next < series.length && series[next] === series[i]) next += 1;
    const from = times[i] ?? 0;
    const to = next < series.length ? (times[next] ?? from) : (times.at(-1) ?? from);
    runs.push({ replicas: series[i] ?? 0, from, to });
  }
  return runs.filter((run) => run.to - run.from >= minSeconds);
}

/**
 * Compares two replica series by structure. Known differences that are timing, not rules, and
 * which this comparison is built to absorb:
 * - the HPA's sync timer starts with kube-controller-manager, so its phase against the run is
 *   unknown (the replay tries every half second and keeps the best; a per-sample comparison
 *   still moves a lot with it);
 * - KEDA's polling loop starts when the operator reconciles the ScaledObject, so its phase is
 *   unknown as well: activation and the return to 0 (the cooldown counts from KEDA's own last
 *   active poll) may land up to one polling interval apart;
 * - the real engines read the metrics live, the replay only as last sampled, and the runtime
 *   sees spec.replicas every 250 ms: a step one series holds briefly (1 -> 3 -> 4 while the
 *   queue grows) may be skipped or held a little longer by the other.
 * So: first worker and back to 0 within one polling interval + tolerance; every count one series
 * held longer than a transient (polling + sync + 1 s) reached by the other, in the same order,
 * within a window (polling + sync + tolerance) of it. Shorter steps are transients either may skip.
 */
export function compareStructure(
  times: readonly number[],
  real: readonly number[],
  emulated: readonly number[],
  options: { pollingIntervalSeconds: number; hpaSyncPeriodSeconds: number; toleranceSeconds?: number },
): StructureComparison {
  const toleranceSeconds = options.toleranceSeconds ?? structureToleranceSeconds;
  const windowSeconds = options.pollingIntervalSeconds + options.hpaSyncPeriodSeconds + toleranceSeconds;
  const transientSeconds = options.pollingIntervalSeconds + options.hpaSyncPeriodSeconds + 1;
  const differences: string[] = [];
  const firstActive = (series: readonly number[]) => {
    const index = series.findIndex((value) => value > 0);
    return index < 0 ? null : (times[index] ?? null);
  };
  const backToZero = (series: readonly number[]) => {
    const first = series.findIndex((value) => value > 0);
    if (first < 0) return null;
    const lastActive = series.findLastIndex((value) => value > 0);
    return lastActive + 1 < series.length ? (times[lastActive + 1] ?? null) : null;
  };
  const keda = options.pollingIntervalSeconds + toleranceSeconds;
  for (const [what, pick] of [
    ['first worker', firstActive],
    ['back to 0', backToZero],
  ] as const) {
    const [r, e] = [pick(real), pick(emulated)];
    if (r === null && e === null) continue;
    if (r === null || e === null || Math.abs(r - e) > keda)
      differences.push(`${what}: real ${r ?? 'never'} s, emulated ${e ?? 'never'} s (allowed: ${keda} s apart)`);
  }
  const realPlateaus = plateaus(times, real, transientSeconds);
  const emulatedPlateaus = plateaus(times, emulated, transientSeconds);
  const allRuns = (series: readonly number[]) => plateaus(times, series, 0);
  const reached = (held: readonly Plateau[], other: readonly Plateau[], names: [string, string]) => {
    let after = 0;
    for (const plateau of held) {
      const index = other.findIndex(
        (run, i) =>
          i >= after &&
          run.replicas === plateau.replicas &&
          run.from <= plateau.to + windowSeconds &&
          run.to >= plateau.from - windowSeconds,
      );
      if (index < 0) {
        differences.push(
          `${names[0]} held ${plateau.replicas} from ${plateau.from} s to ${plateau.to} s; ${names[1]} did not reach it ` +
            `within ${windowSeconds} s of that, after its previous step`,
        );
        return;
      }
      after = index + 1;
    }
  };
  reached(realPlateaus, allRuns(emulated), ['real', 'the emulation']);
  reached(emulatedPlateaus, allRuns(real), ['the emulation', 'real']);
  return { toleranceSeconds, windowSeconds, transientSeconds, realPlateaus, emulatedPlateaus, differences };
}

/** Options of {@link compareScalers}. */
export interface CompareScalersOptions {
  /** The HPA controller's sync period of the recorded run. @defaultValue 15 */
  hpaSyncPeriodSeconds?: number;
  /** @defaultValue {@link structureToleranceSeconds} */
  toleranceSeconds?: number;
}

/** Replays the trace at every HPA phase and reports the best match (and how the rest fare). */
export function compareScalers(
  spec: ScalingSpec,
  recorded: readonly TracePoint[],
  options: CompareScalersOptions = {},
): ScalerComparison {
  const hpaSyncPeriodSeconds = options.hpaSyncPeriodSeconds ?? hpaControllerDefaults.syncPeriodSeconds;
  // A run stops once the real count is back at 0; the emulation's cooldown may end a little
  // later. Both are held at their last state for one more cooldown (+ one HPA period, one
  // polling interval and the tolerance), with the last metrics, so a late emulated return to 0
  // is seen (and judged against the tolerance, not cut off).
  const last = recorded.at(-1);
  const tailSeconds = Math.ceil(
    spec.cooldownPeriodSeconds +
      hpaSyncPeriodSeconds +
      spec.pollingIntervalSeconds +
      (options.toleranceSeconds ?? structureToleranceSeconds),
  );
  const tail = last ? Array.from({ length: tailSeconds }, (_, i) => ({ ...last, t: last.t + i + 1 })) : [];
  const trace = [...recorded, ...tail];
  const real = trace.map((point) => point.replicas);
  // Half-second steps: a KEDA pass and an HPA pass in the same instant run in either order.
  const runs = Array.from({ length: Math.max(1, Math.round(hpaSyncPeriodSeconds * 2)) }, (_, step) => {
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
    structure: compareStructure(
      trace.map((point) => point.t),
      real,
      best.emulated,
      { pollingIntervalSeconds: spec.pollingIntervalSeconds, hpaSyncPeriodSeconds, toleranceSeconds: options.toleranceSeconds },
    ),
  };
}

/** Console lines for a comparison. */
export function comparisonLines(comparison: ScalerComparison): string[] {
  const m = comparison.milestones;
  const structure = comparison.structure;
  const plateauText = (runs: readonly Plateau[]) =>
    runs.map((run) => `${run.replicas} (${run.from}-${run.to} s)`).join(' -> ') || 'none';
  const s = (value: number | null) => (value === null ? 'never' : `${value} s`);
  return [
    `real KEDA + HPA staircase:     ${comparison.realStaircase.join(' -> ')}`,
    `emulated (TypeScript) staircase: ${comparison.emulatedStaircase.join(' -> ')}`,
    `same count in ${(comparison.agreement * 100).toFixed(1)} % of samples (best HPA phase ${comparison.hpaPhaseSeconds} s; by phase: ${comparison.agreementByPhase.map((a) => `${Math.round(a * 100)}%`).join(' ')}), largest difference ${comparison.maxDifference}`,
    `first worker: real ${s(m.real.firstActive)}, emulated ${s(m.emulated.firstActive)}; peak: real ${m.real.peak} at ${s(m.real.peakAt)}, emulated ${m.emulated.peak} at ${s(m.emulated.peakAt)}; back to 0: real ${s(m.real.backToZero)}, emulated ${s(m.emulated.backToZero)}`,
    `counts held >= ${structure.transientSeconds} s (polling + HPA sync + 1 s), to be matched within ${structure.windowSeconds} s (polling + HPA sync + ${structure.toleranceSeconds} s tolerance): real ${plateauText(structure.realPlateaus)}; emulated ${plateauText(structure.emulatedPlateaus)}`,
    structure.differences.length === 0
      ? 'structure: AGREES (same staircase up to transients, first worker and back to 0 within one polling interval + tolerance)'
      : `structure: DIFFERS: ${structure.differences.join('; ')}`,
  ];
}

// What a load test's samples say about throughput: drain rates, completions per worker count,
// counter deltas, the local cap on workers, and the issue-11 goals marked MET or MISSED.
import { counterNames, type Sample, type ThroughputCounters, workersOf } from './sampler.js';

/** Completions while exactly `workers` ran and the queue stayed non-empty (so capacity, not supply, set the pace). */
export interface RateAtWorkers {
  workers: number;
  seconds: number;
  completed: number;
  tasksPerSecond: number;
  perWorker: number;
}

/** Rates by running worker count over backlogged intervals between consecutive samples. */
export function ratesByWorkers(samples: readonly Sample[]): RateAtWorkers[] {
  const totals = new Map<number, { seconds: number; completed: number }>();
  for (let i = 1; i < samples.length; i += 1) {
    const previous = samples[i - 1];
    const current = samples[i];
    if (!previous || !current || previous.done === null || current.done === null) continue;
    const workers = workersOf(current);
    const backlogged = (previous.queueLength ?? 0) > 0 && (current.queueLength ?? 0) > 0;
    // An interval in which the worker count changed mixes two counts (and a cold start): skipped.
    if (!workers || workersOf(previous) !== workers || !backlogged || current.done < previous.done) continue;
    const entry = totals.get(workers) ?? { seconds: 0, completed: 0 };
    entry.seconds += current.t - previous.t;
    entry.completed += current.done - previous.done;
    totals.set(workers, entry);
  }
  return [...totals.entries()]
    .sort(([a], [b]) => a - b)
    .filter(([, entry]) => entry.seconds > 0)
    .map(([workers, entry]) => ({
      workers,
      seconds: round(entry.seconds),
      completed: entry.completed,
      tasksPerSecond: round(entry.completed / entry.seconds),
      perWorker: round(entry.completed / entry.seconds / workers),
    }));
}

/** What the local scaler wanted versus what ran, when the machine's cap held workers back. */
export interface CapSummary {
  peakDesired: number;
  peakRunning: number;
  cap: number;
  reason: string;
  /** Seconds during which the scaler wanted more workers than the cap allowed. */
  cappedSeconds: number;
}

export function capSummary(samples: readonly Sample[]): CapSummary | null {
  let cappedSeconds = 0;
  for (let i = 1; i < samples.length; i += 1) {
    const s = samples[i];
    const previous = samples[i - 1];
    if (s && previous && s.workersCap !== null && s.workersDesired !== null && s.workersDesired > s.workersCap)
      cappedSeconds += s.t - previous.t;
  }
  const withCap = samples.filter((s) => s.workersCap !== null);
  const last = withCap.at(-1);
  if (!last || last.workersCap === null) return null;
  const peakDesired = Math.max(0, ...samples.map((s) => s.workersDesired ?? 0));
  const peakRunning = Math.max(0, ...samples.map((s) => s.workersRunning ?? 0));
  if (peakDesired <= last.workersCap) return null;
  return {
    peakDesired,
    peakRunning,
    cap: last.workersCap,
    reason: withCap.findLast((s) => s.capReason !== null)?.capReason ?? 'the local runtime caps workers',
    cappedSeconds: round(cappedSeconds),
  };
}

/** Drain figures measured from the samples. */
export interface DrainFigures {
  /** Seconds from the last submission to the first sample with an empty queue and nothing pending. */
  drainSeconds: number | null;
  /** Tasks completed per second from the last submission until drained. */
  afterSubmitRate: number | null;
  /** Tasks completed per second from the start of the run until drained. */
  overallRate: number | null;
  /** Counter deltas over the run (last sample minus first). */
  counters: ThroughputCounters;
  countersReported: boolean;
}

export function drainFigures(samples: readonly Sample[], submitSeconds: number, drainedAt: number | null): DrainFigures {
  const first = samples[0];
  const last = samples.at(-1);
  const drained = drainedAt === null ? undefined : samples.find((s) => s.t === drainedAt);
  const atSubmitEnd = samples.find((s) => s.t >= submitSeconds);
  const rate = (from: Sample | undefined, to: Sample | undefined) =>
    from && to && from.done !== null && to.done !== null && to.t > from.t ? round((to.done - from.done) / (to.t - from.t)) : null;
  const counters = Object.fromEntries(
    counterNames.map((name) => [name, first && last ? last[name] - first[name] : 0]),
  ) as unknown as ThroughputCounters;
  return {
    drainSeconds: drainedAt === null ? null : round(Math.max(0, drainedAt - submitSeconds)),
    afterSubmitRate: rate(atSubmitEnd, drained),
    overallRate: rate(first, drained),
    counters,
    countersReported: samples.some((s) => s.countersReported),
  };
}

/** One goal of issue 11 with its figure; `met` is null when the run could not measure it. */
export interface Goal {
  goal: string;
  figure: string;
  met: boolean | null;
}

/** The goals: no lease expiry, no failed invocation, drained within 10 s, no worker count slower than one. */
export function loadTestGoals(drain: DrainFigures, rates: readonly RateAtWorkers[]): Goal[] {
  const absent = drain.countersReported ? '' : ' (the API reports no counters: read as 0)';
  const one = rates.find((r) => r.workers === 1);
  const slower = one ? rates.filter((r) => r.workers > 1 && r.tasksPerSecond < one.tasksPerSecond) : [];
  const byWorkers = rates.map((r) => `${r.workers}: ${r.tasksPerSecond}/s`).join(', ');
  return [
    { goal: '0 leaseExpired', figure: `${drain.counters.leaseExpired}${absent}`, met: drain.counters.leaseExpired === 0 },
    {
      goal: '0 invocationFailed',
      figure: `${drain.counters.invocationFailed}${absent}`,
      met: drain.counters.invocationFailed === 0,
    },
    {
      goal: 'drained within 10 s of the last submission',
      figure: drain.drainSeconds === null ? 'not drained' : `${drain.drainSeconds} s`,
      met: drain.drainSeconds !== null && drain.drainSeconds <= 10,
    },
    {
      goal: 'no worker count slower than one worker',
      figure: one
        ? `${byWorkers}${slower.length > 0 ? ` (slower: ${slower.map((r) => r.workers).join(', ')} workers)` : ''}${rates.length === 1 ? ' (no other worker count ran)' : ''}`
        : `no backlogged interval with exactly 1 worker${byWorkers ? ` (${byWorkers})` : ''}`,
      met: one ? slower.length === 0 : null,
    },
  ];
}

export const verdict = (met: boolean | null) => (met === null ? 'NOT MEASURED' : met ? 'MET' : 'MISSED');

const round = (value: number) => Math.round(value * 10) / 10;

// Benchmark 1: our fast-doubling Fibonacci vs a naive recursive baseline and a BigInt loop,
// with compute and decimal conversion timed separately; and F(n) with its decimal string on
// each engine the worker can use (GMP through mpzjs, BigInt) against the issue-11 goal.
import { bigintFibonacciDecimal } from '../../functions/src/fib/bigint-fibonacci.js';
import { fibonacci } from '../../functions/src/fib/fibonacci.js';
import { loadGmpFibonacci } from '../../functions/src/fib/gmp-fibonacci.js';

/** The textbook exponential recursion (Number; exact up to n = 78). */
export function naiveFibonacci(n: number): number {
  return n < 2 ? n : naiveFibonacci(n - 1) + naiveFibonacci(n - 2);
}

/** The simple O(n) BigInt loop. */
export function loopFibonacci(n: number): bigint {
  let a = 0n;
  let b = 1n;
  for (let i = 0; i < n; i += 1) {
    const next = a + b;
    a = b;
    b = next;
  }
  return a;
}

/**
 * Median of `runs` timings of `work` in ms, after one warm-up call unless `warmup` is false
 * (then the first call is timed too). `inner` repeats the work inside each timing (and divides)
 * so that microsecond work is measurable.
 */
export function timeMs<T>(
  work: () => T,
  runs: number,
  options: { warmup?: boolean; inner?: number } = {},
): { ms: number; result: T } {
  const inner = options.inner ?? 1;
  const times: number[] = [];
  let result: T | undefined;
  if (options.warmup ?? true) for (let i = 0; i < inner; i += 1) result = work();
  for (let run = 0; run < Math.max(runs, 1); run += 1) {
    const started = performance.now();
    for (let i = 0; i < inner; i += 1) result = work();
    times.push((performance.now() - started) / inner);
  }
  times.sort((a, b) => a - b);
  return { ms: times[Math.floor(times.length / 2)] ?? NaN, result: result as T };
}

export interface FibRow {
  name: string;
  n: number;
  computeMs: number;
  decimalMs: number | null;
  baselineComputeMs: number | null;
  baselineDecimalMs: number | null;
  baseline: string;
}

/** Runs every case; the slow baselines run once (the BigInt loop at 10^6 takes seconds). */
export function runFibonacciBench(): FibRow[] {
  const rows: FibRow[] = [];
  for (const [n, runs] of [
    [30, 5],
    [35, 3],
    [40, 1],
  ] as const) {
    const naive = timeMs(() => naiveFibonacci(n), runs, { warmup: runs > 1 });
    const ours = timeMs(() => fibonacci(n), 20, { inner: 1000 });
    if (BigInt(naive.result) !== ours.result) throw new Error(`F(${n}) differs between the naive and fast versions`);
    rows.push({
      name: 'fast doubling vs naive recursion',
      n,
      computeMs: ours.ms,
      decimalMs: null,
      baselineComputeMs: naive.ms,
      baselineDecimalMs: null,
      baseline: 'naive recursion',
    });
  }
  for (const [n, runs, loopRuns] of [
    [1_000, 200, 50],
    [100_000, 20, 3],
    [1_000_000, 5, 1],
  ] as const) {
    const inner = n <= 1000 ? 200 : 1;
    const compute = timeMs(() => fibonacci(n), runs, { inner });
    const decimal = timeMs(() => compute.result.toString(), runs, { inner });
    const loop = timeMs(() => loopFibonacci(n), loopRuns, { warmup: loopRuns > 1, inner });
    const loopDecimal = timeMs(() => loop.result.toString(), Math.min(runs, 5), { inner });
    if (loop.result !== compute.result) throw new Error(`F(${n}) differs between the loop and fast doubling`);
    rows.push({
      name: 'fast doubling vs BigInt loop',
      n,
      computeMs: compute.ms,
      decimalMs: decimal.ms,
      baselineComputeMs: loop.ms,
      baselineDecimalMs: loopDecimal.ms,
      baseline: 'BigInt loop',
    });
  }
  return rows;
}

/** F(10^6) with its decimal string must take at most this long (1.5x C GMP here; issue 11). */
export const millionGoalMs = 15;

/** F(n) including its decimal string on one engine. */
export interface EngineRow {
  engine: 'gmp' | 'bigint';
  n: number;
  /** Median of the timed runs, ms; null when the engine is unavailable. */
  medianMs: number | null;
  minMs: number | null;
  /** Median CPU time of this process per run, ms: close to the wall time on an idle machine, and
   * much less inflated than it when other processes compete for the cores. */
  cpuMs: number | null;
  runs: number;
  /** Why the engine could not run. */
  unavailable?: string;
}

/** Median wall and CPU time of `runs` calls of `work` (after one warm-up), its minimum, and the last result. */
export function timings<T>(work: () => T, runs: number): { medianMs: number; minMs: number; cpuMs: number; value: T } {
  let value = work(); // warm-up
  const times: number[] = [];
  const cpu: number[] = [];
  for (let run = 0; run < runs; run += 1) {
    const cpuBefore = process.cpuUsage();
    const started = performance.now();
    value = work();
    times.push(performance.now() - started);
    const used = process.cpuUsage(cpuBefore);
    cpu.push((used.user + used.system) / 1000);
  }
  const median = (values: number[]) => values.sort((a, b) => a - b)[Math.floor(values.length / 2)] ?? NaN;
  const medianMs = median(times);
  return { medianMs, minMs: times[0] ?? NaN, cpuMs: median(cpu), value };
}

/** Times both engines at 10^5 and 10^6 and checks they give the same digits. */
export function runEngineBench(): EngineRow[] {
  const gmp = loadGmpFibonacci();
  const rows: EngineRow[] = [];
  for (const [n, gmpRuns, bigintRuns] of [
    [100_000, 50, 20],
    [1_000_000, 21, 7],
  ] as const) {
    const bigint = timings(() => bigintFibonacciDecimal(n), bigintRuns);
    if (gmp.ok) {
      const native = timings(() => gmp.decimal(n), gmpRuns);
      if (native.value !== bigint.value) throw new Error(`F(${n}) differs between GMP and BigInt`);
      rows.push({ engine: 'gmp', n, medianMs: native.medianMs, minMs: native.minMs, cpuMs: native.cpuMs, runs: gmpRuns });
    } else {
      rows.push({ engine: 'gmp', n, medianMs: null, minMs: null, cpuMs: null, runs: 0, unavailable: gmp.reason });
    }
    rows.push({
      engine: 'bigint',
      n,
      medianMs: bigint.medianMs,
      minMs: bigint.minMs,
      cpuMs: bigint.cpuMs,
      runs: bigintRuns,
    });
  }
  return rows;
}

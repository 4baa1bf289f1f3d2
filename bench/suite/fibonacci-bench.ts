// Benchmark 1: our fast-doubling Fibonacci vs a naive recursive baseline and a BigInt loop,
// with compute and decimal conversion timed separately.
import { fibonacci } from '../../functions/src/fib/fibonacci.js';

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

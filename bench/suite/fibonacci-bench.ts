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

/** Median of `runs` timings of `work` in ms (after one warm-up unless `warmup` is false). */
export function timeMs<T>(work: () => T, runs: number, warmup = true): { ms: number; result: T } {
  let result = work();
  if (!warmup) runs -= 1;
  const times: number[] = [];
  for (let i = 0; i < Math.max(runs, 0); i += 1) {
    const started = performance.now();
    result = work();
    times.push(performance.now() - started);
  }
  if (times.length === 0) return { ms: NaN, result };
  times.sort((a, b) => a - b);
  return { ms: times[Math.floor(times.length / 2)] ?? NaN, result };
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
    const naive = timeMs(() => naiveFibonacci(n), runs, runs > 1);
    const ours = timeMs(() => fibonacci(n), 200);
    if (BigInt(naive.result) !== ours.result) throw new Error(`F(${n}) differs between the naive and fast versions`);
    rows.push({ name: 'fast doubling vs naive recursion', n, computeMs: ours.ms, decimalMs: null, baselineComputeMs: naive.ms, baselineDecimalMs: null, baseline: 'naive recursion' });
  }
  for (const [n, runs, loopRuns] of [
    [1_000, 200, 50],
    [100_000, 20, 3],
    [1_000_000, 5, 1],
  ] as const) {
    const compute = timeMs(() => fibonacci(n), runs);
    const decimal = timeMs(() => compute.result.toString(), runs);
    const loop = timeMs(() => loopFibonacci(n), loopRuns, loopRuns > 1);
    const loopDecimal = timeMs(() => loop.result.toString(), Math.min(runs, 5));
    if (loop.result !== compute.result) throw new Error(`F(${n}) differs between the loop and fast doubling`);
    rows.push({ name: 'fast doubling vs BigInt loop', n, computeMs: compute.ms, decimalMs: decimal.ms, baselineComputeMs: loop.ms, baselineDecimalMs: loopDecimal.ms, baseline: 'BigInt loop' });
  }
  return rows;
}

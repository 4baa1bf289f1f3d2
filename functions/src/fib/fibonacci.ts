// Exact Fibonacci numbers as the worker stores them: F(0)=0, F(1)=1, F(10)=55, any size.
import type { FibonacciEngine } from './fibonacci-engine.js';

export { fibonacci } from './bigint-fibonacci.js';

/** What the worker stores: F(n) in hexadecimal (its bytes) and how long it took. */
export interface FibonacciResult {
  hex: string;
  computedMs: number;
}

/**
 * Computes F(n) with the given engine (the app's, chosen from FIB_ENGINE at the worker's start), timed. The worker stores
 * its bytes, not its decimal string: that conversion costs more than the arithmetic at large n
 * (README, Measured) and happens only when a client reads the whole value. Synchronous,
 * bounded by MAX_INDEX.
 */
export function computeFibonacci(engine: FibonacciEngine, n: number): FibonacciResult {
  const started = performance.now();
  const hex = engine.hex(n);
  return { hex, computedMs: Math.round((performance.now() - started) * 1000) / 1000 };
}

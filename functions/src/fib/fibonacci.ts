// Exact Fibonacci numbers as the worker stores them: F(0)=0, F(1)=1, F(10)=55, any size.
import { currentFibonacciEngine } from './fibonacci-engine.js';

export { fibonacci } from './bigint-fibonacci.js';

/** The result the worker stores: the decimal string, its digit count and how long it took. */
export interface FibonacciResult {
  value: string;
  digits: number;
  computedMs: number;
}

/**
 * Computes F(n) and its decimal string with the engine FIB_ENGINE chose (GMP when it loads),
 * timing both; decimal conversion dominates at large n. Synchronous: F(10^6) holds the
 * event loop about 14 ms on GMP (about 50 ms on BigInt), bounded by MAX_INDEX.
 */
export function computeFibonacci(n: number): FibonacciResult {
  const engine = currentFibonacciEngine();
  const started = performance.now();
  const value = engine.decimal(n);
  return { value, digits: value.length, computedMs: Math.round((performance.now() - started) * 1000) / 1000 };
}

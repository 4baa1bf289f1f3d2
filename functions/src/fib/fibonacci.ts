// Exact Fibonacci numbers by fast doubling on BigInt: F(0)=0, F(1)=1, F(10)=55.

/**
 * Returns F(n) exactly. Fast doubling uses O(log n) big multiplications:
 * F(2k) = F(k)·(2·F(k+1) − F(k)), F(2k+1) = F(k)² + F(k+1)².
 */
export function fibonacci(n: number): bigint {
  if (!Number.isSafeInteger(n) || n < 0) {
    throw new RangeError(`fibonacci needs a whole number >= 0, got ${n}`);
  }
  let a = 0n; // F(k)
  let b = 1n; // F(k+1)
  // Walk the bits of n from the most significant one down.
  for (const bit of n.toString(2)) {
    const doubled = a * (2n * b - a); // F(2k)
    const doubledPlusOne = a * a + b * b; // F(2k+1)
    if (bit === '1') {
      a = doubledPlusOne;
      b = doubled + doubledPlusOne;
    } else {
      a = doubled;
      b = doubledPlusOne;
    }
  }
  return a;
}

/** The result the worker stores: the decimal string, its digit count and how long it took. */
export interface FibonacciResult {
  value: string;
  digits: number;
  computedMs: number;
}

/** Computes F(n) and its decimal string, timing both (decimal conversion dominates at large n). */
export function computeFibonacci(n: number): FibonacciResult {
  const started = performance.now();
  const value = fibonacci(n).toString();
  return { value, digits: value.length, computedMs: Math.round((performance.now() - started) * 1000) / 1000 };
}

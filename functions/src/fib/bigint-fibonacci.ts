// F(n) by fast doubling on JavaScript BigInt: the engine that needs nothing native.

/** Throws a RangeError unless `n` is a whole number >= 0 that a Number holds exactly. */
export function assertFibonacciIndex(n: number): void {
  if (!Number.isSafeInteger(n) || n < 0) {
    throw new RangeError(`fibonacci needs a whole number >= 0, got ${n}`);
  }
}

/**
 * Returns F(n) exactly (F(0)=0, F(1)=1, F(10)=55). Fast doubling walks the bits of n from the
 * most significant one: F(2k) = F(k)·(2·F(k+1) − F(k)), F(2k+1) = F(k)² + F(k+1)². The last
 * step computes only the one number it returns.
 */
export function fibonacci(n: number): bigint {
  assertFibonacciIndex(n);
  const bits = n.toString(2);
  let a = 0n; // F(k)
  let b = 1n; // F(k+1)
  for (let i = 0; i < bits.length - 1; i += 1) {
    const doubled = a * (2n * b - a); // F(2k)
    const doubledPlusOne = a * a + b * b; // F(2k+1)
    if (bits[i] === '1') {
      a = doubledPlusOne;
      b = doubled + doubledPlusOne;
    } else {
      a = doubled;
      b = doubledPlusOne;
    }
  }
  return bits.endsWith('1') ? a * a + b * b : a * (2n * b - a);
}

/** F(n) as its exact decimal string, with BigInt. */
export function bigintFibonacciDecimal(n: number): string {
  return fibonacci(n).toString();
}

/** F(n) in hexadecimal (lower case, no prefix), with BigInt: linear time, unlike decimal. */
export function bigintFibonacciHex(n: number): string {
  return fibonacci(n).toString(16);
}

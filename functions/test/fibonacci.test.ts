import { describe, expect, it } from 'vitest';

import { computeFibonacci, fibonacci } from '../src/fib/fibonacci.js';
import { previewValue } from '../src/fib/value-preview.js';

function byLoop(n: number): bigint {
  let [a, b] = [0n, 1n];
  for (let i = 0; i < n; i += 1) [a, b] = [b, a + b];
  return a;
}

describe('fibonacci', () => {
  it('starts the standard sequence at F(0)=0, F(1)=1 (the workshop was off by one)', () => {
    expect([0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10].map((n) => fibonacci(n))).toEqual([0n, 1n, 1n, 2n, 3n, 5n, 8n, 13n, 21n, 34n, 55n]);
  });

  it('gives F(12) = 144 and exact values beyond 2^53', () => {
    expect(fibonacci(12)).toBe(144n);
    expect(fibonacci(90)).toBe(2880067194370816120n);
    expect(fibonacci(100)).toBe(354224848179261915075n);
  });

  it('agrees with a plain loop for every n up to 600', () => {
    for (let n = 0; n <= 600; n += 1) expect(fibonacci(n)).toBe(byLoop(n));
  });

  it('computes F(100000) with its 20899 digits', () => {
    const result = computeFibonacci(100_000);
    expect(result.digits).toBe(20_899);
    expect(result.value.slice(0, 20)).toBe('25974069347221724166');
    expect(result.value.slice(-20)).toBe('49895374653428746875');
    expect(result.computedMs).toBeGreaterThanOrEqual(0);
  });

  it('refuses negative and fractional n', () => {
    expect(() => fibonacci(-1)).toThrow(RangeError);
    expect(() => fibonacci(1.5)).toThrow(RangeError);
  });
});

describe('previewValue', () => {
  it('leaves values of up to 60 digits whole', () => {
    expect(previewValue('144')).toBe('144');
    expect(previewValue('1'.repeat(60))).toBe('1'.repeat(60));
  });

  it('shortens huge values to head…tail with the digit count', () => {
    const value = computeFibonacci(100_000).value;
    expect(previewValue(value)).toBe('25974069347221724166…49895374653428746875 (20899 digits)');
  });
});

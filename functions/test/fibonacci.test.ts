import { describe, expect, it } from 'vitest';

import { computeFibonacci, fibonacci } from '../src/fib/fibonacci.js';
import { selectFibonacciEngine } from '../src/fib/fibonacci-engine.js';
import { decodeStoredHeader, encodeStoredValue, storedValueNumber } from '../src/fib/stored-value.js';
import { fibonacciDigits, previewOf, previewValue } from '../src/fib/value-preview.js';

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

  it('computes F(100000) with its 20899 digits, as the bytes the worker stores', () => {
    const result = computeFibonacci(selectFibonacciEngine('auto'), 100_000);
    const value = BigInt(`0x${result.hex}`).toString();
    expect(value).toHaveLength(20_899);
    expect(value.slice(0, 20)).toBe('25974069347221724166');
    expect(value.slice(-20)).toBe('49895374653428746875');
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
    const value = fibonacci(100_000).toString();
    expect(previewValue(value)).toBe('25974069347221724166…49895374653428746875 (20899 digits)');
  });
});

describe('previewOf (from the index alone, no decimal conversion)', () => {
  it('is byte-identical to the preview of the full decimal string for every n up to 2500', () => {
    for (let n = 0; n <= 2500; n += 1) {
      const value = fibonacci(n).toString();
      expect(previewOf(n), `F(${n})`).toBe(previewValue(value));
      expect(fibonacciDigits(n), `digits of F(${n})`).toBe(value.length);
    }
  });

  it('is byte-identical at large indices, F(10^6) included', () => {
    for (const n of [4_181, 65_535, 99_999, 123_457, 1_000_000]) {
      expect(previewOf(n), `F(${n})`).toBe(previewValue(fibonacci(n).toString()));
    }
  });
});

describe('stored values', () => {
  it('round-trip F(n) through the stored bytes, header included', () => {
    for (const n of [0, 1, 2, 10, 93, 94, 1000, 20_000]) {
      const stored = encodeStoredValue(fibonacci(n).toString(16), { computedMs: 1.25, completedAt: 1700000000000 });
      expect(storedValueNumber(stored), `F(${n})`).toBe(fibonacci(n));
      expect(decodeStoredHeader(stored)).toMatchObject({ computedMs: 1.25, completedAt: 1700000000000 });
    }
  });

  it('cost close to the information: F(10^6) takes n·log2(φ)/8 bytes plus a header under 64', () => {
    const stored = encodeStoredValue(fibonacci(1_000_000).toString(16), { computedMs: 5, completedAt: Date.now() });
    const information = Math.ceil((1_000_000 * Math.log2((1 + Math.sqrt(5)) / 2)) / 8);
    expect(stored.length - information).toBeGreaterThanOrEqual(0);
    expect(stored.length - information).toBeLessThan(64);
  });

  it('reads a corrupt entry as absent', () => {
    expect(storedValueNumber(Buffer.from('garbage'))).toBeNull();
  });
});

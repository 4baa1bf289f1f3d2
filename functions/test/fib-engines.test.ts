// The two Fibonacci engines (GMP through mpzjs, BigInt) agree, and the choice between them.
import { createHash } from 'node:crypto';

import { describe, expect, it, vi } from 'vitest';

import { loadConfig } from '../src/config.js';
import { ConfigError } from '../src/errors.js';
import { bigintFibonacciDecimal, bigintFibonacciHex } from '../src/fib/bigint-fibonacci.js';
import { computeFibonacci } from '../src/fib/fibonacci.js';
import { selectFibonacciEngine } from '../src/fib/fibonacci-engine.js';
import { loadGmpFibonacci } from '../src/fib/gmp-fibonacci.js';

const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');

// Computed independently with Python's integers (sys.set_int_max_str_digits(0)).
const reference = {
  100_000: { digits: 20_899, sha256: '9fe22f691a91170da9006226d479ad986b2f92021b7045ecfb0a5091b641b802' },
  1_000_000: { digits: 208_988, sha256: 'aef6e8c19df607aa07940f2abde8460d1b34c18df1a6f46b5fc04dfe9be51706' },
} as const;

/** Fails like require() does when libgmp10 is not installed. */
const missingLibgmp = () => {
  throw new Error('libgmp.so.10: cannot open shared object file: No such file or directory');
};

function loadedGmp(): (n: number) => string {
  const gmp = loadGmpFibonacci();
  // mpzjs is a dependency and this machine has libgmp10 (Debian coreutils depends on it).
  if (!gmp.ok) throw new Error(`the GMP binding should load here: ${gmp.reason}`);
  return gmp.decimal;
}

describe('GMP and BigInt engines', () => {
  it('loads the prebuilt mpzjs binding on this machine, and auto picks it', () => {
    expect(loadGmpFibonacci().ok).toBe(true);
    expect(selectFibonacciEngine('auto').name).toBe('gmp');
  });

  it('agree on every n from 0 to 2000', () => {
    const gmp = loadedGmp();
    for (let n = 0; n <= 2000; n += 1) expect(gmp(n), `F(${n})`).toBe(bigintFibonacciDecimal(n));
  });

  it('agree on large n around powers of two and at the limits', () => {
    const gmp = loadedGmp();
    for (const n of [4095, 4096, 65_535, 65_536, 65_537, 131_071, 250_001]) {
      expect(gmp(n) === bigintFibonacciDecimal(n), `F(${n})`).toBe(true);
    }
  });

  it('both give the independently computed F(100000) and F(1000000)', () => {
    const gmp = loadedGmp();
    for (const [n, expected] of Object.entries(reference)) {
      for (const decimal of [gmp, bigintFibonacciDecimal]) {
        const value = decimal(Number(n));
        expect(value.length).toBe(expected.digits);
        expect(sha256(value)).toBe(expected.sha256);
      }
    }
  });

  it('reuse their GMP integers across calls without mixing results', () => {
    const gmp = loadedGmp();
    expect([gmp(1_000), gmp(10), gmp(0), gmp(1), gmp(2), gmp(12)].slice(1)).toEqual(['55', '0', '1', '1', '144']);
  });

  it('refuse negative and fractional n in both engines', () => {
    const gmp = loadedGmp();
    for (const decimal of [gmp, bigintFibonacciDecimal]) {
      expect(() => decimal(-1)).toThrow(RangeError);
      expect(() => decimal(1.5)).toThrow(RangeError);
    }
  });
});

describe('FIB_ENGINE', () => {
  it('reads unset and empty as auto, accepts gmp and bigint, and names the variable for anything else', () => {
    const fibEngine = (value: string | undefined) => loadConfig({ FIB_ENGINE: value }).fibEngine;
    expect(fibEngine(undefined)).toBe('auto');
    expect(fibEngine('')).toBe('auto');
    expect(fibEngine('gmp')).toBe('gmp');
    expect(fibEngine('bigint')).toBe('bigint');
    expect(() => fibEngine('fast')).toThrow(ConfigError);
    expect(() => fibEngine('GMP')).toThrow(/FIB_ENGINE: .*"auto"\|"gmp"\|"bigint"/);
  });

  it('auto falls back to BigInt when the binding cannot load, says why once, and still computes exactly', () => {
    const warn = vi.fn();
    const engine = selectFibonacciEngine('auto', { requireModule: missingLibgmp, warn });
    expect(engine.name).toBe('bigint');
    expect(engine.fallbackReason).toMatch(/libgmp\.so\.10/);
    expect(warn).toHaveBeenCalledTimes(1);
    expect(warn.mock.calls[0]?.[0]).toMatch(/FIB_ENGINE=auto: mpzjs did not load: libgmp\.so\.10.*BigInt/);
    expect(BigInt(`0x${computeFibonacci(engine, 100).hex}`)).toBe(354224848179261915075n);
  });

  it('auto falls back when the package itself is missing', () => {
    const missingPackage = () => {
      throw Object.assign(new Error("Cannot find module 'mpzjs'"), { code: 'MODULE_NOT_FOUND' });
    };
    expect(selectFibonacciEngine('auto', { requireModule: missingPackage, warn: () => undefined })).toMatchObject({
      name: 'bigint',
      fallbackReason: "mpzjs did not load: Cannot find module 'mpzjs'",
    });
  });

  it('gmp refuses to start without the binding, naming FIB_ENGINE', () => {
    expect(() => selectFibonacciEngine('gmp', { requireModule: missingLibgmp })).toThrow(
      /FIB_ENGINE=gmp but the GMP binding is unavailable \(mpzjs did not load: libgmp/,
    );
  });

  it('bigint never loads the binding', () => {
    const requireModule = vi.fn(missingLibgmp);
    expect(selectFibonacciEngine('bigint', { requireModule }).name).toBe('bigint');
    expect(requireModule).not.toHaveBeenCalled();
  });

  it('computeFibonacci uses the engine it is given, in hexadecimal (no decimal conversion), and reports its time', () => {
    const engine = selectFibonacciEngine('gmp');
    const hex = vi.spyOn(engine, 'hex');
    const decimal = vi.spyOn(engine, 'decimal');
    const result = computeFibonacci(engine, 1000);
    expect(hex).toHaveBeenCalledWith(1000);
    expect(decimal).not.toHaveBeenCalled();
    expect(BigInt(`0x${result.hex}`).toString()).toBe(bigintFibonacciDecimal(1000));
    expect(result.computedMs).toBeGreaterThanOrEqual(0);
  });

  it('GMP and BigInt give the same hexadecimal digits', () => {
    const gmp = selectFibonacciEngine('gmp');
    for (const n of [0, 1, 2, 3, 10, 1000, 65_537, 250_001]) expect(gmp.hex(n), `F(${n})`).toBe(bigintFibonacciHex(n));
  });
});

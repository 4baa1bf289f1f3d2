// F(n) by fast doubling on GMP integers through the mpzjs N-API binding, when it loads.
//
// mpzjs ships a prebuilt N-API binary (prebuilds/linux-x64/node.napi.node; the newest N-API
// function it imports is napi_get_instance_data, N-API 6, so the one file serves Node 20, 22
// and 24 alike) linked against the system's libgmp.so.10 (checked with objdump/ldd on 0.7.1;
// the package is unmaintained since 2020, its prebuild covers linux-x64 and darwin-x64); npm
// never runs its install script here (package.json "allowScripts": { "mpzjs": false }), and
// node-gyp-build picks the prebuilt file when the module is required. It fails to load on
// platforms without a prebuild (arm64, Windows) or without libgmp10; the caller falls back.
import { createRequire } from 'node:module';

import { errorMessage } from '../errors.js';
import { assertFibonacciIndex } from './bigint-fibonacci.js';

/** The part of mpzjs this file uses (the package has no type declarations). */
interface Mpz {
  toString(base?: number): string;
}

/** mpzjs' static, in-place operations: `MPZ.op(result, a, b)` writes into `result`. */
export interface MpzModule {
  (value?: number | string): Mpz;
  set(result: Mpz, value: number | Mpz): void;
  add(result: Mpz, a: Mpz, b: Mpz | number): void;
  sub(result: Mpz, a: Mpz, b: Mpz | number): void;
  mul(result: Mpz, a: Mpz, b: Mpz): void;
  shiftLeft(result: Mpz, value: Mpz, shift: number): void;
}

/** Loads a module by name the way `require` does (tests pass one that fails). */
export type RequireModule = (name: string) => unknown;

/** Either a working GMP engine or why there is none. */
export type GmpLoadResult =
  { ok: true; decimal: (n: number) => string; hex: (n: number) => string } | { ok: false; reason: string };

const selfCheck = { n: 100, value: '354224848179261915075' };

/**
 * Returns F(n) → its digits in `radix` (10 or 16) on GMP. Each doubling step takes two squarings, as GMP's own
 * mpz_fib_ui does (mpzjs does not expose it): from F(k) and F(k−1),
 * F(2k+1) = 4·F(k)² − F(k−1)² + 2·(−1)^k, F(2k−1) = F(k)² + F(k−1)², F(2k) = F(2k+1) − F(2k−1).
 * Four GMP integers are allocated once and reused by every call (the computation is
 * synchronous, so calls never overlap): mpzjs does not tell V8 how much native memory an
 * integer holds, so fresh ones per call would pile up until a GC.
 */
export function createGmpFibonacci(MPZ: MpzModule): (n: number, radix?: 10 | 16) => string {
  const pool = [MPZ(), MPZ(), MPZ()] as const;
  const scratch = MPZ();
  return (n: number, radix: 10 | 16 = 10): string => {
    assertFibonacciIndex(n);
    if (n === 0) return '0';
    const bits = n.toString(2); // starts with 1: k = 1
    let [f1, f0, square] = pool; // f1 = F(k), f0 = F(k−1)
    MPZ.set(f1, 1);
    MPZ.set(f0, 0);
    for (let i = 1; i < bits.length; i += 1) {
      const kIsOdd = bits[i - 1] === '1';
      if (i === bits.length - 1 && bits[i] === '0') {
        // The last step needs F(2k) alone: F(k)·(F(k) + 2·F(k−1)), one multiplication.
        MPZ.shiftLeft(scratch, f0, 1);
        MPZ.add(scratch, scratch, f1);
        MPZ.mul(scratch, scratch, f1);
        return scratch.toString(radix);
      }
      MPZ.mul(square, f1, f1); // F(k)²
      MPZ.mul(scratch, f0, f0); // F(k−1)²
      MPZ.add(f0, square, scratch); // F(2k−1)
      MPZ.shiftLeft(f1, square, 2);
      MPZ.sub(f1, f1, scratch);
      MPZ.add(f1, f1, kIsOdd ? -2 : 2); // F(2k+1)
      if (i === bits.length - 1) return f1.toString(radix);
      MPZ.sub(square, f1, f0); // F(2k)
      // Next k is 2k+1 (bit 1): F(2k+1), F(2k); or 2k (bit 0): F(2k), F(2k−1). Freed ones become scratch.
      if (bits[i] === '1') [f0, square] = [square, f0];
      else [f1, square] = [square, f1];
    }
    return f1.toString(radix); // n = 1
  };
}

const nodeRequire: RequireModule = createRequire(import.meta.url);

/**
 * Loads mpzjs and checks it on F(100). Never throws: a missing package, a missing prebuild
 * or a missing libgmp.so.10 ("cannot open shared object file") all come back as `reason`.
 */
export function loadGmpFibonacci(requireModule: RequireModule = nodeRequire): GmpLoadResult {
  try {
    const fibonacci = createGmpFibonacci(requireModule('mpzjs') as MpzModule);
    const got = fibonacci(selfCheck.n);
    if (got !== selfCheck.value) return { ok: false, reason: `mpzjs gave F(100) = ${got}` };
    return { ok: true, decimal: (n) => fibonacci(n, 10), hex: (n) => fibonacci(n, 16) };
  } catch (error) {
    const message = errorMessage(error);
    return { ok: false, reason: `mpzjs did not load: ${message.split('\n')[0] ?? message}` };
  }
}

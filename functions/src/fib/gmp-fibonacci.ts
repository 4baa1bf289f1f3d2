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

import { assertFibonacciIndex } from './bigint-fibonacci.js';

/** The part of mpzjs this file uses (the package has no type declarations). */
interface Mpz {
  toString(base?: number): string;
}

/** mpzjs' static, in-place operations: `MPZ.op(result, a, b)` writes into `result`. */
export interface MpzModule {
  (value?: number | string): Mpz;
  set(result: Mpz, value: number | Mpz): void;
  add(result: Mpz, a: Mpz, b: Mpz): void;
  sub(result: Mpz, a: Mpz, b: Mpz): void;
  mul(result: Mpz, a: Mpz, b: Mpz): void;
  addMul(result: Mpz, a: Mpz, b: Mpz): void;
  shiftLeft(result: Mpz, value: Mpz, shift: number): void;
}

/** Loads a module by name the way `require` does (tests pass one that fails). */
export type RequireModule = (name: string) => unknown;

/** Either a working GMP engine or why there is none. */
export type GmpLoadResult = { ok: true; decimal: (n: number) => string } | { ok: false; reason: string };

const selfCheck = { n: 100, value: '354224848179261915075' };

/**
 * Returns F(n) → decimal string on GMP. Four GMP integers are allocated once and reused by
 * every call (the computation is synchronous, so calls never overlap): mpzjs does not tell V8
 * how much native memory an integer holds, so fresh ones per call would pile up until a GC.
 */
export function createGmpFibonacci(MPZ: MpzModule): (n: number) => string {
  const pool = [MPZ(), MPZ(), MPZ(), MPZ()] as const;
  return (n: number): string => {
    assertFibonacciIndex(n);
    const bits = n.toString(2);
    let [a, b, t, u] = pool; // a = F(k), b = F(k+1); t and u are scratch
    MPZ.set(a, 0);
    MPZ.set(b, 1);
    for (let i = 0; i < bits.length - 1; i += 1) {
      MPZ.shiftLeft(t, b, 1);
      MPZ.sub(t, t, a);
      MPZ.mul(t, t, a); // F(2k) = F(k)·(2·F(k+1) − F(k))
      MPZ.mul(u, a, a);
      MPZ.addMul(u, b, b); // F(2k+1) = F(k)² + F(k+1)²
      if (bits[i] === '1') {
        MPZ.add(t, t, u); // F(2k+2)
        [a, b, t, u] = [u, t, a, b];
      } else {
        [a, b, t, u] = [t, u, a, b];
      }
    }
    // The last step needs only the number it returns.
    if (bits.endsWith('1')) {
      MPZ.mul(u, a, a);
      MPZ.addMul(u, b, b);
      return u.toString();
    }
    MPZ.shiftLeft(t, b, 1);
    MPZ.sub(t, t, a);
    MPZ.mul(t, t, a);
    return t.toString();
  };
}

const nodeRequire: RequireModule = createRequire(import.meta.url);

/**
 * Loads mpzjs and checks it on F(100). Never throws: a missing package, a missing prebuild
 * or a missing libgmp.so.10 ("cannot open shared object file") all come back as `reason`.
 */
export function loadGmpFibonacci(requireModule: RequireModule = nodeRequire): GmpLoadResult {
  try {
    const decimal = createGmpFibonacci(requireModule('mpzjs') as MpzModule);
    const got = decimal(selfCheck.n);
    if (got !== selfCheck.value) return { ok: false, reason: `mpzjs gave F(100) = ${got}` };
    return { ok: true, decimal };
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    return { ok: false, reason: `mpzjs did not load: ${message.split('\n')[0] ?? message}` };
  }
}

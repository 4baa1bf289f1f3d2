// Which arithmetic computes F(n): GMP (native, fast) or BigInt (always there), as the FIB_ENGINE
// setting (validated by config.ts, the only reader of the environment) asks.
import { z } from 'zod';

import { ConfigError } from '../errors.js';
import { bigintFibonacciDecimal, bigintFibonacciHex } from './bigint-fibonacci.js';
import { loadGmpFibonacci, type RequireModule } from './gmp-fibonacci.js';

/**
 * `FIB_ENGINE`: `auto` uses GMP when the mpzjs binding loads and BigInt otherwise; `gmp`
 * requires the binding (start fails without it); `bigint` never loads it.
 * @defaultValue 'auto'
 */
export const fibEngineSetting = z.enum(['auto', 'gmp', 'bigint']);
export type FibEngineSetting = z.infer<typeof fibEngineSetting>;

/** The arithmetic in use. */
export interface FibonacciEngine {
  name: 'gmp' | 'bigint';
  /** F(n) as its exact decimal string. */
  decimal: (n: number) => string;
  /** F(n) in hexadecimal: what the worker stores (no decimal conversion, the costly half). */
  hex: (n: number) => string;
  /** Why `auto` fell back to BigInt, when it did. */
  fallbackReason?: string;
}

/** Options for {@link selectFibonacciEngine}. */
export interface SelectEngineOptions {
  /** How mpzjs is required; tests pass one that fails. @defaultValue Node's require */
  requireModule?: RequireModule;
  /** Told once when `auto` falls back to BigInt. @defaultValue console.warn */
  warn?: (message: string) => void;
}

/** Resolves a setting to an engine; `gmp` without a working binding throws a ConfigError. */
export function selectFibonacciEngine(setting: FibEngineSetting, options: SelectEngineOptions = {}): FibonacciEngine {
  if (setting === 'bigint') return { name: 'bigint', decimal: bigintFibonacciDecimal, hex: bigintFibonacciHex };
  const gmp = loadGmpFibonacci(options.requireModule);
  if (gmp.ok) return { name: 'gmp', decimal: gmp.decimal, hex: gmp.hex };
  if (setting === 'gmp') {
    throw new ConfigError(`FIB_ENGINE=gmp but the GMP binding is unavailable (${gmp.reason}); use auto or bigint`);
  }
  (options.warn ?? console.warn)(`FIB_ENGINE=auto: ${gmp.reason}; computing with BigInt (about 4x slower at F(10^6))`);
  return { name: 'bigint', decimal: bigintFibonacciDecimal, hex: bigintFibonacciHex, fallbackReason: gmp.reason };
}

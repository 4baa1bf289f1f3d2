// What lists show of F(n) (head…tail and the digit count), derived from n alone: no stored
// value and no decimal conversion. The leading digits follow from
// log10 F(n) = n·log10 φ − log10 √5 (the −ψⁿ/√5 term is below 10^-60 of F(n) past the
// exact range), the trailing ones from F(n) mod 10^20 by fast doubling.
import { fibonacci } from './bigint-fibonacci.js';

/** Values longer than this many digits are shortened in lists. */
export const previewThreshold = 60;

/** Digits kept at each end of a shortened value. */
const edgeDigits = 20;

/** "12345678901234567890…09876543210987654321 (208988 digits)" for long values; short ones as they are. */
export function previewValue(value: string): string {
  if (value.length <= previewThreshold) return value;
  return `${value.slice(0, edgeDigits)}…${value.slice(-edgeDigits)} (${value.length} digits)`;
}

// Fixed-point arithmetic on BigInt with `precision` decimal places: 60 digits leave ~35 to
// spare for the 20 leading digits at any index below 10^15.
const precision = 60n;
const scale = 10n ** precision;

/** ln(x) for a fixed-point x > 0, from ln x = 2·atanh((x−1)/(x+1)) (fast for x near 1). */
function lnNear1(x: bigint): bigint {
  const z = ((x - scale) * scale) / (x + scale);
  const zSquared = (z * z) / scale;
  let term = z;
  let sum = 0n;
  for (let k = 1n; term !== 0n; k += 2n) {
    sum += term / k;
    term = (term * zSquared) / scale;
  }
  return 2n * sum;
}

function sqrt(value: bigint): bigint {
  if (value < 2n) return value;
  let x = value;
  let y = (x + 1n) / 2n;
  while (y < x) {
    x = y;
    y = (x + value / x) / 2n;
  }
  return x;
}

const ln2 = lnNear1(2n * scale);
// ln 10 = 3·ln 2 + ln 1.25; ln 5 = ln 10 − ln 2; φ = (1 + √5)/2.
const ln10 = 3n * ln2 + lnNear1((125n * scale) / 100n);
const sqrt5 = sqrt(5n * scale * scale);
const log10Phi = (lnNear1((scale + sqrt5) / 2n) * scale) / ln10;
const log10Sqrt5 = ((ln10 - ln2) * scale) / (2n * ln10);

/** e^y for a fixed-point y ≥ 0 (Taylor series; y < 2.31 here). */
function exp(y: bigint): bigint {
  let term = scale;
  let sum = 0n;
  for (let k = 1n; term !== 0n; k += 1n) {
    sum += term;
    term = (term * y) / (scale * k);
  }
  return sum;
}

/** log10 F(n) in fixed point, for n past the exact range. */
function log10Fibonacci(n: number): bigint {
  return BigInt(n) * log10Phi - log10Sqrt5;
}

/** Largest n whose F(n) the previews compute exactly (F(300) has 63 digits). */
const exactBelow = 300;

/** The number of decimal digits of F(n). */
export function fibonacciDigits(n: number): number {
  if (n < exactBelow) return fibonacci(n).toString().length;
  return Number(log10Fibonacci(n) / scale) + 1;
}

/** F(n) mod m by fast doubling (every intermediate stays below m²). */
function fibonacciMod(n: number, m: bigint): bigint {
  let a = 0n;
  let b = 1n;
  for (const bit of n.toString(2)) {
    const doubled = (a * ((2n * b - a + m) % m)) % m;
    const doubledPlusOne = (a * a + b * b) % m;
    if (bit === '1') {
      a = doubledPlusOne;
      b = (doubled + doubledPlusOne) % m;
    } else {
      a = doubled;
      b = doubledPlusOne;
    }
  }
  return a;
}

const previews = new Map<number, string>();
const cachedPreviews = 10_000;

/**
 * F(n) as lists show it, byte-identical to {@link previewValue} of its full decimal string,
 * in microseconds at any n (cached for the most recent indices).
 */
export function previewOf(n: number): string {
  const cached = previews.get(n);
  if (cached !== undefined) return cached;
  let preview: string;
  if (n < exactBelow) {
    preview = previewValue(fibonacci(n).toString());
  } else {
    const log = log10Fibonacci(n);
    const digits = Number(log / scale) + 1;
    const mantissa = exp(((log % scale) * ln10) / scale); // 10^frac, in [1, 10)
    const head = ((mantissa * 10n ** BigInt(edgeDigits - 1)) / scale).toString();
    const tail = fibonacciMod(n, 10n ** BigInt(edgeDigits))
      .toString()
      .padStart(edgeDigits, '0');
    preview = `${head}…${tail} (${digits} digits)`;
  }
  if (previews.size >= cachedPreviews) previews.delete(previews.keys().next().value!);
  previews.set(n, preview);
  return preview;
}

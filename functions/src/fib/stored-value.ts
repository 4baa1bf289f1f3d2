// How a computed F(n) is stored in Redis: one short text header, then the number's bytes
// (big-endian, unsigned), close to its information size (n·log2 φ bits); its decimal string is
// produced only when a client reads the whole value.

/** Header fields stored before the bytes. */
export interface StoredValueHeader {
  /** Time the worker spent computing F(n), in ms. */
  computedMs: number;
  /** When the value was stored, in ms since the epoch. */
  completedAt: number;
}

const magic = 'fib1';

/** Bytes a reader fetches (GETRANGE 0 this−1) to get the header without the value. */
export const storedHeaderMaxBytes = 64;

/** Bytes a stored value costs beyond its number's: the header (under {@link storedHeaderMaxBytes}) and the key. */
const storedValueOverheadBytes = 128;

/**
 * Redis memory one stored F(n) is expected to take: 1.2 × its information (n·log2 φ / 8 bytes;
 * measured 1.13–1.19×, README *Bounded by design*) plus the header and the key's own overhead
 * ({@link storedValueOverheadBytes}). A rebuild of Redis queues only the values its cap holds by this estimate.
 */
export function estimatedStoredBytes(n: number): number {
  return Math.ceil((1.2 * n * Math.log2((1 + Math.sqrt(5)) / 2)) / 8) + storedValueOverheadBytes;
}

/** The stored form: `fib1 <computedMs> <completedAt>\n` then F(n)'s bytes (from its hex digits). */
export function encodeStoredValue(hex: string, header: StoredValueHeader): Buffer {
  const text = Buffer.from(`${magic} ${header.computedMs} ${header.completedAt}\n`, 'latin1');
  return Buffer.concat([text, Buffer.from(hex.length % 2 === 0 ? hex : `0${hex}`, 'hex')]);
}

/** The header of a stored value (or of its first {@link storedHeaderMaxBytes}); null when corrupt. */
export function decodeStoredHeader(stored: Buffer): (StoredValueHeader & { bodyStart: number }) | null {
  const end = stored.indexOf(0x0a);
  if (end < 0) return null;
  const [tag, computedMs, completedAt] = stored.subarray(0, end).toString('latin1').split(' ');
  if (tag !== magic) return null;
  return { computedMs: Number(computedMs) || 0, completedAt: Number(completedAt) || 0, bodyStart: end + 1 };
}

/** F(n) from its stored form; null when the entry is corrupt. */
export function storedValueNumber(stored: Buffer): bigint | null {
  const header = decodeStoredHeader(stored);
  if (header === null) return null;
  const body = stored.subarray(header.bodyStart);
  return body.length === 0 ? 0n : BigInt(`0x${body.toString('hex')}`);
}

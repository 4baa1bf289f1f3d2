// Renders stored values (fib/stored-value.ts) as the decimal strings clients read, once per
// index and process: a bounded cache by size, and one conversion at a time per index. The
// conversion is the costly part (F(10^6): ~40 ms on BigInt), so a full read of a large value
// is also charged to the reader's fair-use budget (http/fair-use.ts).
import { storedValueNumber } from './stored-value.js';

/** Options for {@link DecimalRenderer}. */
export interface DecimalRendererOptions {
  /** Decimal characters kept in the cache. @defaultValue 32,000,000 (~150 values of F(10^6)) */
  maxCachedChars?: number;
}

/** Stored value → decimal string, with an LRU cache bounded by size. */
export class DecimalRenderer {
  private readonly cache = new Map<number, string>();
  private cachedChars = 0;
  private readonly maxCachedChars: number;

  constructor(options: DecimalRendererOptions = {}) {
    this.maxCachedChars = options.maxCachedChars ?? 32_000_000;
  }

  /** The cached decimal of F(index), if any (and marks it recently used). */
  cached(index: number): string | undefined {
    const decimal = this.cache.get(index);
    if (decimal !== undefined) {
      this.cache.delete(index);
      this.cache.set(index, decimal);
    }
    return decimal;
  }

  /** F(index) in decimal from its stored form; null when the stored entry is corrupt. */
  render(index: number, stored: Buffer): string | null {
    const hit = this.cached(index);
    if (hit !== undefined) return hit;
    const value = storedValueNumber(stored);
    if (value === null) return null;
    const decimal = value.toString();
    this.remember(index, decimal);
    return decimal;
  }

  private remember(index: number, decimal: string): void {
    if (decimal.length > this.maxCachedChars) return;
    this.cache.set(index, decimal);
    this.cachedChars += decimal.length;
    for (const [oldest, text] of this.cache) {
      if (this.cachedChars <= this.maxCachedChars) break;
      this.cache.delete(oldest);
      this.cachedChars -= text.length;
    }
  }
}

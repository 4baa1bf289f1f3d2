// Renders stored values (fib/stored-value.ts) as the decimal strings clients read. The
// conversion is the costly part (it grows faster than the digits; README, Measured), so large
// values are converted on a worker thread, one at a time: the api's event loop keeps answering
// (and its Redis commands keep their deadlines) while a read of a huge value is rendered.
// Results are kept in a cache bounded by size, and one conversion per index is in flight at a
// time. A full read of a large value is also charged to the reader's fair-use budget
// (fair-use/fair-use.ts).
import { Worker } from 'node:worker_threads';

import { decodeStoredHeader, storedValueNumber } from './stored-value.js';

/** Options for {@link DecimalRenderer}. */
export interface DecimalRendererOptions {
  /** Decimal characters kept in the cache. @defaultValue 32,000,000 (~150 values of F(10^6)) */
  maxCachedChars?: number;
  /** Values with at most this many bytes are converted inline (microseconds). @defaultValue 4096 */
  inlineMaxBytes?: number;
}

// The thread's whole program: bytes (hex) in, decimal string out, in order.
const threadSource = `
const { parentPort } = require('node:worker_threads');
parentPort.on('message', ({ id, bytes }) => {
  const hex = Buffer.from(bytes).toString('hex');
  parentPort.postMessage({ id, decimal: hex.length === 0 ? '0' : BigInt('0x' + hex).toString() });
});
`;

/** Stored value → decimal string, with an LRU cache bounded by size. */
export class DecimalRenderer {
  private readonly cache = new Map<number, string>();
  private cachedChars = 0;
  private readonly maxCachedChars: number;
  private readonly inlineMaxBytes: number;
  private readonly inFlight = new Map<number, Promise<string | null>>();
  private thread: Worker | undefined;
  private nextId = 0;
  private readonly waiting = new Map<number, { resolve: (decimal: string) => void; reject: (error: Error) => void }>();

  constructor(options: DecimalRendererOptions = {}) {
    this.maxCachedChars = options.maxCachedChars ?? 32_000_000;
    this.inlineMaxBytes = options.inlineMaxBytes ?? 4096;
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
  render(index: number, stored: Buffer): Promise<string | null> {
    const hit = this.cached(index);
    if (hit !== undefined) return Promise.resolve(hit);
    const running = this.inFlight.get(index);
    if (running) return running;
    const header = decodeStoredHeader(stored);
    if (header === null) return Promise.resolve(null);
    const body = stored.subarray(header.bodyStart);
    const rendering =
      body.length <= this.inlineMaxBytes ? Promise.resolve(storedValueNumber(stored)?.toString() ?? null) : this.onThread(body);
    const remembered = rendering
      .then((decimal) => {
        if (decimal !== null) this.remember(index, decimal);
        return decimal;
      })
      .finally(() => this.inFlight.delete(index));
    this.inFlight.set(index, remembered);
    return remembered;
  }

  /** Stops the conversion thread (pending renders fail). */
  async close(): Promise<void> {
    const thread = this.thread;
    this.thread = undefined;
    await thread?.terminate();
  }

  private onThread(body: Buffer): Promise<string> {
    const thread = (this.thread ??= this.startThread());
    const id = (this.nextId += 1);
    return new Promise<string>((resolve, reject) => {
      this.waiting.set(id, { resolve, reject });
      // Copied, not transferred: `body` may share its memory with other buffers.
      thread.postMessage({ id, bytes: new Uint8Array(body) });
      thread.ref();
    });
  }

  private startThread(): Worker {
    const thread = new Worker(threadSource, { eval: true });
    thread.unref();
    thread.on('message', ({ id, decimal }: { id: number; decimal: string }) => {
      this.waiting.get(id)?.resolve(decimal);
      this.waiting.delete(id);
      if (this.waiting.size === 0) thread.unref();
    });
    const failAll = (error: Error) => {
      for (const { reject } of this.waiting.values()) reject(error);
      this.waiting.clear();
      if (this.thread === thread) this.thread = undefined;
    };
    thread.on('error', failAll);
    thread.on('exit', () => failAll(new Error('the decimal conversion thread stopped')));
    return thread;
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

// Batches concurrent calls: calls made in one turn of the event loop share a batch, and calls
// that arrive while a batch is in flight share the next one, so under load one statement or
// one Redis script serves many callers, and a lone call still goes out in the turn it was made
// (no timer). Used for group-committed submissions and the worker's claims, completions and
// give-backs.
//
// Why the turn and not the call: requests parsed from many sockets in one poll of the event
// loop each reach submit() in their own callback. Sent at the first call, a batch held one
// submission and the rest waited for it; against PGlite, whose statements are fast, batches
// stayed at 1-2 rows and the statement count per submission (CPU on both sides) was the limit.

/** Options for {@link Batcher}. */
export interface BatcherOptions<Item = unknown> {
  /** Most items in one batch. @defaultValue 500 */
  maxBatchSize?: number;
  /** Batches in flight at once. @defaultValue 4 */
  maxConcurrentBatches?: number;
  /** Size of an item (e.g. bytes), for {@link BatcherOptions.maxBatchWeight}. @defaultValue 1 per item */
  weigh?: (item: Item) => number;
  /** Most total weight in one batch; a single heavier item still goes alone. @defaultValue Infinity */
  maxBatchWeight?: number;
}

/**
 * A submission's time ran out. `started` says whether its batch had been handed to `flush`
 * (its outcome is then unknown) or was still waiting (it will never be sent).
 */
export class BatchTimeoutError extends Error {
  override name = 'BatchTimeoutError';
  constructor(readonly started: boolean) {
    super(started ? 'no answer in time (the call was sent; whether it ran is unknown)' : 'no answer in time (never sent)');
  }
}

interface Waiting<Item, Result> {
  item: Item;
  resolve: (result: Result) => void;
  reject: (error: unknown) => void;
  started: boolean;
  settled: boolean;
  timer: NodeJS.Timeout | undefined;
}

/** Collects items and hands them to `flush` in batches; each caller gets its own item's result. */
export class Batcher<Item, Result> {
  private waiting: Waiting<Item, Result>[] = [];
  private inFlight = 0;
  private drainScheduled = false;
  private readonly maxBatchSize: number;
  private readonly maxConcurrentBatches: number;
  private readonly weigh: (item: Item) => number;
  private readonly maxBatchWeight: number;

  constructor(
    private readonly flush: (items: Item[]) => Promise<Result[]>,
    options: BatcherOptions<Item> = {},
  ) {
    this.maxBatchSize = options.maxBatchSize ?? 500;
    this.maxConcurrentBatches = options.maxConcurrentBatches ?? 4;
    this.weigh = options.weigh ?? (() => 1);
    this.maxBatchWeight = options.maxBatchWeight ?? Infinity;
  }

  /**
   * Resolves with this item's result once its whole batch is done; rejects if the batch
   * failed, or with {@link BatchTimeoutError} after `timeoutMs` (a waiting item is then
   * dropped and never sent).
   */
  submit(item: Item, timeoutMs?: number): Promise<Result> {
    return new Promise<Result>((resolve, reject) => {
      const entry: Waiting<Item, Result> = { item, resolve, reject, started: false, settled: false, timer: undefined };
      if (timeoutMs !== undefined) {
        entry.timer = setTimeout(() => {
          if (!entry.started) this.waiting = this.waiting.filter((other) => other !== entry);
          this.settle(entry, () => reject(new BatchTimeoutError(entry.started)));
        }, timeoutMs);
      }
      this.waiting.push(entry);
      this.scheduleDrain();
    });
  }

  /** Items waiting for a batch (not yet sent). */
  get backlog(): number {
    return this.waiting.length;
  }

  private settle(entry: Waiting<Item, Result>, outcome: () => void): void {
    if (entry.settled) return;
    entry.settled = true;
    clearTimeout(entry.timer);
    outcome();
  }

  /** Drains once the current turn's callbacks have run (setImmediate: after this poll's I/O). */
  private scheduleDrain(): void {
    if (this.drainScheduled) return;
    this.drainScheduled = true;
    setImmediate(() => {
      this.drainScheduled = false;
      this.drain();
    });
  }

  private drain(): void {
    while (this.inFlight < this.maxConcurrentBatches && this.waiting.length > 0) {
      let count = 0;
      let weight = 0;
      while (count < this.waiting.length && count < this.maxBatchSize) {
        const next = this.weigh((this.waiting[count] as Waiting<Item, Result>).item);
        if (count > 0 && weight + next > this.maxBatchWeight) break;
        weight += next;
        count += 1;
      }
      const batch = this.waiting.splice(0, count);
      batch.forEach((entry) => (entry.started = true));
      this.inFlight += 1;
      this.flush(batch.map((entry) => entry.item))
        .then(
          (results) => batch.forEach((entry, i) => this.settle(entry, () => entry.resolve(results[i] as Result))),
          (error: unknown) => batch.forEach((entry) => this.settle(entry, () => entry.reject(error))),
        )
        .finally(() => {
          this.inFlight -= 1;
          this.scheduleDrain();
        });
    }
  }
}

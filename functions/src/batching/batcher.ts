// Group commit for submissions: requests that arrive while a transaction is in flight share
// the next one, so one fsync and one Redis script serve many submissions under load, and a
// lone request still goes out at once.

/** Options for {@link SubmissionBatcher}. */
export interface SubmissionBatcherOptions {
  /** Most submissions in one transaction. @defaultValue 500 */
  maxBatchSize?: number;
  /** Transactions in flight at once (each holds one pooled connection). @defaultValue 4 */
  maxConcurrentBatches?: number;
}

interface Waiting<Item, Result> {
  item: Item;
  resolve: (result: Result) => void;
  reject: (error: unknown) => void;
}

/** Collects items and hands them to `flush` in batches; each caller gets its own item's result. */
export class SubmissionBatcher<Item, Result> {
  private waiting: Waiting<Item, Result>[] = [];
  private inFlight = 0;
  private readonly maxBatchSize: number;
  private readonly maxConcurrentBatches: number;

  constructor(
    private readonly flush: (items: Item[]) => Promise<Result[]>,
    options: SubmissionBatcherOptions = {},
  ) {
    this.maxBatchSize = options.maxBatchSize ?? 500;
    this.maxConcurrentBatches = options.maxConcurrentBatches ?? 4;
  }

  /** Resolves with this item's result once its whole batch is committed; rejects if the batch failed. */
  submit(item: Item): Promise<Result> {
    return new Promise<Result>((resolve, reject) => {
      this.waiting.push({ item, resolve, reject });
      this.drain();
    });
  }

  private drain(): void {
    while (this.inFlight < this.maxConcurrentBatches && this.waiting.length > 0) {
      const batch = this.waiting.splice(0, this.maxBatchSize);
      this.inFlight += 1;
      this.flush(batch.map((entry) => entry.item))
        .then(
          (results) => batch.forEach((entry, i) => entry.resolve(results[i] as Result)),
          (error: unknown) => batch.forEach((entry) => entry.reject(error)),
        )
        .finally(() => {
          this.inFlight -= 1;
          this.drain();
        });
    }
  }
}

// Backpressure for one worker process: how much popped work it may hold, and the order it
// computes in. Compute is synchronous (BigInt or GMP), so a popped batch of 1,000 indices
// run back to back blocks the event loop for the sum of their times: Redis replies then sit
// unread until their command timeouts fire, and lease renewals run late. Here computes run
// one at a time in slices, with the event loop served between slices, and a worker admits
// only as much work as it can finish well within its lease; the rest goes back at once.
import { setImmediate as yieldToEventLoop } from 'node:timers/promises';

/** Options for {@link WorkBudget}. */
export interface WorkBudgetOptions {
  /** Most estimated compute held at once, ms. The service uses LEASE_MS / 4. */
  budgetMs: number;
  /** Longest run of computes between event-loop turns, ms. @defaultValue 10 */
  sliceMs?: number;
}

// The time to compute F(n) and its bytes (what the worker stores) on BigInt, the slower engine,
// so admission errs on the safe side: about 5.6e-8 · n^1.4 ms (fitted to `npm run bench --
// --only storage`; README, Measured). A faster library or a busy machine changes the factor, not
// the shape; `slowdown` learns the factor from real runs.
const modelFactor = 5.6e-8;
const modelExponent = 1.4;
const perTaskOverheadMs = 0.02;

/** Admission and pacing of this process's computes. */
export class WorkBudget {
  private heldMs = 0;
  private heldTasks = 0;
  /** Measured time over modelled time (moving average); 1 until computes are observed. */
  private slowdown = 1;
  private chain: Promise<unknown> = Promise.resolve();
  private sliceStarted = performance.now();

  constructor(private readonly options: WorkBudgetOptions) {}

  /** Estimated ms to compute F(index) on this machine now. */
  estimate(index: number): number {
    return (perTaskOverheadMs + modelFactor * index ** modelExponent) * this.slowdown;
  }

  /** Estimated ms of work admitted and not yet released. */
  get held(): number {
    return this.heldMs;
  }

  /**
   * Admits a task of `estimateMs` unless the work already held would then not finish within
   * the budget; a worker holding nothing always admits one task (so huge indices still run).
   */
  tryAdmit(estimateMs: number): boolean {
    if (this.heldMs > 0 && this.heldMs + estimateMs > this.options.budgetMs) return false;
    this.heldMs += estimateMs;
    this.heldTasks += 1;
    return true;
  }

  release(estimateMs: number): void {
    this.heldTasks = Math.max(0, this.heldTasks - 1);
    // Exactly 0 when nothing is held (float sums would leave a residue that blocks nothing but reads oddly).
    this.heldMs = this.heldTasks === 0 ? 0 : Math.max(0, this.heldMs - estimateMs);
  }

  /** Runs `compute` after the computes queued before it, serving the event loop between slices. */
  compute<T>(index: number, compute: () => T): Promise<T> {
    const run = this.chain.then(async () => {
      if (performance.now() - this.sliceStarted > (this.options.sliceMs ?? 10)) {
        await yieldToEventLoop();
        this.sliceStarted = performance.now();
      }
      const started = performance.now();
      const result = compute();
      this.observe(index, performance.now() - started);
      return result;
    });
    this.chain = run.catch(() => undefined);
    return run;
  }

  private observe(index: number, ms: number): void {
    const modelled = perTaskOverheadMs + modelFactor * index ** modelExponent;
    // Tiny computes are dominated by timer noise; learn from those worth a millisecond.
    if (modelled < 1) return;
    const ratio = Math.min(50, Math.max(0.05, ms / modelled));
    this.slowdown = this.slowdown * 0.8 + ratio * 0.2;
  }
}

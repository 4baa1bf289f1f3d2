// Counts the fib-worker invocations this process received, for the worker liveness check.

/** One process's count of list-trigger invocations (owned by the FunctionApp). */
export class WorkerInvocations {
  readonly startedAt: number;
  private count = 0;
  private lastAt: number | null = null;

  constructor(now = Date.now()) {
    this.startedAt = now;
  }

  /** Records one invocation (called for every entry the list trigger delivers). */
  record(now = Date.now()): void {
    this.count += 1;
    this.lastAt = now;
  }

  /** What this process has seen so far; `lastAt` is null before the first invocation. */
  snapshot(): { count: number; lastAt: number | null; startedAt: number } {
    return { count: this.count, lastAt: this.lastAt, startedAt: this.startedAt };
  }
}

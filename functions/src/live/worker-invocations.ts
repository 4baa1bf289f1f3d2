// Counts the fib-worker invocations this process received, for the worker liveness check.

const startedAt = Date.now();
let count = 0;
let lastAt: number | null = null;

/** Records one invocation (called for every entry the list trigger delivers). */
export function recordWorkerInvocation(now = Date.now()): void {
  count += 1;
  lastAt = now;
}

/** What this process has seen so far; `lastAt` is null before the first invocation. */
export function workerInvocations(): { count: number; lastAt: number | null; startedAt: number } {
  return { count, lastAt, startedAt };
}

// The worker's job for one list entry: validate, claim, compute, store. Idempotent.
import { computeFibonacci } from '../fib/fibonacci.js';
import { checkIndex } from '../validation/index-input.js';
import type { LeaseKeeper } from './lease-keeper.js';
import type { TaskQueue } from './task-queue.js';

/** What happened to one entry. */
export type TaskOutcome = 'computed' | 'duplicate' | 'invalid';

/** What {@link processTask} works with. */
export interface ProcessTaskOptions {
  queue: TaskQueue;
  leaseKeeper: LeaseKeeper;
  maxIndex: number;
  log: (message: string) => void;
}

/**
 * Processes one entry as the list trigger delivers it: the Node worker JSON-parses the
 * entry, so "42" arrives as the number 42. Errors propagate after the lease is released
 * to expiry, so the requeue timer retries the index.
 */
export async function processTask(entry: unknown, options: ProcessTaskOptions): Promise<TaskOutcome> {
  const checked = checkIndex(entry, options.maxIndex);
  if (!checked.ok) {
    // Producers only push validated indices; anything else was pushed by hand. Dropping it
    // is safe: nothing pending refers to it.
    options.log(`dropping invalid task entry ${JSON.stringify(entry)}: ${checked.error}`);
    return 'invalid';
  }
  const { leaseKeeper, queue } = options;
  if (!(await queue.claim(checked.key, leaseKeeper.deadline()))) return 'duplicate';
  leaseKeeper.hold(checked.key);
  let computed = false;
  try {
    const result = computeFibonacci(checked.index);
    await queue.complete(checked.key, result);
    computed = true;
  } finally {
    leaseKeeper.release(checked.key, computed);
  }
  return 'computed';
}

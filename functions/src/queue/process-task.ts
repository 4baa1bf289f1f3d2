// The worker's job for one list entry: validate, admit, claim, compute, store. Idempotent.
import { errorMessage } from '../errors.js';
import { computeFibonacci } from '../fib/fibonacci.js';
import type { FibonacciEngine } from '../fib/fibonacci-engine.js';
import { checkIndex } from '../validation/index-input.js';
import type { TaskConsumer } from './consumer.js';
import type { LeaseKeeper } from './lease-keeper.js';
import { withRetry } from './retry.js';
import type { WorkBudget } from './work-budget.js';

/** What happened to one entry. */
export type TaskOutcome = 'computed' | 'duplicate' | 'invalid' | 'given-back';

/** What {@link processTask} works with. */
export interface ProcessTaskOptions {
  consumer: TaskConsumer;
  leaseKeeper: LeaseKeeper;
  budget: WorkBudget;
  /** The arithmetic (the app's, chosen from FIB_ENGINE). */
  engine: FibonacciEngine;
  maxIndex: number;
  log: (message: string) => void;
  /** Told of each computed task (with its compute time) and each failed invocation. */
  observe?: (outcome: 'computed' | 'failed', computeSeconds?: number) => void;
  /** Runs each step (claim, compute, store) in a span of that name. @defaultValue no spans */
  span?: <T>(name: 'queue.claim' | 'fib.compute' | 'queue.store', step: () => Promise<T>) => Promise<T>;
  /**
   * Aborted when the process shuts down: from then on a task that has not started computing
   * goes back to the queue at once (not counted as an attempt) instead of waiting out a lease.
   */
  stopping?: AbortSignal;
}

/** Thrown inside the compute slot when the process began shutting down before the task's turn. */
class NotStartedError extends Error {
  override name = 'NotStartedError';
}

/**
 * Processes one entry as the list trigger delivers it: the Node worker JSON-parses the
 * entry, so "42" arrives as the number 42. Redis calls are retried with backoff; an entry
 * this worker cannot finish well within its lease is handed back unstarted, and a failed
 * invocation gives its task back at once (counted as an attempt) before the error
 * propagates. If even that fails (Redis down), the lease expires and the requeue timer
 * retries the index.
 */
export async function processTask(entry: unknown, options: ProcessTaskOptions): Promise<TaskOutcome> {
  const checked = checkIndex(entry, options.maxIndex);
  if (!checked.ok) {
    // Producers only push validated indices; anything else was pushed by hand. Dropping it
    // is safe: nothing pending refers to it.
    options.log(`dropping invalid task entry ${JSON.stringify(entry)}: ${checked.error}`);
    return 'invalid';
  }
  const { budget, consumer, leaseKeeper } = options;
  const span = options.span ?? (<T>(_name: string, step: () => Promise<T>) => step());
  const retry = { onRetry: () => consumer.countRetry() };
  const estimateMs = budget.estimate(checked.index);
  if (options.stopping?.aborted || !budget.tryAdmit(estimateMs)) {
    await withRetry(() => consumer.giveBack(checked.key, false), retry);
    return 'given-back';
  }
  let claimed = false;
  try {
    claimed = await span('queue.claim', () => withRetry(() => consumer.claim(checked.key, leaseKeeper.deadline()), retry));
    if (!claimed) return 'duplicate';
    leaseKeeper.hold(checked.key);
    const computeStarted = performance.now();
    const result = await span('fib.compute', () =>
      budget.compute(checked.index, () => {
        if (options.stopping?.aborted) throw new NotStartedError();
        return computeFibonacci(options.engine, checked.index);
      }),
    );
    const computeSeconds = (performance.now() - computeStarted) / 1000;
    await span('queue.store', () => withRetry(() => consumer.complete(checked.key, result), retry));
    options.observe?.('computed', computeSeconds);
    return 'computed';
  } catch (error) {
    if (error instanceof NotStartedError) {
      await withRetry(() => consumer.giveBack(checked.key, false), retry);
      return 'given-back';
    }
    options.observe?.('failed');
    await consumer
      .giveBack(checked.key, true, errorMessage(error))
      .catch((giveBackError: unknown) =>
        options.log(`could not give index ${checked.key} back (${errorMessage(giveBackError)}); its lease expires instead`),
      );
    throw error;
  } finally {
    budget.release(estimateMs);
    if (claimed) leaseKeeper.release(checked.key);
  }
}

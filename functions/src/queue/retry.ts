// Retries a Redis call inside an invocation after a transient error, with exponential
// backoff and jitter, so a blip under load does not fail a task that would succeed a
// moment later.
import { setTimeout as sleep } from 'node:timers/promises';

import { DependencyUnavailableError } from '../errors.js';

/** Options for {@link withRetry}. */
export interface RetryOptions {
  /** Tries in all, the first included. @defaultValue 4 */
  attempts?: number;
  /** Wait before the first retry, ms; doubled each time, with up to 50 % jitter. @defaultValue 50 */
  baseDelayMs?: number;
  /** Called before each retry (counts go to `fib:counters` retried). */
  onRetry?: () => void;
}

/** Runs `call`, retrying a DependencyUnavailableError; other errors and the last failure propagate. */
export async function withRetry<T>(call: () => Promise<T>, options: RetryOptions = {}): Promise<T> {
  const attempts = options.attempts ?? 4;
  for (let attempt = 1; ; attempt += 1) {
    try {
      return await call();
    } catch (error) {
      if (!(error instanceof DependencyUnavailableError) || attempt >= attempts) throw error;
      options.onRetry?.();
      const delay = (options.baseDelayMs ?? 50) * 2 ** (attempt - 1);
      await sleep(delay * (1 + Math.random() * 0.5));
    }
  }
}

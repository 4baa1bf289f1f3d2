// Decides whether a worker's list trigger has stalled: the entry at the head of `tasks` has
// waited longer than a derived bound while this process received no fib-worker invocation.
//
// Why this is needed: the Redis extension's poll loop (Azure/azure-functions-redis-extension,
// RedisPollingTriggerBaseListener.StartAsync: `_ = Task.Run(() => Loop(cancellationToken))`,
// Loop has no try/catch) ends for good on the first poll that throws, e.g. any Redis outage
// longer than StackExchange.Redis's 5 s asyncTimeout. The process stays up and idle, and KEDA
// keeps it because the list stays long; only a liveness probe that fails gets it restarted.
import type { Config } from '../config.js';
import type { WorkerLiveness } from './live-types.js';

/**
 * StackExchange.Redis's default asyncTimeout (= syncTimeout, 5000 ms): the longest one LPOP of the
 * extension may take before it throws (https://stackexchange.github.io/StackExchange.Redis/Configuration.html).
 */
export const extensionCommandTimeoutMs = 5000;

/**
 * The bound (ms). A healthy trigger, while `tasks` holds entries, starts invocations at least
 * once per cycle of the extension's loop (RedisListListener.PollAsync then Task.Delay):
 *  - the previous batch: up to maxBatchSize invocations run in parallel and the loop waits for
 *    all; the batch size is chosen so a batch finishes well within LEASE_MS (a task that
 *    outlives its lease is requeued anyway), so the batch takes < LEASE_MS;
 *  - then pollingIntervalInMs of sleep (Task.Delay after every poll, full or empty);
 *  - then one LPOP, which returns or throws within the client's asyncTimeout (5 s).
 * So the head of a non-empty list cannot stay unpopped longer than LEASE_MS +
 * WORKER_POLLING_INTERVAL_MS + 5 s while any healthy worker polls it (with defaults:
 * 30,000 + 50 + 5,000 = 35,050 ms), and a worker that polls gets invocations.
 * KEDA's pollingInterval (1 s) and a pod's cold start delay only when a worker exists at all;
 * a worker's idle clock starts at its own process start, so they are not charged to it. The
 * probe's periodSeconds x failureThreshold adds to the time to restart, not to the bound.
 */
export function workerStallBoundMs(config: Pick<Config, 'leaseMs' | 'workerPollingIntervalMs'>): number {
  return config.leaseMs + config.workerPollingIntervalMs + extensionCommandTimeoutMs;
}

/** One look at `tasks`: the head entry (null when empty), or unreachable. */
export type HeadObservation = { reachable: true; head: string | null } | { reachable: false };

/** Remembers how long the current head of `tasks` has been there, across probes of one process. */
export class StallDetector {
  private head: { value: string; since: number } | null = null;

  constructor(private readonly boundMs: number) {}

  /** Judges one probe; `invocations` is this process's fib-worker record. */
  observe(
    observation: HeadObservation,
    invocations: { count: number; lastAt: number | null; startedAt: number },
    now = Date.now(),
  ): WorkerLiveness {
    const idleMs = now - (invocations.lastAt ?? invocations.startedAt);
    const base = { boundMs: this.boundMs, idleMs, invocations: invocations.count };
    if (!observation.reachable) {
      // Not judged while Redis is down (a restart would not help); the clock starts again after.
      this.head = null;
      return { live: true, headWaitingMs: null, redisReachable: false, ...base };
    }
    if (observation.head === null) {
      this.head = null;
      return { live: true, headWaitingMs: null, redisReachable: true, ...base };
    }
    // An index is queued at most once at a time (the enqueue script skips queued ones), so the
    // same value at the head means nobody popped it.
    if (this.head?.value !== observation.head) this.head = { value: observation.head, since: now };
    const headWaitingMs = now - this.head.since;
    const stalled = headWaitingMs > this.boundMs && idleMs > this.boundMs;
    return {
      live: !stalled,
      ...(stalled
        ? {
            error: `tasks has held work for ${headWaitingMs} ms and this worker received no invocation for ${idleMs} ms (bound ${this.boundMs} ms): its list trigger has stopped polling`,
          }
        : {}),
      headWaitingMs,
      redisReachable: true,
      ...base,
    };
  }
}

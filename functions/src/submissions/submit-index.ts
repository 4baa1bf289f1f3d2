// Submitting an index: log it in Postgres (the record), then queue it in Redis (the cache and
// queue rebuilt from that record). Concurrent submissions share one statement and one script
// call (group commit); each phase is bounded by its store's timeout.
import { Batcher, BatchTimeoutError } from '../batching/batcher.js';
import { InvalidInputError, type StoreName, SubmissionUnavailableError } from '../errors.js';
import { inSpan } from '../observability/tracing.js';
import type { EnqueueStatus } from '../queue/producer.js';
import type { ValidIndex } from '../validation/index-input.js';
import type { LogEntry, LogResult, SubmissionsStore } from './submissions-store.js';

/** Options for {@link createSubmitter}. */
export interface SubmitterOptions {
  /** Longest a submission waits for its log write (queueing included). */
  databaseTimeoutMs: number;
  /** Longest a submission waits for its enqueue (queueing included). */
  redisTimeoutMs: number;
  /** Log statements in flight at once. @defaultValue 1 */
  concurrentLogs?: number;
}

/** Logs and queues submissions. */
export interface Submitter {
  /**
   * Resolves once the index is logged and queued (or known). Rejects with a
   * SubmissionUnavailableError saying which store is down and what happened to the
   * submission, within databaseTimeoutMs + redisTimeoutMs (plus scheduling); with an
   * InvalidInputError (422) when `idempotencyKey` was used before for another index.
   */
  submit(index: ValidIndex, idempotencyKey?: string): Promise<EnqueueStatus>;
}

function unavailable(store: StoreName, error: unknown, outcomeIfSent: 'unknown' | 'logged'): unknown {
  if (error instanceof SubmissionUnavailableError) return error;
  if (error instanceof BatchTimeoutError) {
    return new SubmissionUnavailableError(store, error.started ? outcomeIfSent : store === 'postgres' ? 'not-logged' : 'logged', {
      cause: error,
    });
  }
  return new SubmissionUnavailableError(store, store === 'postgres' ? 'not-logged' : 'logged', { cause: error });
}

/**
 * Why log first, then queue (no transaction held across the Redis call): a Postgres
 * transaction left open while Redis hangs made a frozen Redis look like a Postgres outage
 * and held connections PGlite serves one at a time. A row logged whose enqueue then fails
 * is queued later by the log replay (submissions/log-replay.ts), so a 503 `logged` is still
 * computed, and an Idempotency-Key makes a retry log nothing twice.
 */
export function createSubmitter(
  store: () => Promise<SubmissionsStore>,
  enqueue: (indexKeys: string[]) => Promise<EnqueueStatus[]>,
  options: SubmitterOptions,
): Submitter {
  // One log statement in flight: the next batch fills while it runs. With one autocommit
  // statement a batch turns over fast, and a second in flight would only split the waiting
  // submissions into smaller batches: more statements per submission for the same work.
  // Traced: the batch's span joins the trace of the submission that started the batch.
  const logs = new Batcher<LogEntry, LogResult>(
    (entries) =>
      inSpan('submissions.log', { attributes: { 'db.system': 'postgresql', 'fib.batch_size': entries.length } }, async () =>
        (await store()).log(entries),
      ),
    {
      maxConcurrentBatches: options.concurrentLogs ?? 1,
      maxBatchSize: 1000,
    },
  );
  const enqueues = new Batcher<string, EnqueueStatus>(
    (indexKeys) =>
      inSpan('queue.enqueue', { attributes: { 'db.system': 'redis', 'fib.batch_size': indexKeys.length } }, () =>
        enqueue(indexKeys),
      ),
    { maxConcurrentBatches: 2, maxBatchSize: 1000 },
  );
  return {
    async submit(index, idempotencyKey) {
      // Opening the store (connect, and migrations on first use) is bounded by its own
      // timeouts, outside the log deadline: a slow first start is not an outage.
      await store().catch((error: unknown) => {
        throw new SubmissionUnavailableError('postgres', 'not-logged', { cause: error });
      });
      let logged: LogResult;
      try {
        logged = await logs.submit({ number: index.index, idempotencyKey }, options.databaseTimeoutMs);
      } catch (error) {
        throw unavailable('postgres', error, 'unknown');
      }
      if (logged === 'key-conflict') {
        throw new InvalidInputError('this Idempotency-Key was already used for another index', 422);
      }
      try {
        return await enqueues.submit(index.key, options.redisTimeoutMs);
      } catch (error) {
        throw unavailable('redis', error, 'logged');
      }
    },
  };
}

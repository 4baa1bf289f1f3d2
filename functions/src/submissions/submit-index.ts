// Submitting an index: log it in Postgres and queue it in Redis, all or nothing.
import { Batcher } from '../batching/batcher.js';
import type { EnqueueStatus, TaskQueue } from '../queue/task-queue.js';
import type { ValidIndex } from '../validation/index-input.js';
import type { SubmissionsStore } from './submissions-store.js';

/**
 * Logs submissions and queues their indices inside one Postgres transaction: if Redis fails
 * the rows are rolled back, so a 202 always means "committed and queued". Concurrent
 * submissions share a transaction (group commit). If the COMMIT itself fails after the
 * enqueue, the values are still computed; only their log lines are lost.
 */
export function createSubmitter(
  store: () => Promise<SubmissionsStore>,
  queue: () => TaskQueue,
): Batcher<ValidIndex, EnqueueStatus> {
  return new Batcher<ValidIndex, EnqueueStatus>(
    async (indices) => {
      const submissions = await store();
      return submissions.recordThen(
        indices.map((index) => index.index),
        () => queue().enqueue(indices.map((index) => index.key)),
      );
      // Two transactions in flight: one commits while the next fills up. Measured with autocannon
      // (50 connections, machine Postgres): 1 → 2,900 req/s, 2 → 3,900–4,500, 3 → 4,000, 4 → 2,700,
      // 8 → 2,400 (more, smaller transactions cost more round trips than they overlap).
    },
    { maxConcurrentBatches: 2 },
  );
}

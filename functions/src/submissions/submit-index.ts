// Submitting an index: log it in Postgres and queue it in Redis, all or nothing.
import type { EnqueueStatus } from '../queue/task-queue.js';
import type { Services } from '../services.js';
import type { ValidIndex } from '../validation/index-input.js';

/**
 * Logs the submission and queues the index inside one Postgres transaction: if Redis fails
 * the row is rolled back, so a 202 always means "committed and queued". (If the COMMIT
 * itself fails after the enqueue, the value is still computed; only the log line is lost.)
 */
export async function submitIndex(services: Services, index: ValidIndex): Promise<EnqueueStatus> {
  const store = await services.submissions();
  const [status] = await store.recordThen([index.index], () => services.queue.enqueue([index.key]));
  return status ?? 'queued';
}

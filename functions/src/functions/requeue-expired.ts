// Every 5 s: requeue tasks whose worker died (lease expired), fail them after MAX_ATTEMPTS.
import type { InvocationContext, Timer } from '@azure/functions';

import type { Registration } from '../registration-types.js';
import { getServices } from '../services.js';

const batchLimit = 1000;
const maxPasses = 20;
const workerRetentionMs = 60 * 60 * 1000;

/** Runs requeue passes until a pass handles less than a full batch. */
export async function requeueExpired(_timer: Timer, context: InvocationContext): Promise<void> {
  const services = getServices();
  const { leaseMs, maxAttempts } = services.config;
  const totals = { found: 0, requeued: 0, failed: 0 };
  for (let pass = 0; pass < maxPasses; pass += 1) {
    const counts = await services.queue.requeueExpired(Date.now(), leaseMs, maxAttempts, batchLimit);
    totals.found += counts.found;
    totals.requeued += counts.requeued;
    totals.failed += counts.failed;
    if (counts.found < batchLimit && counts.requeued + counts.failed < batchLimit) break;
  }
  if (totals.found + totals.requeued + totals.failed > 0) {
    context.log(`requeue-expired: ${totals.found} popped but unclaimed, ${totals.requeued} requeued, ${totals.failed} failed`);
  }
  await services.queue.pruneWorkers(Date.now(), workerRetentionMs);
}

export const registration = (): Registration => ({
  kind: 'timer',
  name: 'requeue-expired',
  schedule: '*/5 * * * * *',
  handler: requeueExpired,
});

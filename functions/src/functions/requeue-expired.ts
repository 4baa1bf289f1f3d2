// Every 5 s, on every api replica: requeue tasks whose worker died (lease expired), fail them
// after MAX_ATTEMPTS, and replay the Postgres log into Redis (rebuild after data loss).
import type { InvocationContext, Timer } from '@azure/functions';

import { errorMessage } from '../errors.js';
import type { FunctionApp } from '../function-app.js';
import type { Registration } from '../registration-types.js';
import { replayLog } from '../submissions/log-replay.js';

const batchLimit = 1000;
const maxPasses = 20;
const workerRetentionMs = 60 * 60 * 1000;

/** Runs requeue passes until a pass handles less than a full batch, then one bounded log replay. */
export async function requeueExpired(_timer: Timer, context: InvocationContext, app: FunctionApp): Promise<void> {
  const { services } = app;
  const { leaseMs, maxAttempts } = services.config;
  const totals = { found: 0, requeued: 0, failed: 0 };
  for (let pass = 0; pass < maxPasses; pass += 1) {
    const counts = await services.reaper.requeueExpired(Date.now(), leaseMs, maxAttempts, batchLimit);
    totals.found += counts.found;
    totals.requeued += counts.requeued;
    totals.failed += counts.failed;
    if (counts.found < batchLimit && counts.requeued + counts.failed < batchLimit) break;
  }
  if (totals.found + totals.requeued + totals.failed > 0) {
    context.log(`requeue-expired: ${totals.found} popped but unclaimed, ${totals.requeued} requeued, ${totals.failed} failed`);
  }
  await services.reaper.pruneWorkers(Date.now(), workerRetentionMs);
  // Postgres down must not stop lease recovery above; the replay catches up once it is back.
  try {
    const replay = await replayLog(await services.submissions(), services.producer, { log: (message) => context.warn(message) });
    if (replay.requeued > 0) context.log(`log replay: ${replay.requeued} logged indices queued again (${replay.rows} rows read)`);
  } catch (error) {
    context.warn(`log replay skipped: ${errorMessage(error)}`);
  }
}

export const registration = (app: FunctionApp): Registration => ({
  runsOn: 'api',
  kind: 'timer',
  name: 'requeue-expired',
  schedule: '*/5 * * * * *',
  handler: (timer, context) => requeueExpired(timer, context, app),
});

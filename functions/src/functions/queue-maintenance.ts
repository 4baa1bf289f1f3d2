// The queue's maintenance timer, every 5 s on every api replica: requeue tasks whose worker died
// (lease expired) or give them up after MAX_ATTEMPTS, forget workers silent for an hour, and
// replay the Postgres log into Redis (the rebuild after data loss). Three steps, each bounded.
import type { InvocationContext, Timer } from '@azure/functions';

import { errorMessage } from '../errors.js';
import type { FunctionApp } from '../function-app.js';
import type { Registration } from '../registration-types.js';
import { replayLog } from '../submissions/log-replay.js';

const batchLimit = 1000;
const maxPasses = 20;
const workerRetentionMs = 60 * 60 * 1000;

/** Requeue passes until a pass handles less than a full batch (at most {@link maxPasses}). */
async function requeueExpiredLeases(app: FunctionApp, context: InvocationContext): Promise<void> {
  const { leaseMs, maxAttempts } = app.config;
  const totals = { found: 0, requeued: 0, failed: 0 };
  for (let pass = 0; pass < maxPasses; pass += 1) {
    const counts = await app.services.reaper.requeueExpired(Date.now(), leaseMs, maxAttempts, batchLimit);
    totals.found += counts.found;
    totals.requeued += counts.requeued;
    totals.failed += counts.failed;
    if (counts.found < batchLimit && counts.requeued + counts.failed < batchLimit) break;
  }
  if (totals.found + totals.requeued + totals.failed > 0) {
    context.log(`expired leases: ${totals.found} popped but unclaimed, ${totals.requeued} requeued, ${totals.failed} failed`);
  }
}

/** One bounded replay of the submissions log; Postgres down must not stop lease recovery. */
async function replayLoggedIndices(app: FunctionApp, context: InvocationContext): Promise<void> {
  try {
    const replay = await replayLog(await app.services.submissions(), app.services.producer, {
      log: (message) => context.warn(message),
    });
    if (replay.requeued > 0) context.log(`log replay: ${replay.requeued} logged indices queued again (${replay.rows} rows read)`);
    if (replay.dropped > 0) {
      context.log(
        `log replay: ${replay.dropped} logged indices past the rebuild's memory budget listed as dropped (computed when asked for)`,
      );
    }
  } catch (error) {
    // The replay catches up once Postgres is back.
    context.warn(`log replay skipped: ${errorMessage(error)}`);
  }
}

/** The timer's work: expired leases, silent workers, then the log replay. */
export async function maintainQueue(_timer: Timer, context: InvocationContext, app: FunctionApp): Promise<void> {
  await requeueExpiredLeases(app, context);
  await app.services.reaper.pruneWorkers(Date.now(), workerRetentionMs);
  await replayLoggedIndices(app, context);
}

export const registration = (app: FunctionApp): Registration => ({
  runsOn: 'api',
  kind: 'timer',
  name: 'queue-maintenance',
  schedule: '*/5 * * * * *',
  handler: (timer, context) => maintainQueue(timer, context, app),
});

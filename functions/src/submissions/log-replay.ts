// Rebuilds Redis from the Postgres log. In steady state it pages through the log after the
// replay cursor kept in Redis and queues every logged index Redis knows nothing about, which
// also queues submissions whose enqueue failed after logging: each new row is checked once.
// Redis that lost its data (empty master, lost volume, a replica promoted empty) has lost the
// cursor too: then it rebuilds from the distinct indices ever submitted (submitted_indices,
// at most MAX_INDEX + 1 of them) instead of every row of the log, so recovery costs what Redis
// holds, not the log's age; afterwards the cursor starts at the newest row the rebuild covered.
// A rebuild also costs no more than Redis can hold: it pages in ascending index order and keeps
// an estimate of the bytes the queued values will take; past half of Redis's memory cap the
// remaining indices are recorded as computed and dropped instead of queued (they list as
// `dropped` and are computed when someone asks), so a log of many large indices costs neither
// hours of worker CPU nor a drop/recompute churn through a cache smaller than its values.
// Runs on the maintenance timer of every api replica: the scripts are idempotent and the
// cursor only moves forward.
import { estimatedStoredBytes } from '../fib/stored-value.js';
import type { TaskProducer } from '../queue/producer.js';
import type { SubmissionsStore } from './submissions-store.js';

/** Options for {@link replayLog}. */
export interface ReplayOptions {
  /** Rows (or distinct indices) per page: one query and one script call. @defaultValue 1000 */
  pageSize?: number;
  /** Stop after this long and carry on at the next tick, ms. @defaultValue 2000 */
  timeBudgetMs?: number;
  log?: (message: string) => void;
}

/** What one replay run did. */
export interface ReplayCounts {
  /** Log rows read (steady state). */
  rows: number;
  /** Distinct indices read while rebuilding. */
  indices: number;
  /** Indices queued because Redis did not know them. */
  requeued: number;
  /** Indices a rebuild recorded as dropped (past its memory budget) instead of queueing them. */
  dropped: number;
  /** Redis had no cursor while the log has rows: it is new or lost its data, and is being rebuilt. */
  rebuilding: boolean;
}

/**
 * Estimated bytes of values a rebuild may queue for a Redis capped at `maxmemory` bytes: half the
 * cap, leaving the rest to the bookkeeping, the queue and values submitted meanwhile. An uncapped
 * Redis (0: the operator chose no cap, so nothing is ever evicted) gets no limit: every logged
 * index is queued, as before; every Redis this project runs is capped (k8s/base/redis/configmap.yaml).
 */
function rebuildValueBudget(maxmemory: number): number {
  return maxmemory > 0 ? Math.floor(maxmemory / 2) : Number.POSITIVE_INFINITY;
}

/**
 * Pages are bounded (pageSize, one script call each) so new submissions are never held up for
 * long; a run is bounded in time. Only settled rows are replayed (logged more than twice the
 * statement timeout ago, see SubmissionsStore.settledPage), so the cursor never skips a row.
 */
export async function replayLog(
  store: SubmissionsStore,
  producer: TaskProducer,
  options: ReplayOptions = {},
): Promise<ReplayCounts> {
  const pageSize = options.pageSize ?? 1000;
  const deadline = Date.now() + (options.timeBudgetMs ?? 2000);
  const settledMs = 2 * store.statementTimeoutMs + 1000;
  const counts: ReplayCounts = { rows: 0, indices: 0, requeued: 0, dropped: 0, rebuilding: false };
  let cursor = await producer.replayCursor();
  if (cursor === 0) {
    let rebuild = await producer.rebuildProgress();
    if (rebuild === null) {
      const target = await store.settledThrough(settledMs);
      if (target === 0) return counts; // nothing settled in the log yet: nothing to rebuild
      options.log?.(
        `rebuilding Redis from the submissions log's distinct indices (Redis has no replay cursor: a first start, or Redis lost its data); rows after ${target} are replayed one by one afterwards`,
      );
      rebuild = { target, after: -1, queuedBytes: 0 };
    }
    counts.rebuilding = true;
    const budget = rebuildValueBudget(await producer.memoryCap());
    while (Date.now() < deadline) {
      const numbers = await store.distinctIndices(rebuild.after, pageSize);
      const last = numbers[numbers.length - 1];
      if (last === undefined) {
        // Every index logged up to `target` is known to Redis again: the cursor takes over.
        await producer.finishRebuild(rebuild.target);
        cursor = rebuild.target;
        break;
      }
      // Ascending order: the cheapest values are queued first, the most of them fit. The estimate
      // counts every index of the page, also one Redis already holds: it errs on the small side.
      let queuedBytes: number = rebuild.queuedBytes;
      let fits = 0;
      for (const index of numbers) {
        const bytes = estimatedStoredBytes(index);
        if (queuedBytes + bytes > budget) break;
        queuedBytes += bytes;
        fits += 1;
      }
      if (fits > 0) counts.requeued += await producer.requeueLogged(0, numbers.slice(0, fits).map(String));
      if (fits < numbers.length) counts.dropped += await producer.recordDropped(numbers.slice(fits).map(String));
      counts.indices += numbers.length;
      rebuild = { target: rebuild.target, after: last, queuedBytes };
      await producer.saveRebuildProgress(rebuild);
    }
    if (cursor === 0) return counts;
  }
  while (Date.now() < deadline) {
    const page = await store.settledPage(cursor, pageSize, settledMs);
    const last = page[page.length - 1];
    if (!last) break;
    const indexKeys = [...new Set(page.map((row) => String(row.number)))];
    counts.requeued += await producer.requeueLogged(last.id, indexKeys);
    counts.rows += page.length;
    cursor = last.id;
    if (page.length < pageSize) break;
  }
  return counts;
}

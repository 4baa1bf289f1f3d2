// Rebuilds Redis from the Postgres log: pages through the submissions log after the replay
// cursor kept in Redis, and queues every logged index Redis knows nothing about. Redis that
// lost its data (empty master, lost volume, a replica promoted empty) has lost the cursor
// too, so the replay starts over from the first row by itself; in steady state it re-checks
// each new row once, which also queues submissions whose enqueue failed after logging.
// Runs on the requeue timer of every api replica: the script is idempotent and the cursor
// only moves forward.
import type { TaskProducer } from '../queue/producer.js';
import type { SubmissionsStore } from './submissions-store.js';

/** Options for {@link replayLog}. */
export interface ReplayOptions {
  /** Rows per page (one query and one script call). @defaultValue 1000 */
  pageSize?: number;
  /** Stop after this long and carry on at the next tick, ms. @defaultValue 2000 */
  timeBudgetMs?: number;
  log?: (message: string) => void;
}

/** What one replay run did. */
export interface ReplayCounts {
  /** Rows read from the log. */
  rows: number;
  /** Indices queued because Redis did not know them. */
  requeued: number;
  /** The run started from row 0 while the log has rows: Redis is new or lost its data. */
  rebuilding: boolean;
}

/**
 * Pages are bounded (pageSize rows, one script call each) so new submissions are never held
 * up for long; a run is bounded in time. Only settled rows are replayed (logged more than
 * twice the statement timeout ago, see SubmissionsStore.settledPage).
 */
export async function replayLog(
  store: SubmissionsStore,
  producer: TaskProducer,
  options: ReplayOptions = {},
): Promise<ReplayCounts> {
  const pageSize = options.pageSize ?? 1000;
  const deadline = Date.now() + (options.timeBudgetMs ?? 2000);
  const settledMs = 2 * store.statementTimeoutMs + 1000;
  let cursor = await producer.replayCursor();
  const counts: ReplayCounts = { rows: 0, requeued: 0, rebuilding: false };
  do {
    const page = await store.settledPage(cursor, pageSize, settledMs);
    const last = page[page.length - 1];
    if (!last) break;
    if (cursor === 0 && counts.rows === 0) {
      counts.rebuilding = true;
      options.log?.(
        'replaying the submissions log into Redis from its first row (Redis has no replay cursor: a first start, or Redis lost its data)',
      );
    }
    const indexKeys = [...new Set(page.map((row) => String(row.number)))];
    counts.requeued += await producer.requeueLogged(last.id, indexKeys);
    counts.rows += page.length;
    cursor = last.id;
    if (page.length < pageSize) break;
  } while (Date.now() < deadline);
  return counts;
}

// Benchmark: rebuilding Redis after it lost its data, on a Postgres server. The log holds
// `rows` submissions of `distinct` indices; the master is flushed, and the log replay runs as
// the maintenance timer would (one 2 s slice after another) until the replay cursor is back:
// every logged index is then known to Redis again, queued or, past the rebuild's memory budget
// (half the cap), listed as dropped. It runs no workers: the time until every index reads done
// adds the workers' compute of what was queued (the integration test bounded.int.test.ts times it).
// Also reports what a submission row costs in Postgres and what a value costs in Redis.
import { Redis } from 'ioredis';
import pg from 'pg';

import { TaskProducer } from '../../functions/src/queue/producer.js';
import { redisKeys } from '../../functions/src/redis/keys.js';
import { replayLog } from '../../functions/src/submissions/log-replay.js';
import { SubmissionsStore } from '../../functions/src/submissions/submissions-store.js';
import { startRedisPair } from '../../functions/test/support/redis-pair.js';
import { createScratchDatabase } from '../../functions/test/support/scratch-database.js';

export interface RebuildRow {
  rows: number;
  distinct: number;
  /** Time to write the log (INSERT … generate_series, the trigger included). */
  insertSeconds: number;
  /** From the loss to every distinct index known again, queued or listed dropped (cursor back). */
  rebuildSeconds: number;
  /** Postgres bytes per log row (table, indexes and submitted_indices). */
  bytesPerRow: number;
  queued: number;
  /** Indices past the rebuild's memory budget, listed as dropped (computed when asked for). */
  dropped: number;
}

/** Runs each (rows, distinct) case on a fresh scratch database and Redis pair. */
export async function runRebuildBench(
  adminUrl: string,
  cases: readonly { rows: number; distinct: number }[],
  log: (message: string) => void,
): Promise<RebuildRow[]> {
  const results: RebuildRow[] = [];
  for (const { rows, distinct } of cases) {
    const database = await createScratchDatabase(adminUrl, 'fib_rebuild');
    const pair = await startRedisPair();
    const redis = new Redis({ port: pair.master.port, maxRetriesPerRequest: 1 });
    redis.on('error', () => undefined);
    const sql = new pg.Pool({ connectionString: database.url, max: 2 });
    sql.on('error', () => undefined);
    let store: SubmissionsStore | undefined;
    try {
      store = await SubmissionsStore.connect({ databaseUrl: database.url, timeoutMs: 600_000, log });
      log(`rebuild: logging ${rows.toLocaleString('en-US')} rows of ${distinct.toLocaleString('en-US')} distinct indices…`);
      const insertStarted = performance.now();
      await sql.query(
        `INSERT INTO submissions (number, submitted_at) SELECT g % $2::int, now() - interval '1 hour' FROM generate_series(1, $1::int) AS g`,
        [rows, distinct],
      );
      const insertSeconds = (performance.now() - insertStarted) / 1000;
      await sql.query('VACUUM ANALYZE submissions');
      await sql.query('VACUUM ANALYZE submitted_indices');
      const size = await sql.query<{ bytes: string }>(
        "SELECT pg_total_relation_size('submissions') + pg_total_relation_size('submitted_indices') AS bytes",
      );
      const keys = redisKeys('tasks');
      const producer = new TaskProducer(redis, keys);
      await redis.flushall();
      // The timer's store has the app's statement timeout (3 s by default).
      const timerStore = await SubmissionsStore.connect({ databaseUrl: database.url, timeoutMs: 3000, log });
      const started = performance.now();
      while ((await redis.get(keys.replayCursor)) === null) await replayLog(timerStore, producer);
      const rebuildSeconds = (performance.now() - started) / 1000;
      await timerStore.close();
      results.push({
        rows,
        distinct,
        insertSeconds,
        rebuildSeconds,
        bytesPerRow: Number(size.rows[0]?.bytes ?? 0) / rows,
        queued: await redis.llen(keys.tasks),
        // After the FLUSHALL, with no worker running, only the rebuild sets `computed` bits.
        dropped: await redis.bitcount(keys.computed),
      });
    } finally {
      await store?.close();
      await sql.end();
      redis.disconnect();
      await pair.stop();
      await database.drop();
    }
  }
  return results;
}

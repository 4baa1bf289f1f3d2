// The system under benchmark, started by the local runtime exactly as `npm start` runs it
// (Redis master + replica, the api process, worker processes on demand) on free ports and a
// temporary data directory, with a fresh database on the Postgres server (PGlite when none
// answers). Workers are started by the benchmark, not by the scaler.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { Redis } from 'ioredis';
import pg from 'pg';

import { createScratchDatabase } from '../../functions/test/support/scratch-database.js';
import { startLocalRuntime } from '../../local/runtime/local-runtime.js';
import { operatorHeaders } from '../../local/runtime/operator-token.js';
import { freePort } from '../../local/runtime/ports.js';
import { postgresAnswers } from '../../local/runtime/postgres.js';
import { isolatedRuntimeSettings } from '../../local/runtime/settings.js';

export { freePort };

export interface BenchStack {
  apiUrl: string;
  /** The operator credential header: the bench is not metered by fair use. */
  operator: Record<string, string>;
  env: Record<string, string>;
  redis: Redis;
  /** Runs SQL on the bench's database. */
  sql: pg.Pool;
  databaseKind: 'server' | 'pglite';
  startWorkers(count: number): Promise<void>;
  stopWorkers(): Promise<void>;
  stop(): Promise<void>;
}

/** Options for {@link startBenchStack}. */
export interface BenchStackOptions {
  /** Run the API and workers with `node --cpu-prof` into this directory (written when they stop). */
  cpuProfileDirectory?: string;
  /**
   * `auto`: a scratch database on the server at BENCH_DATABASE_URL when it answers, else PGlite;
   * `pglite`: always PGlite (the `npm start` default). @defaultValue auto
   */
  database?: 'auto' | 'pglite';
}

export async function startBenchStack(
  root: string,
  log: (message: string) => void,
  options: BenchStackOptions = {},
): Promise<BenchStack> {
  const nodeFlags = options.cpuProfileDirectory ? ['--cpu-prof', '--cpu-prof-dir', options.cpuProfileDirectory] : [];
  const directory = mkdtempSync(join(tmpdir(), 'fib-bench-'));
  const cleanups: (() => Promise<void>)[] = [];
  const cleanUp = async () => {
    for (const cleanup of cleanups.splice(0).reverse())
      await cleanup().catch((error: unknown) => log(`cleanup failed: ${String(error)}`));
    rmSync(directory, { recursive: true, force: true });
  };
  try {
    const adminUrl = process.env.BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
    let databaseUrl: string | undefined;
    if (options.database !== 'pglite' && (await postgresAnswers(adminUrl))) {
      const scratch = await createScratchDatabase(adminUrl, 'fib_bench');
      databaseUrl = scratch.url;
      cleanups.push(() => scratch.drop());
    } else if (options.database !== 'pglite') {
      log(`no Postgres server at ${adminUrl}; using embedded PGlite (figures are not comparable with the targets)`);
    }
    const runtime = await startLocalRuntime({
      root,
      settings: isolatedRuntimeSettings(root, directory, databaseUrl ? { DATABASE_URL: databaseUrl } : {}),
      workers: 'manual',
      nodeFlags,
      quietApi: true,
      log: (source, message) => log(`${source}: ${message}`),
      output: () => undefined,
    });
    cleanups.push(() => runtime.stop());
    const env = runtime.functionsEnv;
    const redis = new Redis({ port: runtime.redis?.master.port, maxRetriesPerRequest: 1 });
    redis.on('error', () => undefined);
    cleanups.push(() => Promise.resolve(redis.disconnect()));
    const sql = new pg.Pool({ connectionString: env.DATABASE_URL, max: 2 });
    sql.on('error', () => undefined);
    cleanups.push(() => sql.end());
    return {
      apiUrl: runtime.apiUrl,
      operator: operatorHeaders(runtime.operatorToken),
      env,
      redis,
      sql,
      databaseKind: databaseUrl ? 'server' : 'pglite',
      startWorkers: (count) => runtime.startWorkers(count),
      stopWorkers: () => runtime.stopWorkers(),
      stop: cleanUp,
    };
  } catch (error) {
    await cleanUp();
    throw error;
  }
}

// The submissions log in Postgres: one pg.Pool per process, migrations run once at start.
import { fileURLToPath } from 'node:url';

import { runner } from 'node-pg-migrate';
import pg from 'pg';

import { DependencyUnavailableError } from '../errors.js';
import type { Submission } from '../http/api-types.js';

/** Options for {@link SubmissionsStore.connect}. */
export interface SubmissionsStoreOptions {
  /** Postgres URL; when undefined node-postgres reads PG* variables. */
  databaseUrl: string | undefined;
  /** Connect, query and statement timeout in ms. */
  timeoutMs: number;
  /** @defaultValue 10 */
  maxConnections?: number;
  log?: (message: string) => void;
}

const migrationsDirectory = fileURLToPath(new URL('./migrations', import.meta.url));

async function onPostgres<T>(call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (error) {
    throw new DependencyUnavailableError('postgres', { cause: error });
  }
}

/** Reads and writes the submissions table. */
export class SubmissionsStore {
  private constructor(readonly pool: pg.Pool) {}

  /** Creates the pool and brings the schema up to date (node-pg-migrate takes a lock, so concurrent starts are safe). */
  static async connect(options: SubmissionsStoreOptions): Promise<SubmissionsStore> {
    const log = options.log ?? ((message: string) => console.warn(message));
    const pool = new pg.Pool({
      connectionString: options.databaseUrl,
      max: options.maxConnections ?? 10,
      connectionTimeoutMillis: options.timeoutMs,
      query_timeout: options.timeoutMs,
      statement_timeout: options.timeoutMs,
      idleTimeoutMillis: 30_000,
    });
    // An idle client losing its connection emits on the pool. pg-pool removes that listener
    // from a client while it is checked out (pg-pool index.js), so a reset then would be an
    // unhandled 'error' event that ends the process: every client gets its own listener too,
    // which stays through checkouts. The query in flight (if any) rejects on its own.
    pool.on('error', (error) => log(`postgres pool: ${error.message}`));
    pool.on('connect', (client) => client.on('error', (error) => log(`postgres connection: ${error.message}`)));
    const store = new SubmissionsStore(pool);
    try {
      await store.migrate();
    } catch (error) {
      await pool.end().catch(() => undefined);
      throw new DependencyUnavailableError('postgres', { cause: error });
    }
    return store;
  }

  private async migrate(): Promise<void> {
    const client = await this.pool.connect();
    try {
      await runner({
        dbClient: client,
        dir: migrationsDirectory,
        direction: 'up',
        migrationsTable: 'pgmigrations',
        log: () => undefined,
        noLock: false,
      });
    } finally {
      client.release();
    }
  }

  /**
   * Logs submissions inside one transaction and runs `whileOpen` before committing, so a
   * failure there (Redis down) rolls the rows back: a committed row always means queued.
   */
  async recordThen<T>(numbers: readonly number[], whileOpen: () => Promise<T>): Promise<T> {
    const client = await onPostgres(() => this.pool.connect());
    let result: T;
    try {
      await onPostgres(() => client.query('BEGIN'));
      await onPostgres(() => client.query('INSERT INTO submissions (number) SELECT unnest($1::int[])', [numbers]));
      result = await whileOpen();
      await onPostgres(() => client.query('COMMIT'));
    } catch (error) {
      await client.query('ROLLBACK').catch(() => undefined);
      client.release(true);
      throw error;
    }
    client.release();
    return result;
  }

  /** Newest-first page of submissions with id below `before`. */
  async list(limit: number, before?: number): Promise<Submission[]> {
    const result = await onPostgres(() =>
      this.pool.query<{ id: string; number: number; submitted_at: Date }>(
        'SELECT id, number, submitted_at FROM submissions WHERE ($2::bigint IS NULL OR id < $2) ORDER BY id DESC LIMIT $1',
        [limit, before ?? null],
      ),
    );
    return result.rows.map((row) => ({ number: row.number, id: Number(row.id), submittedAt: row.submitted_at.toISOString() }));
  }

  /** A trivial query, for /api/health. */
  async ping(): Promise<void> {
    await onPostgres(() => this.pool.query('SELECT 1'));
  }

  async close(): Promise<void> {
    await this.pool.end();
  }
}

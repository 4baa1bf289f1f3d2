// The submissions log in Postgres: one pg.Pool per process, migrations run once at start.
import { fileURLToPath } from 'node:url';

import { runner } from 'node-pg-migrate';
import pg from 'pg';

import { DependencyUnavailableError, type SubmissionOutcome, SubmissionUnavailableError } from '../errors.js';
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

/** One submission to log. */
export interface LogEntry {
  number: number;
  /** The request's Idempotency-Key, if it sent one. */
  idempotencyKey?: string | undefined;
}

/** What logging one entry did: a new row, nothing (its key was logged before), or a key reused for another index. */
export type LogResult = 'logged' | 'replayed' | 'key-conflict';

/** A row of the log as the rebuild reads it. */
export interface LoggedIndex {
  id: number;
  number: number;
}

const migrationsDirectory = fileURLToPath(new URL('./migrations', import.meta.url));

async function onPostgres<T>(call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (error) {
    throw new DependencyUnavailableError('postgres', { cause: error });
  }
}

/** A statement the server answered with an error did not write anything. */
function outcomeOf(error: unknown): SubmissionOutcome {
  return error instanceof pg.DatabaseError ? 'not-logged' : 'unknown';
}

/** Reads and writes the submissions table. */
export class SubmissionsStore {
  /**
   * Whether the log statement is a named (prepared once per connection) statement: on a
   * Postgres server it is, which saves parsing and planning it per batch (~60 of ~280 µs of
   * the server's CPU per statement here). Not on PGlite: its socket server runs every
   * connection in one session, where one connection's prepared statement collides with another's.
   */
  private preparedLog = false;

  private constructor(
    readonly pool: pg.Pool,
    private readonly timeoutMs: number,
  ) {}

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
    const store = new SubmissionsStore(pool, options.timeoutMs);
    try {
      await store.migrate();
      const server = await pool.query<{ version: string }>('SELECT version() AS version');
      store.preparedLog = !/\bPGlite\b/.test(server.rows[0]?.version ?? 'PGlite');
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
   * Logs submissions in one statement (one round trip, committed on its own). A row whose
   * Idempotency-Key is already logged is not logged again. Throws a
   * SubmissionUnavailableError that says whether anything may have been written.
   */
  async log(entries: readonly LogEntry[]): Promise<LogResult[]> {
    let client: pg.PoolClient;
    try {
      client = await this.pool.connect();
    } catch (error) {
      throw new SubmissionUnavailableError('postgres', 'not-logged', { cause: error });
    }
    try {
      const keys = entries.map((entry) => entry.idempotencyKey ?? null);
      const numbers = entries.map((entry) => entry.number);
      // One statement per batch, in autocommit (one round trip); named on a server (see
      // preparedLog). A batch without keys (the usual case) skips the conflict check and
      // returns no rows.
      const withKeys = keys.some((key) => key !== null);
      const inserted = await client.query<{ idempotency_key: string | null }>({
        name: this.preparedLog ? (withKeys ? 'log-submissions-keyed' : 'log-submissions') : undefined,
        text: withKeys
          ? 'INSERT INTO submissions (number, idempotency_key) SELECT * FROM unnest($1::int[], $2::text[]) ' +
            'ON CONFLICT (idempotency_key) WHERE idempotency_key IS NOT NULL DO NOTHING RETURNING idempotency_key'
          : 'INSERT INTO submissions (number) SELECT unnest($1::int[])',
        values: withKeys ? [numbers, keys] : [numbers],
      });
      const insertedKeys = new Set(inserted.rows.map((row) => row.idempotency_key));
      const replayed = keys.filter((key): key is string => key !== null && !insertedKeys.has(key));
      let loggedNumbers = new Map<string, number>();
      if (replayed.length > 0) {
        const earlier = await client.query<{ idempotency_key: string; number: number }>(
          'SELECT idempotency_key, number FROM submissions WHERE idempotency_key = ANY($1::text[])',
          [replayed],
        );
        loggedNumbers = new Map(earlier.rows.map((row) => [row.idempotency_key, row.number]));
      }
      client.release();
      // Within one batch the first entry with a key inserts it; a later one with the same key is a replay.
      const firstWithKey = new Set<string>();
      return entries.map((entry): LogResult => {
        const key = entry.idempotencyKey;
        if (key === undefined) return 'logged';
        if (insertedKeys.has(key) && !firstWithKey.has(key)) {
          firstWithKey.add(key);
          return 'logged';
        }
        const number = loggedNumbers.get(key) ?? entries.find((other) => other.idempotencyKey === key)?.number;
        return number === entry.number ? 'replayed' : 'key-conflict';
      });
    } catch (error) {
      client.release(true);
      throw new SubmissionUnavailableError('postgres', outcomeOf(error), { cause: error });
    }
  }

  /** Whether `number` was ever submitted (the log is the record when Redis has lost data). */
  async isLogged(number: number): Promise<boolean> {
    const result = await onPostgres(() =>
      this.pool.query<{ found: boolean }>({
        text: 'SELECT EXISTS (SELECT 1 FROM submitted_indices WHERE number = $1) AS found',
        values: [number],
      }),
    );
    return result.rows[0]?.found === true;
  }

  /**
   * The next page of the log after row `afterId`, in id order, holding only rows that are
   * settled: logged more than `settledMs` ago by the server's clock. Every statement that
   * logs rows runs under statement_timeout, so with settledMs ≥ 2 × that timeout no row with
   * a smaller id can still appear later (a row's id is taken after its statement starts), and
   * a cursor over these pages never skips a row.
   */
  async settledPage(afterId: number, limit: number, settledMs: number): Promise<LoggedIndex[]> {
    const result = await onPostgres(() =>
      this.pool.query<{ id: string; number: number; settled: boolean }>({
        text:
          "SELECT id, number, submitted_at < now() - $3 * interval '1 millisecond' AS settled " +
          'FROM submissions WHERE id > $1 ORDER BY id LIMIT $2',
        values: [afterId, limit, settledMs],
      }),
    );
    const page: LoggedIndex[] = [];
    for (const row of result.rows) {
      if (!row.settled) break;
      page.push({ id: Number(row.id), number: row.number });
    }
    return page;
  }

  /**
   * Id of the newest settled row (logged more than `settledMs` ago; see {@link settledPage}),
   * 0 when there is none: every row up to it is in the log for good.
   */
  async settledThrough(settledMs: number): Promise<number> {
    const result = await onPostgres(() =>
      // Backwards along the primary key: reads only the rows of the last settledMs.
      this.pool.query<{ id: string | null }>({
        text:
          "SELECT id FROM submissions WHERE submitted_at < now() - $1 * interval '1 millisecond' " + 'ORDER BY id DESC LIMIT 1',
        values: [settledMs],
      }),
    );
    return Number(result.rows[0]?.id ?? 0);
  }

  /** The next `limit` distinct submitted indices above `afterNumber`, ascending (submitted_indices). */
  async distinctIndices(afterNumber: number, limit: number): Promise<number[]> {
    const result = await onPostgres(() =>
      this.pool.query<{ number: number }>({
        text: 'SELECT number FROM submitted_indices WHERE number > $1 ORDER BY number LIMIT $2',
        values: [afterNumber, limit],
      }),
    );
    return result.rows.map((row) => row.number);
  }

  /** The statement timeout every query runs under (ms). */
  get statementTimeoutMs(): number {
    return this.timeoutMs;
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

// A private Postgres database for one test file: embedded PGlite served over a socket, or a
// fresh database on the server named by TEST_DATABASE_URL (dropped afterwards).
import { PGlite } from '@electric-sql/pglite';
import { PGLiteSocketServer } from '@electric-sql/pglite-socket';
import pg from 'pg';

import { freePort } from '../../../local/runtime/ports.js';
import { createScratchDatabase } from './scratch-database.js';

export type DatabaseKind = 'pglite' | 'server';

/** The kinds this run covers: always PGlite, plus the real server when TEST_DATABASE_URL is set. */
export function databaseKinds(): DatabaseKind[] {
  return process.env.TEST_DATABASE_URL ? ['pglite', 'server'] : ['pglite'];
}

export interface TestDatabase {
  url: string;
  /** Runs SQL directly (outside the app), to check what the app wrote. */
  query<T extends pg.QueryResultRow>(sql: string, params?: unknown[]): Promise<T[]>;
  stop(): Promise<void>;
}

export async function startDatabase(kind: DatabaseKind): Promise<TestDatabase> {
  if (kind === 'pglite') {
    const db = await PGlite.create();
    const port = await freePort();
    const server = new PGLiteSocketServer({ db, host: '127.0.0.1', port, maxConnections: 16 });
    await server.start();
    const url = `postgres://postgres@127.0.0.1:${port}/postgres`;
    const pool = new pg.Pool({ connectionString: url, max: 1 });
    pool.on('error', () => undefined);
    return {
      url,
      query: async <T extends pg.QueryResultRow>(sql: string, params?: unknown[]) => (await pool.query<T>(sql, params)).rows,
      async stop() {
        await pool.end();
        await server.stop();
        await db.close();
      },
    };
  }
  const adminUrl = process.env.TEST_DATABASE_URL;
  if (!adminUrl) throw new Error('TEST_DATABASE_URL is not set');
  const scratch = await createScratchDatabase(adminUrl, 'fib_test');
  const pool = new pg.Pool({ connectionString: scratch.url, max: 2 });
  pool.on('error', () => undefined);
  return {
    url: scratch.url,
    query: async <T extends pg.QueryResultRow>(sql: string, params?: unknown[]) => (await pool.query<T>(sql, params)).rows,
    async stop() {
      await pool.end();
      await scratch.drop();
    },
  };
}

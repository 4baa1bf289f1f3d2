// Postgres for the local runtime: the server at DATABASE_URL when given, else embedded PGlite
// (./pglite-server.ts) as a supervised child with its data under the data directory.
import { join } from 'node:path';

import pg from 'pg';

import { ManagedProcess, type ProcessEvents } from './managed-process.js';
import { freePort } from './ports.js';

/** Whether a Postgres at `url` answers a query within a second or two. */
export async function postgresAnswers(url: string): Promise<boolean> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 2000, query_timeout: 2000 });
  client.on('error', () => undefined);
  try {
    await client.connect();
    await client.query('SELECT 1');
    return true;
  } catch {
    return false;
  } finally {
    await client.end().catch(() => undefined);
  }
}

/** The embedded Postgres process and its URL. */
export interface EmbeddedPostgres {
  url: string;
  process: ManagedProcess;
}

/** Starts PGlite on `port` (0: a free one) with its data in `<dataDir>/pgdata`; resolves once it answers. */
export async function startEmbeddedPostgres(options: {
  root: string;
  dataDir: string;
  port: number;
  events: ProcessEvents;
  onBusyPort?: (port: number) => void;
}): Promise<EmbeddedPostgres> {
  const port = await freePort(options.port, options.onBusyPort);
  const url = `postgres://postgres@127.0.0.1:${port}/postgres`;
  const data = join(options.dataDir, 'pgdata');
  const process_ = new ManagedProcess(
    {
      name: 'pglite',
      command: process.execPath,
      args: [
        '--import',
        'tsx',
        join(options.root, 'local', 'runtime', 'pglite-server.ts'),
        '--port',
        String(port),
        '--data',
        data,
      ],
      cwd: options.root,
      fix: `read the lines above; if PGlite's data is damaged, move ${data} away (it starts empty and the submissions log with it), or set DATABASE_URL to a Postgres server`,
      readyWhenPrinted: 'accepting connections',
      ready: () => postgresAnswers(url),
      readyTimeoutMs: 90_000,
    },
    options.events,
  );
  await process_.start();
  return { url, process: process_ };
}

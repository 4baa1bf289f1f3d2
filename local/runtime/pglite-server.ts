// Embedded Postgres for the local runtime: PGlite (Postgres compiled to WASM) served over a
// local TCP socket, so the functions connect with plain `pg` exactly as they would to a server.
// Run as its own process: `node --import tsx local/runtime/pglite-server.ts --port N --data DIR`.
import { mkdirSync } from 'node:fs';
import { parseArgs } from 'node:util';

import { PGlite } from '@electric-sql/pglite';
import { PGLiteSocketServer } from '@electric-sql/pglite-socket';

const { values: args } = parseArgs({
  options: {
    port: { type: 'string', default: '5433' },
    data: { type: 'string' },
    host: { type: 'string', default: '127.0.0.1' },
  },
});
if (args.data) mkdirSync(args.data, { recursive: true });
const db = await PGlite.create(args.data);
// maxConnections defaults to 1; the functions use a pg.Pool.
const server = new PGLiteSocketServer({ db, host: args.host, port: Number(args.port), maxConnections: 32 });
await server.start();
console.log(`PGlite listening on ${args.host}:${args.port} (data: ${args.data ?? 'in memory'}) accepting connections`);

async function stop(): Promise<void> {
  await server.stop().catch(() => undefined);
  await db.close().catch(() => undefined);
  process.exit(0);
}
process.on('SIGINT', () => void stop());
process.on('SIGTERM', () => void stop());

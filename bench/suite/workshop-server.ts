// The workshop's Express server (mosabami/fib-calculator, complex/server) from a checkout the
// user made, started for a side-by-side POST benchmark on its own redis-server and a fresh
// database, bound to 127.0.0.1 only. None of its code is part of this repository.
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';

import pg from 'pg';

import { createScratchDatabase } from '../../functions/test/support/scratch-database.js';
import { freePort } from './bench-stack.js';

/** How to get the checkout, for error messages and the README. */
export const workshopCheckoutHelp =
  'git clone https://github.com/mosabami/fib-calculator /tmp/fib-calculator, then pass --workshop-dir /tmp/fib-calculator';

/** A running workshop server. */
export interface WorkshopServer {
  url: string;
  /** Where its Postgres table lives: a scratch database on a server, or embedded PGlite. */
  databaseKind: 'server' | 'pglite';
  stop(): Promise<void>;
}

/** `DIR/complex/server` (or DIR itself when it is that folder), checked to be the Express server. */
export function resolveWorkshopServerDir(dir: string): string {
  for (const candidate of [join(dir, 'complex', 'server'), dir]) {
    const packageFile = join(candidate, 'package.json');
    if (!existsSync(join(candidate, 'index.js')) || !existsSync(packageFile)) continue;
    const manifest = JSON.parse(readFileSync(packageFile, 'utf8')) as { dependencies?: Record<string, string> };
    if (manifest.dependencies?.express && manifest.dependencies.redis && manifest.dependencies.pg) return resolve(candidate);
  }
  throw new Error(`--workshop-dir ${dir}: no complex/server with an Express index.js there (${workshopCheckoutHelp})`);
}

export async function postgresAnswers(url: string): Promise<boolean> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 2000 });
  client.on('error', () => undefined);
  try {
    await client.connect();
    return true;
  } catch {
    return false;
  } finally {
    await client.end().catch(() => undefined);
  }
}

async function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null || child.pid === undefined) return;
  const pid = child.pid;
  const exited = new Promise<void>((done) => child.once('exit', () => done()));
  const signal = (name: NodeJS.Signals) => {
    try {
      process.kill(-pid, name); // its own process group, which this bench started detached
    } catch {
      /* gone */
    }
  };
  signal('SIGTERM');
  const forced = setTimeout(() => signal('SIGKILL'), 10_000);
  await exited;
  clearTimeout(forced);
}

/**
 * Starts the workshop server from `dir` with its dependencies (installed into the checkout
 * with `npm install --ignore-scripts` when absent), a redis-server on a free port and a fresh
 * database: on the Postgres server at `adminUrl` when it answers, else embedded PGlite.
 */
export async function startWorkshopServer(
  dir: string,
  root: string,
  adminUrl: string,
  log: (message: string) => void,
): Promise<WorkshopServer> {
  const serverDir = resolveWorkshopServerDir(dir);
  if (!existsSync(join(serverDir, 'node_modules', 'express'))) {
    log(`installing the workshop server's dependencies in ${serverDir} (npm install --ignore-scripts)…`);
    const install = spawnSync('npm', ['install', '--ignore-scripts', '--no-audit', '--no-fund', '--no-save'], {
      cwd: serverDir,
      stdio: 'inherit',
      timeout: 300_000,
    });
    if (install.status !== 0) throw new Error(`npm install in ${serverDir} failed`);
  }
  const children: ChildProcess[] = [];
  const cleanups: (() => Promise<void>)[] = [];
  const directory = mkdtempSync(join(tmpdir(), 'fib-workshop-'));
  const stop = async () => {
    for (const child of children.reverse()) await stopChild(child);
    for (const cleanup of cleanups) await cleanup().catch((error: unknown) => log(`workshop cleanup failed: ${String(error)}`));
    rmSync(directory, { recursive: true, force: true });
  };
  const start = (command: string, args: string[], env: Record<string, string>, cwd?: string) => {
    const child = spawn(command, args, {
      cwd,
      env: { ...process.env, ...env },
      detached: true,
      // The workshop server logs a line per request: discarded, as its container's log would be.
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let errors = '';
    child.stderr?.on('data', (chunk: Buffer) => (errors = (errors + chunk.toString()).slice(-4000)));
    children.push(child);
    return { child, errors: () => errors };
  };
  try {
    const redisPort = await freePort();
    start(
      'redis-server',
      ['--port', String(redisPort), '--bind', '127.0.0.1', '--dir', directory, '--save', '', '--appendonly', 'yes'],
      {},
    );

    let database: { host: string; port: string; user: string; password: string; name: string };
    let databaseKind: WorkshopServer['databaseKind'];
    if (await postgresAnswers(adminUrl)) {
      const scratch = await createScratchDatabase(adminUrl, 'fib_workshop');
      cleanups.push(() => scratch.drop());
      const url = new URL(scratch.url);
      database = {
        host: url.hostname,
        port: url.port || '5432',
        user: decodeURIComponent(url.username),
        password: decodeURIComponent(url.password),
        name: url.pathname.slice(1),
      };
      databaseKind = 'server';
    } else {
      const port = await freePort();
      const pglite = start(process.execPath, [join(root, 'local', 'pglite-server.mjs'), '--port', String(port)], {});
      for (let i = 0; i < 600 && !(await postgresAnswers(`postgres://postgres@127.0.0.1:${port}/postgres`)); i += 1) {
        if (pglite.child.exitCode !== null) throw new Error(`PGlite for the workshop exited: ${pglite.errors()}`);
        await sleep(100);
      }
      database = { host: '127.0.0.1', port: String(port), user: 'postgres', password: '', name: 'postgres' };
      databaseKind = 'pglite';
    }

    const port = await freePort();
    const preload = join(dirname(fileURLToPath(import.meta.url)), 'workshop-listen.ts');
    const server = start(
      process.execPath,
      ['--import', 'tsx', '--import', preload, join(serverDir, 'index.js')],
      {
        WORKSHOP_PORT: String(port),
        REDIS_HOST: '127.0.0.1',
        REDIS_PORT: String(redisPort),
        PGHOST: database.host,
        PGPORT: database.port,
        PGUSER: database.user,
        PGPASSWORD: database.password,
        PGDATABASE: database.name,
        NODE_ENV: 'production',
      },
      root, // so `--import tsx` resolves from this repository's node_modules
    );
    const url = `http://127.0.0.1:${port}`;
    for (let i = 0; ; i += 1) {
      const hi = await fetch(`${url}/`, { signal: AbortSignal.timeout(1000) })
        .then((response) => response.text())
        .catch(() => '');
      if (hi === 'Hi') break;
      if (server.child.exitCode !== null) throw new Error(`the workshop server exited: ${server.errors()}`);
      if (i >= 300) throw new Error(`the workshop server did not answer GET / within 30 s: ${server.errors()}`);
      await sleep(100);
    }
    return { url, databaseKind, stop };
  } catch (error) {
    await stop();
    throw error;
  }
}

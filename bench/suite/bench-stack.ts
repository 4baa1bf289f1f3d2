// The system under benchmark, started from the built code exactly as `npm start` runs it:
// a Redis master + replica (append-only, as start.mjs), a fresh database on the Postgres
// server (PGlite when none answers), the API host process, and worker processes on demand.
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

import { Redis } from 'ioredis';
import pg from 'pg';

import { freePort } from '../../functions/test/support/free-port.js';
import { createScratchDatabase } from '../../functions/test/support/scratch-database.js';

export { freePort };

/** A child this bench started; stopped by its own process group id only. */
class Child {
  private exited: Promise<void>;
  output = '';
  constructor(
    readonly name: string,
    readonly process: ChildProcess,
  ) {
    this.exited = new Promise((resolve) => process.once('exit', () => resolve()));
    const keep = (chunk: Buffer) => {
      this.output = (this.output + chunk.toString()).slice(-20_000);
    };
    process.stdout?.on('data', keep);
    process.stderr?.on('data', keep);
  }
  get running(): boolean {
    return this.process.exitCode === null && this.process.signalCode === null;
  }
  async waitForOutput(text: string, timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!this.output.includes(text)) {
      if (!this.running) throw new Error(`${this.name} exited: ${this.output.slice(-2000)}`);
      if (Date.now() > deadline) throw new Error(`${this.name} did not print "${text}" within ${timeoutMs} ms`);
      await sleep(50);
    }
  }
  async stop(): Promise<void> {
    if (!this.running || this.process.pid === undefined) return;
    try {
      process.kill(-this.process.pid, 'SIGTERM');
    } catch {
      /* gone */
    }
    const killed = await Promise.race([this.exited.then(() => false), sleep(15_000).then(() => true)]);
    if (killed) {
      try {
        process.kill(-this.process.pid, 'SIGKILL');
      } catch {
        /* gone */
      }
      await this.exited;
    }
  }
}

const apiFunctions = [
  'submit-value',
  'current-values',
  'recent-values',
  'all-submissions',
  'value-by-index',
  'health',
  'stats',
  'requeue-expired',
];
const selectFunctions = (names: string[]) =>
  Object.fromEntries(names.map((name, i) => [`AzureFunctionsJobHost__functions__${i}`, name]));

export interface BenchStack {
  apiUrl: string;
  env: Record<string, string>;
  redis: Redis;
  /** Runs SQL on the bench's database. */
  sql: pg.Pool;
  databaseKind: 'server' | 'pglite';
  startWorkers(count: number): Promise<void>;
  stopWorkers(): Promise<void>;
  stop(): Promise<void>;
}

function startProcess(name: string, command: string, args: string[], env: Record<string, string>): Child {
  return new Child(
    name,
    spawn(command, args, { env: { ...process.env, ...env }, detached: true, stdio: ['ignore', 'pipe', 'pipe'] }),
  );
}

async function serverAnswers(url: string): Promise<boolean> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 2000 });
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

/** Options for {@link startBenchStack}. */
export interface BenchStackOptions {
  /** Run the API and workers with `node --cpu-prof` into this directory (written when they stop). */
  cpuProfileDirectory?: string;
}

export async function startBenchStack(
  root: string,
  log: (message: string) => void,
  options: BenchStackOptions = {},
): Promise<BenchStack> {
  const nodeFlags = options.cpuProfileDirectory ? ['--cpu-prof', '--cpu-prof-dir', options.cpuProfileDirectory] : [];
  const children: Child[] = [];
  const workers: Child[] = [];
  const directory = mkdtempSync(join(tmpdir(), 'fib-bench-'));
  const cleanups: (() => Promise<void>)[] = [];
  try {
    const masterPort = await freePort();
    const replicaPort = await freePort();
    const common = ['--bind', '127.0.0.1', '--appendonly', 'yes', '--save', '', '--daemonize', 'no'];
    children.push(
      startProcess(
        'redis-master',
        'redis-server',
        [
          '--port',
          String(masterPort),
          '--dir',
          join(directory),
          ...common,
          '--repl-diskless-sync',
          'yes',
          '--repl-diskless-sync-delay',
          '0',
        ],
        {},
      ),
    );
    const replicaDir = mkdtempSync(join(directory, 'replica-'));
    children.push(
      startProcess(
        'redis-replica',
        'redis-server',
        ['--port', String(replicaPort), '--dir', replicaDir, ...common, '--replicaof', '127.0.0.1', String(masterPort)],
        {},
      ),
    );
    const redis = new Redis({ port: masterPort, maxRetriesPerRequest: 1 });
    redis.on('error', () => undefined);
    const replica = new Redis({ port: replicaPort, maxRetriesPerRequest: 1 });
    replica.on('error', () => undefined);
    for (let i = 0; i < 300; i += 1) {
      if ((await replica.info('replication').catch(() => '')).includes('master_link_status:up')) break;
      await sleep(100);
    }
    replica.disconnect();

    const adminUrl = process.env.BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
    let databaseUrl: string;
    let databaseKind: 'server' | 'pglite';
    if (await serverAnswers(adminUrl)) {
      const scratch = await createScratchDatabase(adminUrl, 'fib_bench');
      databaseUrl = scratch.url;
      databaseKind = 'server';
      cleanups.push(() => scratch.drop());
    } else {
      log(`no Postgres server at ${adminUrl}; using embedded PGlite (figures are not comparable with the targets)`);
      const port = await freePort();
      const pglite = startProcess(
        'pglite',
        process.execPath,
        [join(root, 'local', 'pglite-server.mjs'), '--port', String(port), '--data', join(directory, 'pgdata')],
        {},
      );
      children.push(pglite);
      await pglite.waitForOutput('READY', 60_000);
      databaseUrl = `postgres://postgres@127.0.0.1:${port}/postgres`;
      databaseKind = 'pglite';
    }
    const sql = new pg.Pool({ connectionString: databaseUrl, max: 2 });
    sql.on('error', () => undefined);

    const env = {
      REDIS_MASTER: `127.0.0.1:${masterPort},ssl=False,abortConnect=False`,
      REDIS_REPLICA: `127.0.0.1:${replicaPort},ssl=False,abortConnect=False`,
      DATABASE_URL: databaseUrl,
    };
    const host = join(root, 'dist', 'local', 'host', 'main.js');
    const apiPort = await freePort();
    const api = startProcess('api', process.execPath, [...nodeFlags, host, '--port', String(apiPort), '--quiet'], {
      ...env,
      ...selectFunctions(apiFunctions),
    });
    children.push(api);
    await api.waitForOutput('Host started', 60_000);
    const apiUrl = `http://127.0.0.1:${apiPort}`;

    return {
      apiUrl,
      env,
      redis,
      sql,
      databaseKind,
      async startWorkers(count) {
        const started = Array.from({ length: count }, (_, i) =>
          startProcess(`worker-${workers.length + i + 1}`, process.execPath, [...nodeFlags, host, '--quiet'], {
            ...env,
            ...selectFunctions(['fib-worker']),
          }),
        );
        workers.push(...started);
        await Promise.all(started.map((worker) => worker.waitForOutput('Host started', 30_000)));
      },
      async stopWorkers() {
        await Promise.all(workers.splice(0).map((worker) => worker.stop()));
      },
      async stop() {
        await Promise.all(workers.splice(0).map((worker) => worker.stop()));
        await sql.end().catch(() => undefined);
        redis.disconnect();
        for (const child of children.reverse()) await child.stop();
        for (const cleanup of cleanups) await cleanup().catch((error: unknown) => log(`cleanup failed: ${String(error)}`));
        rmSync(directory, { recursive: true, force: true });
      },
    };
  } catch (error) {
    for (const child of [...workers, ...children].reverse()) await child.stop();
    for (const cleanup of cleanups) await cleanup().catch(() => undefined);
    rmSync(directory, { recursive: true, force: true });
    throw error;
  }
}

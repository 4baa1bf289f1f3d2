// Starts a real Redis master and a real replica on free ports for one test file.
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

import { Redis } from 'ioredis';

import { freePort } from './free-port.js';

export { freePort };

/** One redis-server process this test started (and only this test stops). */
export class RedisProcess {
  private child: ChildProcess | undefined;
  // A replica writes the RDB of its initial sync into its working directory.
  private readonly directory = mkdtempSync(join(tmpdir(), 'fib-redis-'));

  constructor(
    readonly port: number,
    private readonly extraArgs: string[],
  ) {}

  /** `host:port,...` in the StackExchange form the app's settings use. */
  get connectionString(): string {
    return `127.0.0.1:${this.port},ssl=False,abortConnect=False`;
  }

  async start(): Promise<void> {
    const child = spawn(
      'redis-server',
      [
        '--port',
        String(this.port),
        '--bind',
        '127.0.0.1',
        '--save',
        '',
        '--appendonly',
        'no',
        '--dir',
        this.directory,
        ...this.extraArgs,
      ],
      {
        stdio: 'ignore',
      },
    );
    this.child = child;
    const client = new Redis({ port: this.port, lazyConnect: true, retryStrategy: () => null, maxRetriesPerRequest: 0 });
    client.on('error', () => undefined);
    for (let attempt = 0; attempt < 100; attempt += 1) {
      if (child.exitCode !== null) throw new Error(`redis-server on port ${this.port} exited with ${child.exitCode}`);
      try {
        await client.connect();
        await client.ping();
        client.disconnect();
        return;
      } catch {
        client.disconnect();
        await sleep(50);
      }
    }
    throw new Error(`redis-server on port ${this.port} did not start`);
  }

  /** Stops the server (SIGKILL with `hard`, to simulate a crash). */
  async stop(hard = false): Promise<void> {
    const child = this.child;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill(hard ? 'SIGKILL' : 'SIGTERM');
    await exited;
    this.child = undefined;
  }

  /** Stops the server and removes its directory. */
  async dispose(): Promise<void> {
    await this.stop();
    rmSync(this.directory, { recursive: true, force: true });
  }
}

/** A master and a replica linked to it. */
export interface RedisPair {
  master: RedisProcess;
  replica: RedisProcess;
  stop(): Promise<void>;
}

/** Starts the pair and waits until the replica's link to the master is up. */
export async function startRedisPair(): Promise<RedisPair> {
  const master = new RedisProcess(await freePort(), ['--repl-diskless-sync', 'yes', '--repl-diskless-sync-delay', '0']);
  await master.start();
  const replica = new RedisProcess(await freePort(), ['--replicaof', '127.0.0.1', String(master.port)]);
  await replica.start();
  const client = new Redis({ port: replica.port });
  try {
    for (let attempt = 0; attempt < 200; attempt += 1) {
      if ((await client.info('replication')).includes('master_link_status:up')) break;
      await sleep(50);
    }
  } finally {
    client.disconnect();
  }
  return {
    master,
    replica,
    async stop() {
      await Promise.all([replica.dispose(), master.dispose()]);
    },
  };
}

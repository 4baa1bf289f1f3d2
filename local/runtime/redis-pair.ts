// The one place that runs redis-server: a master and a replica linked to it (as the Redis
// StatefulSet's pod 0 and pod 1), append-only on, each in its own directory. Before every
// (re)start the append-only file is checked with Redis's own redis-check-aof: a damaged
// replica is reset and resyncs from the master; a damaged master is repaired with
// `redis-check-aof --fix`, or the start stops with the exact command to run.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

import { Redis } from 'ioredis';

import { ManagedProcess, type ProcessEvents } from './managed-process.js';
import { freePort } from './ports.js';
import { statefulSetRedisArgs } from './redis-config.js';

export type RedisRole = 'master' | 'replica';

/** The append-only data of a master cannot be repaired automatically. */
export class AppendOnlyFileError extends Error {
  override name = 'AppendOnlyFileError';
}

const manifestName = 'appendonly.aof.manifest';

/** Per-node choices on top of the StatefulSet's configuration. */
export interface RedisServerArgsOptions {
  port: number;
  dir: string;
  /** Replaces the ConfigMap's `appendonly` (see {@link statefulSetRedisArgs}). */
  appendOnly?: boolean;
  /** Replaces the ConfigMap's `maxmemory` (tests fill a small cap quickly). */
  maxmemory?: string;
  masterPort?: number;
}

/**
 * The redis-server command line of one node (the one place these flags are written): the
 * StatefulSet's redis.conf from its ConfigMap (memory cap, eviction policy, append-only file and
 * no RDB snapshots, diskless sync), then what differs per node here: loopback, its port and directory, and the
 * replica's master.
 */
export function redisServerArgs(options: RedisServerArgsOptions): string[] {
  const args = statefulSetRedisArgs({ appendOnly: options.appendOnly, maxmemory: options.maxmemory });
  args.push('--port', String(options.port), '--bind', '127.0.0.1', '--protected-mode', 'yes', '--dir', options.dir);
  args.push('--daemonize', 'no');
  if (options.masterPort !== undefined) args.push('--replicaof', '127.0.0.1', String(options.masterPort));
  return args;
}

function runCheckAof(args: string[]): { ok: boolean; output: string } {
  // --fix asks "Continue? [y/N]" on stdin.
  const result = spawnSync('redis-check-aof', args, { input: 'y\n', encoding: 'utf8', timeout: 120_000 });
  return { ok: result.status === 0, output: `${result.stdout ?? ''}${result.stderr ?? ''}` };
}

/**
 * The commands that bring a master with an unreadable manifest back: rewrite the manifest from
 * the files present when they are unambiguous (one base file), or set the data aside.
 */
export function manifestRepairAdvice(dir: string): string {
  const aofDir = join(dir, 'appendonlydir');
  const manifest = join(aofDir, manifestName);
  const files = existsSync(aofDir) ? readdirSync(aofDir) : [];
  const seqOf = (name: string) => Number(/\.(\d+)\.(?:base|incr)\./.exec(name)?.[1] ?? NaN);
  const bases = files.filter((name) => /\.\d+\.base\.(?:rdb|aof)$/.test(name));
  const incrs = files.filter((name) => /\.\d+\.incr\.aof$/.test(name)).sort((a, b) => seqOf(a) - seqOf(b));
  const lines: string[] = [];
  const base = bases[0];
  if (bases.length === 1 && base !== undefined) {
    const entries = [`file ${base} seq ${seqOf(base)} type b`, ...incrs.map((name) => `file ${name} seq ${seqOf(name)} type i`)];
    lines.push(
      '  Rewrite the manifest from the files that are there (keeps the data), then start again:',
      `    cp '${manifest}' '${manifest}.damaged' && printf '${entries.join('\\n')}\\n' > '${manifest}' && redis-check-aof '${manifest}'`,
      '  or',
    );
  }
  lines.push(
    '  Set the damaged data aside (the master starts empty; the API requeues every index logged in Postgres):',
    `    mv '${aofDir}' '${aofDir}.damaged-${new Date().toISOString().replace(/[:.]/g, '-')}'`,
  );
  return lines.join('\n');
}

/**
 * Checks the append-only file of the node in `dir` before it starts. Returns what it did
 * (undefined when nothing was wrong); throws {@link AppendOnlyFileError} for a master whose
 * data it cannot repair.
 */
export function checkAppendOnlyFile(dir: string, role: RedisRole): string | undefined {
  const manifest = join(dir, 'appendonlydir', manifestName);
  if (!existsSync(manifest)) return undefined;
  const check = runCheckAof([manifest]);
  if (check.ok) return undefined;
  const lastLines = check.output
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line.length > 0)
    .slice(-3)
    .join(' | ');
  if (role === 'replica') {
    // A replica's data is a copy: start it empty and it full-resyncs from the master.
    rmSync(join(dir, 'appendonlydir'), { recursive: true, force: true });
    rmSync(join(dir, 'dump.rdb'), { force: true });
    return `replica data was damaged (${lastLines}); reset it, it resyncs from the master`;
  }
  if (/MANIFEST/i.test(check.output)) {
    throw new AppendOnlyFileError(
      `The Redis master's append-only manifest ${manifest} is damaged (${lastLines}); redis-check-aof cannot repair a manifest.\n${manifestRepairAdvice(dir)}`,
    );
  }
  const fix = runCheckAof(['--fix', manifest]);
  if (fix.ok && runCheckAof([manifest]).ok) {
    return `the master's append-only file was damaged (${lastLines}); repaired with: redis-check-aof --fix ${manifest}`;
  }
  throw new AppendOnlyFileError(
    `The Redis master's append-only file in ${join(dir, 'appendonlydir')} is damaged and redis-check-aof --fix could not repair it (${lastLines}).\n` +
      `  Try it by hand and read what it says: redis-check-aof --fix '${manifest}'\n${manifestRepairAdvice(dir)}`,
  );
}

async function withClient<T>(port: number, use: (client: Redis) => Promise<T>): Promise<T | undefined> {
  const client = new Redis({
    port,
    host: '127.0.0.1',
    lazyConnect: true,
    connectTimeout: 1000,
    commandTimeout: 1000,
    maxRetriesPerRequest: 0,
    retryStrategy: () => null,
  });
  client.on('error', () => undefined);
  try {
    await client.connect();
    return await use(client);
  } catch {
    return undefined;
  } finally {
    client.disconnect();
  }
}

/** Whether the server on `port` answers PING (not while it is still loading its data). */
export async function redisAnswers(port: number): Promise<boolean> {
  return (await withClient(port, (client) => client.ping())) === 'PONG';
}

/** Whether the replica on `port` has a live link to its master. */
export async function replicaLinked(port: number): Promise<boolean> {
  const info = await withClient(port, (client) => client.info('replication'));
  return info?.includes('master_link_status:up') ?? false;
}

/** One redis-server this runtime runs. */
export class RedisNode {
  readonly process: ManagedProcess;

  constructor(
    readonly role: RedisRole,
    readonly port: number,
    readonly dir: string,
    options: {
      appendOnly: boolean;
      maxmemory?: string;
      masterPort?: number;
      restartPolicy: 'always' | 'never';
      events: ProcessEvents;
    },
  ) {
    mkdirSync(dir, { recursive: true });
    this.process = new ManagedProcess(
      {
        name: `redis-${role}`,
        command: 'redis-server',
        args: redisServerArgs({
          port,
          dir,
          appendOnly: options.appendOnly,
          maxmemory: options.maxmemory,
          masterPort: options.masterPort,
        }),
        fix:
          role === 'master'
            ? `read the lines above; if the port is taken, stop what holds it or set REDIS_MASTER_PORT; the data is in ${dir}`
            : `read the lines above; the replica's data in ${dir} is a copy and may be deleted (it resyncs)`,
        ready: () => redisAnswers(port),
        readyTimeoutMs: 60_000,
        beforeStart: () => {
          const done = options.appendOnly ? checkAppendOnlyFile(dir, role) : undefined;
          if (done) options.events.log(`redis-${role}: ${done}`);
          return Promise.resolve();
        },
        // redis-server is chatty at start; show only what may need attention.
        printLine: (line) => /error|fatal|can't|cannot|wrong|bad file|corrupt|failed|refused|truncated/i.test(line),
        restartPolicy: options.restartPolicy,
        terminationGraceMs: 10_000,
      },
      options.events,
    );
  }

  /** `host:port,...` in the StackExchange form the app's settings use. */
  get connectionString(): string {
    return `127.0.0.1:${this.port},ssl=False,abortConnect=False`;
  }

  start(): Promise<void> {
    return this.process.start();
  }

  /** Stops the server; `hard` sends SIGKILL (a crash). */
  stop(hard = false): Promise<void> {
    return this.process.stop(hard ? 'SIGKILL' : 'SIGTERM');
  }
}

/** A master and a replica linked to it. */
export interface RedisPair {
  master: RedisNode;
  replica: RedisNode;
  /** Stops both (replica first). */
  stop(): Promise<void>;
}

/** Options for {@link startRedisPair}. */
export interface RedisPairOptions {
  /** Parent of `redis-master/` and `redis-replica/`. */
  dataDir: string;
  /** @defaultValue a free port */
  masterPort?: number;
  /** @defaultValue a free port */
  replicaPort?: number;
  /** @defaultValue true (as the StatefulSet) */
  appendOnly?: boolean;
  /** Replaces the StatefulSet's `maxmemory` (tests fill a small cap in seconds). @defaultValue the ConfigMap's */
  maxmemory?: string;
  /** `always` under the runtime; `never` in tests that kill and restart nodes themselves. @defaultValue always */
  restartPolicy?: 'always' | 'never';
  events: ProcessEvents;
  /** @defaultValue 30000 */
  linkTimeoutMs?: number;
}

/** Starts the master, then the replica, and waits until the replica's link is up. */
export async function startRedisPair(options: RedisPairOptions): Promise<RedisPair> {
  const appendOnly = options.appendOnly ?? true;
  const restartPolicy = options.restartPolicy ?? 'always';
  const masterPort = options.masterPort ?? (await freePort());
  const master = new RedisNode('master', masterPort, join(options.dataDir, 'redis-master'), {
    appendOnly,
    maxmemory: options.maxmemory,
    restartPolicy,
    events: options.events,
  });
  await master.start();
  const replicaPort = options.replicaPort ?? (await freePort());
  const replica = new RedisNode('replica', replicaPort, join(options.dataDir, 'redis-replica'), {
    appendOnly,
    maxmemory: options.maxmemory,
    masterPort,
    restartPolicy,
    events: options.events,
  });
  const stop = async () => {
    await replica.stop();
    await master.stop();
  };
  try {
    await replica.start();
    const deadline = Date.now() + (options.linkTimeoutMs ?? 30_000);
    while (!(await replicaLinked(replicaPort))) {
      if (Date.now() > deadline) throw new Error(`the Redis replica (port ${replicaPort}) did not link to its master`);
      await sleep(50);
    }
  } catch (error) {
    await stop();
    throw error;
  }
  return { master, replica, stop };
}

// Runs the Redis StatefulSet's start and readiness scripts (k8s/base/redis/configmap.yaml)
// against real redis-server processes: the composed config starts a password-protected,
// append-only master, a replica authenticates and syncs to it, and readiness reflects
// the replication link.
import { type ChildProcess, execFileSync, spawn, spawnSync } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

import { afterAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';

import { freePort } from '../../local/runtime/ports.js';
import { repoRoot } from './manifests.js';

const redisServer = spawnSync('sh', ['-c', 'command -v redis-server'], { encoding: 'utf8' }).stdout.trim();
const scripts = (
  parse(readFileSync(path.join(repoRoot, 'k8s/base/redis/configmap.yaml'), 'utf8')) as {
    data: Record<'redis.conf' | 'start.sh' | 'ready.sh', string>;
  }
).data;
const password = 'test-password-not-secret';

interface FakePod {
  dir: string;
  port: number;
  /** The config start.sh composed, exactly as it would hand it to redis-server. */
  composedConfig: string;
  process?: ChildProcess;
}

const root = mkdtempSync(path.join(tmpdir(), 'redis-scripts-'));
const pods: FakePod[] = [];

/** Runs start.sh as pod `redis-<ordinal>` with paths moved under a temp dir; captures its config. */
async function composePod(ordinal: number): Promise<FakePod> {
  const dir = path.join(root, `redis-${ordinal}`);
  for (const sub of ['etc', 'run', 'data', 'bin']) mkdirSync(path.join(dir, sub), { recursive: true });
  const port = await freePort();
  writeFileSync(
    path.join(dir, 'etc/redis.conf'),
    scripts['redis.conf']
      .replace(/^bind .*$/m, 'bind 127.0.0.1')
      .replace(/^port 6379$/m, `port ${port}`)
      .replace(/^dir \/data$/m, `dir ${dir}/data`),
  );
  writeFileSync(
    path.join(dir, 'etc/start.sh'),
    scripts['start.sh'].replaceAll('/run/redis', `${dir}/run`).replaceAll('/etc/redis', `${dir}/etc`),
  );
  // Stand-in for `exec redis-server <conf>`: keep the composed file.
  writeFileSync(path.join(dir, 'bin/redis-server'), `#!/bin/sh\ncp "$1" "${dir}/composed.conf"\n`);
  chmodSync(path.join(dir, 'bin/redis-server'), 0o755);
  execFileSync('sh', [path.join(dir, 'etc/start.sh')], {
    env: {
      PATH: `${dir}/bin:${process.env.PATH ?? ''}`,
      POD_NAME: `redis-${ordinal}`,
      POD_NAMESPACE: 'fib',
      HEADLESS_SERVICE: 'redis-headless',
      REDIS_PASSWORD: password,
    },
  });
  const pod = { dir, port, composedConfig: readFileSync(path.join(dir, 'composed.conf'), 'utf8') };
  pods.push(pod);
  return pod;
}

/** Starts the real redis-server on the composed config; `replicaOf` stands in for cluster DNS. */
function startPod(pod: FakePod, replicaOf?: FakePod): void {
  const config = replicaOf
    ? pod.composedConfig.replace(/^replicaof \S+ 6379$/m, `replicaof 127.0.0.1 ${replicaOf.port}`)
    : pod.composedConfig;
  writeFileSync(path.join(pod.dir, 'run/redis.conf'), config);
  pod.process = spawn(redisServer, [path.join(pod.dir, 'run/redis.conf')], { stdio: 'ignore' });
}

function ready(pod: FakePod, auth = password): boolean {
  const script = scripts['ready.sh'].replaceAll('-h 127.0.0.1', `-h 127.0.0.1 -p ${pod.port}`);
  return spawnSync('sh', ['-c', script], { env: { ...process.env, REDISCLI_AUTH: auth } }).status === 0;
}

/** redis-cli's answer (or error text); never throws, so it can be polled while Redis starts. */
function cli(pod: FakePod, ...args: string[]): string {
  const result = spawnSync('redis-cli', ['-p', String(pod.port), ...args], {
    encoding: 'utf8',
    env: { ...process.env, REDISCLI_AUTH: password },
  });
  return `${result.stdout}${result.stderr}`.trim();
}

async function until(condition: () => boolean, timeoutMs = 15_000): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (condition()) return true;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return condition();
}

afterAll(async () => {
  for (const pod of pods) pod.process?.kill('SIGTERM');
  const running = pods.flatMap((pod) => (pod.process && pod.process.exitCode === null ? [pod.process] : []));
  await Promise.all(running.map((child) => new Promise((resolve) => child.once('exit', resolve))));
  rmSync(root, { recursive: true, force: true });
});

describe.skipIf(!redisServer)('redis StatefulSet scripts', () => {
  it('pod 0 composes a master config: password set, no replicaof, readable only by its user', async () => {
    const master = await composePod(0);
    expect(master.composedConfig).toContain(`requirepass "${password}"`);
    expect(master.composedConfig).toContain(`masterauth "${password}"`);
    expect(master.composedConfig).not.toMatch(/replicaof/);
    expect(readFileSync(path.join(master.dir, 'composed.conf'), 'utf8')).toBe(master.composedConfig);
  });

  it('other pods replicate pod 0 through the headless Service in their namespace', async () => {
    const replica = await composePod(1);
    expect(replica.composedConfig).toMatch(/^replicaof redis-0\.redis-headless\.fib\.svc\.cluster\.local 6379$/m);
  });

  it('the master starts append-only without snapshots, demands the password, and is ready', async () => {
    const master = pods[0]!;
    startPod(master);
    expect(await until(() => ready(master))).toBe(true);
    expect(cli(master, 'config', 'get', 'appendonly')).toMatch(/appendonly\s+yes/);
    expect(cli(master, 'config', 'get', 'maxmemory-policy')).toMatch(/volatile-lru/);
    expect(cli(master, 'config', 'get', 'maxmemory')).toMatch(/maxmemory\s+536870912/);
    // No RDB snapshot schedule beside the append-only file (Redis 7's default has one).
    expect(cli(master, 'config', 'get', 'save')).toMatch(/^save\s*$/);
    expect(ready(master, 'wrong-password')).toBe(false);
  });

  it('a replica is not ready until its link to the master is up, then serves the master data', async () => {
    const [master, replica] = [pods[0]!, pods[1]!];
    // First without a reachable master: up, but not ready.
    const nowhere = { ...master, port: await freePort() };
    startPod(replica, nowhere);
    expect(await until(() => cli(replica, 'ping') === 'PONG')).toBe(true);
    expect(ready(replica)).toBe(false);
    replica.process?.kill('SIGTERM');
    await new Promise((resolve) => replica.process?.once('exit', resolve));

    startPod(replica, master);
    cli(master, 'rpush', 'tasks', '7');
    expect(await until(() => ready(replica))).toBe(true);
    expect(await until(() => cli(replica, 'lrange', 'tasks', '0', '-1') === '7')).toBe(true);
    expect(cli(replica, 'rpush', 'tasks', '8')).toMatch(/READONLY/);
  });

  it('a replica that has synced stays ready (serving reads) while the master is down', async () => {
    const [master, replica] = [pods[0]!, pods[1]!];
    cli(master, 'rpush', 'tasks', '9');
    expect(await until(() => cli(replica, 'llen', 'tasks') === '2')).toBe(true);
    master.process?.kill('SIGTERM');
    await new Promise((resolve) => master.process?.once('exit', resolve));
    expect(await until(() => /master_link_status:down/.test(cli(replica, 'info', 'replication')))).toBe(true);
    expect(ready(replica)).toBe(true);
    expect(cli(replica, 'lrange', 'tasks', '0', '-1')).toBe('7\n9');
  });
});

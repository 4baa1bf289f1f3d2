// Runs the worker's start-gate script (the init container `wait-for-redis-master`, as the
// aks overlay renders it) against a real redis-server: it keeps the host from starting
// while the master is down, frozen or refusing the password, bounds each attempt, and
// lets it start as soon as the master answers PONG.
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';

import { afterEach, describe, expect, it } from 'vitest';

import { freePort } from '../../local/runtime/ports.js';
import { renderOverlay, workload } from './manifests.js';

const redisServer = spawnSync('sh', ['-c', 'command -v redis-server'], { encoding: 'utf8' }).stdout.trim();
const password = 'gate-test-password-not-secret';
const gateScript = (() => {
  const gate = workload(renderOverlay('aks'), 'worker').pod.initContainers?.find((c) => c.name === 'wait-for-redis-master');
  const [shell, flag, script] = gate?.command ?? [];
  if (shell !== 'sh' || flag !== '-c' || !script) throw new Error('wait-for-redis-master is not `sh -c <script>`');
  return script;
})();

const started: ChildProcess[] = [];

interface Gate {
  process: ChildProcess;
  output: () => string;
  exited: Promise<number | null>;
}

function runGate(port: number, auth = password): Gate {
  const child = spawn('sh', ['-c', gateScript], {
    env: { PATH: process.env.PATH ?? '', GATE_REDIS_HOST: '127.0.0.1', GATE_REDIS_PORT: String(port), REDISCLI_AUTH: auth },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  started.push(child);
  let text = '';
  child.stdout.on('data', (chunk: Buffer) => (text += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (text += chunk.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return { process: child, output: () => text, exited };
}

function startRedis(port: number): ChildProcess {
  const child = spawn(
    redisServer,
    ['--port', String(port), '--bind', '127.0.0.1', '--requirepass', password, '--save', '', '--appendonly', 'no'],
    { stdio: 'ignore' },
  );
  started.push(child);
  return child;
}

async function until(condition: () => boolean, timeoutMs = 15_000): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (condition()) return true;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return condition();
}

const exitedWithin = (gate: Gate, ms: number) =>
  Promise.race([gate.exited, new Promise<'running'>((resolve) => setTimeout(() => resolve('running'), ms))]);

afterEach(async () => {
  const running = started.splice(0).filter((child) => child.exitCode === null && child.signalCode === null);
  for (const child of running) {
    child.kill('SIGCONT');
    child.kill('SIGKILL');
  }
  await Promise.all(running.map((child) => new Promise((resolve) => child.once('exit', resolve))));
});

describe.skipIf(!redisServer)('worker start gate (init container script)', () => {
  it('waits while no master listens, then exits 0 once it answers PONG', async () => {
    const port = await freePort();
    const gate = runGate(port);
    expect(await until(() => (gate.output().match(/waiting for redis master/g) ?? []).length >= 2)).toBe(true);
    expect(gate.process.exitCode).toBeNull();

    startRedis(port);
    expect(await exitedWithin(gate, 15_000)).toBe(0);
    expect(gate.output()).toMatch(/answered PONG/);
  });

  it('keeps waiting, and says why, while the master refuses the password', async () => {
    const port = await freePort();
    startRedis(port);
    const gate = runGate(port, 'wrong-password');
    expect(await until(() => /waiting for redis master .*(WRONGPASS|NOAUTH|invalid)/i.test(gate.output()))).toBe(true);
    expect(await exitedWithin(gate, 500)).toBe('running');
  });

  it('bounds each attempt while the master is frozen, and passes once it resumes', async () => {
    const port = await freePort();
    const redis = startRedis(port);
    const probe = runGate(port);
    expect(await exitedWithin(probe, 15_000)).toBe(0);

    redis.kill('SIGSTOP');
    const gate = runGate(port);
    // A frozen server accepts the TCP connection but never answers: only the per-attempt
    // bound ends the attempt.
    expect(await until(() => /no answer within 3 s/.test(gate.output()), 10_000)).toBe(true);
    expect(gate.process.exitCode).toBeNull();

    redis.kill('SIGCONT');
    expect(await exitedWithin(gate, 15_000)).toBe(0);
  });
});

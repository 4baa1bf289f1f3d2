// `npm start` across unclean stops, as a user meets them: SIGHUP (a closed terminal) stops the
// stack like Ctrl-C and the next start finds its data; after a SIGKILL of the runtime its
// watchdog stops the children; with the watchdog gone too, the next start stops the children
// left (provably its own) and names, with its PID, a recorded process that is now something
// else; a second runtime on the same data directory is refused.
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { eventually } from '../../functions/test/support/stack.js';
import { freePortsEnv } from '../runtime/free-ports.js';
import { identify, isAlive } from '../runtime/process-identity.js';
import { buildFunctions, root } from './support/runtime-under-test.js';

interface Started {
  child: ChildProcess;
  output: () => string;
  exited: Promise<number | null>;
}

function startRuntime(dataDir: string): Started {
  const child = spawn(process.execPath, ['--import', 'tsx', join(root, 'local', 'runtime', 'main.ts'), '--skip-build'], {
    cwd: root,
    env: {
      ...process.env,
      NO_WEB: '1',
      USE_LOCAL_HOST: '1',
      LOCAL_DATA_DIR: dataDir,
      ...freePortsEnv,
      WORKERS: '1',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return { child, output: () => output, exited };
}

async function ready(started: Started): Promise<string> {
  return eventually(
    () => {
      if (started.child.exitCode !== null) throw new Error(`exited before READY:\n${started.output().slice(-3000)}`);
      const api = /API:\s+(http:\/\/localhost:\d+)\/api/.exec(started.output())?.[1];
      return Promise.resolve(started.output().includes('READY') && api ? api.replace('localhost', '127.0.0.1') : undefined);
    },
    180_000,
    'READY',
  );
}

const recordedChildren = (dataDir: string) =>
  JSON.parse(readFileSync(join(dataDir, 'runtime-children.json'), 'utf8')) as {
    name: string;
    identity: { pid: number; startTime: string | null; commandLine: string };
  }[];

async function computed(apiUrl: string, index: number): Promise<string> {
  return eventually(
    async () => {
      const body = (await (await fetch(`${apiUrl}/api/values/${index}`)).json()) as { status?: string; value?: string };
      return body.status === 'done' ? body.value : undefined;
    },
    60_000,
    `index ${index} computed`,
  );
}

describe('npm start across unclean stops', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'fib-unclean-'));
  const started: Started[] = [];

  beforeAll(() => buildFunctions(), 240_000);

  afterAll(async () => {
    for (const run of started) {
      if (run.child.exitCode === null && run.child.signalCode === null) {
        run.child.kill('SIGTERM');
        await run.exited;
      }
    }
    // Anything a SIGKILLed runtime left that a test did not clean up.
    try {
      for (const { identity } of recordedChildren(dataDir)) if (isAlive(identity.pid)) process.kill(-identity.pid, 'SIGKILL');
    } catch {
      /* nothing recorded */
    }
    rmSync(dataDir, { recursive: true, force: true });
  }, 120_000);

  it('stops everything on SIGHUP, and the next start keeps the data', async () => {
    const first = startRuntime(dataDir);
    started.push(first);
    const apiUrl = await ready(first);
    await fetch(`${apiUrl}/api/values`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ index: 90 }),
    });
    expect(await computed(apiUrl, 90)).toBe('2880067194370816120');
    const children = recordedChildren(dataDir).map((child) => child.identity.pid);
    expect(children.length).toBeGreaterThanOrEqual(5);

    first.child.kill('SIGHUP');
    expect(await first.exited).toBe(0);
    for (const pid of children) expect(isAlive(pid)).toBe(false);
    expect(first.output()).toContain('SIGHUP: stopping');

    const second = startRuntime(dataDir);
    started.push(second);
    const againUrl = await ready(second);
    expect(second.output()).not.toMatch(/left running by an earlier run/);
    // The Redis master's append-only file kept the value across the restart.
    const value = (await (await fetch(`${againUrl}/api/values/90`)).json()) as { status: string };
    expect(value.status).toBe('done');
    second.child.kill('SIGTERM');
    expect(await second.exited).toBe(0);
  }, 400_000);

  it('after a SIGKILL of the runtime its watchdog stops every child', async () => {
    const first = startRuntime(dataDir);
    started.push(first);
    await ready(first);
    const children = recordedChildren(dataDir).map((child) => child.identity.pid);
    first.child.kill('SIGKILL');
    await first.exited;
    await eventually(
      () => Promise.resolve(children.every((pid) => !isAlive(pid)) || undefined),
      30_000,
      'every child of the killed runtime stopped',
    );
  }, 400_000);

  it('when the watchdog is gone too, the next start stops the leftovers, names a foreign PID, and refuses a second runtime', async () => {
    const first = startRuntime(dataDir);
    started.push(first);
    await ready(first);
    const leftovers = recordedChildren(dataDir);
    const lock = JSON.parse(readFileSync(join(dataDir, 'runtime.lock'), 'utf8')) as { watchdogPid: number };
    process.kill(lock.watchdogPid, 'SIGKILL');
    first.child.kill('SIGKILL');
    await first.exited;
    // Nothing stopped Redis and PGlite now: they outlive the runtime until the next start.
    for (const name of ['redis-master', 'redis-replica', 'pglite']) {
      const leftover = leftovers.find((child) => child.name === name);
      expect(leftover && isAlive(leftover.identity.pid)).toBe(true);
    }
    // A PID the record names that is now another process (here: this test's own) is left alone.
    const foreign = identify(process.pid);
    writeFileSync(
      join(dataDir, 'runtime-children.json'),
      JSON.stringify([...leftovers, { name: 'old-worker', identity: { ...foreign, startTime: '1' } }]),
    );

    const second = startRuntime(dataDir);
    started.push(second);
    const apiUrl = await ready(second);
    for (const name of ['redis-master', 'redis-replica', 'pglite']) {
      const pid = leftovers.find((child) => child.name === name)?.identity.pid;
      expect(second.output()).toContain(`stopping ${name} (PID ${pid}), left running by an earlier run`);
    }
    for (const { identity } of leftovers) expect(isAlive(identity.pid)).toBe(false);
    expect(second.output()).toContain(`PID ${process.pid} was old-worker in an earlier run but is now another process`);
    expect((await fetch(`${apiUrl}/api/health`)).status).toBe(200);

    const third = startRuntime(dataDir);
    started.push(third);
    expect(await third.exited).toBe(1);
    expect(third.output()).toContain(`is in use by another local runtime (PID ${second.child.pid}`);
    expect(second.child.exitCode).toBeNull();

    second.child.kill('SIGTERM');
    expect(await second.exited).toBe(0);
  }, 400_000);
});

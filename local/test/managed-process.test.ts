// ManagedProcess against small real child processes: readiness gates start, a process that
// fails to start reports its last lines and the fix, an exit is restarted, and a failing
// liveness probe restarts the process while a 404 turns the probe off.
import { setTimeout as sleep } from 'node:timers/promises';

import { describe, expect, it } from 'vitest';

import { eventually } from '../../functions/test/support/stack.js';
import { ManagedProcess, type ProbeResult, type ProcessSpec, ProcessStartError } from '../runtime/managed-process.js';

function managed(spec: Partial<ProcessSpec> & { script: string }, logs: string[] = []): ManagedProcess {
  return new ManagedProcess(
    {
      name: 'child',
      command: process.execPath,
      args: ['-e', spec.script],
      fix: 'do the fix',
      readyWhenPrinted: 'UP',
      readyTimeoutMs: 10_000,
      terminationGraceMs: 2_000,
      ...spec,
    },
    { log: (message) => logs.push(message), output: (_name, line) => logs.push(`> ${line}`) },
  );
}

const upForever = "console.log('UP'); setInterval(() => undefined, 1000);";

describe('ManagedProcess', () => {
  it('fails to start with the reason, its last lines and the fix, and leaves nothing running', async () => {
    const child = managed({ script: "console.log('reading config'); console.error('bad setting FOO'); process.exit(3);" });
    const error = await child.start().then(
      () => undefined,
      (failure: unknown) => failure,
    );
    expect(error).toBeInstanceOf(ProcessStartError);
    expect((error as Error).message).toMatch(/child exited \(code 3\) before it was ready/);
    expect((error as Error).message).toContain('bad setting FOO');
    expect((error as Error).message).toContain('Fix: do the fix');
    expect(child.pid).toBeUndefined();
  });

  it('restarts a process that exits, and logs the restart', async () => {
    const logs: string[] = [];
    const child = managed({ script: upForever }, logs);
    await child.start();
    const first = child.pid;
    await child.kill('SIGKILL');
    await eventually(() => Promise.resolve(child.isReady() && child.pid !== first ? true : undefined), 10_000, 'restart');
    expect(child.restarts).toBe(1);
    expect(logs).toContain('child exited (SIGKILL); restarting now (restart 1)');
    await child.stop();
    expect(child.pid).toBeUndefined();
  });

  it('waits longer before each further restart (CrashLoopBackOff)', async () => {
    const logs: string[] = [];
    const child = managed({ script: upForever }, logs);
    await child.start();
    await child.kill('SIGKILL');
    await eventually(() => Promise.resolve(child.isReady() && child.restarts === 1 ? true : undefined), 10_000, 'first restart');
    await child.kill('SIGKILL');
    await eventually(() => Promise.resolve(logs.some((line) => line.includes('restarting in 1 s (restart 2)')) || undefined));
    await child.stop();
  });

  it('restarts a process whose liveness probe keeps failing', async () => {
    const logs: string[] = [];
    let answer: ProbeResult = 'ok';
    const child = managed(
      {
        script: upForever,
        liveness: { describe: 'GET /live', check: () => Promise.resolve(answer), periodMs: 50, failureThreshold: 3 },
      },
      logs,
    );
    await child.start();
    const first = child.pid;
    await sleep(200);
    expect(child.pid).toBe(first);
    answer = 'fail';
    await eventually(() => Promise.resolve(child.pid !== undefined && child.pid !== first ? true : undefined), 10_000);
    expect(logs).toContain('child: liveness probe GET /live failed 3 times; restarting it');
    answer = 'ok';
    await child.stop();
  });

  it('turns the liveness probe off when the process does not serve it (404)', async () => {
    const logs: string[] = [];
    let checks = 0;
    const child = managed(
      {
        script: upForever,
        liveness: {
          describe: 'GET /live',
          check: () => {
            checks += 1;
            return Promise.resolve('unsupported');
          },
          periodMs: 20,
        },
      },
      logs,
    );
    await child.start();
    await eventually(() => Promise.resolve(logs.some((line) => line.includes('liveness probe off')) || undefined));
    await sleep(100);
    expect(checks).toBe(1);
    expect(child.restarts).toBe(0);
    await child.stop();
  });
});

// Issue 9 item 5, end to end: a worker whose list trigger runs in strict mode (the Redis
// extension's real poll loop: the first poll that throws ends polling for the life of the
// process) goes through a Redis master outage and stops taking work while staying up. Its
// liveness check (GET /api/worker/live) flags it once the head of `tasks` has waited longer than
// the bound, the local runtime's livenessProbe restarts it as the kubelet would, and every
// submitted index is computed. Without the liveness restart the stalled worker never polls again
// and the indices submitted after the outage are never computed, so this test fails.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { eventually } from '../../functions/test/support/stack.js';
import { buildFunctions, type RuntimeUnderTest, startRuntimeUnderTest } from './support/runtime-under-test.js';

// The stall bound is LEASE_MS + WORKER_POLLING_INTERVAL_MS + 5 s = 7.02 s (live/stall-detector.ts).
// The runtime's worker probe (functions-processes.ts, workerLivenessProbe) starts 5 s after the
// worker is ready, runs every 5 s with a 2 s timeout and restarts after 3 failures in a row; the
// detector starts a head's clock at the first probe that sees it. So a stalled worker is
// restarted some 25 s after the work arrives when the machine is idle; the bounds below allow
// several times that for a busy 2-core machine.
const leaseMs = '2000';
const pollingIntervalMs = '20';
const restartBoundMs = 150_000;

describe('a strict-mode worker stalled by a Redis outage is flagged by its liveness check and restarted', () => {
  let stack: RuntimeUnderTest;
  let nextIndex = 40_000;

  beforeAll(async () => {
    buildFunctions();
    // One pinned worker; the functions' environment turns on the local host's strict trigger
    // (only the workers run the list trigger, so the api is unaffected).
    stack = await startRuntimeUnderTest(
      { WORKERS: '1' },
      { LEASE_MS: leaseMs, WORKER_POLLING_INTERVAL_MS: pollingIntervalMs, LOCAL_HOST_STRICT_TRIGGER: '1' },
    );
  }, 240_000);

  afterAll(async () => {
    await stack?.stop();
  }, 60_000);

  const workerLogs = () => stack.logs.filter((line) => line.startsWith('[worker-1] '));

  /** POSTs each index until it is accepted (a 503 right after the outage is retried). */
  async function submit(count: number): Promise<number[]> {
    const indices = Array.from({ length: count }, () => (nextIndex += 7));
    for (const index of indices) {
      await eventually(
        async () => {
          const response = await fetch(`${stack.runtime.apiUrl}/api/values`, {
            method: 'POST',
            headers: { 'content-type': 'application/json' },
            body: JSON.stringify({ index }),
          });
          await response.arrayBuffer();
          return response.status === 202 ? true : undefined;
        },
        30_000,
        `a 202 for index ${index}`,
      );
    }
    return indices;
  }

  async function computed(indices: number[]): Promise<boolean> {
    for (const index of indices) {
      const response = await fetch(`${stack.runtime.apiUrl}/api/values/${index}`);
      const body = (await response.json()) as { status?: string };
      if (body.status !== 'done') return false;
    }
    return true;
  }

  async function processStatus(name: string): Promise<{ pid: number | null; state: string; restarts: number }> {
    const response = await fetch(`${stack.runtime.runtimeUrl}/processes`);
    const all = (await response.json()) as { name: string; pid: number | null; state: string; restarts: number }[];
    const found = all.find((p) => p.name === name);
    if (!found) throw new Error(`/processes has no ${name}`);
    return found;
  }

  it('restarts the worker after its trigger stops polling, and every submitted index is computed', async () => {
    const worker = await eventually(
      () => Promise.resolve(stack.runtime.processes().find((p) => p.name === 'worker-1' && p.isReady())),
      90_000,
      'worker-1 ready',
    );
    const master = stack.process('redis-master');
    // The worker runs the strict trigger (the host says so when it lists its functions).
    expect(workerLogs().join('\n')).toMatch(/strict: the extension's loop/);

    const before = await submit(10);
    await eventually(async () => ((await computed(before)) ? true : undefined), 60_000, 'the first batch computed');
    const firstPid = worker.pid;
    const restartsBefore = worker.restarts;
    expect(firstPid).toBeDefined();

    // Freeze the master (SIGSTOP) until the worker's LPOP has timed out (StackExchange.Redis's
    // 5 s asyncTimeout) and its strict loop has ended; `tasks` is empty now, so nothing is popped
    // by the LPOP still in the frozen server's socket buffer.
    const masterPid = master.pid;
    await master.kill('SIGSTOP');
    try {
      await eventually(
        () => Promise.resolve(workerLogs().some((line) => /poll threw .*polling has ended/.test(line)) ? true : undefined),
        60_000,
        "the strict trigger's poll to throw",
      );
    } finally {
      await master.kill('SIGCONT');
    }
    // The master was frozen, not restarted; the worker process is still the same and still up.
    expect(master.pid).toBe(masterPid);
    expect(worker.pid).toBe(firstPid);

    // Work submitted after the outage waits in `tasks`: the stalled worker never pops it.
    const after = await submit(10);

    // The liveness check answers 503 (the worker logs why), the runtime's probe counts three
    // failures and restarts the worker; the restart shows in /processes as a new PID.
    await eventually(
      async () => {
        const status = await processStatus('worker-1');
        return status.restarts > restartsBefore && status.state === 'ready' && status.pid !== null && status.pid !== firstPid
          ? true
          : undefined;
      },
      restartBoundMs,
      'the worker restarted by its liveness probe',
    );
    const logs = stack.logs.join('\n');
    expect(logs).toMatch(/\[worker-1\] .*worker-liveness: tasks has held work for \d+ ms .*its list trigger has stopped polling/);
    expect(logs).toMatch(/\[runtime\] worker-1: liveness probe GET \/api\/worker\/live failed 3 times; restarting it/);

    // The new worker polls again: every index, before and after the outage, has its value.
    await eventually(
      async () => ((await computed([...before, ...after])) ? true : undefined),
      120_000,
      'every submitted index computed',
    );
  }, 420_000);
});

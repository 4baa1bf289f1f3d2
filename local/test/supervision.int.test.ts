// Supervision as on Kubernetes, against a real local runtime: SIGKILL a worker, the Redis
// replica and PGlite under a running stack; each comes back (restarted like the kubelet
// restarts a container), the other processes keep running, and every index submitted is computed.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { errorMessage } from '../../functions/src/errors.js';
import { eventually } from '../../functions/test/support/stack.js';
import { buildFunctions, type RuntimeUnderTest, startRuntimeUnderTest } from './support/runtime-under-test.js';

describe('the local runtime restarts a process that dies, and the stack stays up', () => {
  let stack: RuntimeUnderTest;
  let nextIndex = 30_000;

  beforeAll(async () => {
    buildFunctions();
    // One pinned worker; short leases so tasks a killed worker held come back within seconds.
    stack = await startRuntimeUnderTest({ WORKERS: '1' }, { LEASE_MS: '2000', WORKER_POLLING_INTERVAL_MS: '20' });
  }, 240_000);

  afterAll(async () => {
    await stack?.stop();
  }, 60_000);

  /** Rethrows a failed wait with the runtime's last lines, so a failure on CI says what the processes did. */
  async function withRuntimeLines<T>(wait: Promise<T>): Promise<T> {
    try {
      return await wait;
    } catch (error) {
      const lines = stack.logs.slice(-60).join('\n');
      throw new Error(`${errorMessage(error)}\n--- the runtime's last ${Math.min(60, stack.logs.length)} lines ---\n${lines}`, {
        cause: error,
      });
    }
  }

  const pids = () => Object.fromEntries(stack.runtime.processes().map((p) => [p.name, p.pid]));

  async function submit(count: number): Promise<number[]> {
    const indices = Array.from({ length: count }, () => (nextIndex += 7));
    for (const index of indices) {
      const response = await fetch(`${stack.runtime.apiUrl}/api/values`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ index }),
      });
      expect(response.status).toBe(202);
      await response.arrayBuffer();
    }
    return indices;
  }

  async function allComputed(indices: number[]): Promise<void> {
    await withRuntimeLines(
      eventually(
        async () => {
          for (const index of indices) {
            const response = await fetch(`${stack.runtime.apiUrl}/api/values/${index}`);
            const body = (await response.json()) as { status?: string };
            if (body.status !== 'done') return undefined;
          }
          return true;
        },
        60_000,
        `all of ${indices.length} indices computed`,
      ),
    );
  }

  async function killAndWaitUntilBack(name: string): Promise<void> {
    const target = stack.process(name);
    const before = target.pid;
    expect(before).toBeDefined();
    await target.kill('SIGKILL');
    await withRuntimeLines(
      eventually(
        () => Promise.resolve(target.isReady() && target.pid !== undefined && target.pid !== before ? true : undefined),
        60_000,
        `${name} running again`,
      ),
    );
    expect(target.restarts).toBeGreaterThanOrEqual(1);
    expect(stack.logs.join('\n')).toMatch(new RegExp(`\\[runtime\\] ${name} exited \\(SIGKILL\\); restarting`));
  }

  it('restarts a killed worker mid-batch, and every submitted index is computed', async () => {
    const others = pids();
    const indices = await submit(150);
    await killAndWaitUntilBack('worker-1');
    indices.push(...(await submit(20)));
    await allComputed(indices);
    const now = pids();
    for (const name of ['redis-master', 'redis-replica', 'pglite', 'api']) expect(now[name]).toBe(others[name]);
  }, 120_000);

  it('restarts a killed Redis replica, which links to the master again', async () => {
    const others = pids();
    await killAndWaitUntilBack('redis-replica');
    const replica = stack.runtime.redis?.replica;
    expect(replica).toBeDefined();
    const { replicaLinked } = await import('../runtime/redis-pair.js');
    await eventually(async () => ((await replicaLinked(replica?.port ?? 0)) ? true : undefined), 30_000, 'replica link');
    await allComputed(await submit(20));
    const now = pids();
    for (const name of ['redis-master', 'pglite', 'api', 'worker-1']) expect(now[name]).toBe(others[name]);
  }, 120_000);

  it('restarts a killed PGlite with its data, and submissions are accepted again', async () => {
    const before = await submit(5);
    const others = pids();
    await killAndWaitUntilBack('pglite');
    // The API's pool reconnects: a submission may meet a stale connection once, never a lost 202.
    const indices = await eventually(
      async () => {
        const index = (nextIndex += 7);
        const response = await fetch(`${stack.runtime.apiUrl}/api/values`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ index }),
        });
        await response.arrayBuffer();
        return response.status === 202 ? [index] : undefined;
      },
      30_000,
      'a 202 after PGlite restarted',
    );
    indices.push(...(await submit(10)));
    await allComputed([...before, ...indices]);
    // The submissions log survived the restart (PGlite keeps its data directory).
    const all = (await (await fetch(`${stack.runtime.apiUrl}/api/values/all?limit=500`)).json()) as { number: number }[];
    for (const index of before) expect(all.map((row) => row.number)).toContain(index);
    const now = pids();
    for (const name of ['redis-master', 'redis-replica', 'api', 'worker-1']) expect(now[name]).toBe(others[name]);
  }, 120_000);
});

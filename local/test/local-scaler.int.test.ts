// `npm start` (local/runtime/main.ts) with its KEDA-faithful scaler, end to end like KEDA's e2e
// suites: activation 0 -> 1, scale-out 1 -> N on the queue, scale-in N -> 0 after the
// cooldown, with real worker processes stopped gracefully (the stack keeps running); the
// scaler's state is read where the runtime publishes it (GET <runtimeUrl>/scaler).
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { operatorHeaders, readOperatorToken } from '../runtime/operator-token.js';
import { fastScaledObject } from './support/fast-scaled-object.js';
import { buildFunctions, root } from './support/runtime-under-test.js';

describe('npm start runs workers under the local KEDA scaler', () => {
  const directory = mkdtempSync(join(tmpdir(), 'fib-start-'));
  let start: ChildProcess;
  let output = '';
  let apiUrl = '';
  let runtimeUrl = '';

  beforeAll(async () => {
    writeFileSync(join(directory, 'scaledobject.yaml'), fastScaledObject());
    buildFunctions();
    start = spawn(process.execPath, ['--import', 'tsx', join(root, 'local', 'runtime', 'main.ts'), '--skip-build'], {
      cwd: root,
      env: {
        ...process.env,
        NO_WEB: '1',
        LOCAL_DATA_DIR: join(directory, 'data'),
        API_PORT: '0',
        API_METRICS_PORT: '0',
        REDIS_MASTER_PORT: '0',
        REDIS_REPLICA_PORT: '0',
        PGLITE_PORT: '0',
        RUNTIME_PORT: '0',
        // The rules are under test here, not this machine's core count.
        LOCAL_MAX_WORKERS: '4',
        KEDA_SCALEDOBJECT: join(directory, 'scaledobject.yaml'),
        HPA_SYNC_PERIOD_SECONDS: '1',
        // As in keda/: one worker pops one listLength per poll. With the default 1000 a single
        // worker can empty the list before the HPA ever sees it above 100, and nothing scales.
        WORKER_MAX_BATCH_SIZE: '100',
        WORKERS: '',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    start.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
    start.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
    for (let i = 0; i < 1800 && !output.includes('press Ctrl-C'); i += 1) {
      if (start.exitCode !== null) break;
      await sleep(100);
    }
    const match = /API:\s+(http:\/\/localhost:\d+)\/api/.exec(output);
    if (!match?.[1]) throw new Error(`npm start did not become ready: ${output.slice(-3000)}`);
    apiUrl = match[1].replace('localhost', '127.0.0.1');
    runtimeUrl = (JSON.parse(readFileSync(join(directory, 'data', 'runtime.json'), 'utf8')) as { runtimeUrl: string }).runtimeUrl;
  }, 300_000);

  afterAll(async () => {
    if (start && start.exitCode === null) {
      const exited = new Promise((resolve) => start.once('exit', resolve));
      start.kill('SIGTERM');
      await Promise.race([exited, sleep(15_000)]);
    }
    rmSync(directory, { recursive: true, force: true });
  }, 30_000);

  it('goes 0 -> 1 -> N -> 0 on a burst and keeps the stack running', async () => {
    const state = async () =>
      (await (await fetch(`${runtimeUrl}/scaler`)).json()) as { desired: number; running: number; mode: string; cap: number };
    expect(await state()).toMatchObject({ mode: 'keda', desired: 0, running: 0, cap: 4 });

    // A burst of 1,500 distinct, moderately costly indices, sent 50 at a time.
    const indices = Array.from({ length: 1500 }, (_, i) => 150_000 + i * 7);
    for (let i = 0; i < indices.length; i += 50) {
      await Promise.all(
        indices.slice(i, i + 50).map((index) =>
          fetch(`${apiUrl}/api/values`, {
            method: 'POST',
            // The operator credential npm start generated: a burst like this is a load test.
            headers: { 'content-type': 'application/json', ...operatorHeaders(readOperatorToken(join(directory, 'data'))) },
            body: JSON.stringify({ index }),
          }).then((r) => {
            expect(r.status).toBe(202);
            return r.arrayBuffer();
          }),
        ),
      );
    }
    let peak = 0;
    let drained = false;
    // Bounded in time, not in passes: on a busy machine each pass takes longer.
    for (const deadline = Date.now() + 150_000; Date.now() < deadline;) {
      const replicas = (await state()).desired;
      peak = Math.max(peak, replicas);
      const stats = (await (await fetch(`${apiUrl}/api/stats`)).json()) as { pending: number; done: number };
      if (stats.pending === 0 && stats.done >= indices.length) drained = true;
      if (drained && replicas === 0) break;
      await sleep(100);
    }
    expect(drained).toBe(true);
    // Sampling every 100 ms can miss a short peak; the scaler logs every change it makes.
    for (const [, replicas] of output.matchAll(/\[scaler\] workers \d+ -> (\d+)/g)) peak = Math.max(peak, Number(replicas));
    if (peak <= 1)
      console.log(
        output
          .split('\n')
          .filter((l) => l.includes('scaler'))
          .join('\n'),
      );
    expect(peak).toBeGreaterThan(1);
    expect(await state()).toMatchObject({ desired: 0, running: 0 });
    expect(output).toMatch(/\[scaler\] workers 0 -> 1 {2}\(KEDA activated/);
    expect(output).toMatch(/\[scaler\] workers 1 -> [2-4] {2}\(HPA/);
    expect(output).toMatch(/\[scaler\] workers \d -> 0 {2}\(KEDA: every trigger inactive for cooldownPeriod 3 s\)/);
    // Scale-in stopped workers on purpose: none was restarted as if it had crashed.
    expect(output).not.toMatch(/worker-\d+ exited/);
    expect(start.exitCode).toBeNull();
    expect((await fetch(`${apiUrl}/api/health`)).status).toBe(200);
  }, 240_000);
});

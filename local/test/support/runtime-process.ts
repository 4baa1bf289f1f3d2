// `npm start` (local/runtime/main.ts) as a child process on free ports with a ScaledObject of the
// test's own, for the scaling tests (emulated and real engines): started and waited for within a
// bound, its output kept for assertions, stopped with SIGTERM.
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

import { freePortsEnv } from '../../runtime/free-ports.js';
import { buildFunctions, root } from './runtime-under-test.js';

/** What {@link startRuntimeProcess} starts. */
export interface RuntimeProcessOptions {
  /** Names the run in the temporary directory and the error (`npm start`, `npm run cluster`). */
  label: string;
  /** The KEDA ScaledObject YAML the runtime scales from (KEDA_SCALEDOBJECT). */
  scaledObject: string;
  /** More arguments of local/runtime/main.ts (e.g. `--engines real`). */
  args?: string[];
  /** More settings, over the free-port and no-web defaults. */
  env?: Record<string, string>;
  /** How long to wait for the runtime's READY line. */
  readyWithinMs: number;
  /** How long {@link RuntimeProcess.stop} waits for the runtime to exit after SIGTERM. */
  stopGraceMs: number;
}

/** A running local runtime. */
export interface RuntimeProcess {
  child: ChildProcess;
  /** Its data directory (LOCAL_DATA_DIR: runtime.json, operator-token, cluster/kubeconfig). */
  dataDir: string;
  apiUrl: string;
  /** The runtime's status server (GET /scaler). */
  runtimeUrl: string;
  /** Everything it printed so far, stdout and stderr. */
  output(): string;
  /** SIGTERM, waits up to `stopGraceMs`, removes the temporary directory. */
  stop(): Promise<void>;
}

export async function startRuntimeProcess(options: RuntimeProcessOptions): Promise<RuntimeProcess> {
  const directory = mkdtempSync(join(tmpdir(), `fib-${options.label.replace(/\W+/g, '-')}-`));
  const dataDir = join(directory, 'data');
  writeFileSync(join(directory, 'scaledobject.yaml'), options.scaledObject);
  buildFunctions();
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', join(root, 'local', 'runtime', 'main.ts'), '--skip-build', ...(options.args ?? [])],
    {
      cwd: root,
      env: {
        ...process.env,
        ...freePortsEnv,
        NO_WEB: '1',
        LOCAL_DATA_DIR: dataDir,
        // The rules are under test here, not this machine's core count.
        LOCAL_MAX_WORKERS: '4',
        KEDA_SCALEDOBJECT: join(directory, 'scaledobject.yaml'),
        HPA_SYNC_PERIOD_SECONDS: '1',
        // As in keda/: one worker pops one listLength per poll. With the default 1000 a single
        // worker can empty the list before the HPA ever sees it above 100, and nothing scales.
        WORKER_MAX_BATCH_SIZE: '100',
        WORKERS: '',
        ...options.env,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  let output = '';
  child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const stop = async () => {
    if (child.exitCode === null) {
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGTERM');
      await Promise.race([exited, sleep(options.stopGraceMs)]);
    }
    rmSync(directory, { recursive: true, force: true });
  };
  const deadline = Date.now() + options.readyWithinMs;
  while (Date.now() < deadline && !output.includes('press Ctrl-C') && child.exitCode === null) await sleep(100);
  const match = /API:\s+(http:\/\/localhost:\d+)\/api/.exec(output);
  if (!match?.[1]) {
    await stop();
    throw new Error(`${options.label} did not become ready: ${output.slice(-4000)}`);
  }
  const runtimeUrl = (JSON.parse(readFileSync(join(dataDir, 'runtime.json'), 'utf8')) as { runtimeUrl: string }).runtimeUrl;
  return { child, dataDir, apiUrl: match[1].replace('localhost', '127.0.0.1'), runtimeUrl, output: () => output, stop };
}

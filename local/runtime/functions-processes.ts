// The Functions processes of the local runtime, like the two Deployments on AKS: one `api`
// (every HTTP function and the timer) and `worker` processes (the Redis list trigger, plus the
// worker-liveness function its probe calls). Which functions each runs is each registration's
// own `runsOn`, handed over as AzureFunctionsJobHost__functions__N, the variables
// the Functions host reads (the one place they are written).
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';

import { loadConfig } from '../../functions/src/config.js';
import { createFunctionApp } from '../../functions/src/function-app.js';
import { buildRegistrations, type Registration } from '../../functions/src/registrations.js';
import type { LivenessProbe, ProbeResult } from './managed-process.js';

/** The function the worker's liveness probe calls (GET /api/worker/live). */
export const workerLivenessFunction = 'worker-liveness';
export const workerLivenessPath = '/api/worker/live';

/** `AzureFunctionsJobHost__functions__0..N` for `names`: the host runs only these. */
export function functionSelection(names: readonly string[]): Record<string, string> {
  return Object.fromEntries(names.map((name, i) => [`AzureFunctionsJobHost__functions__${i}`, name]));
}

/** The api/worker split of the app's functions, from its registrations. */
export interface FunctionSplit {
  api: string[];
  worker: string[];
  /** Whether this build has the worker-liveness function (else the worker probe is off). */
  workerLiveness: boolean;
}

export function splitFunctions(registrations: readonly Registration[]): FunctionSplit {
  const workerLiveness = registrations.some((r) => r.name === workerLivenessFunction);
  const onWorker = (r: Registration) => r.runsOn === 'worker';
  return {
    api: registrations.filter((r) => !onWorker(r)).map((r) => r.name),
    worker: registrations.filter(onWorker).map((r) => r.name),
    workerLiveness,
  };
}

/** Validates the functions' settings (naming a bad one) and splits the app's functions. */
export function planFunctions(functionsEnv: NodeJS.ProcessEnv): FunctionSplit {
  // Building the registrations opens nothing and starts nothing (no native GMP binding here).
  return splitFunctions(buildRegistrations(createFunctionApp(loadConfig(functionsEnv))));
}

export function onPath(command: string): boolean {
  return spawnSync('sh', ['-c', `command -v ${command}`], { stdio: 'ignore' }).status === 0;
}

/** How a Functions host process is started: `func start`, or the local host built to dist/. */
export interface HostCommand {
  kind: 'func' | 'local';
  command: string;
  args(port: number | undefined, quiet: boolean): string[];
}

/** The local host's entry point in the build (`npm run build` writes it). */
export function localHostEntry(root: string): string {
  return join(root, 'dist', 'local', 'host', 'main.js');
}

/**
 * Whether to run `npm run build` before starting: always, unless `--skip-build` was given
 * (`skip`); with `--skip-build` but no build yet, as on a fresh clone, once anyway (`first`).
 */
export function functionsBuild(root: string, skipBuild: boolean | undefined): 'build' | 'first' | 'skip' {
  if (!skipBuild) return 'build';
  return existsSync(localHostEntry(root)) ? 'skip' : 'first';
}

export function hostCommand(root: string, options: { useLocalHost: boolean; nodeFlags?: readonly string[] }): HostCommand {
  if (!options.useLocalHost && onPath('func')) {
    return { kind: 'func', command: 'func', args: (port) => ['start', '--port', String(port ?? 7071)] };
  }
  const main = localHostEntry(root);
  return {
    kind: 'local',
    command: process.execPath,
    args: (port, quiet) => [
      ...(options.nodeFlags ?? []),
      main,
      ...(port === undefined ? [] : ['--port', String(port)]),
      ...(quiet ? ['--quiet'] : []),
    ],
  };
}

/**
 * GET `url` once: any HTTP answer means the server serves (a 503 from /api/health while a store
 * is down still means the API process is up, as a readiness probe on the port would see it).
 */
export async function httpAnswers(url: string): Promise<boolean> {
  try {
    const response = await fetch(url, { signal: AbortSignal.timeout(2000) });
    await response.arrayBuffer();
    return true;
  } catch {
    return false;
  }
}

/**
 * The worker's livenessProbe (httpGet /api/worker/live, as in k8s/): 200 live, 503 not; a 404
 * means this build has no such function, and the probe is turned off.
 */
export function workerLivenessProbe(port: number): LivenessProbe {
  const url = `http://127.0.0.1:${port}${workerLivenessPath}`;
  return {
    describe: `GET ${workerLivenessPath}`,
    periodMs: 5_000,
    failureThreshold: 3,
    initialDelayMs: 5_000,
    async check(): Promise<ProbeResult> {
      try {
        const response = await fetch(url, { signal: AbortSignal.timeout(2000) });
        await response.arrayBuffer();
        if (response.status === 404) return 'unsupported';
        return response.ok ? 'ok' : 'fail';
      } catch {
        return 'fail';
      }
    },
  };
}

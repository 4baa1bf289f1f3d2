// Command-line options of `npm run loadtest`, parsed and checked once.
import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';

import { readOperatorToken } from '../../local/runtime/operator-token.js';
import { loadRuntimeSettings } from '../../local/runtime/settings.js';
import { type IndexSpec, parseIndexSpec } from './indices.js';

/** Everything one load test run needs. */
export interface LoadTestOptions {
  /** API base URL without `/api`. @defaultValue discovered from `<LOCAL_DATA_DIR>/runtime.json`, else http://127.0.0.1:7071 */
  url: string;
  tasks: number;
  /** Submissions per second. @defaultValue 1000 */
  rate: number;
  indices: IndexSpec;
  /** Sample kubectl (worker Deployment and its HPA) too. */
  kube: boolean;
  kubeNamespace: string | undefined;
  /** Seconds between samples. @defaultValue 1 */
  sampleSeconds: number;
  /** Wait for the worker count to return to 0 after the queue drains. @defaultValue true */
  waitForZero: boolean;
  /** Hard cap on the whole run, seconds. @defaultValue 900 */
  timeoutSeconds: number;
  /** Requests in flight at most. @defaultValue 32 */
  concurrency: number;
  outDir: string;
  /** The local runtime's status server (runtime.json `runtimeUrl`); its GET /scaler gives desired, running and cap. */
  runtimeUrl?: string;
  /** Print the live progress line. @defaultValue true */
  progress: boolean;
  /**
   * Operator credential (not metered by fair use). @defaultValue OPERATOR_TOKEN, else the token
   * npm start generated in `<LOCAL_DATA_DIR>/operator-token`
   */
  operatorToken?: string;
  /**
   * Which scaler the runtime must be on: `real` (npm run cluster: the real KEDA operator and HPA
   * controller) or `emulated` (npm start: local/runtime/scaling-rules.ts); checked on the
   * runtime's GET /scaler before the run. @defaultValue whatever runs (named in the report)
   */
  engines?: 'real' | 'emulated';
}

export const usage = `npm run loadtest -- [options]
  --url URL           API base (default: the API npm start wrote to .local/runtime.json, else http://127.0.0.1:7071)
  --runtime-url URL   the local runtime's status server, for GET /scaler (default: runtimeUrl in .local/runtime.json)
  --tasks N           submissions to send (default 20000; with --duration and no --tasks: rate x duration)
  --rate R            submissions per second (default 1000)
  --duration S        spread the submissions over S seconds (sets the rate when --tasks is given)
  --indices SPEC      "a-b" (distinct random indices in [a, b]; default 10000-200000), "a-b:seq",
                      "a-b:random" (with repeats) or a list "10,100,1000"
  --kube              also sample kubectl get deploy worker / hpa (namespace: --namespace)
  --namespace NS      kubectl namespace (default: kubectl's current)
  --no-wait-zero      stop when the queue is drained instead of waiting for 0 workers
  --timeout S         stop after S seconds in any case (default 900)
  --concurrency C     requests in flight (default 32)
  --out DIR           where the CSV and HTML chart go (default bench/results)
  --engines real|emulated
                      require the scaler the runtime runs: real = npm run cluster (real KEDA operator
                      + HPA controller on a real API server), emulated = npm start (KEDA's rules in
                      TypeScript); every report names the scaler it ran on either way`;

function positive(value: string | undefined, name: string, fallback: number, allowZero = false): number {
  if (value === undefined) return fallback;
  const number = Number(value);
  if (!Number.isFinite(number) || number < 0 || (!allowZero && number === 0))
    throw new Error(`--${name} must be a positive number, got "${value}"`);
  return number;
}

/** A runtime status URL without a trailing slash; a malformed one throws. */
function runtimeUrl(value: string | undefined): string | undefined {
  if (value === undefined) return undefined;
  new URL(value);
  return value.replace(/\/+$/, '');
}

/** The URL `npm start` wrote in its data directory, if its process is still running. */
function discoverLocalRuntime(dataDir: string): { apiUrl: string; runtimeUrl?: string } | undefined {
  const file = join(dataDir, 'runtime.json');
  if (!existsSync(file)) return undefined;
  try {
    const runtime = JSON.parse(readFileSync(file, 'utf8')) as {
      apiUrl?: string;
      runtimeUrl?: string;
      pid?: number;
    };
    if (!runtime.apiUrl || !runtime.pid) return undefined;
    process.kill(runtime.pid, 0); // throws when that npm start is gone
    return { apiUrl: runtime.apiUrl, runtimeUrl: runtime.runtimeUrl };
  } catch {
    return undefined;
  }
}

export function parseLoadTestOptions(argv: string[], root: string, env: NodeJS.ProcessEnv = process.env): LoadTestOptions {
  const { values } = parseArgs({
    args: argv,
    options: {
      url: { type: 'string' },
      'runtime-url': { type: 'string' },
      tasks: { type: 'string' },
      rate: { type: 'string' },
      duration: { type: 'string' },
      indices: { type: 'string' },
      kube: { type: 'boolean', default: false },
      namespace: { type: 'string' },
      'no-wait-zero': { type: 'boolean', default: false },
      timeout: { type: 'string' },
      concurrency: { type: 'string' },
      out: { type: 'string' },
      engines: { type: 'string' },
      help: { type: 'boolean', default: false },
    },
    strict: true,
  });
  if (values.help) throw new Error(usage);
  if (values.engines !== undefined && values.engines !== 'real' && values.engines !== 'emulated')
    throw new Error(`--engines must be "real" or "emulated", got "${values.engines}"`);
  // The local stack's own settings (LOCAL_DATA_DIR, OPERATOR_TOKEN), under npm start's rules.
  const settings = loadRuntimeSettings(env, root);
  const local = values.url ? undefined : discoverLocalRuntime(settings.dataDir);
  const operatorToken = settings.operatorToken ?? readOperatorToken(settings.dataDir);
  const url = (values.url ?? local?.apiUrl ?? 'http://127.0.0.1:7071').replace(/\/+$/, '').replace(/\/api$/, '');
  new URL(url); // throws on a malformed URL
  const duration = values.duration === undefined ? undefined : positive(values.duration, 'duration', 0);
  let rate = positive(values.rate, 'rate', 1000);
  let tasks = Math.floor(positive(values.tasks, 'tasks', 20_000));
  if (duration !== undefined && values.tasks === undefined) tasks = Math.max(1, Math.round(rate * duration));
  else if (duration !== undefined && values.rate === undefined) rate = tasks / duration;
  return {
    url,
    tasks,
    rate,
    indices: parseIndexSpec(values.indices ?? '10000-200000'),
    kube: values.kube ?? false,
    kubeNamespace: values.namespace,
    sampleSeconds: 1,
    waitForZero: !values['no-wait-zero'],
    timeoutSeconds: positive(values.timeout, 'timeout', 900),
    concurrency: Math.floor(positive(values.concurrency, 'concurrency', 32)),
    outDir: resolve(root, values.out ?? join('bench', 'results')),
    runtimeUrl: runtimeUrl(values['runtime-url'] ?? local?.runtimeUrl),
    progress: true,
    operatorToken,
    engines: values.engines,
  };
}

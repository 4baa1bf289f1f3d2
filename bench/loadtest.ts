// `npm run loadtest`: submits tasks through the public API, samples queue and workers every
// second, prints a live line, and writes a CSV and an HTML chart to bench/results/.
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

import { errorMessage } from '../functions/src/errors.js';
import { goalLines, throughputLines } from './loadtest/chart.js';
import { type LoadTestOptions, parseLoadTestOptions, usage } from './loadtest/options.js';
import { runLoadTest } from './loadtest/run-load-test.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');

async function main(): Promise<void> {
  let options;
  try {
    options = parseLoadTestOptions(process.argv.slice(2), root);
  } catch (error) {
    const message = errorMessage(error);
    console.error(message === usage ? usage : `${message}\n\n${usage}`);
    process.exit(message === usage ? 0 : 2);
  }
  try {
    const health = await fetch(`${options.url}/api/health`, { signal: AbortSignal.timeout(3000) });
    if (health.status >= 500) console.error(`warning: ${options.url}/api/health answered ${health.status}`);
  } catch {
    console.error(`No API answers at ${options.url}. Start it with \`npm start\` (or pass --url).`);
    process.exit(1);
  }
  let scaler: string;
  try {
    scaler = await scalerInUse(options);
  } catch (error) {
    console.error((error as Error).message);
    process.exit(1);
  }
  console.error(
    `Load test (${scaler}): ${options.tasks} tasks at ${Math.round(options.rate)}/s against ${options.url}${options.kube ? ' (+ kubectl)' : ''}; Ctrl-C stops it.`,
  );
  const abort = () => process.exit(130);
  process.once('SIGINT', abort);
  const result = await runLoadTest({ ...options, scalerLabel: scaler });
  const s = result.summary;
  const at = (value: number | null) => (value === null ? 'n/a' : `${value} s`);
  console.log(
    [
      `scaler: ${scaler}`,
      `submitted ${s.tasks} in ${s.submitSeconds} s (202: ${s.accepted}, already done: ${s.alreadyDone}, errors: ${s.errors})`,
      `peak queue ${s.peakQueue}, peak workers ${s.peakWorkers} (${s.workerSource}); first worker at ${at(s.firstWorkerAt)}, drained at ${at(s.drainedAt)}, workers back to 0 at ${at(s.zeroAt)}; stopped: ${result.stoppedBy}`,
      ...throughputLines(s),
      'goals:',
      ...goalLines(s).map((line) => `  ${line}`),
      `CSV:   ${result.csvPath}`,
      `chart: ${result.htmlPath}`,
    ].join('\n'),
  );
  if (s.alreadyDone > s.tasks / 2)
    console.log(
      'Most indices were already computed: use another --indices range (or a fresh LOCAL_DATA_DIR) to load the workers.',
    );
}

/** Names the scaler the runtime runs (its GET /scaler `mode`) and enforces --engines. */
async function scalerInUse(options: LoadTestOptions): Promise<string> {
  let mode: string | undefined;
  if (options.runtimeUrl) {
    try {
      const response = await fetch(`${options.runtimeUrl}/scaler`, { signal: AbortSignal.timeout(3000) });
      mode = response.ok ? ((await response.json()) as { mode?: string }).mode : undefined;
    } catch {
      mode = undefined;
    }
  }
  const labels: Record<string, string> = {
    'real-keda': 'real KEDA operator + HPA controller (npm run cluster), local Functions host',
    keda: 'emulated KEDA + HPA rules (local/runtime/scaling-rules.ts), local Functions host',
    fixed: 'fixed worker count (WORKERS), local Functions host',
  };
  if (options.engines === 'real' && mode !== 'real-keda') {
    throw new Error(
      `--engines real: the runtime ${options.runtimeUrl ?? '(none found)'} ${mode ? `runs the ${mode} scaler` : 'does not answer GET /scaler'}. ` +
        'Start the real engines with `npm run cluster` (in another terminal), then run this again.',
    );
  }
  if (options.engines === 'emulated' && mode !== 'keda') {
    throw new Error(
      `--engines emulated: the runtime ${options.runtimeUrl ?? '(none found)'} runs ${mode ?? 'no known'} scaler; start it with \`npm start\`.`,
    );
  }
  return mode ? (labels[mode] ?? mode) : 'scaler unknown (no local runtime status server)';
}

main().catch((error: unknown) => {
  console.error(errorMessage(error));
  process.exit(1);
});

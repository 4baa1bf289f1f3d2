// `npm run loadtest`: submits tasks through the public API, samples queue and workers every
// second, prints a live line, and writes a CSV and an HTML chart to bench/results/.
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

import { errorMessage } from '../functions/src/errors.js';
import { goalLines, throughputLines } from './loadtest/chart.js';
import { parseLoadTestOptions, usage } from './loadtest/options.js';
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
  console.error(
    `Load test: ${options.tasks} tasks at ${Math.round(options.rate)}/s against ${options.url}${options.kube ? ' (+ kubectl)' : ''}; Ctrl-C stops it.`,
  );
  const abort = () => process.exit(130);
  process.once('SIGINT', abort);
  const result = await runLoadTest(options);
  const s = result.summary;
  const at = (value: number | null) => (value === null ? 'n/a' : `${value} s`);
  console.log(
    [
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

main().catch((error: unknown) => {
  console.error(errorMessage(error));
  process.exit(1);
});

// One load test: submit through the public API, sample every second, stop by itself
// (queue drained and, when a replica count is known, workers back to 0), write CSV + chart.
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

import { type RunSummary, summarize, writeReport } from './chart.js';
import { generateIndices } from './indices.js';
import type { LoadTestOptions } from './options.js';
import { type Sample, Sampler, workersOf } from './sampler.js';
import { submitAll, type SubmitCounters } from './submitter.js';

export interface LoadTestResult {
  samples: Sample[];
  summary: RunSummary;
  csvPath: string;
  htmlPath: string;
  stoppedBy: 'idle' | 'drained' | 'timeout';
}

function progressLine(sample: Sample, tasks: number, counters: SubmitCounters): string {
  const n = (value: number | null) => (value === null ? '?' : value.toLocaleString('en-US'));
  const workers = workersOf(sample);
  const desired = sample.workersDesired ?? sample.kubeHpaDesired;
  const cap = sample.workersCap !== null && desired !== null && desired > sample.workersCap ? `, cap ${sample.workersCap}` : '';
  return (
    `t=${Math.round(sample.t)}s sent ${n(counters.submitted)}/${n(tasks)} (202 ${n(counters.accepted)}, err ${counters.errors}) | ` +
    `queue ${n(sample.queueLength)} pending ${n(sample.pending)} done ${n(sample.done)} failed ${n(sample.failed)} | ` +
    `${n(sample.completionsPerSecond)}/s | workers ${n(workers)}${desired !== null && desired !== workers ? ` (desired ${desired}${cap})` : ''}`
  );
}

export async function runLoadTest(
  options: LoadTestOptions & { scalerLabel?: string },
  output: NodeJS.WritableStream = process.stderr,
): Promise<LoadTestResult> {
  const sampler = new Sampler({
    url: options.url,
    kube: options.kube,
    kubeNamespace: options.kubeNamespace,
    runtimeUrl: options.runtimeUrl,
  });
  const indices = generateIndices(options.indices, options.tasks);
  const counters: SubmitCounters = { submitted: 0, accepted: 0, alreadyDone: 0, errors: 0, lastError: undefined };
  const samples: Sample[] = [];
  const tty = 'isTTY' in output && Boolean(output.isTTY);
  const started = performance.now();
  const deadline = started + options.timeoutSeconds * 1000;
  const abort = new AbortController();
  const timeout = setTimeout(() => abort.abort(), options.timeoutSeconds * 1000);
  timeout.unref();

  let submitSeconds: number | undefined;
  const submitting = submitAll({
    url: options.url,
    indices,
    rate: options.rate,
    concurrency: options.concurrency,
    counters,
    operatorToken: options.operatorToken,
    signal: abort.signal,
  }).then(() => {
    submitSeconds = Math.round((performance.now() - started) / 100) / 10;
  });

  let stoppedBy: LoadTestResult['stoppedBy'] = 'timeout';
  let lastPrinted = 0;
  let saidWaiting = false;
  // Bounded: one pass per sample interval until the deadline.
  for (let pass = 0; pass < options.timeoutSeconds / options.sampleSeconds + 2; pass += 1) {
    const tickStart = performance.now();
    const sample = await sampler.sample(counters);
    samples.push(sample);
    if (options.progress) {
      if (tty) output.write(`\r\x1b[K${progressLine(sample, options.tasks, counters)}`);
      else if (sample.t - lastPrinted >= 5 || pass === 0) {
        output.write(`${progressLine(sample, options.tasks, counters)}\n`);
        lastPrinted = sample.t;
      }
    }
    if (submitSeconds !== undefined) {
      const drained = sample.queueLength === 0 && sample.pending === 0;
      const knowsReplicas = sample.workersRunning !== null || sample.workersDesired !== null || sample.kubeReplicas !== null;
      if (drained && (!options.waitForZero || !knowsReplicas)) {
        stoppedBy = 'drained';
        break;
      }
      if (drained && workersOf(sample) === 0) {
        stoppedBy = 'idle';
        break;
      }
      if (drained && !saidWaiting) {
        saidWaiting = true;
        output.write(
          `${tty ? '\n' : ''}queue drained; waiting for the scaler to bring workers back to 0 (KEDA's cooldownPeriod, 120 s by default; --no-wait-zero stops here)\n`,
        );
      }
    }
    if (performance.now() >= deadline) break;
    const wait = options.sampleSeconds * 1000 - (performance.now() - tickStart);
    if (wait > 0) await sleep(wait);
  }
  abort.abort();
  clearTimeout(timeout);
  await submitting;
  if (options.progress && tty) output.write('\n');

  const summary = summarize(samples, {
    tasks: counters.submitted,
    accepted: counters.accepted,
    alreadyDone: counters.alreadyDone,
    errors: counters.errors,
    submitSeconds: submitSeconds ?? Math.round((performance.now() - started) / 100) / 10,
  });
  mkdirSync(options.outDir, { recursive: true });
  const stamp = new Date().toISOString().replace(/[:.]/g, '-');
  const csvPath = join(options.outDir, `loadtest-${stamp}.csv`);
  const htmlPath = join(options.outDir, `loadtest-${stamp}.html`);
  writeReport(
    { csv: csvPath, html: htmlPath },
    samples,
    summary,
    `Load test: ${options.tasks.toLocaleString('en-US')} tasks at ${Math.round(options.rate)}/s (target rate) against ${options.url}${options.scalerLabel ? `; scaler: ${options.scalerLabel}` : ''}`,
  );
  if (counters.lastError) output.write(`last error: ${counters.lastError}\n`);
  return { samples, summary, csvPath, htmlPath, stoppedBy };
}

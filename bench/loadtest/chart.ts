// Writes a load test's samples as CSV and as one self-contained HTML page with an SVG chart
// of queue length (left axis) and workers (right axis) over time.
import { writeFileSync } from 'node:fs';

import { type Sample, workersOf } from './sampler.js';

export const csvColumns = [
  't',
  'time',
  'submitted',
  'accepted',
  'errors',
  'queueLength',
  'pending',
  'done',
  'failed',
  'workersHeartbeat',
  'workersScaler',
  'desired',
  'kubeReplicas',
  'kubeReady',
  'kubeHpaDesired',
] as const satisfies readonly (keyof Sample)[];

export function toCsv(samples: readonly Sample[]): string {
  const lines = [csvColumns.join(',')];
  for (const sample of samples) lines.push(csvColumns.map((column) => sample[column] ?? '').join(','));
  return `${lines.join('\n')}\n`;
}

/** What a run showed, for the chart's caption and the final console lines. */
export interface RunSummary {
  tasks: number;
  accepted: number;
  alreadyDone: number;
  errors: number;
  submitSeconds: number;
  peakQueue: number;
  peakWorkers: number;
  /** First sample with a worker, seconds. */
  firstWorkerAt: number | null;
  /** First sample after submitting ended with an empty queue and nothing pending. */
  drainedAt: number | null;
  /** First sample after the drain with 0 workers. */
  zeroAt: number | null;
  workerSource: 'kubectl' | 'scaler' | 'heartbeats';
}

export function summarize(
  samples: readonly Sample[],
  totals: { tasks: number; accepted: number; alreadyDone: number; errors: number; submitSeconds: number },
): RunSummary {
  const peak = (pick: (s: Sample) => number | null) => samples.reduce((max, s) => Math.max(max, pick(s) ?? 0), 0);
  const drained = samples.find((s) => s.t >= totals.submitSeconds && s.queueLength === 0 && s.pending === 0);
  const zero = drained ? samples.find((s) => s.t >= drained.t && workersOf(s) === 0) : undefined;
  const source = samples.some((s) => s.kubeReplicas !== null)
    ? 'kubectl'
    : samples.some((s) => s.workersScaler !== null)
      ? 'scaler'
      : 'heartbeats';
  return {
    ...totals,
    peakQueue: peak((s) => s.queueLength),
    peakWorkers: peak(workersOf),
    firstWorkerAt: samples.find((s) => (workersOf(s) ?? 0) > 0)?.t ?? null,
    drainedAt: drained?.t ?? null,
    zeroAt: zero?.t ?? null,
    workerSource: source,
  };
}

const escapeHtml = (text: string) =>
  text.replace(/[&<>"]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' })[c] ?? c);

function niceMax(value: number): number {
  if (value <= 0) return 1;
  const magnitude = 10 ** Math.floor(Math.log10(value));
  for (const step of [1, 2, 2.5, 5, 10]) if (step * magnitude >= value) return step * magnitude;
  return 10 * magnitude;
}

/** The SVG chart alone (queue length, pending, workers, desired). */
export function renderSvg(samples: readonly Sample[], options: { submitSeconds?: number } = {}): string {
  const width = 900;
  const height = 360;
  const pad = { left: 70, right: 60, top: 20, bottom: 40 };
  const plotW = width - pad.left - pad.right;
  const plotH = height - pad.top - pad.bottom;
  const tMax = Math.max(1, ...samples.map((s) => s.t));
  const qMax = niceMax(Math.max(...samples.map((s) => Math.max(s.queueLength ?? 0, s.pending ?? 0)), 1));
  const wMax = Math.max(1, ...samples.map((s) => Math.max(workersOf(s) ?? 0, s.desired ?? 0, s.kubeHpaDesired ?? 0)));
  const x = (t: number) => pad.left + (t / tMax) * plotW;
  const yq = (v: number) => pad.top + plotH - (v / qMax) * plotH;
  const yw = (v: number) => pad.top + plotH - (v / wMax) * plotH;
  const line = (pick: (s: Sample) => number | null, y: (v: number) => number, step: boolean) => {
    let d = '';
    let previous: number | null = null;
    for (const s of samples) {
      const v = pick(s);
      if (v === null) continue;
      if (previous === null) d += `M${x(s.t).toFixed(1)},${y(v).toFixed(1)}`;
      else if (step) d += `H${x(s.t).toFixed(1)}V${y(v).toFixed(1)}`;
      else d += `L${x(s.t).toFixed(1)},${y(v).toFixed(1)}`;
      previous = v;
    }
    return d;
  };
  const ticks: string[] = [];
  for (let i = 0; i <= 5; i += 1) {
    const value = (qMax / 5) * i;
    ticks.push(
      `<line x1="${pad.left}" x2="${width - pad.right}" y1="${yq(value)}" y2="${yq(value)}" stroke="#eee"/><text x="${pad.left - 6}" y="${yq(value) + 4}" text-anchor="end">${Math.round(value).toLocaleString('en-US')}</text>`,
    );
  }
  for (let w = 0; w <= wMax; w += Math.max(1, Math.ceil(wMax / 10))) {
    ticks.push(`<text x="${width - pad.right + 6}" y="${yw(w) + 4}" fill="#d9480f">${w}</text>`);
  }
  const tStep = niceMax(tMax / 8);
  for (let t = 0; t <= tMax; t += tStep)
    ticks.push(`<text x="${x(t)}" y="${height - pad.bottom + 16}" text-anchor="middle">${Math.round(t)}</text>`);
  const submitEnd =
    options.submitSeconds !== undefined
      ? `<line x1="${x(options.submitSeconds)}" x2="${x(options.submitSeconds)}" y1="${pad.top}" y2="${pad.top + plotH}" stroke="#999" stroke-dasharray="4 4"/><text x="${x(options.submitSeconds) + 4}" y="${pad.top + 12}" fill="#666">submitting ends</text>`
      : '';
  return `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${width} ${height}" width="${width}" height="${height}" font-family="system-ui, sans-serif" font-size="12" role="img" aria-label="Queue length and workers over time">
<rect width="${width}" height="${height}" fill="#fff"/>
${ticks.join('\n')}
${submitEnd}
<path d="${line((s) => s.pending, yq, false)}" fill="none" stroke="#74c0fc" stroke-width="1.5" stroke-dasharray="3 3"/>
<path d="${line((s) => s.queueLength, yq, false)}" fill="none" stroke="#1971c2" stroke-width="2"/>
<path d="${line((s) => s.desired ?? s.kubeHpaDesired, yw, true)}" fill="none" stroke="#ffa94d" stroke-width="1.5" stroke-dasharray="5 3"/>
<path d="${line(workersOf, yw, true)}" fill="none" stroke="#d9480f" stroke-width="2.5"/>
<line x1="${pad.left}" x2="${pad.left}" y1="${pad.top}" y2="${pad.top + plotH}" stroke="#333"/>
<line x1="${width - pad.right}" x2="${width - pad.right}" y1="${pad.top}" y2="${pad.top + plotH}" stroke="#d9480f"/>
<line x1="${pad.left}" x2="${width - pad.right}" y1="${pad.top + plotH}" y2="${pad.top + plotH}" stroke="#333"/>
<text x="${pad.left + plotW / 2}" y="${height - 6}" text-anchor="middle">seconds</text>
<text transform="translate(14 ${pad.top + plotH / 2}) rotate(-90)" text-anchor="middle" fill="#1971c2">queue length (LLEN tasks) / pending</text>
<text transform="translate(${width - 14} ${pad.top + plotH / 2}) rotate(90)" text-anchor="middle" fill="#d9480f">workers</text>
</svg>`;
}

/** A standalone HTML page: title, summary, legend and the chart; no external resources. */
export function renderHtml(samples: readonly Sample[], summary: RunSummary, title: string): string {
  const seconds = (value: number | null) => (value === null ? 'n/a' : `${value} s`);
  const rows: [string, string][] = [
    [
      'tasks submitted',
      `${summary.tasks.toLocaleString('en-US')} (202: ${summary.accepted.toLocaleString('en-US')}, already done: ${summary.alreadyDone}, errors: ${summary.errors})`,
    ],
    ['submitting took', `${summary.submitSeconds} s`],
    ['peak queue length', summary.peakQueue.toLocaleString('en-US')],
    [`peak workers (${summary.workerSource})`, String(summary.peakWorkers)],
    ['first worker at', seconds(summary.firstWorkerAt)],
    ['queue drained at', seconds(summary.drainedAt)],
    ['workers back to 0 at', seconds(summary.zeroAt)],
  ];
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>${escapeHtml(title)}</title>
<style>body{font-family:system-ui,sans-serif;margin:24px;color:#222}table{border-collapse:collapse;margin:12px 0}td{padding:2px 12px 2px 0}.key span{display:inline-block;width:24px;height:3px;vertical-align:middle;margin:0 6px 0 16px}</style></head>
<body><h1>${escapeHtml(title)}</h1>
<table>${rows.map(([k, v]) => `<tr><td>${escapeHtml(k)}</td><td><b>${escapeHtml(v)}</b></td></tr>`).join('')}</table>
<p class="key"><span style="background:#1971c2"></span>queue length<span style="background:#74c0fc"></span>pending (queued + computing)<span style="background:#d9480f"></span>workers<span style="background:#ffa94d"></span>HPA proposal (ceil(LLEN / listLength))</p>
${renderSvg(samples, { submitSeconds: summary.submitSeconds })}
<p>${samples.length} samples, one per second. Raw data: the CSV next to this file.</p>
</body></html>
`;
}

export function writeReport(
  paths: { csv: string; html: string },
  samples: readonly Sample[],
  summary: RunSummary,
  title: string,
): void {
  writeFileSync(paths.csv, toCsv(samples));
  writeFileSync(paths.html, renderHtml(samples, summary, title));
}

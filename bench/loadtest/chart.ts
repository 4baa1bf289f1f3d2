// Writes a load test's samples as CSV and as one self-contained HTML page with two SVG charts:
// queue length and workers (running, desired, cap), and completions per second (total and per
// running worker), with the drain figures and the issue-11 goals.
import { writeFileSync } from 'node:fs';

import { type Sample, workersOf } from './sampler.js';
import {
  type CapSummary,
  capSummary,
  type DrainFigures,
  drainFigures,
  type Goal,
  loadTestGoals,
  type RateAtWorkers,
  ratesByWorkers,
  verdict,
} from './throughput.js';

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
  'completionsPerSecond',
  'completionsPerWorker',
  'workersHeartbeat',
  'workersDesired',
  'workersRunning',
  'workersCap',
  'capReason',
  'kubeReplicas',
  'kubeReady',
  'kubeHpaDesired',
  'leaseExpired',
  'invocationFailed',
  'givenBack',
  'retried',
] as const satisfies readonly (keyof Sample)[];

const csvField = (value: string | number | boolean | null) => {
  const text = value === null ? '' : String(value);
  return /[",\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
};

export function toCsv(samples: readonly Sample[]): string {
  const lines = [csvColumns.join(',')];
  for (const sample of samples) lines.push(csvColumns.map((column) => csvField(sample[column])).join(','));
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
  drain: DrainFigures;
  /** Completions by running worker count while the queue was backlogged. */
  rates: RateAtWorkers[];
  /** Set when the local runtime ran fewer workers than KEDA's rules asked for. */
  capped: CapSummary | null;
  goals: Goal[];
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
    : samples.some((s) => s.workersRunning !== null || s.workersDesired !== null)
      ? 'scaler'
      : 'heartbeats';
  const drain = drainFigures(samples, totals.submitSeconds, drained?.t ?? null);
  const rates = ratesByWorkers(samples);
  return {
    ...totals,
    peakQueue: peak((s) => s.queueLength),
    peakWorkers: peak(workersOf),
    firstWorkerAt: samples.find((s) => (workersOf(s) ?? 0) > 0)?.t ?? null,
    drainedAt: drained?.t ?? null,
    zeroAt: zero?.t ?? null,
    workerSource: source,
    drain,
    rates,
    capped: capSummary(samples),
    goals: loadTestGoals(drain, rates),
  };
}

/** The summary's throughput lines, for the console and the HTML page. */
export function throughputLines(summary: RunSummary): string[] {
  const { drain } = summary;
  const rate = (value: number | null) => (value === null ? 'n/a' : `${value.toLocaleString('en-US')} tasks/s`);
  const counters = Object.entries(drain.counters)
    .map(([name, value]) => `${name} +${String(value)}`)
    .join(', ');
  return [
    `drain rate: ${rate(drain.afterSubmitRate)} from the last submission to empty (${drain.drainSeconds === null ? 'not drained' : `${drain.drainSeconds} s`}), ${rate(drain.overallRate)} overall`,
    `completions by running workers (queue backlogged): ${
      summary.rates.length === 0
        ? 'n/a'
        : summary.rates.map((r) => `${r.workers} -> ${r.tasksPerSecond}/s (${r.perWorker}/worker, ${r.seconds} s)`).join('; ')
    }`,
    `counters over the run: ${counters}${drain.countersReported ? '' : ' (the API reports no counters: read as 0)'}`,
    ...(summary.capped
      ? [
          `capped: KEDA's rules asked for up to ${summary.capped.peakDesired} workers, at most ${summary.capped.peakRunning} ran (cap ${summary.capped.cap} for ${summary.capped.cappedSeconds} s: ${summary.capped.reason})`,
        ]
      : []),
  ];
}

/** `goal: figure — MET|MISSED|NOT MEASURED`, one per goal. */
export function goalLines(summary: RunSummary): string[] {
  return summary.goals.map((g) => `${g.goal}: ${g.figure} — ${verdict(g.met)}`);
}

const escapeHtml = (text: string) =>
  text.replace(/[&<>"]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' })[c] ?? c);

function niceMax(value: number): number {
  if (value <= 0) return 1;
  const magnitude = 10 ** Math.floor(Math.log10(value));
  for (const step of [1, 2, 2.5, 5, 10]) if (step * magnitude >= value) return step * magnitude;
  return 10 * magnitude;
}

/** One line of a chart. */
interface Series {
  label: string;
  color: string;
  axis: 'left' | 'right';
  pick: (sample: Sample) => number | null;
  /** Draw as steps (counts) instead of straight segments (rates, lengths). */
  step?: boolean;
  dash?: string;
  width?: number;
}

/** A time chart with a left and a right axis (both from 0), one path per series. */
function renderChart(
  samples: readonly Sample[],
  options: {
    series: Series[];
    leftLabel: string;
    rightLabel: string;
    rightColor: string;
    ariaLabel: string;
    submitSeconds?: number;
    /** Right axis counts whole things (workers): integer ticks. */
    rightIntegers?: boolean;
  },
): string {
  const width = 900;
  const height = 320;
  const pad = { left: 70, right: 60, top: 20, bottom: 40 };
  const plotW = width - pad.left - pad.right;
  const plotH = height - pad.top - pad.bottom;
  const tMax = Math.max(1, ...samples.map((s) => s.t));
  const maxOf = (axis: 'left' | 'right') =>
    Math.max(0, ...options.series.filter((l) => l.axis === axis).flatMap((l) => samples.map((s) => l.pick(s) ?? 0)));
  const leftMax = niceMax(maxOf('left'));
  const rightMax = options.rightIntegers ? Math.max(1, Math.ceil(maxOf('right'))) : niceMax(maxOf('right'));
  const x = (t: number) => pad.left + (t / tMax) * plotW;
  const y = (axis: 'left' | 'right') => (v: number) => pad.top + plotH - (v / (axis === 'left' ? leftMax : rightMax)) * plotH;
  const path = (series: Series) => {
    const yOf = y(series.axis);
    let d = '';
    let started = false;
    for (const s of samples) {
      const v = series.pick(s);
      if (v === null) continue;
      if (!started) d += `M${x(s.t).toFixed(1)},${yOf(v).toFixed(1)}`;
      else if (series.step) d += `H${x(s.t).toFixed(1)}V${yOf(v).toFixed(1)}`;
      else d += `L${x(s.t).toFixed(1)},${yOf(v).toFixed(1)}`;
      started = true;
    }
    return `<path d="${d}" fill="none" stroke="${series.color}" stroke-width="${series.width ?? 2}"${series.dash ? ` stroke-dasharray="${series.dash}"` : ''}><title>${escapeHtml(series.label)}</title></path>`;
  };
  const ticks: string[] = [];
  const yl = y('left');
  const yr = y('right');
  for (let i = 0; i <= 5; i += 1) {
    const value = (leftMax / 5) * i;
    ticks.push(
      `<line x1="${pad.left}" x2="${width - pad.right}" y1="${yl(value)}" y2="${yl(value)}" stroke="#eee"/><text x="${pad.left - 6}" y="${yl(value) + 4}" text-anchor="end">${Math.round(value).toLocaleString('en-US')}</text>`,
    );
  }
  if (options.rightIntegers) {
    for (let w = 0; w <= rightMax; w += Math.max(1, Math.ceil(rightMax / 10)))
      ticks.push(`<text x="${width - pad.right + 6}" y="${yr(w) + 4}" fill="${options.rightColor}">${w}</text>`);
  } else {
    for (let i = 0; i <= 5; i += 1) {
      const value = (rightMax / 5) * i;
      ticks.push(
        `<text x="${width - pad.right + 6}" y="${yr(value) + 4}" fill="${options.rightColor}">${Math.round(value).toLocaleString('en-US')}</text>`,
      );
    }
  }
  const tStep = niceMax(tMax / 8);
  for (let t = 0; t <= tMax; t += tStep)
    ticks.push(`<text x="${x(t)}" y="${height - pad.bottom + 16}" text-anchor="middle">${Math.round(t)}</text>`);
  const submitEnd =
    options.submitSeconds !== undefined
      ? `<line x1="${x(options.submitSeconds)}" x2="${x(options.submitSeconds)}" y1="${pad.top}" y2="${pad.top + plotH}" stroke="#999" stroke-dasharray="4 4"/><text x="${x(options.submitSeconds) + 4}" y="${pad.top + 12}" fill="#666">submitting ends</text>`
      : '';
  return `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${width} ${height}" width="${width}" height="${height}" font-family="system-ui, sans-serif" font-size="12" role="img" aria-label="${escapeHtml(options.ariaLabel)}">
<rect width="${width}" height="${height}" fill="#fff"/>
${ticks.join('\n')}
${submitEnd}
${options.series.map(path).join('\n')}
<line x1="${pad.left}" x2="${pad.left}" y1="${pad.top}" y2="${pad.top + plotH}" stroke="#333"/>
<line x1="${width - pad.right}" x2="${width - pad.right}" y1="${pad.top}" y2="${pad.top + plotH}" stroke="${options.rightColor}"/>
<line x1="${pad.left}" x2="${width - pad.right}" y1="${pad.top + plotH}" y2="${pad.top + plotH}" stroke="#333"/>
<text x="${pad.left + plotW / 2}" y="${height - 6}" text-anchor="middle">seconds</text>
<text transform="translate(14 ${pad.top + plotH / 2}) rotate(-90)" text-anchor="middle">${escapeHtml(options.leftLabel)}</text>
<text transform="translate(${width - 14} ${pad.top + plotH / 2}) rotate(90)" text-anchor="middle" fill="${options.rightColor}">${escapeHtml(options.rightLabel)}</text>
</svg>`;
}

/** Colours and names of the lines, shared by the charts and their legends. */
const queueSeries: Series[] = [
  { label: 'pending (queued + computing)', color: '#74c0fc', axis: 'left', pick: (s) => s.pending, dash: '3 3', width: 1.5 },
  { label: 'queue length (LLEN tasks)', color: '#1971c2', axis: 'left', pick: (s) => s.queueLength },
  {
    label: 'workers desired (KEDA/HPA rules)',
    color: '#ffa94d',
    axis: 'right',
    pick: (s) => s.workersDesired ?? s.kubeHpaDesired,
    step: true,
    dash: '5 3',
    width: 1.5,
  },
  {
    label: 'worker cap (machine cores)',
    color: '#868e96',
    axis: 'right',
    pick: (s) => s.workersCap,
    step: true,
    dash: '1 3',
    width: 1.5,
  },
  { label: 'workers running', color: '#d9480f', axis: 'right', pick: workersOf, step: true, width: 2.5 },
];

const rateSeries: Series[] = [
  { label: 'completions per second', color: '#2b8a3e', axis: 'left', pick: (s) => s.completionsPerSecond },
  {
    label: 'completions per second per running worker',
    color: '#ae3ec9',
    axis: 'right',
    pick: (s) => s.completionsPerWorker,
    dash: '4 2',
  },
];

/** The queue chart: queue length and pending (left axis), workers running, desired and cap (right axis). */
export function renderSvg(samples: readonly Sample[], options: { submitSeconds?: number } = {}): string {
  return renderChart(samples, {
    series: queueSeries,
    leftLabel: 'queue length (LLEN tasks) / pending',
    rightLabel: 'workers',
    rightColor: '#d9480f',
    ariaLabel: 'Queue length and workers over time',
    rightIntegers: true,
    ...options,
  });
}

/** The throughput chart: completions per second (left axis) and per running worker (right axis). */
export function renderRateSvg(samples: readonly Sample[], options: { submitSeconds?: number } = {}): string {
  return renderChart(samples, {
    series: rateSeries,
    leftLabel: 'completions per second',
    rightLabel: 'per running worker',
    rightColor: '#ae3ec9',
    ariaLabel: 'Completions per second and per running worker over time',
    ...options,
  });
}

const legend = (series: readonly Series[]) =>
  `<p class="key">${series.map((l) => `<span style="background:${l.color}"></span>${escapeHtml(l.label)}`).join('')}</p>`;

/** A standalone HTML page: title, summary, goals, legends and both charts; no external resources. */
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
  const goals = summary.goals
    .map(
      (g) =>
        `<tr><td>${escapeHtml(g.goal)}</td><td>${escapeHtml(g.figure)}</td><td class="${g.met === null ? 'na' : g.met ? 'met' : 'missed'}">${verdict(g.met)}</td></tr>`,
    )
    .join('');
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>${escapeHtml(title)}</title>
<style>body{font-family:system-ui,sans-serif;margin:24px;color:#222}table{border-collapse:collapse;margin:12px 0}td{padding:2px 12px 2px 0}.key span{display:inline-block;width:24px;height:3px;vertical-align:middle;margin:0 6px 0 16px}.met{color:#2b8a3e;font-weight:bold}.missed{color:#c92a2a;font-weight:bold}.na{color:#868e96}</style></head>
<body><h1>${escapeHtml(title)}</h1>
<table>${rows.map(([k, v]) => `<tr><td>${escapeHtml(k)}</td><td><b>${escapeHtml(v)}</b></td></tr>`).join('')}</table>
<ul>${throughputLines(summary)
    .map((line) => `<li>${escapeHtml(line)}</li>`)
    .join('')}</ul>
<h2>Goals</h2>
<table>${goals}</table>
<h2>Queue and workers</h2>
${legend(queueSeries)}
${summary.capped ? `<p>Workers were capped: KEDA's rules asked for up to ${summary.capped.peakDesired}, the local runtime ran at most ${summary.capped.peakRunning} (cap ${summary.capped.cap}: ${escapeHtml(summary.capped.reason)}). On AKS each worker pod has its own CPU request, so KEDA's count runs there.</p>` : ''}
${renderSvg(samples, { submitSeconds: summary.submitSeconds })}
<h2>Completions</h2>
${legend(rateSeries)}
${renderRateSvg(samples, { submitSeconds: summary.submitSeconds })}
<p>${samples.length} samples, one per second; completions are the change of <code>done</code> in /api/stats between samples. Raw data: the CSV next to this file.</p>
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

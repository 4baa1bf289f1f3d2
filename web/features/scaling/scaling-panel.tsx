// "Scaling": queue length, pending, workers (and locally the scaler's desired count and cap) and
// completions per second over the last few minutes, as charts with a text summary and a table;
// LiveScalingPanel collects the samples from the live state's figures.
'use client';

import { useLiveState } from '../live/live-state';
import { formatFigure, LineChart } from './line-chart';
import { type ScalingSample, scalingWindowMs, useScalingHistory } from './scaling-history';

/** Props of {@link ScalingPanel}. */
export interface ScalingPanelProps {
  samples: readonly ScalingSample[];
  /** @defaultValue scalingWindowMs (5 minutes) */
  windowMs?: number;
}

function peak(values: readonly (number | null)[]): number {
  return Math.max(0, ...values.filter((v): v is number => v !== null));
}

function span(ms: number): string {
  const seconds = Math.round(ms / 1000);
  return seconds < 90 ? `${seconds} s` : `${Math.round(seconds / 60)} min`;
}

/** One row per `stepMs` (the last sample of each step), newest first. */
export function tableRows(samples: readonly ScalingSample[], stepMs = 30_000): ScalingSample[] {
  const end = samples.at(-1)?.time ?? 0;
  const rows = new Map<number, ScalingSample>();
  for (const sample of samples) rows.set(Math.floor((end - sample.time) / stepMs), sample);
  return [...rows.entries()].sort(([a], [b]) => a - b).map(([, sample]) => sample);
}

function Summary({ samples }: { samples: readonly ScalingSample[] }) {
  const last = samples.at(-1);
  const first = samples[0];
  if (!last || !first) return null;
  type Figure = 'queueLength' | 'pending' | 'workers' | 'completionsPerSecond' | 'desired';
  const figure = (label: string, key: Figure) => {
    const now = last[key];
    return `${label} ${now === null ? '–' : formatFigure(now)} now (peak ${formatFigure(peak(samples.map((s) => s[key])))})`;
  };
  const parts = [
    figure('queue length', 'queueLength'),
    figure('pending', 'pending'),
    figure('active workers', 'workers'),
    figure('completions per second', 'completionsPerSecond'),
  ];
  if (last.desired !== null) parts.push(figure('desired by the scaler', 'desired'));
  return (
    <p className="chart-summary" id="scaling-summary">
      Last {span(last.time - first.time)}: {parts.join('; ')}.
    </p>
  );
}

/** The charts span what has been collected, at least a minute, at most `windowMs`. */
export const minChartWindowMs = 60_000;

export function ScalingPanel({ samples, windowMs: maxWindowMs = scalingWindowMs }: ScalingPanelProps) {
  const times = samples.map((s) => s.time);
  const local = samples.some((s) => s.desired !== null);
  const end = samples.at(-1)?.time ?? 0;
  const collected = end - (samples[0]?.time ?? end);
  const windowMs = Math.min(maxWindowMs, Math.max(minChartWindowMs, Math.ceil(collected / minChartWindowMs) * minChartWindowMs));
  return (
    <section className="panel scaling" aria-labelledby="scaling-title">
      <h2 id="scaling-title">Scaling</h2>
      {samples.length < 2 ? (
        <p className="empty">Collecting figures…</p>
      ) : (
        <>
          <Summary samples={samples} />
          <div className="charts" role="group" aria-label="Scaling charts" aria-describedby="scaling-summary">
            <LineChart
              title="Queue"
              times={times}
              windowMs={windowMs}
              series={[
                { label: 'Queue length', values: samples.map((s) => s.queueLength), variant: 'solid' },
                { label: 'Pending', values: samples.map((s) => s.pending), variant: 'dashed' },
              ]}
            />
            <LineChart
              title="Workers"
              times={times}
              windowMs={windowMs}
              series={[
                { label: 'Active workers', values: samples.map((s) => s.workers), variant: 'solid' },
                ...(local
                  ? [
                      { label: 'Desired', values: samples.map((s) => s.desired), variant: 'dashed' as const },
                      { label: 'Core cap', values: samples.map((s) => s.cap), variant: 'dotted' as const },
                    ]
                  : []),
              ]}
            />
            <LineChart
              title="Completions per second"
              times={times}
              windowMs={windowMs}
              series={[{ label: 'Completions/s', values: samples.map((s) => s.completionsPerSecond), variant: 'solid' }]}
            />
            <p className="chart-time" aria-hidden="true">
              <span>{span(windowMs)} ago</span>
              <span>now</span>
            </p>
          </div>
          <details className="chart-table">
            <summary>The figures as a table</summary>
            {/* Scrolls sideways on narrow screens; focusable so a keyboard can scroll it too. */}
            <div className="table-scroll" role="region" aria-label="Scaling figures" tabIndex={0}>
              <table>
                <caption className="visually-hidden">Scaling figures, newest first, one row per 30 seconds</caption>
                <thead>
                  <tr>
                    <th scope="col">Time</th>
                    <th scope="col">Queue</th>
                    <th scope="col">Pending</th>
                    <th scope="col">Workers</th>
                    {local ? <th scope="col">Desired</th> : null}
                    <th scope="col">Done/s</th>
                  </tr>
                </thead>
                <tbody>
                  {tableRows(samples).map((s) => (
                    <tr key={s.time}>
                      <th scope="row">{s.time === end ? 'now' : `−${span(end - s.time)}`}</th>
                      <td>{formatFigure(s.queueLength)}</td>
                      <td>{formatFigure(s.pending)}</td>
                      <td>{formatFigure(s.workers)}</td>
                      {local ? <td>{s.desired === null ? '–' : formatFigure(s.desired)}</td> : null}
                      <td>{s.completionsPerSecond === null ? '–' : formatFigure(s.completionsPerSecond)}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          </details>
        </>
      )}
    </section>
  );
}

/** {@link ScalingPanel} of samples taken from the live state's figures (inside a LiveStateProvider). */
export function LiveScalingPanel() {
  const { stats, scaler } = useLiveState();
  return <ScalingPanel samples={useScalingHistory(stats, scaler)} />;
}

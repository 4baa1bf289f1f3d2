// A small line chart in plain SVG: time on x over a fixed window, one scale on y, each series told
// apart by color and dash pattern; the numbers themselves are in the legend (text, not pixels).
'use client';

/** One line of a {@link LineChart}. */
export interface ChartSeries {
  label: string;
  /** One value per time in `times`; null leaves a gap. */
  values: readonly (number | null)[];
  /** Line style: solid, dashed, dotted (color and pattern both differ). */
  variant: 'solid' | 'dashed' | 'dotted';
}

/** Props of {@link LineChart}. */
export interface LineChartProps {
  title: string;
  times: readonly number[];
  windowMs: number;
  series: readonly ChartSeries[];
  /** Formats a value for the legend and the scale. */
  format?: (value: number) => string;
}

const width = 300;
const height = 72;

export function formatFigure(value: number): string {
  return value >= 100 || Number.isInteger(value)
    ? Math.round(value).toLocaleString('en-US')
    : value.toLocaleString('en-US', { maximumFractionDigits: 1 });
}

/** The smallest of 1, 2, 5 × 10^k at or above `value` (at least 1). */
export function niceMax(value: number): number {
  if (!(value > 1)) return 1;
  const power = 10 ** Math.floor(Math.log10(value));
  for (const step of [1, 2, 5, 10]) if (step * power >= value) return step * power;
  return 10 * power;
}

function segments(times: readonly number[], values: readonly (number | null)[], start: number, windowMs: number, max: number) {
  const lines: string[] = [];
  let current: string[] = [];
  times.forEach((time, i) => {
    const value = values[i];
    if (value === null || value === undefined) {
      if (current.length > 0) lines.push(current.join(' '));
      current = [];
      return;
    }
    const x = ((time - start) / windowMs) * width;
    const y = height - 2 - (value / max) * (height - 4);
    current.push(`${x.toFixed(1)},${y.toFixed(1)}`);
  });
  if (current.length > 0) lines.push(current.join(' '));
  // A single point still shows: draw it as a short flat line.
  return lines.map((points) => (points.includes(' ') ? points : `${points} ${points}`));
}

export function LineChart({ title, times, windowMs, series, format = formatFigure }: LineChartProps) {
  const end = times.at(-1) ?? 0;
  const start = end - windowMs;
  const max = niceMax(Math.max(0, ...series.flatMap((s) => s.values.filter((v): v is number => v !== null))));
  return (
    <figure className="chart">
      <figcaption className="chart-head">
        <span className="chart-title">{title}</span>
        <span className="chart-scale">scale 0–{format(max)}</span>
      </figcaption>
      <svg
        className="chart-plot"
        viewBox={`0 0 ${width} ${height}`}
        preserveAspectRatio="none"
        aria-hidden="true"
        focusable="false"
      >
        <line className="chart-grid" x1="0" x2={width} y1={height / 2} y2={height / 2} vectorEffect="non-scaling-stroke" />
        <line className="chart-axis" x1="0" x2={width} y1={height - 1} y2={height - 1} vectorEffect="non-scaling-stroke" />
        {series.map((s) =>
          segments(times, s.values, start, windowMs, max).map((points, i) => (
            <polyline
              key={`${s.label}-${i}`}
              className={`chart-line chart-line-${s.variant}`}
              points={points}
              vectorEffect="non-scaling-stroke"
            />
          )),
        )}
      </svg>
      <ul className="chart-legend">
        {series.map((s) => {
          const latest = s.values.at(-1);
          return (
            <li key={s.label}>
              <svg className="chart-swatch" viewBox="0 0 24 8" aria-hidden="true" focusable="false">
                <line className={`chart-line chart-line-${s.variant}`} x1="0" x2="24" y1="4" y2="4" />
              </svg>
              {s.label}: <span className="chart-now">{latest === null || latest === undefined ? '–' : format(latest)}</span>
            </li>
          );
        })}
      </ul>
    </figure>
  );
}

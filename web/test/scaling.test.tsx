// The scaling panel: samples from /api/stats (completions per second from deltas of `done`), the
// local scaler's desired count and cap, a chart with a text summary and a table.
import { render, screen, waitFor, within } from '@testing-library/react';
import { http, HttpResponse } from 'msw';
import { describe, expect, it } from 'vitest';

import type { Stats } from '../features/api/api-types';
import { Dashboard } from '../features/dashboard/dashboard';
import { addSample, type ScalingSample } from '../features/scaling/scaling-history';
import { ScalingPanel, tableRows } from '../features/scaling/scaling-panel';
import { sampleScaler, sampleStats } from '../mocks/handlers';
import { server } from '../mocks/node';

const stats = (time: number, done: number, queueLength = 0): Stats => ({ ...sampleStats, time, done, queueLength });

describe('scaling history', () => {
  it('scaling: completions per second come from the change in done between samples', () => {
    let samples: readonly ScalingSample[] = [];
    samples = addSample(samples, stats(1_000, 100), null);
    samples = addSample(samples, stats(2_000, 350), null);
    samples = addSample(samples, stats(4_000, 450), sampleScaler);
    expect(samples.map((s) => s.completionsPerSecond)).toEqual([null, 250, 50]);
    expect(samples.map((s) => s.desired)).toEqual([null, null, 8]);
    expect(samples[2]?.cap).toBe(2);
  });

  it('scaling: ignores a figure that is not newer and drops what left the window', () => {
    let samples: readonly ScalingSample[] = [];
    samples = addSample(samples, stats(1_000, 1), null, 10_000);
    samples = addSample(samples, stats(1_000, 2), null, 10_000);
    expect(samples).toHaveLength(1);
    samples = addSample(samples, stats(12_000, 3), null, 10_000);
    expect(samples.map((s) => s.time)).toEqual([12_000]);
  });

  it('scaling: leaves a gap instead of averaging over a long pause, and never goes negative', () => {
    let samples: readonly ScalingSample[] = [];
    samples = addSample(samples, stats(1_000, 500), null);
    samples = addSample(samples, stats(60_000, 900), null);
    samples = addSample(samples, stats(61_000, 0), null);
    expect(samples.map((s) => s.completionsPerSecond)).toEqual([null, null, 0]);
  });

  it('scaling: the table has one row per 30 s, newest first', () => {
    let samples: readonly ScalingSample[] = [];
    for (let t = 0; t <= 90_000; t += 1_000) samples = addSample(samples, stats(t, t), null);
    expect(tableRows(samples).map((s) => s.time)).toEqual([90_000, 60_000, 30_000, 0]);
  });
});

describe('home: scaling panel', () => {
  it('scaling: describes the chart in text and as a table', () => {
    const samples = [stats(0, 0, 4000), stats(1_000, 3000, 2000), stats(2_000, 5000, 0)].reduce<readonly ScalingSample[]>(
      (all, s) => addSample(all, s, sampleScaler),
      [],
    );
    render(<ScalingPanel samples={samples} />);
    const panel = screen.getByRole('region', { name: 'Scaling' });
    expect(panel).toHaveTextContent(
      'Last 2 s: queue length 0 now (peak 4,000); pending 5 now (peak 5); active workers 2 now (peak 2); completions per second 2,000 now (peak 3,000); desired by the scaler 8 now (peak 8).',
    );
    const charts = within(panel).getByRole('group', { name: 'Scaling charts' });
    expect(charts).toHaveAccessibleDescription(/queue length 0 now \(peak 4,000\)/);
    expect(within(charts).getByText('Core cap:')).toBeInTheDocument();
    const table = within(panel).getByRole('table');
    expect(
      within(table)
        .getAllByRole('columnheader')
        .map((th) => th.textContent),
    ).toEqual(['Time', 'Queue', 'Pending', 'Workers', 'Desired', 'Done/s']);
    expect(within(table).getAllByRole('row')[1]).toHaveTextContent('now05282,000');
  });

  it('scaling: the chart moves while a load runs (new stats move the lines and the figures)', async () => {
    let time = sampleStats.time;
    let done = 0;
    server.use(
      http.get('/api/stats', () => {
        time += 1_000;
        done += 500;
        return HttpResponse.json({ ...sampleStats, time, done, queueLength: done * 2 });
      }),
    );
    render(<Dashboard liveIntervalMs={30} />);
    const panel = screen.getByRole('region', { name: 'Scaling' });
    const line = () => panel.querySelector('.chart-line-solid')?.getAttribute('points') ?? '';
    await waitFor(() => expect(line()).not.toBe(''), { timeout: 5_000 });
    const first = line();
    await waitFor(() => expect(line()).not.toBe(first), { timeout: 5_000 });
    expect(panel).toHaveTextContent(/completions per second 500 now/);
  });

  it('scaling: shows the scaler desired count and core cap when /local/scaler answers', async () => {
    server.use(http.get('/local/scaler', () => HttpResponse.json(sampleScaler)));
    let time = sampleStats.time;
    server.use(http.get('/api/stats', () => HttpResponse.json({ ...sampleStats, time: (time += 1_000) })));
    render(<Dashboard liveIntervalMs={30} scalerIntervalMs={30} />);
    const panel = screen.getByRole('region', { name: 'Scaling' });
    await waitFor(() => expect(panel).toHaveTextContent(/desired by the scaler 8 now/), { timeout: 5_000 });
    expect(within(panel).getByText('Core cap:')).toBeInTheDocument();
  });
});

// The page around the results: API-down banner with retry, system panel, submissions log.
import { render, screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { http, HttpResponse } from 'msw';
import { describe, expect, it } from 'vitest';

import { Dashboard } from '../features/dashboard/dashboard';
import { sampleHealth, sampleScaler, sampleStats, sampleSubmissions } from '../mocks/handlers';
import { server } from '../mocks/node';

function apiDown() {
  server.use(http.get('/api/*', () => HttpResponse.json({ error: 'API unreachable' }, { status: 503 })));
}

describe('home: API failures', () => {
  it('home: shows a banner with Retry when the API is unreachable, not a blank page', async () => {
    apiDown();
    render(<Dashboard />);
    const banner = await screen.findByRole('alert');
    expect(banner).toHaveTextContent('The Fibonacci API is not answering (API unreachable)');
    expect(within(banner).getByRole('button', { name: 'Retry now' })).toBeInTheDocument();
    expect(screen.getByRole('textbox', { name: 'Enter your index' })).toBeInTheDocument();
    const results = screen.getByRole('region', { name: 'Calculated values' });
    expect(await within(results).findByText('Could not load: API unreachable.')).toBeInTheDocument();
  });

  it('home: shows the banner on a network error too', async () => {
    server.use(http.get('/api/*', () => HttpResponse.error()));
    render(<Dashboard />);
    expect(await screen.findByRole('alert')).toHaveTextContent('the API cannot be reached');
  });

  it('home: shows the banner when the API is too slow (the proxy answers 504)', async () => {
    server.use(http.get('/api/*', () => HttpResponse.json({ error: 'API did not answer within 10 s' }, { status: 504 })));
    render(<Dashboard />);
    expect(await screen.findByRole('alert')).toHaveTextContent(
      'The Fibonacci API is not answering (API did not answer within 10 s)',
    );
  });

  it('home: Retry now clears the banner once the API is back', async () => {
    apiDown();
    const user = userEvent.setup();
    // Long intervals: only the Retry click can bring the data back within the test.
    render(<Dashboard liveIntervalMs={60_000} logIntervalMs={60_000} healthIntervalMs={60_000} />);
    const banner = await screen.findByRole('alert');
    server.resetHandlers();
    await user.click(within(banner).getByRole('button', { name: 'Retry now' }));
    await waitFor(() => expect(screen.queryByRole('alert')).not.toBeInTheDocument());
    expect(await screen.findByText('144')).toBeInTheDocument();
  });

  it('home: keeps the last results on screen while the API is down', async () => {
    let down = false;
    server.use(
      http.get('/api/values/recent', () =>
        down
          ? HttpResponse.json({ error: 'API unreachable' }, { status: 503 })
          : HttpResponse.json({
              items: [{ index: 12, status: 'done', value: '144', digits: 3, truncated: false, computedMs: 0 }],
              next: null,
            }),
      ),
    );
    render(<Dashboard liveIntervalMs={30} />);
    expect(await screen.findByText('144')).toBeInTheDocument();
    down = true;
    expect(await screen.findByRole('alert')).toBeInTheDocument();
    expect(screen.getByText('144')).toBeInTheDocument();
  });

  it('home: warns which part is down when /api/health is degraded', async () => {
    server.use(
      http.get('/api/health', () =>
        HttpResponse.json(
          { status: 'degraded', checks: { ...sampleHealth.checks, postgres: { ok: false, ms: 1000 } } },
          { status: 503 },
        ),
      ),
    );
    render(<Dashboard />);
    expect(await screen.findByRole('alert')).toHaveTextContent('Part of the service is down (postgres)');
    const checks = await screen.findByRole('list', { name: 'Health checks' });
    expect(within(checks).getByText(/Postgres: down/)).toBeInTheDocument();
  });
});

describe('home: system panel', () => {
  it('home: shows queue length, pending, done, failed and active workers from /api/stats', async () => {
    server.use(
      http.get('/api/stats', () =>
        HttpResponse.json({
          ...sampleStats,
          queueLength: 1234,
          pending: 1300,
          done: 98765,
          failed: 7,
          workers: { active: 3, heartbeats: [] },
        }),
      ),
    );
    render(<Dashboard />);
    const panel = screen.getByRole('region', { name: 'System' });
    const figure = (label: string) => within(panel).getByText(label).nextElementSibling?.textContent;
    await waitFor(() => expect(figure('Queue length')).toBe('1,234'));
    expect(figure('Pending')).toBe('1,300');
    expect(figure('Done')).toBe('98,765');
    expect(figure('Failed')).toBe('7');
    expect(figure('Active workers')).toBe('3');
  });

  it('home: shows the local scaler (desired, running, cap and why) from /local/scaler, not /api/stats', async () => {
    server.use(http.get('/local/scaler', () => HttpResponse.json(sampleScaler)));
    render(<Dashboard />);
    const line = await screen.findByLabelText('Local scaler');
    expect(line).toHaveTextContent(
      'Local scaler (KEDA rules): 2 running, 8 desired (min 0, max 10); cap 2 — capped (2 CPU cores)',
    );
    expect(line).toHaveTextContent('scale-up policy allows 4');
  });

  it('home: shows no scaler line when /local/scaler answers 404 (AKS), even if /api/stats still has autoscaler', async () => {
    server.use(
      http.get('/api/stats', () =>
        HttpResponse.json({ ...sampleStats, autoscaler: { mode: 'keda', replicas: 4, maxReplicaCount: 10, reason: 'x' } }),
      ),
    );
    render(<Dashboard />);
    await screen.findByText('Queue length');
    await waitFor(() => expect(screen.getByRole('region', { name: 'System' })).toHaveTextContent('Active workers2'));
    expect(screen.queryByLabelText('Local scaler')).not.toBeInTheDocument();
    expect(screen.queryByText(/Autoscaler/)).not.toBeInTheDocument();
  });

  it('home: the figures move while a load test runs', async () => {
    let queueLength = 10;
    server.use(http.get('/api/stats', () => HttpResponse.json({ ...sampleStats, queueLength: (queueLength += 5) })));
    render(<Dashboard liveIntervalMs={30} />);
    const panel = screen.getByRole('region', { name: 'System' });
    const figure = () => Number(within(panel).getByText('Queue length').nextElementSibling?.textContent);
    await waitFor(() => expect(figure()).toBeGreaterThan(0));
    const first = figure();
    await waitFor(() => expect(figure()).toBeGreaterThan(first));
  });
});

describe('home: indexes I have seen', () => {
  it('home: lists each index once per page, with how often it was submitted', async () => {
    server.use(
      http.get('/api/values/all', () =>
        HttpResponse.json([
          { number: 12, id: 9, submittedAt: '2026-11-25T06:02:00.000Z' },
          { number: 7, id: 8, submittedAt: '2026-11-25T06:01:00.000Z' },
          { number: 12, id: 7, submittedAt: '2026-11-25T06:00:00.000Z' },
        ]),
      ),
    );
    render(<Dashboard />);
    const seen = screen.getByRole('region', { name: 'Indexes I have seen' });
    const list = await within(seen).findByRole('list', { name: 'Indexes I have seen' });
    expect(
      within(list)
        .getAllByRole('listitem')
        .map((item) => item.textContent),
    ).toEqual(['12 ×2', '7']);
  });

  it('home: lists the submissions log and pages with X-Next-Before', async () => {
    server.use(
      http.get('/api/values/all', ({ request }) => {
        const before = new URL(request.url).searchParams.get('before');
        return before === '4'
          ? HttpResponse.json([{ number: 5, id: 3, submittedAt: '2026-11-25T05:59:00.000Z' }])
          : HttpResponse.json(sampleSubmissions, { headers: { 'X-Next-Before': '4' } });
      }),
    );
    const user = userEvent.setup();
    render(<Dashboard />);
    const seen = screen.getByRole('region', { name: 'Indexes I have seen' });
    const list = await within(seen).findByRole('list', { name: 'Indexes I have seen' });
    expect(
      within(list)
        .getAllByRole('listitem')
        .map((item) => item.textContent),
    ).toEqual(['100000', '12']);
    await user.click(within(seen).getByRole('button', { name: 'Older →' }));
    await waitFor(() =>
      expect(
        within(within(seen).getByRole('list'))
          .getAllByRole('listitem')
          .map((item) => item.textContent),
      ).toEqual(['5']),
    );
    expect(within(seen).getByText('Page 2')).toBeInTheDocument();
  });
});

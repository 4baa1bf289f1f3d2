// The page's live updates: values and figures pushed on /api/events (no poll while the stream is
// healthy), reconnecting with Last-Event-ID, and polling when the stream is unavailable or stalls.
import { render, screen, waitFor, within } from '@testing-library/react';
import { http, HttpResponse, sse } from 'msw';
import { describe, expect, it } from 'vitest';

import type { RecentValue, RedisTopology, Stats } from '../features/api/api-types';
import { Dashboard } from '../features/dashboard/dashboard';
import { sampleRecent, sampleStats } from '../mocks/handlers';
import { server } from '../mocks/node';

type Events = { value: RecentValue; stats: Stats; topology: RedisTopology };

/** Counts the requests to `path` and answers them with `answer`. */
function counted(path: string, answer: () => Response) {
  const calls = { count: 0 };
  server.use(
    http.get(path, () => {
      calls.count += 1;
      return answer();
    }),
  );
  return calls;
}

/** An /api/events mock: what each connection sent as Last-Event-ID, and a handle on the latest one. */
function eventStream() {
  const stream = {
    lastEventIds: [] as (string | null)[],
    send: (_message: { id?: string; event: keyof Events; data: Events[keyof Events] }) => undefined as void,
    close: () => undefined as void,
  };
  server.use(
    sse<Events>('/api/events', ({ client, request }) => {
      stream.lastEventIds.push(request.headers.get('last-event-id') ?? new URL(request.url).searchParams.get('lastEventId'));
      stream.send = (message) => client.send(message as never);
      stream.close = () => client.close();
      client.send({ retry: 20 });
      client.send({ event: 'stats', data: sampleStats });
    }),
  );
  return stream;
}

const queued = (index: number): RecentValue => ({
  index,
  status: 'queued',
  value: null,
  digits: null,
  truncated: false,
  computedMs: null,
});
const done = (index: number, value: string): RecentValue => ({
  index,
  status: 'done',
  value,
  digits: value.length,
  truncated: false,
  computedMs: 0.01,
});

function systemFigure(label: string) {
  const panel = screen.getByRole('region', { name: 'System' });
  return within(panel).getByText(label).nextElementSibling?.textContent;
}

describe('home: live stream', () => {
  it('home: a value pushed on the stream appears without a poll, and polling stops while the stream is healthy', async () => {
    const recentCalls = counted('/api/values/recent', () => HttpResponse.json({ items: sampleRecent, next: null }));
    const statsCalls = counted('/api/stats', () => HttpResponse.json(sampleStats));
    const stream = eventStream();
    // Would poll every 20 ms if polling went on (and no stale-stream check on a loaded machine).
    render(<Dashboard liveIntervalMs={20} logIntervalMs={20} topologyIntervalMs={20} streamStaleAfterMs={60_000} />);
    await screen.findByText('Updates: pushed by the server (live stream)');
    await screen.findByText('144');
    // One more event, so a poll that was already on its way when the stream opened is counted.
    stream.send({ event: 'stats', data: { ...sampleStats, queueLength: 100, time: sampleStats.time + 100 } });
    await waitFor(() => expect(systemFigure('Queue length')).toBe('100'));
    const [recentBefore, statsBefore] = [recentCalls.count, statsCalls.count];

    // Index 21 is in no polled page: only the stream can bring it.
    stream.send({ id: '1-0', event: 'value', data: queued(21) });
    stream.send({ id: '2-0', event: 'value', data: done(21, '10946') });
    const results = screen.getByRole('list', { name: 'Calculated values' });
    const first = await waitFor(() => {
      const item = within(results).getAllByRole('listitem')[0];
      expect(item).toHaveTextContent('F(21)');
      return item;
    });
    await within(first!).findByText('10946');

    for (let queueLength = 101; queueLength <= 110; queueLength += 1) {
      stream.send({ event: 'stats', data: { ...sampleStats, queueLength, time: sampleStats.time + queueLength } });
      await waitFor(() => expect(systemFigure('Queue length')).toBe(String(queueLength)));
    }
    expect(recentCalls.count).toBe(recentBefore);
    expect(statsCalls.count).toBe(statsBefore);
    // Eleven round trips through msw and React: slow on a loaded machine, so a longer bound.
  }, 20_000);

  it('home: reconnects after the stream drops and resumes with Last-Event-ID', async () => {
    const stream = eventStream();
    render(<Dashboard streamStaleAfterMs={60_000} />);
    await screen.findByText('Updates: pushed by the server (live stream)');
    stream.send({ id: '7-0', event: 'value', data: queued(30) });
    await screen.findByText('F(30)');
    stream.close();
    await waitFor(() => expect(stream.lastEventIds).toHaveLength(2));
    expect(stream.lastEventIds).toEqual([null, '7-0']);
    stream.send({ id: '8-0', event: 'value', data: done(30, '832040') });
    expect(await screen.findByText('832040')).toBeInTheDocument();
  });

  it('home: polls every second instead when the stream is unavailable, and says so', async () => {
    let queueLength = 10;
    server.use(http.get('/api/stats', () => HttpResponse.json({ ...sampleStats, queueLength: (queueLength += 5) })));
    render(<Dashboard liveIntervalMs={30} streamRetryMs={20} />);
    expect(await screen.findByText('Updates: polled every second (live stream unavailable)')).toBeInTheDocument();
    await waitFor(() => expect(Number(systemFigure('Queue length'))).toBeGreaterThan(0));
    const seen = Number(systemFigure('Queue length'));
    await waitFor(() => expect(Number(systemFigure('Queue length'))).toBeGreaterThan(seen));
  });

  it('home: goes back to polling when an open stream stops sending events', async () => {
    const recentCalls = counted('/api/values/recent', () => HttpResponse.json({ items: sampleRecent, next: null }));
    eventStream();
    render(<Dashboard liveIntervalMs={20} streamStaleAfterMs={300} streamRetryMs={60_000} />);
    await screen.findByText('Updates: pushed by the server (live stream)');
    const before = recentCalls.count;
    // Only the first stats event comes; after 300 ms of silence the page polls again.
    await waitFor(() => expect(recentCalls.count).toBeGreaterThan(before + 2), { timeout: 3_000 });
    expect(screen.queryByText('Updates: pushed by the server (live stream)')).not.toBeInTheDocument();
  });
});

// Fixed API answers for browser tests that must not depend on live data (accessibility, README
// screenshots): every status, a master and a replica (one resyncing), a scaler, a busy queue.
import { createServer, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

import type { Page, Route } from 'playwright-core';

import type { RecentValue, RedisTopology, Stats } from '../../features/api/api-types';
import type { ScalerState } from '../../features/scaling/scaler-state';

export const stubRecent: RecentValue[] = [
  {
    index: 100000,
    status: 'done',
    value: '25974069347221724166…49895374653428746875 (20899 digits)',
    digits: 20899,
    truncated: true,
    computedMs: 2.4,
  },
  { index: 12, status: 'done', value: '144', digits: 3, truncated: false, computedMs: 0.01 },
  { index: 40, status: 'computing', value: null, digits: null, truncated: false, computedMs: null },
  { index: 9, status: 'queued', value: null, digits: null, truncated: false, computedMs: null },
  { index: 77, status: 'failed', value: null, digits: null, truncated: false, computedMs: null },
];

export function stubTopology(time: number, replica: 'up' | 'sync' | 'down' = 'sync'): RedisTopology {
  return {
    nodes: [
      {
        name: 'redis-0',
        role: 'master',
        up: true,
        link: null,
        offset: 1_048_576,
        lagBytes: null,
        servesReads: false,
        downSince: null,
      },
      {
        name: 'redis-1',
        role: 'replica',
        up: replica !== 'down',
        link: replica === 'down' ? null : replica,
        offset: replica === 'down' ? null : 1_040_000,
        lagBytes: replica === 'down' ? null : 8_576,
        servesReads: replica !== 'down',
        downSince: replica === 'down' ? time - 12_000 : null,
      },
    ],
    readsFrom: replica === 'down' ? 'redis-0' : 'redis-1',
    time,
  };
}

/** Stats that rise and fall over a minute, so the scaling charts have a shape. */
export function stubStats(time: number, startedAt: number): Stats {
  const phase = ((time - startedAt) / 1000) % 60;
  const queueLength = Math.round(Math.max(0, Math.sin((phase / 60) * Math.PI)) * 8000);
  const workers = Math.min(4, Math.ceil(queueLength / 1000));
  return {
    queueLength,
    queued: queueLength,
    computing: workers * 50,
    pending: queueLength + workers * 50,
    done: Math.round(((time - startedAt) / 1000) * 2400),
    failed: 1,
    workers: { active: workers, heartbeats: [] },
    maxIndex: 1_000_000,
    time,
  } as Partial<Stats> as Stats;
}

export function stubScaler(stats: Stats): ScalerState {
  const desired = Math.min(10, Math.ceil(stats.queueLength / 1000));
  return {
    mode: 'keda',
    desired,
    running: Math.min(desired, 2),
    cap: 2,
    capReason: '2 CPU cores',
    queueLength: stats.queueLength,
    active: stats.queueLength > 0,
    reason: `HPA: ceil(${stats.queueLength} / 1000) = ${desired}`,
    minReplicaCount: 0,
    maxReplicaCount: 10,
    listLength: 1000,
    proposal: desired,
    activationListLength: 0,
    pollingInterval: 1,
    cooldownPeriod: 120,
    hpaSyncPeriod: 15,
    lastActiveTime: null,
    updatedAt: stats.time,
  };
}

/** A local server of `/api/events` that sends `stats` every second and `topology` every two. */
export interface StubEventServer {
  url: string;
  /** Sends a `value` event (with the next id) to every open stream. */
  pushValue: (value: RecentValue) => void;
  /** The Last-Event-ID (header or query) each connection came with. */
  lastEventIds: (string | null)[];
  /** Ends every open stream (the browser then reconnects). */
  dropStreams: () => Promise<void>;
  close: () => Promise<void>;
}

export async function startStubEvents(startedAt: number): Promise<StubEventServer> {
  const timers = new Set<ReturnType<typeof setInterval>>();
  const streams = new Set<ServerResponse>();
  const lastEventIds: (string | null)[] = [];
  let nextId = 1;
  const server = createServer((request, response) => {
    const header = request.headers['last-event-id'];
    lastEventIds.push(
      (typeof header === 'string' ? header : null) ?? new URL(request.url ?? '/', 'http://x').searchParams.get('lastEventId'),
    );
    streams.add(response);
    response.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-store' });
    response.write('retry: 2000\n\n');
    let tick = 0;
    const send = () => {
      const now = Date.now();
      response.write(`event: stats\ndata: ${JSON.stringify(stubStats(now, startedAt))}\n\n`);
      if (tick++ % 2 === 0) response.write(`event: topology\ndata: ${JSON.stringify(stubTopology(now))}\n\n`);
    };
    send();
    const timer = setInterval(send, 1_000);
    timers.add(timer);
    request.on('close', () => {
      clearInterval(timer);
      timers.delete(timer);
      streams.delete(response);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/api/events`,
    lastEventIds,
    pushValue: (value) => {
      const id = `${Date.now()}-${nextId++}`;
      for (const stream of streams) stream.write(`event: value\nid: ${id}\ndata: ${JSON.stringify(value)}\n\n`);
    },
    dropStreams: async () => {
      for (const stream of streams) stream.end();
      await new Promise((resolve) => setImmediate(resolve));
    },
    close: async () => {
      for (const timer of timers) clearInterval(timer);
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}

/** Options of {@link stubApi}. */
export interface StubApiOptions {
  /** `/api/events` answers 503 (the page then polls) instead of a short event stream. @defaultValue false */
  noStream?: boolean;
  /** A {@link startStubEvents} server that `/api/events` is sent to (a stream that stays open). */
  events?: StubEventServer;
  /** Start of the stubbed figures' one-minute wave (the event server's too). @defaultValue 40 s ago */
  startedAt?: number;
  /** Called for each accepted `POST /api/values` (answered 202 queued). */
  onSubmit?: (index: number) => void;
  /** The items of `GET /api/values/recent` (first page), read at each request. @defaultValue {@link stubRecent} */
  recent?: () => RecentValue[];
  /** While it returns true, every /api request fails as if the API were gone (connection refused). */
  down?: () => boolean;
}

/** Answers /api/* and /local/scaler in the browser (page.route), never reaching a server. */
export async function stubApi(page: Page, options: StubApiOptions = {}): Promise<void> {
  const startedAt = options.startedAt ?? Date.now() - 40_000;
  const json = (route: Route, body: unknown, headers: Record<string, string> = {}) =>
    route.fulfill({
      status: 200,
      contentType: 'application/json',
      headers: { 'x-served-by': 'redis-1', ...headers },
      body: JSON.stringify(body),
    });
  await page.route('**/api/**', (route) => {
    if (options.down?.()) return route.abort('connectionrefused');
    const url = new URL(route.request().url());
    const now = Date.now();
    if (route.request().method() === 'POST' && url.pathname === '/api/values') {
      const { index } = route.request().postDataJSON() as { index: number };
      options.onSubmit?.(index);
      return route.fulfill({
        status: 202,
        contentType: 'application/json',
        body: JSON.stringify({ working: true, index, status: 'queued' }),
      });
    }
    switch (url.pathname) {
      case '/api/stats':
        return json(route, stubStats(now, startedAt));
      case '/api/health':
        return json(route, {
          status: 'ok',
          checks: { redisMaster: { ok: true, ms: 1 }, redisReplica: { ok: true, ms: 1 }, postgres: { ok: true, ms: 2 } },
        });
      case '/api/values/recent':
        return json(route, { items: options.recent?.() ?? stubRecent, next: '3' });
      case '/api/values/all':
        return json(
          route,
          [100000, 12, 40, 9, 77].map((number, i) => ({
            number,
            id: 10 - i,
            submittedAt: new Date(now - i * 1000).toISOString(),
          })),
        );
      case '/api/topology':
        return json(route, stubTopology(now));
      case '/api/events':
        if (options.events) return route.continue({ url: options.events.url });
        if (options.noStream)
          return route.fulfill({ status: 503, contentType: 'application/json', body: '{"error":"API unreachable"}' });
        // One burst of events, then the browser reconnects after `retry`.
        return route.fulfill({
          status: 200,
          contentType: 'text/event-stream',
          body: [
            'retry: 2000',
            '',
            'event: topology',
            `data: ${JSON.stringify(stubTopology(now))}`,
            '',
            'event: stats',
            `data: ${JSON.stringify(stubStats(now, startedAt))}`,
            '',
            '',
          ].join('\n'),
        });
      default:
        return route.fulfill({ status: 404, contentType: 'application/json', body: '{"error":"not found"}' });
    }
  });
  await page.route('**/local/scaler', (route) =>
    route.fulfill({
      status: 200,
      contentType: 'application/json',
      body: JSON.stringify(stubScaler(stubStats(Date.now(), startedAt))),
    }),
  );
}

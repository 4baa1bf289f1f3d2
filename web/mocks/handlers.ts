// Default msw handlers: a healthy API with a few results; tests override them with server.use().
import { http, HttpResponse } from 'msw';

import type { HealthReport, RecentValue, RecentValuesPage, RedisTopology, Stats, Submission } from '../features/api/api-types';
import type { ScalerState } from '../features/scaling/scaler-state';

/** 100000's preview as the API sends it in lists. */
export const bigPreview = '25974069347221724166…49895374653428746875 (20899 digits)';

export const sampleRecent: RecentValue[] = [
  { index: 100000, status: 'done', value: bigPreview, digits: 20899, truncated: true, computedMs: 2.4 },
  { index: 12, status: 'done', value: '144', digits: 3, truncated: false, computedMs: 0.01 },
  { index: 40, status: 'computing', value: null, digits: null, truncated: false, computedMs: null },
  { index: 9, status: 'queued', value: null, digits: null, truncated: false, computedMs: null },
  { index: 77, status: 'failed', value: null, digits: null, truncated: false, computedMs: null },
];

export const sampleStats: Stats = {
  queueLength: 3,
  queued: 4,
  computing: 1,
  pending: 5,
  done: 10,
  failed: 1,
  workers: { active: 2, heartbeats: [] },
  counters: { leaseExpired: 0, invocationFailed: 0, givenBack: 0, retried: 0 },
  maxIndex: 1_000_000,
  time: 1_764_050_000_000,
};

export const sampleTopology: RedisTopology = {
  nodes: [
    { name: 'master', role: 'master', up: true, link: null, offset: 5000, lagBytes: null, servesReads: false, downSince: null },
    { name: 'replica', role: 'replica', up: true, link: 'up', offset: 4990, lagBytes: 10, servesReads: true, downSince: null },
  ],
  readsFrom: 'replica',
  time: 1_764_050_000_000,
};

export const sampleScaler: ScalerState = {
  mode: 'keda',
  desired: 8,
  running: 2,
  cap: 2,
  capReason: '2 CPU cores',
  queueLength: 7500,
  active: true,
  reason: 'HPA: ceil(7500 / 1000) = 8, scale-up policy allows 4',
  minReplicaCount: 0,
  maxReplicaCount: 10,
  listLength: 1000,
  proposal: 8,
  activationListLength: 0,
  pollingInterval: 1,
  cooldownPeriod: 120,
  hpaSyncPeriod: 15,
  lastActiveTime: null,
  updatedAt: 1_764_050_000_000,
};

export const sampleHealth: HealthReport = {
  status: 'ok',
  checks: { redisMaster: { ok: true, ms: 1 }, redisReplica: { ok: true, ms: 1 }, postgres: { ok: true, ms: 2 } },
  readsFrom: 'replica',
};

export const sampleSubmissions: Submission[] = [
  { number: 100000, id: 5, submittedAt: '2026-11-25T06:00:05.000Z' },
  { number: 12, id: 4, submittedAt: '2026-11-25T06:00:04.000Z' },
];

export const handlers = [
  http.get('/api/stats', () => HttpResponse.json(sampleStats)),
  http.get('/api/health', () => HttpResponse.json(sampleHealth)),
  http.get('/api/values/recent', () =>
    HttpResponse.json<RecentValuesPage>({ items: sampleRecent, next: null }, { headers: { 'x-served-by': 'replica' } }),
  ),
  // No stream by default (the page polls); tests that use it install an sse() handler.
  http.get('/api/events', () => HttpResponse.json({ error: 'not found' }, { status: 404 })),
  http.get('/api/topology', () => HttpResponse.json(sampleTopology)),
  // No local runtime by default (as on AKS).
  http.get('/local/scaler', () => HttpResponse.json({ error: 'no local runtime here' }, { status: 404 })),
  http.get('/api/values/all', () => HttpResponse.json(sampleSubmissions)),
  http.post('/api/values', async ({ request }) => {
    const body = (await request.json()) as { index: number };
    return HttpResponse.json({ working: true, index: body.index, status: 'queued' }, { status: 202 });
  }),
];

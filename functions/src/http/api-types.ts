// The API's JSON answers: one definition for the handlers and the web UI (web/ imports these
// types as @shared/api-types), so the two cannot drift apart.

/** Where an index is in its life. */
export type IndexStatus = 'queued' | 'computing' | 'done' | 'failed';

/** `POST /api/values` (202). The workshop's client reads only `working`. */
export interface SubmitAnswer {
  working: true;
  index: number;
  status: 'queued' | 'done';
}

/** One row of `GET /api/values/recent`. */
export interface RecentValue {
  index: number;
  status: IndexStatus;
  /** The value, or for huge values "head…tail (N digits)"; null until done. */
  value: string | null;
  digits: number | null;
  truncated: boolean;
  computedMs: number | null;
}

/** `GET /api/values/recent`: a newest-first page and the cursor of the next one. */
export interface RecentValuesPage {
  items: RecentValue[];
  next: string | null;
}

/** `GET /api/values/{index}`: everything about one index, with its full value. */
export interface ValueDetail {
  index: number;
  status: IndexStatus;
  value: string | null;
  digits: number | null;
  computedMs: number | null;
  /** Deliveries lost so far (leases that expired). */
  attempts: number;
}

/** One row of `GET /api/values/all`: the workshop's `{ number }` plus its cursor and time. */
export interface Submission {
  number: number;
  id: number;
  submittedAt: string;
}

/** What the local KEDA-rules autoscaler of `npm start` publishes (local/autoscaler.mjs). */
export interface AutoscalerState {
  mode: string;
  replicas: number;
  running: number;
  proposal: number;
  active: boolean;
  queueLength: number;
  reason: string;
  minReplicaCount: number;
  maxReplicaCount: number;
  listLength: number;
  updatedAt: number;
}

/** Queue and worker figures. */
export interface QueueStats {
  queueLength: number;
  queued: number;
  computing: number;
  pending: number;
  done: number;
  failed: number;
  workers: { active: number; heartbeats: { id: string; lastSeen: number; processed: number }[] };
  /** The local autoscaler's state; null when none runs (on AKS, KEDA and kubectl tell). */
  autoscaler: AutoscalerState | null;
}

/** `GET /api/stats`: the figures plus the MAX_INDEX limit and the server's time. */
export interface Stats extends QueueStats {
  maxIndex: number;
  time: number;
}

/** One dependency's answer in `GET /api/health`. */
export interface HealthCheck {
  ok: boolean;
  ms: number;
  error?: string;
}

/** `GET /api/health` (200 when `ok`, else 503). */
export interface HealthReport {
  status: 'ok' | 'degraded';
  checks: { redisMaster: HealthCheck; redisReplica: HealthCheck; postgres: HealthCheck };
}

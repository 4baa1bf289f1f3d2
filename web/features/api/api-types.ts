// Shapes of the API's JSON answers (../shared/DESIGN.md), as the UI reads them.

/** Where an index is in its life. */
export type IndexStatus = 'queued' | 'computing' | 'done' | 'failed';

/** One row of `GET /api/values/recent`. */
export interface RecentValue {
  index: number;
  status: IndexStatus;
  /** The value, or for huge values a preview "head…tail (N digits)"; null until done. */
  value: string | null;
  digits: number | null;
  truncated: boolean;
  computedMs: number | null;
  submittedAt?: number;
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
}

/** One row of `GET /api/values/all` (the submissions log). */
export interface Submission {
  number: number;
  id: number;
  submittedAt: string;
}

/** `GET /api/values/all` plus the `X-Next-Before` header. */
export interface SubmissionsPage {
  items: Submission[];
  next: string | null;
}

/** `POST /api/values` answer. */
export interface SubmitAnswer {
  working: boolean;
  index: number;
  status: 'queued' | 'done';
}

/** `GET /api/stats`. */
export interface Stats {
  queueLength: number;
  queued: number;
  computing: number;
  pending: number;
  done: number;
  failed: number;
  workers: { active: number; heartbeats: { id: string; lastSeen: number; processed: number }[] };
  /** The local KEDA-rules autoscaler of `npm start`; null (or absent) when none runs, e.g. on AKS. */
  autoscaler?: AutoscalerState | null;
  maxIndex: number;
  time: number;
}

/** What the local autoscaler publishes in `/api/stats`. */
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

/** `GET /api/health`. */
export interface Health {
  status: 'ok' | 'degraded';
  checks: Record<string, { ok: boolean; ms?: number; error?: string }>;
}

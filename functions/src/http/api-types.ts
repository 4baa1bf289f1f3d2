// The API's JSON answers: one definition for the handlers and the web UI (web/ imports these
// types as @shared/api-types), so the two cannot drift apart.

/**
 * Where an index is in its life. `dropped`: computed before, its value since dropped by Redis
 * under its memory cap (values are a cache); reading it (`GET /api/values/{index}`) or
 * submitting it again computes it again, shown as `recomputing` until it is `done`.
 */
export type IndexStatus = 'queued' | 'computing' | 'done' | 'failed' | 'dropped' | 'recomputing';

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
  /** The value, or for huge values "head…tail (N digits)"; null until computed once. */
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
  /**
   * Why its deliveries failed, oldest first (the last 10; kept until its value is stored):
   * each attempt's time (ms since epoch), outcome and error. Empty when none failed.
   */
  history?: FailedAttempt[];
  /** The last failure's reason, or null. */
  lastError?: string | null;
}

/** One failed delivery of an index. */
export interface FailedAttempt {
  at: number;
  /** `lease-expired` (requeued), `invocation-failed` (given back), `failed` (the last: given up). */
  outcome: 'lease-expired' | 'invocation-failed' | 'failed';
  error?: string;
}

/** One row of `GET /api/values/all`: the workshop's `{ number }` plus its cursor and time. */
export interface Submission {
  number: number;
  id: number;
  submittedAt: string;
}

/** Totals since the Redis data began (`fib:counters`); the load test prints their deltas. */
export interface QueueCounters {
  /** Leases that expired with the value not stored (a worker died or stalled). */
  leaseExpired: number;
  /** Invocations that failed (and gave their task back). */
  invocationFailed: number;
  /** Tasks handed back at once: unstarted under backpressure, or after a failed invocation. */
  givenBack: number;
  /** Redis calls retried inside an invocation after a transient error. */
  retried: number;
}

/** Queue and worker figures. */
export interface QueueStats {
  queueLength: number;
  queued: number;
  computing: number;
  pending: number;
  done: number;
  failed: number;
  /** Heartbeats by opaque worker id (a hash; the log has hostnames and PIDs). */
  workers: { active: number; heartbeats: { id: string; lastSeen: number; processed: number }[] };
  counters: QueueCounters;
}

/**
 * The Redis master's memory against its cap (`maxmemory`, 512 MB on AKS and locally). Values
 * are a cache Redis evicts near the cap; the queue and its bookkeeping are never evicted.
 */
export interface RedisMemory {
  usedBytes: number;
  /** 0 when Redis has no cap. */
  maxBytes: number;
  /** usedBytes / maxBytes, null without a cap. */
  usedFraction: number | null;
  /** Keys (values: the only evictable ones) Redis dropped under the cap since it started. */
  evictedValues: number;
}

/** `GET /api/stats`: the figures plus the MAX_INDEX limit, the master's memory and the server's time. */
export interface Stats extends QueueStats {
  maxIndex: number;
  /** Absent while the master does not answer. */
  memory?: RedisMemory;
  time: number;
}

/** One dependency's answer in `GET /api/health`: no driver messages or addresses (those go to the log). */
export interface HealthCheck {
  ok: boolean;
  ms: number;
  /** When this part was first seen down in the current outage (ms since epoch); absent while up. */
  since?: number;
  /**
   * What failed, in our words (never the driver's message): `refuses writes: out of memory`
   * (the master answers but is at its cap with nothing left to evict), `refuses writes: read-only`,
   * `no answer within <ms> ms`, `not serving reads`, or `unreachable`. Absent while up.
   */
  problem?: string;
}

/**
 * `GET /api/health`: 200 while writes work (master and Postgres up; a replica down only means
 * reads come from the master, status "degraded"), else 503.
 */
export interface HealthReport {
  status: 'ok' | 'degraded';
  /**
   * `redisMaster` is ok only while it takes writes: a master that answers PING but refuses
   * writes (out of memory with nothing left to evict) is not ok, and the status is 503.
   */
  checks: { redisMaster: HealthCheck; redisReplica: HealthCheck; postgres: HealthCheck };
  /**
   * The master's memory against its cap, read apart from the probe write (so it is there also
   * while the master refuses writes); absent while the master does not answer.
   */
  memory?: RedisMemory;
  /** The node that serves reads now (node name: "redis-0", "replica", "master", ...). */
  readsFrom: string;
}

/**
 * `POST /api/values` 503: which store is down and what happened to the submission
 * (`not-logged`: nothing written; `logged`: in the log, computed once Redis is back;
 * `unknown`: retry with the same Idempotency-Key).
 */
export interface SubmitFailure {
  error: string;
  store: 'redis' | 'postgres';
  outcome: 'not-logged' | 'logged' | 'unknown';
}

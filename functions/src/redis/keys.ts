// Every Redis key name the service uses, built in one place.

/** The keys of one deployment (or one test's private namespace). */
export interface RedisKeys {
  /** List the worker triggers on (RPUSH by producers, LPOP by the extension). */
  tasks: string;
  /** Hash index → decimal value or "Nothing yet!" (the workshop's `values`). */
  values: string;
  /** Sorted set index → enqueue sequence number: queued, not yet claimed by a worker. */
  queued: string;
  /** Sorted set index → lease deadline (ms since epoch): popped and being computed. */
  leases: string;
  /** Hash index → deliveries lost so far (leases that expired). */
  attempts: string;
  /** Sorted set index → time it was given up on after MAX_ATTEMPTS lost deliveries. */
  failed: string;
  /** Hash index → JSON `{ digits, computedMs, completedAt }` of a finished value. */
  results: string;
  /** Sorted set index → sequence number of its latest submission (newest first listing). */
  recent: string;
  /** Counter giving every enqueue and submission a unique, increasing sequence number. */
  sequence: string;
  /** Hash worker id → JSON heartbeat `{ lastSeen, processed }`. */
  workers: string;
  /** Hash index → the value as lists show it (whole when short, head…tail (digits) when huge). */
  display: string;
  /** Hash written by the local KEDA-rules autoscaler (local/autoscaler.mjs) with its state. */
  autoscaler: string;
}

/** Builds the key names: `tasks` is TASKS_KEY as is, the others carry REDIS_KEY_PREFIX. */
export function redisKeys(tasksKey: string, prefix = ''): RedisKeys {
  return {
    tasks: tasksKey,
    values: `${prefix}values`,
    queued: `${prefix}fib:queued`,
    leases: `${prefix}fib:leases`,
    attempts: `${prefix}fib:attempts`,
    failed: `${prefix}fib:failed`,
    results: `${prefix}fib:results`,
    recent: `${prefix}fib:recent`,
    sequence: `${prefix}fib:sequence`,
    workers: `${prefix}fib:workers`,
    display: `${prefix}fib:display`,
    autoscaler: `${prefix}fib:autoscaler`,
  };
}

/** What `values` holds for an index that is queued or computing (the workshop's marker). */
export const placeholderValue = 'Nothing yet!';

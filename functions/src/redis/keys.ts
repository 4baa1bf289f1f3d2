// Every Redis key name the service uses, built in one place.

/** The keys of one deployment (or one test's private namespace). */
export interface RedisKeys {
  /** List the worker triggers on (RPUSH by producers, LPOP by the extension). */
  tasks: string;
  /**
   * Prefix of the value keys: `<valuePrefix><index>` is a string holding F(index) in its stored
   * form (fib/stored-value.ts) with a TTL, which makes it evictable under the memory cap
   * (maxmemory-policy volatile-lru). The only keys Redis may drop.
   */
  valuePrefix: string;
  /** Bitmap: bit n is 1 once F(n) has been stored, so a dropped value reads as dropped, not unknown. */
  computed: string;
  /** Sorted set index → enqueue sequence number: queued, not yet claimed by a worker. */
  queued: string;
  /** Sorted set index → lease deadline (ms since epoch): popped and being computed. */
  leases: string;
  /**
   * Hash index → lease token of the worker process that claimed it (queue/consumer.ts): only
   * that worker renews the lease (lua/renew-leases-2.lua), and a task it no longer owns is not
   * its to give back.
   */
  leaseOwners: string;
  /** Hash index → attempts so far: expired leases and failed invocations (MAX_ATTEMPTS bounds them). */
  attempts: string;
  /** Sorted set index → time it was given up on, at MAX_ATTEMPTS attempts (expired leases and failed invocations). */
  failed: string;
  /** Sorted set index → sequence number of its latest submission (newest first listing; the newest 100,000). */
  recent: string;
  /** Counter giving every enqueue and submission a unique, increasing sequence number. */
  sequence: string;
  /** Hash opaque worker id → JSON heartbeat `{ lastSeen, processed }`. */
  workers: string;
  /** Hash of totals since the data began: leaseExpired, invocationFailed, givenBack, retried. */
  counters: string;
  /** Stream of status changes (fields index, status), MAXLEN ~ 10000; GET /api/events reads it. */
  events: string;
  /**
   * Id of the last Postgres log row replayed into Redis. Its absence while the log has rows
   * is how the service notices that Redis lost its data: the replay starts over from row 0.
   */
  replayCursor: string;
  /** `<target>:<last index>` of a rebuild from the log's distinct indices under way (submissions/log-replay.ts). */
  rebuildProgress: string;
  /** Written by /api/health (with a TTL) to check that the master takes writes. */
  healthProbe: string;
  /** Hash index -> W3C traceparent of the submission that queued it, while tracing is on (observability/trace-carrier.ts). */
  traceparents: string;
  /** Prefix of the fair-use budgets: `<budgetPrefix><client>` is a hash with a TTL (idle ones expire). */
  budgetPrefix: string;
}

/** Builds the key names: `tasks` is TASKS_KEY as is, the others carry REDIS_KEY_PREFIX. */
export function redisKeys(tasksKey: string, prefix = ''): RedisKeys {
  return {
    tasks: tasksKey,
    valuePrefix: `${prefix}fib:value:`,
    computed: `${prefix}fib:computed`,
    queued: `${prefix}fib:queued`,
    leases: `${prefix}fib:leases`,
    leaseOwners: `${prefix}fib:lease-owners`,
    attempts: `${prefix}fib:attempts`,
    failed: `${prefix}fib:failed`,
    recent: `${prefix}fib:recent`,
    sequence: `${prefix}fib:sequence`,
    workers: `${prefix}fib:workers`,
    counters: `${prefix}fib:counters`,
    events: `${prefix}fib:events`,
    replayCursor: `${prefix}fib:replayed-through`,
    budgetPrefix: `${prefix}fib:budget:`,
    traceparents: `${prefix}fib:traceparents`,
    healthProbe: `${prefix}fib:health-probe`,
    rebuildProgress: `${prefix}fib:rebuild-progress`,
  };
}

/** The key holding F(index)'s stored value. */
export function valueKey(keys: RedisKeys, indexKey: string): string {
  return `${keys.valuePrefix}${indexKey}`;
}

// JSON shapes of the live endpoints (worker liveness, Redis topology); the web UI imports them too.

/** `GET /api/worker/live`: 200 when `live`, else 503 with `error`. */
export interface WorkerLiveness {
  live: boolean;
  /** Why the check failed (503 only). */
  error?: string;
  /** The derived bound (ms): how long the head of `tasks` may wait while this worker is idle. */
  boundMs: number;
  /** How long the entry now at the head of `tasks` has been seen there (ms), null when the list is empty. */
  headWaitingMs: number | null;
  /** Since when this process received no fib-worker invocation (ms), counted from its start. */
  idleMs: number;
  /** fib-worker invocations this process received. */
  invocations: number;
  /** False when Redis did not answer (the check does not judge then: restarting a worker would not help). */
  redisReachable: boolean;
}

/** One Redis node as the topology panel shows it. */
export interface RedisNode {
  /** Stable name: the first DNS label of the configured host ("redis-0"), else the role. */
  name: string;
  role: 'master' | 'replica';
  up: boolean;
  /** Replica's link to its master (`master_link_status`, "sync" while a sync runs); null for a master. */
  link: 'up' | 'down' | 'sync' | null;
  /** Replication offset, null when unknown. */
  offset: number | null;
  /** Bytes behind the master (0 for the master), null when unknown. */
  lagBytes: number | null;
  /** Whether reads that may lag go to this node now. */
  servesReads: boolean;
  /**
   * Since when this process has seen the node down (ms since epoch), null while up: the master
   * not answering, the replica not serving reads (the read router's state, as /api/health's `since`).
   */
  downSince: number | null;
}

/** `GET /api/topology` and the `topology` event. */
export interface RedisTopology {
  nodes: RedisNode[];
  /** Name of the node that serves reads that may lag. */
  readsFrom: string;
  time: number;
}

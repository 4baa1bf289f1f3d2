// The composition root: one set of clients and stores per process, created on first use.
import { hostname } from 'node:os';

import type { Redis } from 'ioredis';

import type { Config } from './config.js';
import { FairUse } from './fair-use/fair-use.js';
import { DecimalRenderer } from './fib/decimal-renderer.js';
import { Outages } from './health/outages.js';
import { TaskConsumer } from './queue/consumer.js';
import { LeaseKeeper } from './queue/lease-keeper.js';
import { type EnqueueStatus, TaskProducer } from './queue/producer.js';
import { ReadModel } from './queue/read-model.js';
import { Reaper } from './queue/reaper.js';
import { queueCommandNames } from './queue/scripts.js';
import { WorkBudget } from './queue/work-budget.js';
import { WorkerHeartbeat } from './queue/worker-heartbeat.js';
import { createRedisClient } from './redis/client.js';
import { type RedisKeys, redisKeys } from './redis/keys.js';
import { ReadRouter, redisNodeNames, sameEndpoint } from './redis/read-router.js';
import type { SubmissionsStore } from './submissions/submissions-store.js';
import { createSubmitter } from './submissions/submit-index.js';
import type { ValidIndex } from './validation/index-input.js';

/** Everything a handler needs; each part is created lazily so a worker never opens Postgres. */
export interface Services {
  readonly config: Readonly<Config>;
  readonly keys: RedisKeys;
  /** The Redis master: every write. Also used directly for INFO (topology). */
  readonly master: Redis;
  /** The replica's own client (the master's when REDIS_REPLICA is the master); for INFO. Reads go through `reads`. */
  readonly replica: Redis;
  /**
   * Routes reads that may lag to the replica, or the master while the replica is down; says which
   * node served. Owns the nodes' state (names, read target, since when each is down).
   */
  readonly reads: ReadRouter;
  /** Values, statuses and figures, read through `reads`. */
  readonly readModel: ReadModel;
  /** Queues submissions and replays the log (master). */
  readonly producer: TaskProducer;
  /** The worker's side of the queue (master). */
  readonly consumer: TaskConsumer;
  /** Lease recovery for the requeue timer (master). */
  readonly reaper: Reaper;
  /** Renews the leases of this process's tasks. */
  readonly leaseKeeper: LeaseKeeper;
  /** This worker process's heartbeat: alive, tasks processed, retries (started by the worker function). */
  readonly heartbeat: WorkerHeartbeat;
  /** This worker process's admission and pacing of computes. */
  readonly workBudget: WorkBudget;
  /** Since when Postgres has been down, for /api/health (the Redis nodes' is `reads`'). */
  readonly outages: Outages;
  /** Per-client budgets (Redis master), shared by every api replica. */
  readonly fairUse: FairUse;
  /** Stored values → decimal strings for full reads, cached. */
  readonly decimals: DecimalRenderer;
  /** The Postgres store, connected and migrated on first use; retried after a failure. */
  submissions(): Promise<SubmissionsStore>;
  /** Logs and queues one submitted index (group-committed with concurrent ones). */
  submit(index: ValidIndex, idempotencyKey?: string): Promise<EnqueueStatus>;
  close(): Promise<void>;
}

function lazy<T>(create: () => T): { (): T; created: boolean } {
  let value: { current: T } | undefined;
  const get = () => (value ??= { current: create() }).current;
  return Object.defineProperty(get, 'created', { get: () => value !== undefined }) as { (): T; created: boolean };
}

/** Builds the services for one configuration. */
export function createServices(config: Readonly<Config>, log: (message: string) => void = console.warn): Services {
  const keys = redisKeys(config.tasksKey, config.keyPrefix);
  const master = lazy(() =>
    createRedisClient(config.redisMaster, {
      role: 'master',
      timeoutMs: config.redisTimeoutMs,
      log,
      unpipelinedCommands: queueCommandNames,
    }),
  );
  const single = sameEndpoint(config.redisMaster, config.redisReplica);
  const names = redisNodeNames(config.redisMaster, config.redisReplica);
  const replicaClient = lazy(() =>
    createRedisClient(config.redisReplica, { role: 'replica', timeoutMs: config.redisTimeoutMs, log }),
  );
  const replica = () => (single ? master() : replicaClient());
  const reads = lazy(
    () =>
      new ReadRouter(master, single ? undefined : replicaClient, {
        masterName: names.master,
        replicaName: names.replica ?? names.master,
        // A tenth of the command timeout, 50 to 200 ms: well above a healthy replica's answer.
        hedgeAfterMs: Math.min(200, Math.max(50, config.redisTimeoutMs / 10)),
        log,
      }),
  );
  const readModel = lazy(() => new ReadModel(reads(), keys));
  const producer = lazy(() => new TaskProducer(master(), keys));
  const consumer = lazy(() => new TaskConsumer(master(), keys, { maxAttempts: config.maxAttempts }));
  const reaper = lazy(() => new Reaper(master(), keys));
  const leaseKeeper = lazy(() => new LeaseKeeper(consumer(), { leaseMs: config.leaseMs, log }));
  const heartbeat = lazy(
    () =>
      new WorkerHeartbeat(master(), keys, consumer(), {
        workerId: `${hostname()}-${process.pid}`,
        intervalMs: Math.floor(config.leaseMs / 3),
        log,
      }),
  );
  // "Well within its lease": a quarter of it, so a worker's held work finishes with three
  // quarters of the lease to spare even if the machine slows down after admission.
  const workBudget = lazy(() => new WorkBudget({ budgetMs: config.leaseMs / 4 }));
  const outages = new Outages(log);
  const fairUse = lazy(
    () =>
      new FairUse(master(), keys, {
        burst: config.fairUseBurst,
        ratePerSecond: config.fairUseRatePerSecond,
        operatorToken: config.operatorToken,
        log,
      }),
  );
  const decimals = lazy(() => new DecimalRenderer());
  let store: Promise<SubmissionsStore> | undefined;
  const submissions = (): Promise<SubmissionsStore> => {
    // Loaded on first use: workers never touch Postgres, and pg + node-pg-migrate cost a
    // worker ~200 ms of start-up (which a scale-from-zero waits for).
    store ??= import('./submissions/submissions-store.js')
      .then(({ SubmissionsStore }) =>
        SubmissionsStore.connect({ databaseUrl: config.databaseUrl, timeoutMs: config.databaseTimeoutMs, log }),
      )
      .catch((error: unknown) => {
        store = undefined; // the next request tries again
        throw error;
      });
    return store;
  };
  const submitter = lazy(() =>
    createSubmitter(submissions, (indexKeys) => producer().enqueue(indexKeys), {
      databaseTimeoutMs: config.databaseTimeoutMs,
      redisTimeoutMs: config.redisTimeoutMs,
    }),
  );

  return {
    config,
    keys,
    get master() {
      return master();
    },
    get replica() {
      return replica();
    },
    get reads() {
      return reads();
    },
    get readModel() {
      return readModel();
    },
    get producer() {
      return producer();
    },
    get consumer() {
      return consumer();
    },
    get reaper() {
      return reaper();
    },
    get leaseKeeper() {
      return leaseKeeper();
    },
    get heartbeat() {
      return heartbeat();
    },
    get workBudget() {
      return workBudget();
    },
    outages,
    get fairUse() {
      return fairUse();
    },
    get decimals() {
      return decimals();
    },
    submissions,
    submit: (index, idempotencyKey) => submitter().submit(index, idempotencyKey),
    async close() {
      if (leaseKeeper.created) leaseKeeper().stop();
      if (heartbeat.created) heartbeat().stop();
      if (reads.created) reads().stop();
      if (decimals.created) await decimals().close();
      const closing: Promise<unknown>[] = [];
      if (store) closing.push(store.then((s) => s.close()).catch(() => undefined));
      if (master.created)
        closing.push(
          master()
            .quit()
            .catch(() => undefined),
        );
      if (replicaClient.created)
        closing.push(
          replicaClient()
            .quit()
            .catch(() => undefined),
        );
      await Promise.all(closing);
    },
  };
}

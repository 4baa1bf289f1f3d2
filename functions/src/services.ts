// The composition root: one set of clients and stores per process, created on first use.
import { hostname } from 'node:os';

import type { Redis } from 'ioredis';

import { type Config, loadConfig } from './config.js';
import { LeaseKeeper } from './queue/lease-keeper.js';
import { ResultsView } from './queue/results-view.js';
import { type EnqueueStatus, TaskQueue } from './queue/task-queue.js';
import { createRedisClient } from './redis/client.js';
import { type RedisKeys, redisKeys } from './redis/keys.js';
import type { SubmissionsStore } from './submissions/submissions-store.js';
import { createSubmitter } from './submissions/submit-index.js';
import type { ValidIndex } from './validation/index-input.js';

/** Everything a handler needs; each part is created lazily so a worker never opens Postgres. */
export interface Services {
  readonly config: Readonly<Config>;
  readonly keys: RedisKeys;
  /** Writes (Redis master). */
  readonly queue: TaskQueue;
  /** Reads that may lag (Redis replica). */
  readonly view: ResultsView;
  readonly master: Redis;
  readonly replica: Redis;
  /** Renews the leases of this process's tasks and sends its heartbeat. */
  readonly leaseKeeper: LeaseKeeper;
  /** The Postgres store, connected and migrated on first use; retried after a failure. */
  submissions(): Promise<SubmissionsStore>;
  /** Logs and queues one submitted index (group-committed with concurrent ones). */
  submit(index: ValidIndex): Promise<EnqueueStatus>;
  close(): Promise<void>;
}

function lazy<T>(create: () => T): () => T {
  let value: { current: T } | undefined;
  return () => (value ??= { current: create() }).current;
}

/** Builds the services for one configuration. */
export function createServices(config: Readonly<Config>, log: (message: string) => void = console.warn): Services {
  const keys = redisKeys(config.tasksKey, config.keyPrefix);
  const master = lazy(() => createRedisClient(config.redisMaster, { role: 'master', timeoutMs: config.redisTimeoutMs, log }));
  const sameEndpoint =
    config.redisReplica.host === config.redisMaster.host && config.redisReplica.port === config.redisMaster.port;
  const replica = lazy(() =>
    sameEndpoint ? master() : createRedisClient(config.redisReplica, { role: 'replica', timeoutMs: config.redisTimeoutMs, log }),
  );
  const queue = lazy(() => new TaskQueue(master(), keys));
  const view = lazy(() => new ResultsView(replica(), keys));
  const leaseKeeper = lazy(
    () => new LeaseKeeper(queue(), { leaseMs: config.leaseMs, workerId: `${hostname()}-${process.pid}`, log }),
  );
  let store: Promise<SubmissionsStore> | undefined;
  const opened = { master: false, replica: false };
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
  const submitter = lazy(() => {
    opened.master = true;
    return createSubmitter(submissions, queue);
  });

  return {
    config,
    keys,
    get queue() {
      opened.master = true;
      return queue();
    },
    get view() {
      opened.replica = true;
      return view();
    },
    get master() {
      opened.master = true;
      return master();
    },
    get replica() {
      opened.replica = true;
      return replica();
    },
    get leaseKeeper() {
      return leaseKeeper();
    },
    submissions,
    submit: (index) => submitter().submit(index),
    async close() {
      if (opened.master) leaseKeeper().stop();
      const closing: Promise<unknown>[] = [];
      if (store) closing.push(store.then((s) => s.close()).catch(() => undefined));
      if (opened.master || opened.replica)
        closing.push(
          master()
            .quit()
            .catch(() => undefined),
        );
      if (opened.replica && !sameEndpoint)
        closing.push(
          replica()
            .quit()
            .catch(() => undefined),
        );
      await Promise.all(closing);
    },
  };
}

let shared: Services | undefined;

/** The process-wide services, built from the environment on first call. */
export function getServices(): Services {
  shared ??= createServices(loadConfig());
  return shared;
}

/** Replaces the process-wide services (the local host and tests); pass undefined to reset. */
export function useServices(services: Services | undefined): void {
  shared = services;
}

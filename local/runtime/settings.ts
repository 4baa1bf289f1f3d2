// The local runtime's own settings (ports, data directory, worker counts, …), read from the
// environment once and validated with zod; a bad one stops `npm start` with a message naming it.
import { availableParallelism } from 'node:os';
import { resolve } from 'node:path';

import { z } from 'zod';

import {
  databaseUrl,
  flag,
  operatorToken,
  readSettings,
  redisConnectionText,
  wholeNumber,
} from '../../functions/src/settings-schema.js';
import { freePortsEnv } from './free-ports.js';

const port = (fallback: number) =>
  z
    .string()
    .regex(/^\d+$/, 'must be a port number (0 picks a free one)')
    .transform(Number)
    .pipe(z.number().int().min(0).max(65535))
    .default(fallback);

/** Every setting of the local runtime, by its environment name. Empty strings count as unset. */
export const runtimeSettingsSchema = z.object({
  /** Port of the Functions API (the local host or `func start`). @defaultValue 7071 */
  API_PORT: port(7071),
  /** Port of the api's Prometheus endpoint (`GET /metrics`; workers serve none locally). @defaultValue 9464 */
  API_METRICS_PORT: port(9464),
  /** Port of the web app. @defaultValue 3000 */
  WEB_PORT: port(3000),
  /** Port of the runtime's status server (`GET /scaler`). @defaultValue 7070 */
  RUNTIME_PORT: port(7070),
  /** Port of the Redis master started here. @defaultValue 6380 */
  REDIS_MASTER_PORT: port(6380),
  /** Port of the Redis replica started here. @defaultValue 6381 */
  REDIS_REPLICA_PORT: port(6381),
  /** Port of the embedded Postgres (PGlite). @defaultValue 5433 */
  PGLITE_PORT: port(5433),
  /** Port of the kube-apiserver `npm run cluster` starts (a free one when busy). @defaultValue 6443 */
  CLUSTER_API_PORT: port(6443),
  /** Where Redis and PGlite keep their data, and runtime.json lives. @defaultValue .local */
  LOCAL_DATA_DIR: z.string().min(1).default('.local'),
  /** Pins the worker count (no KEDA rules); unset = scale by keda/scaledobject.yaml. */
  WORKERS: wholeNumber(0, 1000).optional(),
  /**
   * Most worker processes this machine runs at once, whatever KEDA wants.
   * @defaultValue the available cores: one single-threaded worker per core, at nice 10 so the
   * API, Redis and Postgres keep priority.
   */
  LOCAL_MAX_WORKERS: wholeNumber(1, 1000).optional(),
  /** Another ScaledObject to read the scaling rules from. @defaultValue keda/scaledobject.yaml */
  KEDA_SCALEDOBJECT: z.string().min(1).default('keda/scaledobject.yaml'),
  /** The HPA controller's sync period. @defaultValue 15 */
  HPA_SYNC_PERIOD_SECONDS: wholeNumber(1, 3600).default(15),
  /** 1: do not run the web app. */
  NO_WEB: flag,
  /** 1: run the local Functions host even when `func` is on the PATH. */
  USE_LOCAL_HOST: flag,
  /**
   * An external Redis master (StackExchange form, held to the functions' own rule: the runtime
   * passes it on to them); then no Redis is started here.
   */
  REDIS_MASTER: redisConnectionText.optional(),
  /** An external Redis replica; defaults to REDIS_MASTER when that is set. */
  REDIS_REPLICA: redisConnectionText.optional(),
  /** An external Postgres; then no PGlite is started here. */
  DATABASE_URL: databaseUrl.optional(),
  /**
   * The operator credential the functions accept and the load test and `npm run chaos` present
   * (the functions' own rule). @defaultValue a token generated once per data directory
   */
  OPERATOR_TOKEN: operatorToken.optional(),
});

/** The validated settings, with the data directory resolved and the worker cap derived. */
export interface RuntimeSettings {
  apiPort: number;
  apiMetricsPort: number;
  webPort: number;
  runtimePort: number;
  redisMasterPort: number;
  redisReplicaPort: number;
  pglitePort: number;
  clusterApiPort: number;
  dataDir: string;
  fixedWorkers: number | undefined;
  workerCap: number;
  workerCapReason: string;
  scaledObjectPath: string;
  hpaSyncPeriodSeconds: number;
  withWeb: boolean;
  useLocalHost: boolean;
  externalRedis: { master: string; replica: string } | undefined;
  externalDatabaseUrl: string | undefined;
  operatorToken: string | undefined;
}

/** Thrown with one line per bad setting, each naming the variable. */
export class RuntimeSettingsError extends Error {
  override name = 'RuntimeSettingsError';
}

/**
 * The machine-core cap on worker processes. On AKS each worker pod has its own CPU request and
 * the scheduler leaves pods Pending when the nodes are full; here every worker shares this
 * machine's cores with Redis, Postgres and the API, so more CPU-bound workers than cores only
 * slow each other (and Redis) down. One per core: workers run at nice 10, so while submissions
 * pour in the API and the stores take the CPU they need, and once they stop the workers use
 * every core. (Cores - 1 left a core idle during the drain after a load test: README, Measured.)
 */
export function deriveWorkerCap(cores: number, override: number | undefined): { cap: number; reason: string } {
  if (override !== undefined) return { cap: override, reason: `LOCAL_MAX_WORKERS=${override}` };
  const cap = Math.max(1, cores);
  return { cap, reason: `${cap} core(s), one worker each; workers run at nice 10 below the API and the stores` };
}

/** Validates `env` (relative paths against `root`). */
export function loadRuntimeSettings(
  env: NodeJS.ProcessEnv,
  root: string,
  cores: number = availableParallelism(),
): Readonly<RuntimeSettings> {
  const s = readSettings(
    runtimeSettingsSchema,
    env,
    (problems) =>
      new RuntimeSettingsError(`Invalid setting(s) for npm start:\n${problems.map((line) => `  ${line}`).join('\n')}`),
  );
  const { cap, reason } = deriveWorkerCap(cores, s.LOCAL_MAX_WORKERS);
  return Object.freeze({
    apiPort: s.API_PORT,
    apiMetricsPort: s.API_METRICS_PORT,
    webPort: s.WEB_PORT,
    runtimePort: s.RUNTIME_PORT,
    redisMasterPort: s.REDIS_MASTER_PORT,
    redisReplicaPort: s.REDIS_REPLICA_PORT,
    pglitePort: s.PGLITE_PORT,
    clusterApiPort: s.CLUSTER_API_PORT,
    dataDir: resolve(root, s.LOCAL_DATA_DIR),
    fixedWorkers: s.WORKERS,
    workerCap: cap,
    workerCapReason: reason,
    scaledObjectPath: resolve(root, s.KEDA_SCALEDOBJECT),
    hpaSyncPeriodSeconds: s.HPA_SYNC_PERIOD_SECONDS,
    withWeb: !s.NO_WEB,
    useLocalHost: s.USE_LOCAL_HOST,
    externalRedis: s.REDIS_MASTER ? { master: s.REDIS_MASTER, replica: s.REDIS_REPLICA ?? s.REDIS_MASTER } : undefined,
    externalDatabaseUrl: s.DATABASE_URL,
    operatorToken: s.OPERATOR_TOKEN,
  });
}

/**
 * Settings for a runtime that shares the machine with others (tests, benchmarks): every port
 * free, its own data directory, no web app unless `overrides` says otherwise.
 */
export function isolatedRuntimeSettings(
  root: string,
  dataDir: string,
  overrides: Partial<Record<keyof typeof runtimeSettingsSchema.shape, string>> = {},
): Readonly<RuntimeSettings> {
  return loadRuntimeSettings(
    {
      ...freePortsEnv,
      NO_WEB: '1',
      USE_LOCAL_HOST: '1',
      LOCAL_DATA_DIR: dataDir,
      ...overrides,
    },
    root,
  );
}

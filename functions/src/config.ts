// Reads every setting once from the environment, validates it with zod and returns a frozen
// object; a bad setting throws at start with a message naming the variable (index.ts throws at
// import, so the real host stays up with no functions: see local/host/main.ts).
import { z } from 'zod';

import { ConfigError } from './errors.js';
import { type FibEngineSetting, fibEngineSetting } from './fib/fibonacci-engine.js';
import type { RedisEndpoint } from './redis/connection-string.js';
import { databaseUrl, operatorToken, readSettings, redisConnection, wholeNumber } from './settings-schema.js';

/**
 * Every setting the functions read, by its environment name. The same names are used in
 * local.settings.json, the Kubernetes ConfigMap/Secrets and the tests.
 */
export const settingsSchema = z.object({
  /** StackExchange.Redis connection string of the Redis master (all writes). */
  REDIS_MASTER: redisConnection.prefault('127.0.0.1:6379'),
  /** Connection string of a read replica; reads that may lag go here. @defaultValue REDIS_MASTER */
  REDIS_REPLICA: redisConnection.optional(),
  /** Postgres URL; when unset, node-postgres reads the PG* variables. */
  DATABASE_URL: databaseUrl.optional(),
  /** Largest index accepted (what F(n) costs near it: the README's measured table). @defaultValue 1000000 */
  MAX_INDEX: wholeNumber(1, 50_000_000).default(1_000_000),
  /** Name of the Redis list the worker triggers on. @defaultValue tasks */
  TASKS_KEY: z.string().min(1).default('tasks'),
  /** Prefix for every other Redis key (values, leases, ...); tests use it for isolation. @defaultValue "" */
  REDIS_KEY_PREFIX: z.string().default(''),
  /** How long a popped task may go without completing before it is requeued. @defaultValue 30000 */
  LEASE_MS: wholeNumber(100, 3_600_000).default(30_000),
  /**
   * Attempts (expired leases and failed invocations together) at which an index moves to
   * `failed`; a task handed back unstarted does not count. @defaultValue 3
   */
  MAX_ATTEMPTS: wholeNumber(1, 100).default(3),
  /** Entries the list trigger pops per poll (`maxBatchSize`). @defaultValue 1000 */
  WORKER_MAX_BATCH_SIZE: wholeNumber(1, 10_000).default(1000),
  /** Wait after each poll (`pollingIntervalInMs`). @defaultValue 50 */
  WORKER_POLLING_INTERVAL_MS: wholeNumber(1, 60_000).default(50),
  /** Timeout of every Redis command and connect. @defaultValue 2000 */
  REDIS_TIMEOUT_MS: wholeNumber(50, 60_000).default(2000),
  /** Timeout of every Postgres connect and query. @defaultValue 3000 */
  DATABASE_TIMEOUT_MS: wholeNumber(50, 60_000).default(3000),
  /**
   * Origins besides the API's own that may write (POST) from a browser, comma-separated
   * (`https://fib.example.com,http://localhost:3000`); no wildcard. @defaultValue "" (same origin only)
   */
  ALLOWED_ORIGINS: z
    .string()
    .default('')
    .transform((text, ctx) => {
      const origins = text
        .split(',')
        .map((part) => part.trim())
        .filter((part) => part.length > 0);
      for (const origin of origins) {
        let parsed: URL | undefined;
        try {
          parsed = new URL(origin);
        } catch {
          parsed = undefined;
        }
        if (!parsed || !/^https?:$/.test(parsed.protocol) || parsed.origin !== origin) {
          ctx.addIssue({
            code: 'custom',
            message: `"${origin}" is not an origin like https://fib.example.com (no path, no wildcard)`,
          });
        }
      }
      return origins;
    }),
  /**
   * Concurrent `GET /api/events` streams one process holds; a new one past it ends the oldest
   * stream of the client holding the most (it resumes with Last-Event-ID). @defaultValue 100
   */
  MAX_EVENT_STREAMS: wholeNumber(1, 10_000).default(100),
  /**
   * How F(n) is computed: `auto` uses GMP (the mpzjs binding, needs the system's libgmp10) when it
   * loads, else BigInt with one warning; `gmp` refuses to start without it; `bigint` never loads it.
   * @defaultValue auto
   */
  FIB_ENGINE: fibEngineSetting.default('auto'),
  /**
   * Fair use: units one client (its address) may spend at once; a submission of index n costs
   * 1 + floor(n / 10,000) (F(10^6): 101), a full read of F(n) floor(digits / 10,000) plus
   * floor(n / 100,000) when the api has not cached its decimal string (F(10^6): 20, or 30;
   * fullReadCost). @defaultValue 2000
   */
  FAIR_USE_BURST: wholeNumber(101, 10_000_000).default(2000),
  /**
   * Units a client's budget regains per second (20: one F(10^6) submitted per 5 s or read per
   * second, or 20 small indices). @defaultValue 20
   */
  FAIR_USE_RATE_PER_SECOND: wholeNumber(1, 1_000_000).default(20),
  /**
   * Operator credential: `Authorization: Bearer <token>` is not metered by fair use (the load
   * test and benchmarks send it). A secret: from a Kubernetes Secret, never a committed file.
   * @defaultValue unset (nobody is exempt)
   */
  OPERATOR_TOKEN: operatorToken.optional(),
  /**
   * Port of this process's Prometheus endpoint (`GET /metrics`), which the Gateway does not
   * route; 0 serves none. On AKS every pod uses 9464 (its own address); locally the api gets
   * 9464 and workers none, as several share one machine. @defaultValue 0
   */
  METRICS_PORT: wholeNumber(0, 65_535).default(0),
});

/** Names the platform (Functions host, Kubernetes, node-postgres) reads; not ours to validate. */
export const platformSettingNames: readonly string[] = [
  'FUNCTIONS_WORKER_RUNTIME',
  'AzureWebJobsStorage',
  'AzureWebJobsFeatureFlags',
  'AzureWebJobsScriptRoot',
  'AzureFunctionsJobHost__Logging__Console__IsEnabled',
  'FUNCTIONS_REQUEST_BODY_SIZE_LIMIT',
  'PGHOST',
  'PGPORT',
  'PGUSER',
  'PGPASSWORD',
  'PGDATABASE',
  'PGSSLMODE',
  'NODE_ENV',
  // The host's own (ASP.NET Core forwarded headers: the client address behind a trusted proxy).
  'ASPNETCORE_FORWARDEDHEADERS_ENABLED',
];

/** Every environment name the functions app knows: its own settings plus the platform's. */
export function isKnownSettingName(name: string): boolean {
  return (
    name in settingsSchema.shape ||
    platformSettingNames.includes(name) ||
    /^AzureFunctionsJobHost__functions__\d+$/.test(name) ||
    // OpenTelemetry's own (OTEL_EXPORTER_OTLP_ENDPOINT, OTEL_SERVICE_NAME, ...), read by its SDK.
    /^OTEL_[A-Z_]+$/.test(name)
  );
}

/** The validated, typed settings. */
export interface Config {
  redisMaster: RedisEndpoint;
  redisReplica: RedisEndpoint;
  databaseUrl: string | undefined;
  maxIndex: number;
  tasksKey: string;
  keyPrefix: string;
  leaseMs: number;
  maxAttempts: number;
  workerMaxBatchSize: number;
  workerPollingIntervalMs: number;
  redisTimeoutMs: number;
  databaseTimeoutMs: number;
  allowedOrigins: readonly string[];
  maxEventStreams: number;
  fibEngine: FibEngineSetting;
  fairUseBurst: number;
  fairUseRatePerSecond: number;
  operatorToken: string | undefined;
  metricsPort: number;
}

/** Validates `env` and returns a frozen Config, or throws a ConfigError naming each bad variable. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): Readonly<Config> {
  const settings = readSettings(
    settingsSchema,
    env,
    (problems) => new ConfigError(`Invalid configuration: ${problems.join('; ')}`),
  );
  return Object.freeze({
    redisMaster: settings.REDIS_MASTER,
    redisReplica: settings.REDIS_REPLICA ?? settings.REDIS_MASTER,
    databaseUrl: settings.DATABASE_URL,
    maxIndex: settings.MAX_INDEX,
    tasksKey: settings.TASKS_KEY,
    keyPrefix: settings.REDIS_KEY_PREFIX,
    leaseMs: settings.LEASE_MS,
    maxAttempts: settings.MAX_ATTEMPTS,
    workerMaxBatchSize: settings.WORKER_MAX_BATCH_SIZE,
    workerPollingIntervalMs: settings.WORKER_POLLING_INTERVAL_MS,
    redisTimeoutMs: settings.REDIS_TIMEOUT_MS,
    databaseTimeoutMs: settings.DATABASE_TIMEOUT_MS,
    allowedOrigins: Object.freeze(settings.ALLOWED_ORIGINS),
    maxEventStreams: settings.MAX_EVENT_STREAMS,
    fibEngine: settings.FIB_ENGINE,
    fairUseBurst: settings.FAIR_USE_BURST,
    fairUseRatePerSecond: settings.FAIR_USE_RATE_PER_SECOND,
    operatorToken: settings.OPERATOR_TOKEN,
    metricsPort: settings.METRICS_PORT,
  });
}

// The app as the local host runs it — same registrations, same HTTP server, same list-trigger
// emulation — wired to a test's own Redis pair and database, with a private key prefix.
import { randomBytes } from 'node:crypto';
import type { Server } from 'node:http';

import azf from '@azure/functions';
import { Redis } from 'ioredis';

import { loadHostSettings } from '../../../local/host/host-settings.js';
import { startHttpServer } from '../../../local/host/http-server.js';
import { type ListPoller, startListPoller } from '../../../local/host/list-trigger-poller.js';
import type { LogLine } from '../../../local/host/logging.js';
import { type Config, loadConfig } from '../../src/config.js';
import { createFunctionApp, type FunctionApp, type FunctionAppOptions } from '../../src/function-app.js';
import { createRedisClient } from '../../src/redis/client.js';
import {
  buildRegistrations,
  type HttpRegistration,
  type RedisListRegistration,
  type TimerRegistration,
} from '../../src/registrations.js';
import { createServices, type Services } from '../../src/services.js';
import { type DatabaseKind, startDatabase, type TestDatabase } from './database.js';
import { freePort, type RedisPair, startRedisPair } from './redis-pair.js';

export interface TestStack {
  baseUrl: string;
  config: Readonly<Config>;
  /** The app the stack serves (built once, closed by stop()). */
  app: FunctionApp;
  services: Services;
  /** A direct connection to the master, for assertions and fault injection. */
  redis: Redis;
  logs: LogLine[];
  /** POSTs as a visitor (metered by fair use), or with extra headers (e.g. {@link TestStack.operator}). */
  post(
    path: string,
    body: string,
    headers?: Record<string, string>,
  ): Promise<{ status: number; json: unknown; ms: number; headers: Headers }>;
  get(path: string, headers?: Record<string, string>): Promise<{ status: number; json: unknown; headers: Headers }>;
  /** The operator credential header (OPERATOR_TOKEN of this stack): not metered by fair use. */
  operator: Record<string, string>;
  /** Starts the list trigger (the extension's behaviour) on the worker handler. */
  startWorker(): void;
  stopWorker(): Promise<void>;
  /** Runs the requeue timer function once. */
  runRequeue(): Promise<void>;
  stop(): Promise<void>;
}

/**
 * The app's settings for a test's own Redis pair and database under a private key prefix, with
 * short timeouts and a fast worker poll (what every in-process or child-process stack runs with).
 */
export function stackEnv(options: { redis: RedisPair; database: { url: string }; prefix: string }): Record<string, string> {
  return {
    REDIS_MASTER: options.redis.master.connectionString,
    REDIS_REPLICA: options.redis.replica.connectionString,
    DATABASE_URL: options.database.url,
    REDIS_KEY_PREFIX: options.prefix,
    TASKS_KEY: `${options.prefix}tasks`,
    REDIS_TIMEOUT_MS: '1000',
    DATABASE_TIMEOUT_MS: '1500',
    WORKER_POLLING_INTERVAL_MS: '20',
  };
}

/** Headers of a client behind a trusted proxy: with ASPNETCORE_FORWARDEDHEADERS_ENABLED the host takes the address the proxy appended. */
export const from = (address: string): Record<string, string> => ({ 'x-forwarded-for': address });

/**
 * Starts the app on the test's Redis pair and database. `env` overrides the app's settings and the
 * local host's (e.g. ASPNETCORE_FORWARDEDHEADERS_ENABLED), read over process.env as `npm start` reads them.
 */
export async function startStack(options: {
  redis: RedisPair;
  database: TestDatabase | { url: string };
  env?: Record<string, string>;
  /** Shorter timings for the app (event streams, hub). */
  app?: Omit<FunctionAppOptions, 'services'>;
}): Promise<TestStack> {
  const prefix = `t${randomBytes(4).toString('hex')}:`;
  const operatorToken = randomBytes(18).toString('base64url');
  const config = loadConfig({
    OPERATOR_TOKEN: operatorToken,
    ...stackEnv({ redis: options.redis, database: options.database, prefix }),
    ...options.env,
  });
  const logs: LogLine[] = [];
  const log = (line: LogLine) => logs.push(line);
  const services = createServices(config, (message) => logs.push({ level: 'warning', source: 'services', message }));
  const app = createFunctionApp(config, { ...options.app, services });
  const registrations = buildRegistrations(app);
  const http = registrations.filter((r): r is HttpRegistration => r.kind === 'http');
  const worker = registrations.find((r): r is RedisListRegistration => r.kind === 'redisList');
  const timer = registrations.find((r): r is TimerRegistration => r.kind === 'timer');
  if (!worker || !timer) throw new Error('worker or timer registration missing');
  const port = await freePort();
  const settings = loadHostSettings({ ...process.env, ...options.env });
  const server: Server = await startHttpServer(http, { port, host: '127.0.0.1', log, settings });
  const baseUrl = `http://127.0.0.1:${port}`;
  const redis = new Redis({ port: options.redis.master.port, maxRetriesPerRequest: 1 });
  redis.on('error', () => undefined);
  const pollerClient = createRedisClient(config.redisMaster, { role: 'poller', timeoutMs: 1000, log: () => undefined });
  let poller: ListPoller | undefined;

  return {
    baseUrl,
    config,
    app,
    services,
    redis,
    logs,
    operator: { authorization: `Bearer ${operatorToken}` },
    async post(path, body, headers = {}) {
      const started = performance.now();
      const response = await fetch(`${baseUrl}${path}`, {
        method: 'POST',
        body,
        headers: { 'content-type': 'application/json', ...headers },
      });
      const json: unknown = await response.json();
      return { status: response.status, json, ms: performance.now() - started, headers: response.headers };
    },
    async get(path, headers = {}) {
      // A GET is safe to repeat: once more when a kept-alive socket was closed under it (the
      // server's keep-alive timeout racing the client's reuse after an idle spell).
      const response = await fetch(`${baseUrl}${path}`, { headers }).catch(() => fetch(`${baseUrl}${path}`, { headers }));
      const text = await response.text(); // a 304 has no body
      return {
        status: response.status,
        json: text === '' ? undefined : (JSON.parse(text) as unknown),
        headers: response.headers,
      };
    },
    startWorker() {
      poller ??= startListPoller(worker, pollerClient, log);
    },
    async stopWorker() {
      await poller?.stop();
      poller = undefined;
    },
    async runRequeue() {
      const context = new azf.InvocationContext({ functionName: timer.name, logHandler: () => undefined });
      await timer.handler({ isPastDue: false, schedule: { adjustForDST: false } } as azf.Timer, context);
    },
    async stop() {
      await poller?.stop();
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
      pollerClient.disconnect();
      redis.disconnect();
      await app.close();
    },
  };
}

/** A stack with its own Redis pair and database; `stop()` stops the stack, then both. */
export interface OwnedStack extends TestStack {
  redisPair: RedisPair;
  database: TestDatabase;
}

/** Options for {@link startOwnedStack}. */
export interface OwnedStackOptions {
  /** The Redis pair's cap. @defaultValue the ConfigMap's */
  maxmemory?: string;
  /** @defaultValue 'pglite' */
  database?: DatabaseKind;
  /** Overrides of the app's and the local host's settings (see {@link startStack}). */
  env?: Record<string, string>;
}

/** Starts a Redis pair and a database in parallel, then the stack on them. */
export async function startOwnedStack(options: OwnedStackOptions = {}): Promise<OwnedStack> {
  const started = await Promise.allSettled([
    startRedisPair({ maxmemory: options.maxmemory }),
    startDatabase(options.database ?? 'pglite'),
  ]);
  const [pair, db] = started;
  const stopBoth = () =>
    Promise.all([
      pair.status === 'fulfilled' ? pair.value.stop() : undefined,
      db.status === 'fulfilled' ? db.value.stop() : undefined,
    ]);
  if (pair.status === 'rejected' || db.status === 'rejected') {
    await stopBoth();
    throw pair.status === 'rejected' ? pair.reason : (db as PromiseRejectedResult).reason;
  }
  const redisPair = pair.value;
  const database = db.value;
  let stack: TestStack;
  try {
    stack = await startStack({ redis: redisPair, database, env: options.env });
  } catch (error) {
    await stopBoth();
    throw error;
  }
  // TestStack's methods are closures (no `this`), so spreading keeps them working.
  return {
    ...stack,
    redisPair,
    database,
    async stop() {
      await stack.stop();
      await stopBoth();
    },
  };
}

/** Polls `check` until it returns a value other than undefined, or fails after `timeoutMs`. */
export async function eventually<T>(check: () => Promise<T | undefined>, timeoutMs = 5000, what = 'condition'): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  while (Date.now() < deadline) {
    try {
      const value = await check();
      if (value !== undefined) return value;
    } catch (error) {
      last = error;
    }
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
  throw new Error(`timed out waiting for ${what}${last instanceof Error ? `: ${last.message}` : ''}`);
}

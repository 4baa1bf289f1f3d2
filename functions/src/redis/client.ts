// The one Redis client factory: bounded timeouts, an 'error' listener, auto-pipelining (but for
// the commands the caller names: the queue's scripts, which carry whole batches).
import { Redis, type RedisOptions } from 'ioredis';

import { DependencyUnavailableError } from '../errors.js';
import type { RedisEndpoint } from './connection-string.js';

/** Options for {@link createRedisClient}. */
export interface RedisClientOptions {
  /** Used in log lines, e.g. "master" or "replica". */
  role: string;
  /** Connect and per-command timeout in ms. */
  timeoutMs: number;
  /** Where connection errors are reported. @defaultValue console.warn */
  log?: (message: string) => void;
  /**
   * Commands sent as they come rather than through the auto-pipeline: those whose every call
   * already carries a batch (the queue's scripts, queue/scripts.ts `queueCommandNames`).
   * @defaultValue none
   */
  unpipelinedCommands?: readonly string[];
}

/** Where and how to connect, from a parsed connection string; the timeouts and retries are the caller's. */
export function endpointOptions(
  endpoint: RedisEndpoint,
): Pick<RedisOptions, 'host' | 'port' | 'username' | 'password' | 'db' | 'tls'> {
  return {
    host: endpoint.host,
    port: endpoint.port,
    username: endpoint.username,
    password: endpoint.password,
    db: endpoint.db,
    tls: endpoint.tls ? { servername: endpoint.host } : undefined,
  };
}

/**
 * Creates an ioredis client for one endpoint. Every command fails after `timeoutMs`
 * instead of waiting for a reconnect, so callers can answer 503 quickly.
 */
export function createRedisClient(endpoint: RedisEndpoint, options: RedisClientOptions): Redis {
  const log = options.log ?? ((message: string) => console.warn(message));
  const client = new Redis({
    ...endpointOptions(endpoint),
    connectTimeout: options.timeoutMs,
    commandTimeout: options.timeoutMs,
    // One retry per command, then the error reaches the caller (a 503), never a hang.
    maxRetriesPerRequest: 1,
    retryStrategy: (attempt) => Math.min(attempt * 200, 2000),
    enableAutoPipelining: true,
    autoPipeliningIgnoredCommands: [...(options.unpipelinedCommands ?? [])],
  });
  let lastLogged = 0;
  client.on('error', (error: Error) => {
    // ioredis emits an error on every failed reconnect; one line every 10 s is enough.
    const now = Date.now();
    if (now - lastLogged > 10_000) {
      lastLogged = now;
      log(`redis ${options.role} ${endpoint.host}:${endpoint.port}: ${error.message}`);
    }
  });
  return client;
}

/** Runs a call on the master; any failure becomes DependencyUnavailableError('redis'). */
export async function onMaster<T>(call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (error) {
    throw new DependencyUnavailableError('redis', { cause: error });
  }
}

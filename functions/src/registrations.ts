// The one list of functions: index.ts registers it with the Functions host, the local host
// (local-host/) serves the same handlers, and tests call them directly.
import type { HttpMethod, InvocationContext, Timer } from '@azure/functions';

import type { Config } from './config.js';
import { registration as allSubmissions } from './functions/all-submissions.js';
import { registration as currentValues } from './functions/current-values.js';
import { registration as fibWorker } from './functions/fib-worker.js';
import { registration as health } from './functions/health.js';
import { registration as recentValues } from './functions/recent-values.js';
import { registration as requeueExpired } from './functions/requeue-expired.js';
import { registration as stats } from './functions/stats.js';
import { registration as submitValue } from './functions/submit-value.js';
import { registration as valueByIndex } from './functions/value-by-index.js';
import type { HttpFunction } from './http/responses.js';

/** An HTTP-triggered function; `route` is under the host's `/api` prefix. */
export interface HttpRegistration {
  kind: 'http';
  name: string;
  methods: HttpMethod[];
  route: string;
  handler: HttpFunction;
}

/**
 * The Redis list trigger's binding, with the property names the current extension reads
 * (Azure/azure-functions-redis-extension RedisListTriggerAttribute): it pops up to
 * maxBatchSize entries with LPOP key COUNT, runs them in parallel, waits for all, then
 * sleeps pollingIntervalInMs. Microsoft's docs say the extension does not yet officially
 * support the Node v4 model; this is the one place the binding is written.
 */
export interface RedisListTriggerBinding {
  type: 'redisListTrigger';
  /** Name of the app setting holding the StackExchange.Redis connection string. */
  connection: 'REDIS_MASTER';
  key: string;
  maxBatchSize: number;
  pollingIntervalInMs: number;
  listDirection: 'left';
}

export interface RedisListRegistration {
  kind: 'redisList';
  name: string;
  trigger: RedisListTriggerBinding;
  handler: (entry: unknown, context: InvocationContext) => Promise<void>;
}

/** A timer (NCRONTAB with seconds). */
export interface TimerRegistration {
  kind: 'timer';
  name: string;
  schedule: string;
  handler: (timer: Timer, context: InvocationContext) => Promise<void>;
}

export type Registration = HttpRegistration | RedisListRegistration | TimerRegistration;

/** Every function of the app, configured from the validated settings. */
export function buildRegistrations(config: Readonly<Config>): Registration[] {
  return [submitValue, currentValues, recentValues, allSubmissions, valueByIndex, health, stats, fibWorker, requeueExpired].map(
    (register) => register(config),
  );
}

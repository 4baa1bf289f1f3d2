// The shapes of a registered function (HTTP, Redis list trigger, timer): what index.ts hands
// to @azure/functions, what the local host serves, and what each function file exports.
import type { HttpMethod, InvocationContext, Timer } from '@azure/functions';

import type { Config } from './config.js';
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

/** What each file under functions/ exports: its registration, built from the validated settings. */
export type RegisterFunction = (config: Readonly<Config>) => Registration;

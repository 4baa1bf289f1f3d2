// The shapes of a registered function (HTTP, Redis list trigger, timer): what index.ts hands
// to @azure/functions, what the local host serves, and what each function file exports.
import type { HttpMethod, InvocationContext, Timer } from '@azure/functions';

import type { FunctionApp, RunsOn } from './function-app.js';
import type { HttpFunction } from './http/responses.js';

/** What every registration declares besides its trigger. */
interface RegistrationBase {
  name: string;
  /**
   * Where it runs: `api` or `worker` (the two Deployments). The local runtime splits processes
   * by it and the manifests' tests check the Deployments' function lists against it.
   */
  runsOn: RunsOn;
  /** Run once where the function is selected, before its first invocation (e.g. the worker's engine). */
  start?: () => void;
}

/** An HTTP-triggered function; `route` is under the host's `/api` prefix. */
export interface HttpRegistration extends RegistrationBase {
  kind: 'http';
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

export interface RedisListRegistration extends RegistrationBase {
  kind: 'redisList';
  trigger: RedisListTriggerBinding;
  handler: (entry: unknown, context: InvocationContext) => Promise<void>;
}

/** A timer (NCRONTAB with seconds). */
export interface TimerRegistration extends RegistrationBase {
  kind: 'timer';
  schedule: string;
  handler: (timer: Timer, context: InvocationContext) => Promise<void>;
}

export type Registration = HttpRegistration | RedisListRegistration | TimerRegistration;

/** What each file under functions/ exports: its registration, closing over the app it serves. */
export type RegisterFunction = (app: FunctionApp) => Registration;

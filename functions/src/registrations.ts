// The one list of functions: index.ts registers it with the Functions host, the local host
// (local/host/) serves the same handlers, and tests call them directly.
import type { InvocationContext } from '@azure/functions';

import type { Config } from './config.js';
import type { FunctionApp } from './function-app.js';
import { registration as allSubmissions } from './functions/all-submissions.js';
import { registration as currentValues } from './functions/current-values.js';
import { registration as events } from './functions/events.js';
import { registration as fibWorker } from './functions/fib-worker.js';
import { registration as health } from './functions/health.js';
import { registration as queueMaintenance } from './functions/queue-maintenance.js';
import { registration as recentValues } from './functions/recent-values.js';
import { registration as redisTopology } from './functions/redis-topology.js';
import { registration as retryFailed } from './functions/retry-failed.js';
import { registration as stats } from './functions/stats.js';
import { registration as submitValue } from './functions/submit-value.js';
import { registration as valueByIndex } from './functions/value-by-index.js';
import { registration as workerLiveness } from './functions/worker-liveness.js';
import { withBrowserPolicy } from './http/browser-policy.js';
import type { RegisterFunction, Registration } from './registration-types.js';

/** Every HTTP function gets the browser policy (CORS, origin-checked JSON writes, nosniff). */
function withPolicy(registration: Registration, config: Readonly<Config>): Registration {
  if (registration.kind !== 'http') return registration;
  return {
    ...registration,
    methods: [...registration.methods, 'OPTIONS'],
    handler: withBrowserPolicy(registration.handler, { methods: registration.methods, allowedOrigins: config.allowedOrigins }),
  };
}

/** Every list-trigger invocation is recorded here, under the real host and the local one alike. */
function withInvocationRecord(registration: Registration, app: FunctionApp): Registration {
  if (registration.kind !== 'redisList') return registration;
  const { handler } = registration;
  return {
    ...registration,
    handler: (entry: unknown, context: InvocationContext) => {
      app.workerInvocations.record();
      return handler(entry, context);
    },
  };
}

const allFunctions: readonly RegisterFunction[] = [
  submitValue,
  currentValues,
  recentValues,
  allSubmissions,
  valueByIndex,
  health,
  stats,
  fibWorker,
  queueMaintenance,
  workerLiveness,
  events,
  redisTopology,
  retryFailed,
];

/** Every function of the app, closing over `app`. Building them opens nothing. */
export function buildRegistrations(app: FunctionApp): Registration[] {
  return allFunctions.map((register) => withPolicy(withInvocationRecord(register(app), app), app.config));
}

/**
 * The registrations a host process runs: those named in AzureFunctionsJobHost__functions__N
 * (all when unset; an unknown name throws), each started once (see {@link Registration.start}).
 */
export function startSelected(app: FunctionApp, selected: readonly string[] | undefined): Registration[] {
  const registrations = buildRegistrations(app).filter((r) => !selected || selected.includes(r.name));
  const unknown = selected?.filter((name) => !registrations.some((r) => r.name === name)) ?? [];
  if (unknown.length > 0) throw new Error(`AzureFunctionsJobHost__functions lists unknown functions: ${unknown.join(', ')}`);
  for (const registration of registrations) registration.start?.();
  return registrations;
}

/**
 * Whether a process that runs these registrations is the api (it answers HTTP, keeps the
 * submissions log in Postgres and reads the queue gauges), from their `runsOn` declarations.
 */
export function servesApi(registrations: readonly Registration[]): boolean {
  return registrations.some((r) => r.runsOn === 'api');
}

export type { HttpRegistration, RedisListRegistration, Registration, TimerRegistration } from './registration-types.js';

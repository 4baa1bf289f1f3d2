// GET /api/stats: queue length, pending, done, failed, worker heartbeats and throughput counters.
import { setTimeout as sleep } from 'node:timers/promises';

import type { HttpRequest, HttpResponseInit, InvocationContext } from '@azure/functions';

import type { FunctionApp } from '../function-app.js';
import type { Stats } from '../http/api-types.js';
import { handleErrors, json } from '../http/responses.js';
import { readMemory } from '../redis/memory.js';
import type { Registration } from '../registration-types.js';
import type { Services } from '../services.js';

/** The figures of /api/stats and of the `stats` server-sent event (one source, so they cannot drift). */
export async function readStats(services: Services, now: number): Promise<{ value: Stats; servedBy: string }> {
  const [{ value: figures, servedBy }, memory] = await Promise.all([
    services.readModel.stats(now),
    // The master's figure is a bonus here: a frozen master must not hold the stats up.
    Promise.race([readMemory(services.master), sleep(250).then(() => undefined)]).catch(() => undefined),
  ]);
  const value: Stats = { ...figures, maxIndex: services.config.maxIndex, time: now };
  if (memory) value.memory = memory;
  return { value, servedBy };
}

/** Figures for the UI's system panel and the load test, plus the `maxIndex` limit. */
export async function stats(_request: HttpRequest, _context: InvocationContext, app: FunctionApp): Promise<HttpResponseInit> {
  const { value, servedBy } = await readStats(app.services, Date.now());
  return json(200, value, { 'x-served-by': servedBy });
}

export const registration = (app: FunctionApp): Registration => ({
  runsOn: 'api',
  kind: 'http',
  name: 'stats',
  methods: ['GET'],
  route: 'stats',
  handler: handleErrors((request, context) => stats(request, context, app)),
});

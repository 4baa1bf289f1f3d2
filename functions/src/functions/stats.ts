// GET /api/stats: queue length, pending, done, failed, worker heartbeats and throughput counters.
import type { HttpRequest, HttpResponseInit, InvocationContext } from '@azure/functions';

import type { FunctionApp } from '../function-app.js';
import { handleErrors, json } from '../http/responses.js';
import type { Registration } from '../registration-types.js';
import { readStats } from '../stats/read-stats.js';

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

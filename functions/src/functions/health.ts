// GET /api/health: can this instance reach the Redis master, the replica and Postgres?
import type { HttpRequest, HttpResponseInit, InvocationContext } from '@azure/functions';

import type { FunctionApp } from '../function-app.js';
import { checkHealth, writesWork } from '../health/check-health.js';
import { handleErrors, json } from '../http/responses.js';
import type { Registration } from '../registration-types.js';

/**
 * 200 while writes work (a replica down alone only moves reads to the master: status
 * "degraded"), 503 when the Redis master or Postgres is down. The body says which part is
 * down and since when, and which node serves reads; never addresses or driver messages.
 */
export async function health(_request: HttpRequest, _context: InvocationContext, app: FunctionApp): Promise<HttpResponseInit> {
  const report = await checkHealth(app.services);
  return json(writesWork(report) ? 200 : 503, report);
}

export const registration = (app: FunctionApp): Registration => ({
  runsOn: 'api',
  kind: 'http',
  name: 'health',
  methods: ['GET'],
  route: 'health',
  handler: handleErrors((request, context) => health(request, context, app)),
});

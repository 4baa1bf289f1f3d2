// GET /api/health: can this instance reach the Redis master, the replica and Postgres?
import type { HttpRequest, HttpResponseInit, InvocationContext } from '@azure/functions';

import { checkHealth } from '../health/check-health.js';
import { handleErrors, json } from '../http/responses.js';
import type { Registration } from '../registration-types.js';
import { getServices } from '../services.js';

/** 200 when every part answers, else 503; the body says which part is down. */
export async function health(_request: HttpRequest, _context: InvocationContext): Promise<HttpResponseInit> {
  const report = await checkHealth(getServices());
  return json(report.status === 'ok' ? 200 : 503, report);
}

export const registration = (): Registration => ({
  kind: 'http',
  name: 'health',
  methods: ['GET'],
  route: 'health',
  handler: handleErrors(health),
});

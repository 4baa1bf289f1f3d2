// GET /api/stats: queue length, pending, done, failed, worker heartbeats and throughput counters.
import type { HttpRequest, HttpResponseInit, InvocationContext } from '@azure/functions';

import type { Stats } from '../http/api-types.js';
import { handleErrors, json } from '../http/responses.js';
import type { Registration } from '../registration-types.js';
import { getServices } from '../services.js';

/** Figures for the UI's system panel and the load test, plus the `maxIndex` limit. */
export async function stats(_request: HttpRequest, _context: InvocationContext): Promise<HttpResponseInit> {
  const services = getServices();
  const now = Date.now();
  const { value: figures, servedBy } = await services.readModel.stats(now);
  return json(200, { ...figures, maxIndex: services.config.maxIndex, time: now } satisfies Stats, { 'x-served-by': servedBy });
}

export const registration = (): Registration => ({
  kind: 'http',
  name: 'stats',
  methods: ['GET'],
  route: 'stats',
  handler: handleErrors(stats),
});

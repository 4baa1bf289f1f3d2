// GET /api/topology: the Redis nodes (master, replica) with role, link, offset, lag and which
// one serves reads, from INFO replication; what the StatefulSet panel of the web UI shows.
import type { HttpRequest, HttpResponseInit, InvocationContext } from '@azure/functions';

import type { FunctionApp } from '../function-app.js';
import { handleErrors, json } from '../http/responses.js';
import type { Registration } from '../registration-types.js';

/** 200 `RedisTopology` always: a node that does not answer is shown `up: false`. */
export async function redisTopology(
  _request: HttpRequest,
  _context: InvocationContext,
  app: FunctionApp,
): Promise<HttpResponseInit> {
  const { services } = app;
  return json(200, await app.topology.read(services));
}

export const registration = (app: FunctionApp): Registration => ({
  runsOn: 'api',
  kind: 'http',
  name: 'redis-topology',
  methods: ['GET'],
  route: 'topology',
  handler: handleErrors((request, context) => redisTopology(request, context, app)),
});

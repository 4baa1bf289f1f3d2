// GET /api/topology: the Redis nodes (master, replica) with role, link, offset, lag (INFO
// replication) and which one serves reads (the read router's); what the StatefulSet panel of the web UI shows.
import type { HttpRequest, HttpResponseInit, InvocationContext } from '@azure/functions';

import type { FunctionApp } from '../function-app.js';
import { handleErrors, json } from '../http/responses.js';
import { readTopology } from '../live/redis-topology.js';
import type { Registration } from '../registration-types.js';

/** 200 `RedisTopology` always: a node that does not answer is shown `up: false`. */
export async function redisTopology(
  _request: HttpRequest,
  _context: InvocationContext,
  app: FunctionApp,
): Promise<HttpResponseInit> {
  return json(200, await readTopology(app.services));
}

export const registration = (app: FunctionApp): Registration => ({
  runsOn: 'api',
  kind: 'http',
  name: 'redis-topology',
  methods: ['GET'],
  route: 'topology',
  handler: handleErrors((request, context) => redisTopology(request, context, app)),
});

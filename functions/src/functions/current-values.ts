// GET /api/values/current: the workshop's values map for the most recent indices.
import type { HttpRequest, HttpResponseInit, InvocationContext } from '@azure/functions';

import type { FunctionApp } from '../function-app.js';
import { parseLimit } from '../http/query-params.js';
import { handleErrors, json } from '../http/responses.js';
import type { Registration } from '../registration-types.js';

/** `{"<index>": "<value or 'Nothing yet!'>"}`, huge values shortened; `?limit=` (default 100, max 1000). */
export async function currentValues(
  request: HttpRequest,
  _context: InvocationContext,
  app: FunctionApp,
): Promise<HttpResponseInit> {
  const limit = parseLimit(request.query.get('limit'), 100, 1000);
  const { value, servedBy } = await app.services.readModel.currentValues(limit);
  return json(200, value, { 'x-served-by': servedBy });
}

export const registration = (app: FunctionApp): Registration => ({
  runsOn: 'api',
  kind: 'http',
  name: 'current-values',
  methods: ['GET'],
  route: 'values/current',
  handler: handleErrors((request, context) => currentValues(request, context, app)),
});

// GET /api/values/recent: newest-first page of submitted indices with status and value.
import type { HttpRequest, HttpResponseInit, InvocationContext } from '@azure/functions';

import type { FunctionApp } from '../function-app.js';
import type { RecentValuesPage } from '../http/api-types.js';
import { parseCursor, parseLimit } from '../http/query-params.js';
import { handleErrors, json } from '../http/responses.js';
import type { Registration } from '../registration-types.js';

/** `{ items: [{ index, status, value, digits, truncated, computedMs }], next }`; `?limit=&before=`. */
export async function recentValues(
  request: HttpRequest,
  _context: InvocationContext,
  app: FunctionApp,
): Promise<HttpResponseInit> {
  const limit = parseLimit(request.query.get('limit'), 20, 200);
  const before = parseCursor(request.query.get('before'));
  const { value: page, servedBy } = await app.services.readModel.recentValues(limit, before);
  return json(
    200,
    {
      items: page.items.map(({ sequence: _sequence, ...item }) => item),
      next: page.next === null ? null : String(page.next),
    } satisfies RecentValuesPage,
    { 'x-served-by': servedBy },
  );
}

export const registration = (app: FunctionApp): Registration => ({
  runsOn: 'api',
  kind: 'http',
  name: 'recent-values',
  methods: ['GET'],
  route: 'values/recent',
  handler: handleErrors((request, context) => recentValues(request, context, app)),
});

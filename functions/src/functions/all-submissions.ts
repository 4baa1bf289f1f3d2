// GET /api/values/all: the submissions log from Postgres, newest first, paginated.
import type { HttpRequest, HttpResponseInit, InvocationContext } from '@azure/functions';

import type { FunctionApp } from '../function-app.js';
import { parseCursor, parseLimit } from '../http/query-params.js';
import { handleErrors, json } from '../http/responses.js';
import type { Registration } from '../registration-types.js';

/** `[{ number, id, submittedAt }]` (the workshop's shape plus cursor); `X-Next-Before` when more exist. */
export async function allSubmissions(
  request: HttpRequest,
  _context: InvocationContext,
  app: FunctionApp,
): Promise<HttpResponseInit> {
  const limit = parseLimit(request.query.get('limit'), 100, 1000);
  const before = parseCursor(request.query.get('before'));
  const store = await app.services.submissions();
  const rows = await store.list(limit, before);
  const last = rows[rows.length - 1];
  const headers: Record<string, string> = rows.length === limit && last ? { 'x-next-before': String(last.id) } : {};
  return json(200, rows, headers);
}

export const registration = (app: FunctionApp): Registration => ({
  runsOn: 'api',
  kind: 'http',
  name: 'all-submissions',
  methods: ['GET'],
  route: 'values/all',
  handler: handleErrors((request, context) => allSubmissions(request, context, app)),
});

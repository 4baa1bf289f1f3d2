// GET /api/values/{index}: status and full value of one index.
import type { HttpRequest, HttpResponseInit, InvocationContext } from '@azure/functions';

import { InvalidInputError } from '../errors.js';
import { fullReadCost, indexCost, tooManyRequests } from '../fair-use/fair-use.js';
import type { FunctionApp } from '../function-app.js';
import type { ValueDetail } from '../http/api-types.js';
import { handleErrors, json, jsonError } from '../http/responses.js';
import type { Registration } from '../registration-types.js';
import { checkIndex } from '../validation/index-input.js';

/** A value never changes once computed: clients and caches may keep it for good. */
const immutable = 'public, max-age=31536000, immutable';

/** Characters of the decimal string per streamed chunk. */
const chunkChars = 64 * 1024;

/** The strong validator of F(index)'s answer: the index names the value. */
function valueTag(indexKey: string): string {
  return `"fib-${indexKey}"`;
}

function matchesTag(request: HttpRequest, tag: string): boolean {
  const header = request.headers.get('if-none-match');
  return header !== null && (header.trim() === '*' || header.split(',').some((part) => part.trim() === tag));
}

/** The detail JSON with the full decimal value, streamed in chunks instead of built as one string. */
function streamedDetail(detail: ValueDetail, decimal: string): ReadableStream<Uint8Array> {
  const encoder = new TextEncoder();
  // Digits need no JSON escaping: the value goes between the two halves as it is.
  const [before, after] = JSON.stringify({ ...detail, value: null }).split('"value":null') as [string, string];
  const parts = [`${before}"value":"`];
  for (let offset = 0; offset < decimal.length; offset += chunkChars) parts.push(decimal.slice(offset, offset + chunkChars));
  parts.push(`"${after}`);
  let next = 0;
  return new ReadableStream<Uint8Array>({
    pull(controller) {
      const part = parts[next++];
      if (part === undefined) controller.close();
      else controller.enqueue(encoder.encode(part));
    },
  });
}

/**
 * `{ index, status, value, digits, computedMs, attempts }`; 404 when the index was never
 * submitted. A done value is streamed and cacheable for good (ETag, immutable; a matching
 * If-None-Match gets 304 without touching Redis). A full read of a large value costs the
 * reader's fair-use budget by the digits it sends, and more when the api must render them
 * first (fullReadCost); a 304 costs nothing. A value Redis dropped under its memory
 * cap is queued again (`recomputing`). Postgres is the record: an index Redis does not know (it
 * lost its data) but the log holds is `queued` (the read model's status rule).
 */
export async function valueByIndex(
  request: HttpRequest,
  _context: InvocationContext,
  app: FunctionApp,
): Promise<HttpResponseInit> {
  const { services } = app;
  const checked = checkIndex(request.params.index ?? '', services.config.maxIndex);
  if (!checked.ok) throw new InvalidInputError(checked.error, checked.status);
  const tag = valueTag(checked.key);
  if (matchesTag(request, tag)) return { status: 304, headers: { etag: tag, 'cache-control': immutable } };
  const { value: found, servedBy } = await services.readModel.valueDetail(checked.key, async (index) =>
    (await services.submissions()).isLogged(index),
  );
  const headers = { 'x-served-by': servedBy };
  if (found?.stored) {
    const cost = fullReadCost(checked.index, services.decimals.cached(checked.index) !== undefined);
    if (cost > 0) {
      const budget = await services.fairUse.take(request, cost);
      if (!budget.ok) return tooManyRequests(budget.retryAfterMs);
    }
    const decimal = await services.decimals.render(checked.index, found.stored);
    if (decimal !== null) {
      return {
        status: 200,
        headers: { ...headers, 'content-type': 'application/json; charset=utf-8', etag: tag, 'cache-control': immutable },
        body: streamedDetail(found.detail, decimal),
      };
    }
  }
  if (found?.detail.status === 'dropped') {
    const budget = await services.fairUse.take(request, indexCost(checked.index));
    if (!budget.ok) return tooManyRequests(budget.retryAfterMs);
    await services.producer.enqueue([checked.key]);
    return json(200, { ...found.detail, status: 'recomputing' } satisfies ValueDetail, headers);
  }
  if (found) return json(200, found.detail, headers);
  return jsonError(404, `index ${checked.key} has not been submitted`, headers);
}

export const registration = (app: FunctionApp): Registration => ({
  runsOn: 'api',
  kind: 'http',
  name: 'value-by-index',
  methods: ['GET'],
  route: 'values/{index}',
  handler: handleErrors((request, context) => valueByIndex(request, context, app)),
});

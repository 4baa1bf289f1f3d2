// POST /api/failed/retry: the operator queues every failed index again, or a filtered set.
// Needs the operator credential (OPERATOR_TOKEN as `Authorization: Bearer <token>`).
import type { HttpRequest, HttpResponseInit, InvocationContext } from '@azure/functions';
import { z } from 'zod';

import type { FunctionApp } from '../function-app.js';
import { handleErrors, json, jsonError } from '../http/responses.js';
import { retryFailed } from '../queue/failed-retry.js';
import type { Registration } from '../registration-types.js';

const maxBodyBytes = 100_000;
const index = z.number().int().min(0);

/** The body: all optional; `{}` (or no body) retries every failed index, up to `limit`. */
const retryRequest = z
  .object({
    indices: z.array(index).max(10_000).optional(),
    from: index.optional(),
    to: index.optional(),
    limit: z.number().int().min(1).max(100_000).optional(),
  })
  .strict();

/** 200 `{ retried, remaining, sample }`; 401 without the operator credential; 400 on a bad filter. */
export async function retryFailedIndices(
  request: HttpRequest,
  context: InvocationContext,
  app: FunctionApp,
): Promise<HttpResponseInit> {
  const { services } = app;
  if (!services.fairUse.isOperator(request)) {
    const why = services.config.operatorToken
      ? 'retrying failed indices needs the operator credential (Authorization: Bearer <OPERATOR_TOKEN>)'
      : 'retrying failed indices needs the operator credential, and this server has no OPERATOR_TOKEN';
    return jsonError(401, why, { 'www-authenticate': 'Bearer' });
  }
  const text = await request.text();
  if (text.length > maxBodyBytes) return jsonError(413, `request body is larger than ${maxBodyBytes} bytes`);
  let body: unknown = {};
  if (text.trim() !== '') {
    try {
      body = JSON.parse(text);
    } catch {
      return jsonError(400, 'the body must be JSON like {"from":0,"to":1000} or empty');
    }
  }
  const parsed = retryRequest.safeParse(body);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    return jsonError(400, `${issue?.path.join('.') || 'body'}: ${issue?.message ?? 'invalid'}`);
  }
  const filter = parsed.data;
  if (filter.from !== undefined && filter.to !== undefined && filter.from > filter.to) {
    return jsonError(400, 'from must not be above to');
  }
  const result = await retryFailed(services.master, services.keys, services.producer, filter);
  context.log(`retry-failed: ${result.retried} failed indices queued again, ${result.remaining} left`);
  return json(200, result);
}

export const registration = (app: FunctionApp): Registration => ({
  runsOn: 'api',
  kind: 'http',
  name: 'retry-failed',
  methods: ['POST'],
  route: 'failed/retry',
  handler: handleErrors((request, context) => retryFailedIndices(request, context, app)),
});

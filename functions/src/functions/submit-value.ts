// POST /api/values: validate, log the submission in Postgres and queue the index in Redis.
import type { HttpRequest, HttpResponseInit, InvocationContext } from '@azure/functions';

import { errorMessage, SubmissionUnavailableError } from '../errors.js';
import { indexCost, tooManyRequests } from '../fair-use/fair-use.js';
import type { FunctionApp } from '../function-app.js';
import type { SubmitAnswer, SubmitFailure } from '../http/api-types.js';
import { readBodyText } from '../http/request-body.js';
import { handleErrors, json } from '../http/responses.js';
import type { Registration } from '../registration-types.js';
import { checkSubmissionBody } from '../validation/index-input.js';

const maxBodyBytes = 10_000;

// The IETF httpapi draft's Idempotency-Key: an opaque string; we take printable ASCII up to 255.
const idempotencyKeyPattern = /^[\x21-\x7e]{1,255}$/;

/**
 * 202 `{ working, index, status }` once the row is logged and the task queued. A 503 names the
 * store that is down and says what happened to the submission (SubmitFailure); a retry with
 * the same `Idempotency-Key` header is never logged twice.
 */
export async function submitValue(request: HttpRequest, context: InvocationContext, app: FunctionApp): Promise<HttpResponseInit> {
  const { services } = app;
  const idempotencyKey = request.headers.get('idempotency-key') ?? undefined;
  if (idempotencyKey !== undefined && !idempotencyKeyPattern.test(idempotencyKey)) {
    return json(400, { error: 'Idempotency-Key must be 1 to 255 printable ASCII characters' });
  }
  // Read with the cap, not whole-then-check: the host lets through up to FUNCTIONS_REQUEST_BODY_SIZE_LIMIT.
  const read = await readBodyText(request, maxBodyBytes);
  if (!read.ok) return json(413, { error: `request body is larger than ${maxBodyBytes} bytes` });
  const body = read.text;
  const checked = checkSubmissionBody(body, services.config.maxIndex);
  if (!checked.ok) return json(checked.status, { error: checked.error });
  const budget = await services.fairUse.take(request, indexCost(checked.index));
  if (!budget.ok) return tooManyRequests(budget.retryAfterMs);
  try {
    const status = await services.submit(checked, idempotencyKey);
    return json(202, { working: true, index: checked.index, status } satisfies SubmitAnswer);
  } catch (error) {
    if (!(error instanceof SubmissionUnavailableError) || error.dependency === 'redis-replica') throw error;
    context.warn(`submit-value: ${error.dependency} unavailable (${error.outcome}): ${errorMessage(error.cause)}`);
    const advice = {
      'not-logged': 'nothing was recorded; try again shortly',
      logged: 'the submission is recorded and will be computed once redis is back; do not resubmit',
      unknown: 'it may have been recorded; retry with the same Idempotency-Key to be sure it is recorded once',
    }[error.outcome];
    const answer: SubmitFailure = {
      error: `${error.dependency} is unavailable; ${advice}`,
      store: error.dependency,
      outcome: error.outcome,
    };
    return json(503, answer, { 'retry-after': '1' });
  }
}

export const registration = (app: FunctionApp): Registration => ({
  runsOn: 'api',
  kind: 'http',
  name: 'submit-value',
  methods: ['POST'],
  route: 'values',
  handler: handleErrors((request, context) => submitValue(request, context, app)),
});

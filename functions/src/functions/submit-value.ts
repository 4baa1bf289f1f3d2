// POST /api/values: validate, log the submission in Postgres and queue the index in Redis.
import type { HttpRequest, HttpResponseInit, InvocationContext } from '@azure/functions';

import { errorMessage, SubmissionUnavailableError } from '../errors.js';
import { indexCost, tooManyRequests } from '../fair-use/fair-use.js';
import type { FunctionApp } from '../function-app.js';
import type { SubmitAnswer, SubmitFailure } from '../http/api-types.js';
import { readBodyText } from '../http/request-body.js';
import { handleErrors, type HttpFunction, json, jsonError } from '../http/responses.js';
import { dropTraceparent, saveTraceparent } from '../observability/trace-carrier.js';
import { activeTraceparent, contextFrom, inSpan, SpanKind, tracingEnabled, withTraceId } from '../observability/tracing.js';
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
    return jsonError(400, 'Idempotency-Key must be 1 to 255 printable ASCII characters');
  }
  // Read with the cap, not whole-then-check: the host lets through up to FUNCTIONS_REQUEST_BODY_SIZE_LIMIT.
  const read = await readBodyText(request, maxBodyBytes);
  if (!read.ok) return jsonError(413, `request body is larger than ${maxBodyBytes} bytes`);
  const body = read.text;
  const checked = checkSubmissionBody(body, services.config.maxIndex);
  if (!checked.ok) return jsonError(checked.status, checked.error);
  const budget = await services.fairUse.take(request, indexCost(checked.index));
  if (!budget.ok) return tooManyRequests(budget.retryAfterMs);
  // Tracing on: the worker continues this trace from the traceparent carried through Redis.
  const traceparent = tracingEnabled() ? activeTraceparent() : undefined;
  if (traceparent) await saveTraceparent(services.master, services.keys, checked.key, traceparent).catch(() => undefined);
  try {
    const status = await services.submit(checked, idempotencyKey);
    if (traceparent && status === 'done')
      await dropTraceparent(services.master, services.keys, checked.key).catch(() => undefined);
    return json(202, { working: true, index: checked.index, status } satisfies SubmitAnswer);
  } catch (error) {
    if (!(error instanceof SubmissionUnavailableError) || error.dependency === 'redis-replica') throw error;
    context.warn(withTraceId(`submit-value: ${error.dependency} unavailable (${error.outcome}): ${errorMessage(error.cause)}`));
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

/**
 * Counts every answer by outcome and times it (fib_submissions_total, fib_submit_duration_seconds),
 * in a server span that continues the host's invocation trace context (under the real host, itself
 * continuing the caller's `traceparent`), else the caller's `traceparent` header.
 */
function measured(app: FunctionApp, handler: HttpFunction): HttpFunction {
  return (request, context) => {
    const parent = contextFrom({
      // The real host's invocation context already continues the caller's header; the local host has none.
      traceparent: context.traceContext?.traceParent ?? request.headers.get('traceparent'),
      tracestate: context.traceContext?.traceState ?? request.headers.get('tracestate'),
    });
    const attributes = { 'http.request.method': 'POST', 'http.route': '/api/values' };
    return inSpan('POST /api/values', { kind: SpanKind.SERVER, parent, attributes }, async (span) => {
      const started = performance.now();
      const response = await handler(request, context);
      app.metrics.observeSubmission(response.status ?? 200, (performance.now() - started) / 1000);
      span.setAttribute('http.response.status_code', response.status ?? 200);
      return response;
    });
  };
}

export const registration = (app: FunctionApp): Registration => ({
  runsOn: 'api',
  kind: 'http',
  name: 'submit-value',
  methods: ['POST'],
  route: 'values',
  handler: measured(
    app,
    handleErrors((request, context) => submitValue(request, context, app)),
  ),
});

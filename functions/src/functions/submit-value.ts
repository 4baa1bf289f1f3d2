// POST /api/values: validate, log the submission in Postgres and queue the index in Redis.
import type { HttpRequest, HttpResponseInit, InvocationContext } from '@azure/functions';

import type { SubmitAnswer } from '../http/api-types.js';
import { handleErrors, json } from '../http/responses.js';
import type { Registration } from '../registration-types.js';
import { getServices } from '../services.js';
import { checkSubmissionBody } from '../validation/index-input.js';

const maxBodyBytes = 10_000;

/** 202 `{ working, index, status }` once the row is committed and the task queued. */
export async function submitValue(request: HttpRequest, _context: InvocationContext): Promise<HttpResponseInit> {
  const services = getServices();
  const body = await request.text();
  if (body.length > maxBodyBytes) return json(413, { error: `request body is larger than ${maxBodyBytes} bytes` });
  const checked = checkSubmissionBody(body, services.config.maxIndex);
  if (!checked.ok) return json(checked.status, { error: checked.error });
  const status = await services.submit(checked);
  return json(202, { working: true, index: checked.index, status } satisfies SubmitAnswer);
}

export const registration = (): Registration => ({
  kind: 'http',
  name: 'submit-value',
  methods: ['POST'],
  route: 'values',
  handler: handleErrors(submitValue),
});

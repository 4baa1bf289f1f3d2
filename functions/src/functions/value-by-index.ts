// GET /api/values/{index}: status and full value of one index.
import type { HttpRequest, HttpResponseInit, InvocationContext } from '@azure/functions';

import { InvalidInputError } from '../errors.js';
import { handleErrors, json } from '../http/responses.js';
import type { Registration } from '../registration-types.js';
import { getServices } from '../services.js';
import { checkIndex } from '../validation/index-input.js';

/** `{ index, status, value, digits, computedMs }`; 404 when the index was never submitted. */
export async function valueByIndex(request: HttpRequest, _context: InvocationContext): Promise<HttpResponseInit> {
  const services = getServices();
  const checked = checkIndex(request.params.index ?? '', services.config.maxIndex);
  if (!checked.ok) throw new InvalidInputError(checked.error, checked.status);
  const detail = await services.view.valueDetail(checked.key);
  if (detail === null) return json(404, { error: `index ${checked.key} has not been submitted` });
  return json(200, detail);
}

export const registration = (): Registration => ({
  kind: 'http',
  name: 'value-by-index',
  methods: ['GET'],
  route: 'values/{index}',
  handler: handleErrors(valueByIndex),
});

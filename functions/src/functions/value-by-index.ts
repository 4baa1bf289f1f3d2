// GET /api/values/{index}: status and full value of one index.
import type { HttpRequest, HttpResponseInit, InvocationContext } from '@azure/functions';

import { InvalidInputError } from '../errors.js';
import type { ValueDetail } from '../http/api-types.js';
import { handleErrors, json } from '../http/responses.js';
import type { Registration } from '../registration-types.js';
import { getServices } from '../services.js';
import { checkIndex } from '../validation/index-input.js';

/**
 * `{ index, status, value, digits, computedMs, attempts }`; 404 when the index was never
 * submitted. Postgres is the record: an index Redis does not know (it lost its data) but the
 * log holds is `queued`, since the log replay queues it again.
 */
export async function valueByIndex(request: HttpRequest, _context: InvocationContext): Promise<HttpResponseInit> {
  const services = getServices();
  const checked = checkIndex(request.params.index ?? '', services.config.maxIndex);
  if (!checked.ok) throw new InvalidInputError(checked.error, checked.status);
  const { value: detail, servedBy } = await services.readModel.valueDetail(checked.key);
  const headers = { 'x-served-by': servedBy };
  if (detail !== null) return json(200, detail, headers);
  if (await (await services.submissions()).isLogged(checked.index)) {
    const queued: ValueDetail = {
      index: checked.index,
      status: 'queued',
      value: null,
      digits: null,
      computedMs: null,
      attempts: 0,
    };
    return json(200, queued, headers);
  }
  return json(404, { error: `index ${checked.key} has not been submitted` }, headers);
}

export const registration = (): Registration => ({
  kind: 'http',
  name: 'value-by-index',
  methods: ['GET'],
  route: 'values/{index}',
  handler: handleErrors(valueByIndex),
});

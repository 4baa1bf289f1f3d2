// GET /api/worker/live: the worker Deployment's livenessProbe. Fails (503) when the head of
// `tasks` has waited longer than the derived bound while this process received no fib-worker
// invocation, i.e. when the Redis extension's poll loop has stopped (see live/stall-detector.ts).
// Enabled only on the worker (AzureFunctionsJobHost__functions__1=worker-liveness).
import type { HttpRequest, HttpResponseInit, InvocationContext } from '@azure/functions';

import { errorMessage } from '../errors.js';
import type { FunctionApp } from '../function-app.js';
import { handleErrors, json } from '../http/responses.js';
import type { HeadObservation } from '../live/stall-detector.js';
import type { Registration } from '../registration-types.js';

/** 200 `{ live: true, ... }`, or 503 `{ live: false, error, ... }`. */
export async function workerLiveness(
  _request: HttpRequest,
  context: InvocationContext,
  app: FunctionApp,
): Promise<HttpResponseInit> {
  const { services } = app;
  let observation: HeadObservation;
  try {
    observation = { reachable: true, head: await services.master.lindex(services.keys.tasks, 0) };
  } catch (error) {
    context.warn(`worker-liveness: redis did not answer (${errorMessage(error)})`);
    observation = { reachable: false };
  }
  const verdict = app.stallDetector.observe(observation, app.workerInvocations.snapshot());
  if (!verdict.live) context.error(`worker-liveness: ${verdict.error}`);
  return json(verdict.live ? 200 : 503, verdict);
}

export const registration = (app: FunctionApp): Registration => ({
  // Its probe asks about this process's own list trigger, so it runs beside it.
  runsOn: 'worker',
  kind: 'http',
  name: 'worker-liveness',
  methods: ['GET'],
  route: 'worker/live',
  handler: handleErrors((request, context) => workerLiveness(request, context, app)),
});

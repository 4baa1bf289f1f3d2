// The worker: a Redis list trigger on TASKS_KEY that computes and stores one value per entry.
import type { InvocationContext } from '@azure/functions';

import type { FunctionApp } from '../function-app.js';
import { takeTraceparent } from '../observability/trace-carrier.js';
import { contextFrom, inSpan, SpanKind, tracingEnabled, withTraceId } from '../observability/tracing.js';
import { processTask } from '../queue/process-task.js';
import type { Registration } from '../registration-types.js';

/** Handles one popped entry (already JSON-parsed by the Node worker: "42" arrives as 42). */
export async function fibWorker(entry: unknown, context: InvocationContext, app: FunctionApp): Promise<void> {
  const { services } = app;
  services.heartbeat.start();
  const run = () =>
    processTask(entry, {
      consumer: services.consumer,
      leaseKeeper: services.leaseKeeper,
      budget: services.workBudget,
      engine: app.fibonacci,
      maxIndex: services.config.maxIndex,
      log: (message) => context.warn(withTraceId(message)),
      observe: (outcome, computeSeconds) => app.metrics.observeTask(outcome, computeSeconds),
      span: (name, step) => inSpan(name, {}, step),
      stopping: app.stopping,
    });
  if (!tracingEnabled()) {
    await app.track(run);
    return;
  }
  // The Redis trigger is not traced by the host: continue the submission's trace from the
  // traceparent it carried through Redis (observability/trace-carrier.ts).
  const indexKey = typeof entry === 'number' || typeof entry === 'string' ? String(entry) : '';
  const traceparent = indexKey
    ? await takeTraceparent(services.master, services.keys, indexKey).catch(() => undefined)
    : undefined;
  const parent = traceparent ? contextFrom({ traceparent }) : undefined;
  const attributes = {
    'messaging.system': 'redis',
    'messaging.destination.name': services.config.tasksKey,
    'fib.index': indexKey,
  };
  await app.track(() => inSpan('fib.task', { kind: SpanKind.CONSUMER, attributes, ...(parent ? { parent } : {}) }, run));
}

export const registration = (app: FunctionApp): Registration => {
  const { config } = app;
  return {
    runsOn: 'worker',
    // Chosen when the worker starts (only where it runs: the api never loads the native GMP
    // binding), so FIB_ENGINE=gmp without a loadable binding fails at start, not at the first task:
    // index.ts throws at import, and the real host stays up with no functions, logging "Worker
    // failed to index functions" with the error; the worker pod then pops nothing, and its
    // liveness probe (/api/worker/live) gets the host's 404, so the kubelet restarts the container
    // again and again until the setting is fixed.
    start: () => void app.fibonacci,
    kind: 'redisList',
    name: 'fib-worker',
    trigger: {
      type: 'redisListTrigger',
      connection: 'REDIS_MASTER',
      key: config.tasksKey,
      maxBatchSize: config.workerMaxBatchSize,
      pollingIntervalInMs: config.workerPollingIntervalMs,
      listDirection: 'left',
    },
    handler: (entry, context) => fibWorker(entry, context, app),
  };
};

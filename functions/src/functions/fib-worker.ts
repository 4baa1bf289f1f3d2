// The worker: a Redis list trigger on TASKS_KEY that computes and stores one value per entry.
import type { InvocationContext } from '@azure/functions';

import { useFibonacciEngine } from '../fib/fibonacci-engine.js';
import type { FunctionApp } from '../function-app.js';
import { processTask } from '../queue/process-task.js';
import type { Registration } from '../registration-types.js';

/** Handles one popped entry (already JSON-parsed by the Node worker: "42" arrives as 42). */
export async function fibWorker(entry: unknown, context: InvocationContext, app: FunctionApp): Promise<void> {
  const { services } = app;
  await app.track(() =>
    processTask(entry, {
      consumer: services.consumer,
      leaseKeeper: services.leaseKeeper,
      budget: services.workBudget,
      maxIndex: services.config.maxIndex,
      log: (message) => context.warn(message),
      stopping: app.stopping,
    }),
  );
}

export const registration = (app: FunctionApp): Registration => {
  const { config } = app;
  return {
    runsOn: 'worker',
    // Chosen when the worker starts (only where it runs: the api never loads the native GMP
    // binding), so FIB_ENGINE=gmp without a loadable binding stops the process there, not at the first task.
    start: () => void useFibonacciEngine(config.fibEngine),
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

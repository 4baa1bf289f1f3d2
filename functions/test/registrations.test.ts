import { describe, expect, it } from 'vitest';

import { selectedFunctionNames } from '../../local/host/function-selection.js';
import { loadConfig } from '../src/config.js';
import { buildRegistrations } from '../src/registrations.js';

describe('registrations', () => {
  const config = loadConfig({ TASKS_KEY: 'fib-tasks', WORKER_MAX_BATCH_SIZE: '250', WORKER_POLLING_INTERVAL_MS: '50' });
  const registrations = buildRegistrations(config);

  it('binds the worker with the property names the current Redis extension reads', () => {
    const worker = registrations.find((r) => r.name === 'fib-worker');
    expect(worker).toMatchObject({
      kind: 'redisList',
      trigger: {
        type: 'redisListTrigger',
        connection: 'REDIS_MASTER',
        key: 'fib-tasks',
        maxBatchSize: 250,
        pollingIntervalInMs: 50,
        listDirection: 'left',
      },
    });
  });

  it('serves every route of the API under unique function names', () => {
    const routes = registrations.flatMap((r) =>
      r.kind === 'http' ? [`${r.methods.filter((m) => m !== 'OPTIONS').join(',')} ${r.route}`] : [],
    );
    expect(routes.sort()).toEqual(
      [
        'GET health',
        'GET stats',
        'GET values/all',
        'GET values/current',
        'GET values/recent',
        'GET values/{index}',
        'POST values',
        'GET worker/live',
        'GET events',
        'GET topology',
        'POST failed/retry',
      ].sort(),
    );
    expect(new Set(registrations.map((r) => r.name)).size).toBe(registrations.length);
  });

  it('selects functions the way AzureFunctionsJobHost__functions__N does, in index order', () => {
    expect(
      selectedFunctionNames({ AzureFunctionsJobHost__functions__1: 'stats', AzureFunctionsJobHost__functions__0: 'health' }),
    ).toEqual(['health', 'stats']);
    expect(selectedFunctionNames({})).toBeUndefined();
  });
});

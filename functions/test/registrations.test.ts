import { describe, expect, it } from 'vitest';

import { loadConfig } from '../src/config.js';
import { createFunctionApp } from '../src/function-app.js';
import { selectedFunctionNames } from '../src/function-selection.js';
import { buildRegistrations, startSelected } from '../src/registrations.js';

describe('registrations', () => {
  const config = loadConfig({ TASKS_KEY: 'fib-tasks', WORKER_MAX_BATCH_SIZE: '250', WORKER_POLLING_INTERVAL_MS: '50' });
  const registrations = buildRegistrations(createFunctionApp(config));

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

  it('gives the list trigger all five properties the host needs to build its attribute', () => {
    // The host's AttributeCloner (Azure/azure-webjobs-sdk
    // src/Microsoft.Azure.WebJobs.Host/Bindings/AttributeCloner.cs) picks the RedisListTrigger
    // constructor only when every one of its parameters is present; a missing one and the
    // function is not indexed.
    const worker = registrations.find((r) => r.kind === 'redisList');
    const trigger = worker?.kind === 'redisList' ? worker.trigger : undefined;
    const properties = ['connection', 'key', 'pollingIntervalInMs', 'maxBatchSize', 'listDirection'] as const;
    for (const name of properties) expect(trigger?.[name], name).toEqual(expect.anything());
    expect(Object.keys(trigger ?? {}).sort()).toEqual([...properties, 'type'].sort());
  });

  const http = registrations.filter((r) => r.kind === 'http');

  it('gives no two HTTP functions the same route (the host adds OPTIONS to all, so they would conflict)', () => {
    const routes = http.map((r) => r.route.toLowerCase());
    expect(new Set(routes).size).toBe(routes.length);
    for (const r of http) expect(r.methods).toContain('OPTIONS');
  });

  it('orders every literal route before a parameterised one that would also match it (the host tries them by function name)', () => {
    const segments = (route: string) => route.toLowerCase().split('/');
    const isParameter = (segment: string) => /^\{.*\}$/.test(segment);
    const overlaps = (literal: string, parameterised: string) => {
      const [a, b] = [segments(literal), segments(parameterised)];
      return a.length === b.length && b.every((segment, i) => isParameter(segment) || segment === a[i]);
    };
    const pairs = http.flatMap((literal) =>
      literal.route.includes('{')
        ? []
        : http
            .filter((other) => other.route.includes('{') && overlaps(literal.route, other.route))
            .map((other) => [literal, other]),
    );
    expect(pairs.length).toBeGreaterThan(0); // values/current, values/recent, values/all against values/{index}
    for (const [literal, parameterised] of pairs) {
      expect(literal!.name < parameterised!.name, `${literal!.name} must sort before ${parameterised!.name}`).toBe(true);
    }
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

  it('declares where each function runs, and only worker functions need a start step (the GMP engine)', () => {
    expect(registrations.filter((r) => r.runsOn === 'worker').map((r) => r.name)).toEqual(['fib-worker', 'worker-liveness']);
    expect(registrations.filter((r) => r.start).map((r) => [r.name, r.runsOn])).toEqual([['fib-worker', 'worker']]);
  });

  it('starts only the selected functions and refuses a name it does not know', () => {
    const app = createFunctionApp(config);
    expect(startSelected(app, ['health', 'stats']).map((r) => r.name)).toEqual(['health', 'stats']);
    expect(() => startSelected(app, ['health', 'nope'])).toThrow(/unknown functions: nope/);
  });

  it('selects functions the way AzureFunctionsJobHost__functions__N does, in index order', () => {
    expect(
      selectedFunctionNames({ AzureFunctionsJobHost__functions__1: 'stats', AzureFunctionsJobHost__functions__0: 'health' }),
    ).toEqual(['health', 'stats']);
    expect(selectedFunctionNames({})).toBeUndefined();
  });
});

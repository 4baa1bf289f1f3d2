// Unit tests of the runtime's small parts: settings validation and the core cap, the api/worker
// split of the app's functions and the variables that select them, the worker liveness probe.
import { createServer, type Server } from 'node:http';

import { afterEach, describe, expect, it } from 'vitest';

import { loadConfig } from '../../functions/src/config.js';
import { errorMessage } from '../../functions/src/errors.js';
import type { Registration } from '../../functions/src/registrations.js';
import { functionSelection, splitFunctions, workerLivenessProbe } from '../runtime/functions-processes.js';
import { freePort } from '../runtime/ports.js';
import { deriveWorkerCap, loadRuntimeSettings } from '../runtime/settings.js';

describe('runtime settings', () => {
  it('names each bad setting in one message', () => {
    expect(() => loadRuntimeSettings({ API_PORT: '70x1', WORKERS: '-2', NO_WEB: 'yes' }, '/repo', 2)).toThrow(
      /API_PORT: must be a port number[\s\S]*WORKERS: must be a whole number[\s\S]*NO_WEB: must be 1 or 0/,
    );
    expect(() => loadRuntimeSettings({ LOCAL_MAX_WORKERS: '0' }, '/repo', 2)).toThrow(/LOCAL_MAX_WORKERS/);
    expect(() => loadRuntimeSettings({ DATABASE_URL: 'not a url' }, '/repo', 2)).toThrow(/DATABASE_URL/);
    expect(() => loadRuntimeSettings({ OPERATOR_TOKEN: 'short' }, '/repo', 2)).toThrow(
      /OPERATOR_TOKEN: must be at least 16 characters/,
    );
  });

  it('refuses an external REDIS_MASTER or REDIS_REPLICA the functions would refuse, with their message', () => {
    for (const [name, value] of [
      ['REDIS_MASTER', 'redis://localhost:6379'],
      ['REDIS_REPLICA', 'replica:99999'],
    ] as const) {
      let functionsMessage = '';
      try {
        loadConfig({ [name]: value });
      } catch (error) {
        functionsMessage = errorMessage(error).replace('Invalid configuration: ', '');
      }
      expect(functionsMessage).toMatch(new RegExp(`^${name}: `));
      expect(() => loadRuntimeSettings({ REDIS_MASTER: 'redis-0:6379', [name]: value }, '/repo', 2)).toThrow(functionsMessage);
    }
  });

  it('fills the defaults, resolves the data directory and treats "" as unset', () => {
    const settings = loadRuntimeSettings({ WEB_PORT: '', LOCAL_DATA_DIR: 'data' }, '/repo', 8);
    expect(settings).toMatchObject({
      apiPort: 7071,
      webPort: 3000,
      runtimePort: 7070,
      dataDir: '/repo/data',
      fixedWorkers: undefined,
      workerCap: 8,
      withWeb: true,
      externalRedis: undefined,
    });
    expect(loadRuntimeSettings({ REDIS_MASTER: 'r:6379' }, '/repo', 2).externalRedis).toEqual({
      master: 'r:6379',
      replica: 'r:6379',
    });
  });

  it('caps workers at the cores minus one for Redis, Postgres and the API, or at LOCAL_MAX_WORKERS', () => {
    expect(deriveWorkerCap(2, undefined)).toEqual({
      cap: 2,
      reason: '2 core(s), one worker each; workers run at nice 10 below the API and the stores',
    });
    expect(deriveWorkerCap(1, undefined).cap).toBe(1);
    expect(deriveWorkerCap(0, undefined).cap).toBe(1);
    expect(deriveWorkerCap(16, undefined).cap).toBe(16);
    expect(deriveWorkerCap(2, 6)).toEqual({ cap: 6, reason: 'LOCAL_MAX_WORKERS=6' });
    expect(loadRuntimeSettings({ LOCAL_MAX_WORKERS: '3' }, '/repo', 2).workerCap).toBe(3);
  });
});

describe('functions of the api and worker processes', () => {
  const registration = (name: string, kind: Registration['kind'], runsOn: Registration['runsOn']) =>
    ({ name, kind, runsOn }) as Registration;

  it('runs each function where its registration says: list trigger and worker-liveness on workers', () => {
    const split = splitFunctions([
      registration('submit-value', 'http', 'api'),
      registration('fib-worker', 'redisList', 'worker'),
      registration('worker-liveness', 'http', 'worker'),
      registration('queue-maintenance', 'timer', 'api'),
    ]);
    expect(split).toEqual({
      api: ['submit-value', 'queue-maintenance'],
      worker: ['fib-worker', 'worker-liveness'],
      workerLiveness: true,
    });
    expect(splitFunctions([registration('fib-worker', 'redisList', 'worker')]).workerLiveness).toBe(false);
  });

  it('selects functions with AzureFunctionsJobHost__functions__N in order', () => {
    expect(functionSelection(['fib-worker', 'worker-liveness'])).toEqual({
      AzureFunctionsJobHost__functions__0: 'fib-worker',
      AzureFunctionsJobHost__functions__1: 'worker-liveness',
    });
  });
});

describe('the worker liveness probe', () => {
  let server: Server | undefined;
  afterEach(() => server?.close());

  async function serving(status: number): Promise<number> {
    const port = await freePort();
    server = createServer((request, response) => {
      response.writeHead(request.url === '/api/worker/live' ? status : 500);
      response.end('{}');
    });
    await new Promise<void>((resolve) => server?.listen(port, '127.0.0.1', resolve));
    return port;
  }

  it('is ok on 200, fails on 503 and when nothing answers, and is unsupported on 404', async () => {
    expect(await workerLivenessProbe(await serving(200)).check()).toBe('ok');
    server?.close();
    expect(await workerLivenessProbe(await serving(503)).check()).toBe('fail');
    server?.close();
    expect(await workerLivenessProbe(await serving(404)).check()).toBe('unsupported');
    server?.close();
    server = undefined;
    expect(await workerLivenessProbe(await freePort()).check()).toBe('fail');
  });
});

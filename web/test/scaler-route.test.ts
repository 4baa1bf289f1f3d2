// @vitest-environment node
// GET /local/scaler: forwards to LOCAL_RUNTIME_URL/scaler; 404 JSON when unset; 503/504 when the
// runtime is down or slow.
import { delay, http, HttpResponse } from 'msw';
import { afterEach, describe, expect, it, vi } from 'vitest';

import { getScalerState, scalerTimeoutMs } from '../features/scaling/scaler-route';
import { misconfiguredMessage } from '../features/settings/route-settings';
import { sampleScaler } from '../mocks/handlers';
import { server } from '../mocks/node';

afterEach(() => {
  delete process.env.LOCAL_RUNTIME_URL;
});

describe('local scaler route', () => {
  it('local scaler route: answers 404 JSON when LOCAL_RUNTIME_URL is not set (AKS)', async () => {
    const response = await getScalerState();
    expect(response.status).toBe(404);
    expect(await response.json()).toEqual({ error: expect.stringContaining('LOCAL_RUNTIME_URL') as string });
  });

  it('local scaler route: a LOCAL_RUNTIME_URL that is not an http(s) URL gets 500 JSON, the log naming the variable', async () => {
    const logged = vi.spyOn(console, 'error').mockImplementation(() => undefined);
    process.env.LOCAL_RUNTIME_URL = 'runtime.test:4100';
    const response = await getScalerState();
    expect(response.status).toBe(500);
    expect(await response.json()).toEqual({ error: misconfiguredMessage });
    expect(logged).toHaveBeenCalledWith(expect.stringContaining('LOCAL_RUNTIME_URL: must be an http(s) URL'));
  });

  it('local scaler route: forwards to LOCAL_RUNTIME_URL/scaler read at request time', async () => {
    server.use(http.get('http://runtime.test:4100/scaler', () => HttpResponse.json(sampleScaler)));
    process.env.LOCAL_RUNTIME_URL = 'http://runtime.test:4100/';
    const response = await getScalerState();
    expect(response.status).toBe(200);
    expect(response.headers.get('cache-control')).toBe('no-store');
    expect(await response.json()).toEqual(sampleScaler);
  });

  it('local scaler route: answers 503 when the runtime cannot be reached', async () => {
    server.use(http.get('http://runtime.test:4100/scaler', () => HttpResponse.error()));
    process.env.LOCAL_RUNTIME_URL = 'http://runtime.test:4100';
    const response = await getScalerState();
    expect(response.status).toBe(503);
    expect(await response.json()).toEqual({ error: 'the local runtime cannot be reached' });
  });

  it('local scaler route: answers 504 within its timeout when the runtime hangs', async () => {
    server.use(http.get('http://runtime.test:4100/scaler', () => delay('infinite')));
    process.env.LOCAL_RUNTIME_URL = 'http://runtime.test:4100';
    const response = await getScalerState();
    expect(response.status).toBe(504);
    expect(await response.json()).toEqual({ error: `the local runtime did not answer within ${scalerTimeoutMs / 1000} s` });
  });
});

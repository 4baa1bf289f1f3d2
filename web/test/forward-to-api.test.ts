// @vitest-environment node
// The /api proxy route: forwards to API_URL read per request; JSON 503/504 when the API is down or slow.
import { createServer } from 'node:net';

import { delay, http, HttpResponse, passthrough } from 'msw';
import { afterEach, describe, expect, it } from 'vitest';

import { forwardToApi } from '../features/api-proxy/forward-to-api';
import { server } from '../mocks/node';

/** A port that was free a moment ago and has nothing listening now. */
function closedPort(): Promise<number> {
  return new Promise((resolve) => {
    const probe = createServer().listen(0, '127.0.0.1', () => {
      const address = probe.address();
      probe.close(() => resolve(typeof address === 'object' && address ? address.port : 9));
    });
  });
}

afterEach(() => {
  delete process.env.API_URL;
  delete process.env.API_TIMEOUT_MS;
});

describe('api proxy', () => {
  it('api proxy: forwards method, path, query and body to API_URL read at request time', async () => {
    const seen: { url: string; method: string; body: string }[] = [];
    server.use(
      http.all('http://api-a.test/api/*', async ({ request }) => {
        seen.push({ url: request.url, method: request.method, body: await request.text() });
        return HttpResponse.json({ error: 'index must be between 0 and 5' }, { status: 422, headers: { 'x-next-before': '9' } });
      }),
      http.all('http://api-b.test/api/*', () => HttpResponse.json({ from: 'b' })),
    );
    process.env.API_URL = 'http://api-a.test';
    const answer = await forwardToApi(
      new Request('http://localhost:3000/api/values?x=1', {
        method: 'POST',
        body: '{"index":6}',
        headers: { 'content-type': 'application/json' },
      }),
    );
    expect(answer.status).toBe(422);
    expect(answer.headers.get('x-next-before')).toBe('9');
    expect(await answer.json()).toEqual({ error: 'index must be between 0 and 5' });
    expect(seen).toEqual([{ url: 'http://api-a.test/api/values?x=1', method: 'POST', body: '{"index":6}' }]);

    process.env.API_URL = 'http://api-b.test/';
    const second = await forwardToApi(new Request('http://localhost:3000/api/stats'));
    expect(await second.json()).toEqual({ from: 'b' });
  });

  it('api proxy: answers 503 {"error": "API unreachable"} when the API is down', async () => {
    server.use(http.all('http://api-down.test/api/*', () => HttpResponse.error()));
    process.env.API_URL = 'http://api-down.test';
    const answer = await forwardToApi(new Request('http://localhost:3000/api/stats'));
    expect(answer.status).toBe(503);
    expect(await answer.json()).toEqual({ error: 'API unreachable' });
  });

  it('api proxy: answers 504 with a JSON error when the API is too slow', async () => {
    server.use(
      http.all('http://api-slow.test/api/*', async () => {
        await delay('infinite');
        return HttpResponse.json({});
      }),
    );
    process.env.API_URL = 'http://api-slow.test';
    process.env.API_TIMEOUT_MS = '100';
    const answer = await forwardToApi(new Request('http://localhost:3000/api/stats'));
    expect(answer.status).toBe(504);
    expect(await answer.json()).toEqual({ error: 'API did not answer within 0.1 s' });
  });

  it('api proxy: answers 503 JSON for a real closed port on 127.0.0.1', async () => {
    const port = await closedPort();
    server.use(http.all(`http://127.0.0.1:${port}/*`, () => passthrough()));
    process.env.API_URL = `http://127.0.0.1:${port}`;
    const answer = await forwardToApi(new Request('http://localhost:3000/api/health'));
    expect(answer.status).toBe(503);
    expect(await answer.json()).toEqual({ error: 'API unreachable' });
  });
});

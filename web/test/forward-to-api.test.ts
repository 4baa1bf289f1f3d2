// @vitest-environment node
// The /api proxy route: forwards to API_URL read per request; an allow-list of headers; a body
// limit while reading; JSON 405/413/503/504; server-sent events passed through as they come.
import { once } from 'node:events';
import { createServer as createHttpServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer } from 'node:net';

import { delay, http, HttpResponse, passthrough } from 'msw';
import { afterEach, describe, expect, it, vi } from 'vitest';

import { forwardToApi, methodNotAllowed } from '../features/api-proxy/forward-to-api';
import { forwardedFromConnectionKey } from '../features/api-proxy/proxy-headers';
import { misconfiguredMessage } from '../features/settings/route-settings';
import { server } from '../mocks/node';
import { defaultApiMaxBodyBytes } from '../scripts/web-settings.mjs';

/** A port that was free a moment ago and has nothing listening now. */
function closedPort(): Promise<number> {
  return new Promise((resolve) => {
    const probe = createServer().listen(0, '127.0.0.1', () => {
      const address = probe.address();
      probe.close(() => resolve(typeof address === 'object' && address ? address.port : 9));
    });
  });
}

/** A real HTTP server on 127.0.0.1 standing in for the API; msw lets requests to it through. */
async function startUpstream(
  handler: (request: IncomingMessage, response: ServerResponse) => void,
): Promise<{ url: string; upstream: Server }> {
  const upstream = createHttpServer(handler);
  upstream.listen(0, '127.0.0.1');
  await once(upstream, 'listening');
  const address = upstream.address();
  const url = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
  server.use(http.all(`${url}/*`, () => passthrough()));
  return { url, upstream };
}

/** Polls `condition` every 10 ms until it holds; fails after `timeoutMs`. */
async function waitFor(what: string, condition: () => boolean, timeoutMs = 5_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

/** A request body of `totalBytes` made on demand, counting what the reader pulled. */
function countingBody(totalBytes: number, chunkBytes = 64 * 1024) {
  const counter = { pulled: 0 };
  const stream = new ReadableStream<Uint8Array>({
    pull(controller) {
      if (counter.pulled >= totalBytes) return controller.close();
      const size = Math.min(chunkBytes, totalBytes - counter.pulled);
      counter.pulled += size;
      controller.enqueue(new Uint8Array(size).fill(0x20));
    },
  });
  return { stream, counter };
}

const upstreams: Server[] = [];

afterEach(async () => {
  delete process.env.API_URL;
  delete process.env.API_TIMEOUT_MS;
  delete process.env.API_MAX_BODY_BYTES;
  delete (globalThis as Record<symbol, unknown>)[forwardedFromConnectionKey];
  for (const upstream of upstreams.splice(0)) {
    upstream.closeAllConnections();
    await new Promise((resolve) => upstream.close(resolve));
  }
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

  it('api proxy: a bad API_TIMEOUT_MS is never ignored: 500 JSON without internals, the log names the variable, nothing forwarded', async () => {
    const logged = vi.spyOn(console, 'error').mockImplementation(() => undefined);
    // msw answers unhandled requests with an error (setup file): a forwarded request would fail the test.
    process.env.API_URL = 'http://api-unused.test';
    process.env.API_TIMEOUT_MS = '1.5';
    const answer = await forwardToApi(new Request('http://localhost:3000/api/stats'));
    expect(answer.status).toBe(500);
    const body = (await answer.json()) as { error: string };
    expect(body).toEqual({ error: misconfiguredMessage });
    expect(body.error).not.toContain('1.5');
    expect(logged).toHaveBeenCalledWith(expect.stringContaining('API_TIMEOUT_MS: must be a whole number above 0, got "1.5"'));
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

  it("api proxy: keeps the API's own 413 as 413 with its message", async () => {
    server.use(
      http.post('http://api-413.test/api/values', () =>
        HttpResponse.json({ error: 'request body is larger than 10000 bytes' }, { status: 413 }),
      ),
    );
    process.env.API_URL = 'http://api-413.test';
    const answer = await forwardToApi(
      new Request('http://localhost:3000/api/values', { method: 'POST', body: 'x'.repeat(20_000) }),
    );
    expect(answer.status).toBe(413);
    expect(await answer.json()).toEqual({ error: 'request body is larger than 10000 bytes' });
  });
});

describe('api proxy: bounded request bodies', () => {
  it('api proxy: refuses a streamed 50 MB body with 413 JSON after reading little more than the limit, forwarding nothing', async () => {
    let forwarded = 0;
    server.use(
      http.all('http://api-big.test/api/*', () => {
        forwarded += 1;
        return HttpResponse.json({});
      }),
    );
    process.env.API_URL = 'http://api-big.test';
    const { stream, counter } = countingBody(50 * 1024 * 1024);
    // No Content-Length: a chunked upload the proxy can only judge by reading.
    const answer = await forwardToApi(
      new Request('http://localhost:3000/api/values', { method: 'POST', body: stream, duplex: 'half' } as RequestInit),
    );
    expect(answer.status).toBe(413);
    expect(answer.headers.get('connection')).toBe('close');
    expect(await answer.json()).toEqual({ error: `request body is larger than ${defaultApiMaxBodyBytes} bytes` });
    // What was pulled: the limit plus the stream's read-ahead, nowhere near 50 MB.
    expect(counter.pulled).toBeLessThan(defaultApiMaxBodyBytes + 4 * 64 * 1024);
    expect(forwarded).toBe(0);
  });

  it('api proxy: refuses a body whose Content-Length is over the limit without reading it', async () => {
    process.env.API_URL = 'http://api-unused.test';
    process.env.API_MAX_BODY_BYTES = '1000';
    const { stream, counter } = countingBody(2000);
    const answer = await forwardToApi(
      new Request('http://localhost:3000/api/values', {
        method: 'POST',
        body: stream,
        duplex: 'half',
        headers: { 'content-length': '2000' },
      } as RequestInit),
    );
    expect(answer.status).toBe(413);
    expect(await answer.json()).toEqual({ error: 'request body is larger than 1000 bytes' });
    // A ReadableStream pulls once to fill its queue when it is created; the proxy read nothing more.
    expect(counter.pulled).toBeLessThanOrEqual(64 * 1024);
  });

  it('api proxy: forwards a body of exactly the limit intact', async () => {
    let received = '';
    server.use(
      http.post('http://api-exact.test/api/values', async ({ request }) => {
        received = await request.text();
        return HttpResponse.json({ ok: true }, { status: 202 });
      }),
    );
    process.env.API_URL = 'http://api-exact.test';
    process.env.API_MAX_BODY_BYTES = '100';
    const body = `{"index":${'1'.repeat(90)}}`;
    expect(body.length).toBe(100);
    const answer = await forwardToApi(new Request('http://localhost:3000/api/values', { method: 'POST', body }));
    expect(answer.status).toBe(202);
    expect(received).toBe(body);
  });

  it('api proxy: answers 400 JSON when the body breaks off mid-way', async () => {
    process.env.API_URL = 'http://api-unused.test';
    const broken = new ReadableStream<Uint8Array>({
      pull(controller) {
        controller.error(new Error('socket closed'));
      },
    });
    const answer = await forwardToApi(
      new Request('http://localhost:3000/api/values', { method: 'POST', body: broken, duplex: 'half' } as RequestInit),
    );
    expect(answer.status).toBe(400);
    expect(await answer.json()).toEqual({ error: 'request body could not be read' });
  });
});

describe('api proxy: methods', () => {
  it('api proxy: answers methods it does not forward with 405 JSON and Allow', async () => {
    process.env.API_URL = 'http://api-unused.test';
    for (const method of ['PUT', 'DELETE', 'PROPFIND']) {
      const request = new Request('http://localhost:3000/api/values', { method });
      for (const answer of [await forwardToApi(request), methodNotAllowed(request)]) {
        expect(answer.status).toBe(405);
        expect(answer.headers.get('allow')).toBe('GET, HEAD, POST, OPTIONS');
        expect(await answer.json()).toEqual({ error: `method ${method} is not allowed on /api` });
      }
    }
  });
});

describe('api proxy: headers', () => {
  it('api proxy: forwards only the allow-listed request headers, never cookies, credentials or hop-by-hop ones', async () => {
    let seen: Headers | undefined;
    server.use(
      http.all('http://api-headers.test/api/*', ({ request }) => {
        seen = request.headers;
        return HttpResponse.json({});
      }),
    );
    process.env.API_URL = 'http://api-headers.test';
    await forwardToApi(
      new Request('http://localhost:3000/api/values', {
        method: 'POST',
        body: '{"index":1}',
        headers: {
          accept: 'application/json',
          'content-type': 'application/json',
          origin: 'http://localhost:3000',
          'sec-fetch-site': 'same-origin',
          'last-event-id': '1700000000000-0',
          'idempotency-key': 'k-1',
          cookie: 'session=secret',
          authorization: 'Bearer secret',
          'proxy-authorization': 'Basic secret',
          'x-forwarded-for': '203.0.113.9',
          'x-forwarded-host': 'evil.example',
          'x-forwarded-proto': 'https',
          forwarded: 'for=203.0.113.9',
          'x-real-ip': '203.0.113.9',
          te: 'trailers',
          'keep-alive': 'timeout=5',
          'x-custom': 'not on the list',
        },
      }),
    );
    expect(seen?.get('accept')).toBe('application/json');
    expect(seen?.get('content-type')).toBe('application/json');
    expect(seen?.get('origin')).toBe('http://localhost:3000');
    expect(seen?.get('sec-fetch-site')).toBe('same-origin');
    expect(seen?.get('last-event-id')).toBe('1700000000000-0');
    expect(seen?.get('idempotency-key')).toBe('k-1');
    for (const name of [
      'cookie',
      'authorization',
      'proxy-authorization',
      'x-forwarded-for',
      'x-forwarded-host',
      'x-forwarded-proto',
      'forwarded',
      'x-real-ip',
      'te',
      'keep-alive',
      'x-custom',
    ]) {
      expect(seen?.get(name), name).toBeNull();
    }
  });

  it('api proxy: drops an allow-listed header that the Connection header names as hop-by-hop', async () => {
    let seen: Headers | undefined;
    server.use(
      http.all('http://api-conn.test/api/*', ({ request }) => {
        seen = request.headers;
        return HttpResponse.json({});
      }),
    );
    process.env.API_URL = 'http://api-conn.test';
    await forwardToApi(
      new Request('http://localhost:3000/api/stats', {
        headers: { connection: 'keep-alive, Idempotency-Key', 'idempotency-key': 'k-1', accept: 'application/json' },
      }),
    );
    expect(seen?.get('idempotency-key')).toBeNull();
    expect(seen?.get('accept')).toBe('application/json');
  });

  it('api proxy: forwards X-Forwarded-For/-Proto/-Host only when the server set them from the connection', async () => {
    const seen: Headers[] = [];
    server.use(
      http.all('http://api-xff.test/api/*', ({ request }) => {
        seen.push(request.headers);
        return HttpResponse.json({});
      }),
    );
    process.env.API_URL = 'http://api-xff.test';
    const forwarded = { 'x-forwarded-for': '127.0.0.1', 'x-forwarded-proto': 'http', 'x-forwarded-host': 'localhost:3000' };
    await forwardToApi(new Request('http://localhost:3000/api/stats', { headers: forwarded }));
    (globalThis as Record<symbol, unknown>)[forwardedFromConnectionKey] = true;
    await forwardToApi(new Request('http://localhost:3000/api/stats', { headers: forwarded }));

    expect(seen[0]?.get('x-forwarded-for')).toBeNull();
    expect(seen[0]?.get('x-forwarded-host')).toBeNull();
    expect(seen[1]?.get('x-forwarded-for')).toBe('127.0.0.1');
    expect(seen[1]?.get('x-forwarded-proto')).toBe('http');
    expect(seen[1]?.get('x-forwarded-host')).toBe('localhost:3000');
  });

  it("api proxy: passes the API's response headers on, minus hop-by-hop ones, those its Connection names and Set-Cookie", async () => {
    const { url, upstream } = await startUpstream((_request, response) => {
      response.writeHead(200, {
        'content-type': 'application/json',
        connection: 'keep-alive, x-hop',
        'keep-alive': 'timeout=5',
        'x-hop': 'only for this hop',
        'x-served-by': 'replica',
        'retry-after': '1',
        'set-cookie': 'tracking=1',
      });
      response.end('{"ok":true}');
    });
    upstreams.push(upstream);
    process.env.API_URL = url;
    const answer = await forwardToApi(new Request('http://localhost:3000/api/values/current'));
    expect(answer.status).toBe(200);
    expect(answer.headers.get('x-served-by')).toBe('replica');
    expect(answer.headers.get('retry-after')).toBe('1');
    expect(answer.headers.get('content-type')).toBe('application/json');
    for (const name of ['connection', 'keep-alive', 'x-hop', 'set-cookie']) expect(answer.headers.get(name), name).toBeNull();
    expect(await answer.json()).toEqual({ ok: true });
  });
});

describe('api proxy: server-sent events', () => {
  it('api proxy: streams GET /api/events event by event, past the API timeout, and closes upstream when the client goes', async () => {
    let releaseSecond = () => {};
    const secondMayGo = new Promise<void>((resolve) => (releaseSecond = resolve));
    let upstreamClosed = false;
    let seenLastEventId: string | undefined;
    const { url, upstream } = await startUpstream((request, response) => {
      seenLastEventId = request.headers['last-event-id'] as string | undefined;
      response.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
      response.write('retry: 2000\n\nevent: value\nid: 1-0\ndata: {"index":12}\n\n');
      void secondMayGo.then(() => response.write('event: stats\ndata: {"queueLength":0}\n\n'));
      response.on('close', () => (upstreamClosed = true));
    });
    upstreams.push(upstream);
    process.env.API_URL = url;
    process.env.API_TIMEOUT_MS = '1000';

    const startedAt = Date.now();
    const answer = await forwardToApi(new Request('http://localhost:3000/api/events', { headers: { 'last-event-id': '0-1' } }));
    expect(answer.status).toBe(200);
    expect(answer.headers.get('content-type')).toBe('text/event-stream');
    // no-transform keeps Next's compression from buffering the stream.
    expect(answer.headers.get('cache-control')).toBe('no-cache, no-transform');
    expect(seenLastEventId).toBe('0-1');

    const reader = answer.body!.pipeThrough(new TextDecoderStream()).getReader();
    let text = '';
    // The first event arrives while the API still holds the second: nothing is buffered.
    while (!text.includes('data: {"index":12}\n\n')) text += (await reader.read()).value ?? '';
    expect(text).not.toContain('event: stats');

    // Outlive API_TIMEOUT_MS: the stream has no request timeout.
    await waitFor('the API timeout to pass', () => Date.now() - startedAt > 1_200);
    releaseSecond();
    while (!text.includes('data: {"queueLength":0}\n\n')) {
      const { value, done } = await reader.read();
      if (done) throw new Error(`stream ended early after: ${text}`);
      text += value;
    }

    // The client goes away (Next cancels the response body): the API's stream is closed.
    await reader.cancel();
    await waitFor('the upstream stream to close', () => upstreamClosed);
  });

  it('api proxy: ends the event stream cleanly (no error to log) when the API dies mid-stream', async () => {
    const { url, upstream } = await startUpstream((_request, response) => {
      response.writeHead(200, { 'content-type': 'text/event-stream' });
      response.write('event: value\nid: 1-0\ndata: {"index":12}\n\n');
      // The API process is killed: its socket is reset without ending the chunked body.
      setTimeout(() => response.socket?.destroy(), 50);
    });
    upstreams.push(upstream);
    process.env.API_URL = url;
    const answer = await forwardToApi(new Request('http://localhost:3000/api/events'));
    const reader = answer.body!.pipeThrough(new TextDecoderStream()).getReader();
    let text = '';
    for (;;) {
      const { value, done } = await reader.read();
      if (done) break;
      text += value;
    }
    expect(text).toContain('data: {"index":12}');
  });

  it("api proxy: closes the API's event stream when the client's request is aborted", async () => {
    let upstreamClosed = false;
    const { url, upstream } = await startUpstream((_request, response) => {
      response.writeHead(200, { 'content-type': 'text/event-stream' });
      response.write(': heartbeat\n\n');
      response.on('close', () => (upstreamClosed = true));
    });
    upstreams.push(upstream);
    process.env.API_URL = url;
    const client = new AbortController();
    const answer = await forwardToApi(new Request('http://localhost:3000/api/events', { signal: client.signal }));
    expect(answer.status).toBe(200);
    client.abort();
    await waitFor('the upstream stream to close', () => upstreamClosed);
  });
});

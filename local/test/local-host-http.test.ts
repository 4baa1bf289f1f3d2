// The local host's HTTP layer against hostile clients: bounded bodies and connections, the real
// host's routing answers and stream semantics, and the product's browser policy (CORS,
// origin-checked JSON writes, nosniff).
import type { Server } from 'node:http';
import { request } from 'node:http';
import { connect } from 'node:net';

import type { HttpRequest } from '@azure/functions';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { loadConfig } from '../../functions/src/config.js';
import { createFunctionApp } from '../../functions/src/function-app.js';
import { withBrowserPolicy } from '../../functions/src/http/browser-policy.js';
import type { HttpRegistration } from '../../functions/src/registration-types.js';
import { buildRegistrations } from '../../functions/src/registrations.js';
import { hostBodyLimit } from '../host/host-settings.js';
import { type HttpLimits, startHttpServer } from '../host/http-server.js';

const calls: string[] = [];

function registration(name: string, methods: HttpRegistration['methods'], route: string): HttpRegistration {
  const handler = async (req: HttpRequest) => {
    calls.push(`${name}:${req.method}`);
    return { status: 200, jsonBody: { name, bytes: (await req.text()).length } };
  };
  return {
    kind: 'http',
    name,
    runsOn: 'api',
    methods: [...methods, 'OPTIONS'],
    route,
    handler: withBrowserPolicy(handler, { methods, allowedOrigins: ['https://ui.example.com'] }),
  };
}

async function serve(limits: Partial<HttpLimits> = {}): Promise<{ server: Server; port: number; url: string }> {
  const server = await startHttpServer(
    [registration('submit', ['POST'], 'values'), registration('one', ['GET'], 'values/{index}')],
    { port: 0, log: () => undefined, limits },
  );
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  return { server, port, url: `http://127.0.0.1:${port}` };
}

function stop(server: Server): Promise<void> {
  server.closeAllConnections();
  return new Promise((resolve) => server.close(() => resolve()));
}

/** Opens a raw socket, writes `head`, then one byte every `everyMs`; resolves with how long until the server closed it. */
function drip(
  port: number,
  head: string,
  everyMs: number,
  maxMs: number,
): Promise<{ closedAfterMs: number | null; answer: string }> {
  return new Promise((resolve) => {
    const started = Date.now();
    const socket = connect(port, '127.0.0.1');
    let answer = '';
    socket.on('data', (chunk) => (answer += chunk.toString()));
    socket.on('error', () => undefined);
    const timer = setInterval(() => socket.write('x'), everyMs);
    const giveUp = setTimeout(() => {
      clearInterval(timer);
      socket.destroy();
      resolve({ closedAfterMs: null, answer });
    }, maxMs);
    socket.on('close', () => {
      clearInterval(timer);
      clearTimeout(giveUp);
      resolve({ closedAfterMs: Date.now() - started, answer });
    });
    if (head) socket.write(head);
  });
}

describe('local host: bounded requests', () => {
  let server: Server;
  let port: number;
  let url: string;
  beforeAll(
    async () =>
      ({ server, port, url } = await serve({
        maxBodyBytes: 1024 * 1024,
        headersTimeoutMs: 1000,
        requestTimeoutMs: 2000,
        timeoutCheckIntervalMs: 200,
      })),
  );
  afterAll(() => stop(server));

  it("answers a streamed 50 MB body with the host's bodiless 413 before reading it, without a connection reset", async () => {
    calls.length = 0;
    const total = 50 * 1024 * 1024;
    const result = await new Promise<{ status: number; body: string; sentAtAnswer: number; error?: string }>((resolve) => {
      // No content-length: chunked, so the limit must be enforced while streaming.
      const req = request({ port, method: 'POST', path: '/api/values', headers: { 'content-type': 'application/json' } });
      const chunk = Buffer.alloc(64 * 1024, 32);
      let sent = 0;
      let outcome: { status: number; body: string; sentAtAnswer: number } | undefined;
      const write = () => {
        while (sent < total && !outcome) {
          sent += chunk.length;
          if (!req.write(chunk)) return void req.once('drain', write);
        }
        req.end();
      };
      req.on('response', (res) => {
        const sentAtAnswer = sent;
        let body = '';
        res.on('data', (data: Buffer) => (body += data.toString()));
        res.on('end', () => {
          outcome = { status: res.statusCode ?? 0, body, sentAtAnswer };
          resolve(outcome);
        });
      });
      req.on('error', (error) => resolve({ status: 0, body: '', sentAtAnswer: sent, error: error.message }));
      write();
    });
    expect(result.error).toBeUndefined();
    expect(result.status).toBe(413);
    expect(result.body).toBe('');
    expect(result.sentAtAnswer).toBeLessThan(total);
    expect(calls).toEqual([]);
  });

  it('refuses a declared Content-Length over the limit at once', async () => {
    const result = await drip(
      port,
      `POST /api/values HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: ${2 * 1024 * 1024}\r\n\r\n`,
      100_000,
      3000,
    );
    expect(result.answer).toMatch(/^HTTP\/1\.1 413/);
    expect(result.answer.toLowerCase()).toContain('content-length: 0');
    expect(result.answer.toLowerCase()).not.toContain('nosniff');
  });

  it('cuts a client that drips its headers one byte at a time (headersTimeout)', async () => {
    const result = await drip(port, 'POST /api/values HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: ', 100, 10_000);
    expect(result.closedAfterMs).not.toBeNull();
    expect(result.closedAfterMs).toBeLessThan(1000 + 200 + 2000);
  });

  it('cuts a client that drips its body one byte at a time (requestTimeout)', async () => {
    const head = 'POST /api/values HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n';
    const result = await drip(port, head, 100, 10_000);
    expect(result.closedAfterMs).not.toBeNull();
    expect(result.closedAfterMs).toBeLessThan(2000 + 200 + 2000);
  });

  it('closes a connection that never sends a byte', async () => {
    const result = await drip(port, '', 100_000, 10_000);
    expect(result.closedAfterMs).not.toBeNull();
    expect(result.closedAfterMs).toBeLessThan(2000 + 200 + 2000);
  });

  it('listens on loopback unless told otherwise', () => {
    const address = server.address();
    expect(typeof address === 'object' && address?.address).toBe('127.0.0.1');
  });

  it("answers a method no function serves on a path with the real host's plain 404 (no Allow, no JSON, no nosniff)", async () => {
    calls.length = 0;
    for (const [method, path] of [
      ['GET', '/api/values'],
      ['DELETE', '/api/values/5'],
      ['GET', '/api/nowhere'],
    ] as const) {
      const response = await fetch(`${url}${path}`, { method });
      expect(response.status, `${method} ${path}`).toBe(404);
      expect(response.headers.get('allow')).toBeNull();
      expect(response.headers.get('x-content-type-options')).toBeNull();
      expect(await response.text()).toBe('');
    }
    expect(calls).toEqual([]);
  });

  it('hands a malformed percent-escape to the function as sent, as Kestrel does', async () => {
    calls.length = 0;
    const response = await fetch(`${url}/api/values/%ZZ`);
    expect(response.status).toBe(200);
    expect(calls).toEqual(['one:GET']);
  });
});

describe('local host: body limit as the real host sets it', () => {
  it('is FUNCTIONS_REQUEST_BODY_SIZE_LIMIT when it is a whole number, else the 100 MB default', () => {
    expect(hostBodyLimit({})).toBe(104_857_600);
    expect(hostBodyLimit({ FUNCTIONS_REQUEST_BODY_SIZE_LIMIT: '65536' })).toBe(65_536);
    expect(hostBodyLimit({ FUNCTIONS_REQUEST_BODY_SIZE_LIMIT: '64k' })).toBe(104_857_600);
  });

  it('refuses a body past FUNCTIONS_REQUEST_BODY_SIZE_LIMIT and serves one within it', async () => {
    const before = process.env.FUNCTIONS_REQUEST_BODY_SIZE_LIMIT;
    process.env.FUNCTIONS_REQUEST_BODY_SIZE_LIMIT = '2048';
    const { server, url } = await serve().finally(() => {
      if (before === undefined) delete process.env.FUNCTIONS_REQUEST_BODY_SIZE_LIMIT;
      else process.env.FUNCTIONS_REQUEST_BODY_SIZE_LIMIT = before;
    });
    try {
      const post = (bytes: number) =>
        fetch(`${url}/api/values`, { method: 'POST', body: ' '.repeat(bytes), headers: { 'content-type': 'application/json' } });
      expect((await post(2049)).status).toBe(413);
      expect((await post(2048)).status).toBe(200);
    } finally {
      await stop(server);
    }
  });
});

describe('local host: HTTP streams as the library proxies them (httpProxy.ts, nodejs-library #294)', () => {
  /** A stream handler that records what it was told: chunks pulled and whether it was cancelled. */
  function streamRegistration(totalChunks: number, chunkBytes: number, everyMs: number) {
    const seen = { pulled: 0, cancelled: false };
    const registration: HttpRegistration = {
      kind: 'http',
      name: 'stream',
      runsOn: 'api',
      methods: ['GET'],
      route: 'stream',
      handler: () =>
        Promise.resolve({
          status: 200,
          body: new ReadableStream<Uint8Array>(
            {
              async pull(controller) {
                if (everyMs > 0) await new Promise((resolve) => setTimeout(resolve, everyMs));
                seen.pulled += 1;
                controller.enqueue(new Uint8Array(chunkBytes));
                if (seen.pulled >= totalChunks) controller.close();
              },
              cancel() {
                seen.cancelled = true;
              },
            },
            new CountQueuingStrategy({ highWaterMark: 1 }),
          ),
        }),
    };
    return { registration, seen };
  }

  async function waitFor(check: () => boolean, what: string, timeoutMs = 20_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!check()) {
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  }

  it('never tells the handler that its client left: the stream is neither cancelled nor stopped', async () => {
    const { registration, seen } = streamRegistration(40, 16, 25);
    const server = await startHttpServer([registration], { port: 0, log: () => undefined });
    try {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      await new Promise<void>((resolve) => {
        const req = request({ port, path: '/api/stream' }, (res) => res.once('data', () => (req.destroy(), resolve())));
        req.on('error', () => undefined);
        req.end();
      });
      const pulledWhenGone = seen.pulled;
      await waitFor(() => seen.pulled === 40, 'the handler to produce its whole stream');
      expect(pulledWhenGone).toBeLessThan(40);
      expect(seen.cancelled).toBe(false);
    } finally {
      await stop(server);
    }
  });

  it('gives the handler no backpressure: a client that reads nothing still has the whole stream pulled', async () => {
    // 32 MB for a client that never reads: far past any socket buffer, so only a copier that
    // ignores write()'s return value pulls it all.
    const { registration, seen } = streamRegistration(512, 64 * 1024, 0);
    const server = await startHttpServer([registration], { port: 0, log: () => undefined });
    try {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      const client = connect(port, '127.0.0.1');
      client.on('error', () => undefined);
      client.write('GET /api/stream HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n');
      client.pause();
      await waitFor(() => seen.pulled === 512, 'the handler to produce its whole stream');
      expect(seen.cancelled).toBe(false);
      client.destroy();
    } finally {
      await stop(server);
    }
  });
});

describe('browser policy', () => {
  let server: Server;
  let port: number;
  let url: string;
  beforeAll(async () => ({ server, port, url } = await serve()));
  afterAll(() => stop(server));

  const post = (headers: Record<string, string>) => fetch(`${url}/api/values`, { method: 'POST', body: '{"index":5}', headers });

  it('refuses a cross-site write (foreign Origin, text/plain) with 403 and never runs the function', async () => {
    calls.length = 0;
    const response = await post({ origin: 'https://evil.example', 'content-type': 'text/plain' });
    expect(response.status).toBe(403);
    expect(response.headers.get('access-control-allow-origin')).toBeNull();
    expect(await response.json()).toEqual({ error: expect.stringContaining('evil.example') });
    expect((await post({ origin: 'null', 'content-type': 'application/json' })).status).toBe(403);
    expect((await post({ 'sec-fetch-site': 'cross-site', 'content-type': 'application/json' })).status).toBe(403);
    expect(calls).toEqual([]);
  });

  it("accepts a same-origin JSON write, judged by Host or by the proxy's X-Forwarded-Host", async () => {
    calls.length = 0;
    expect((await post({ origin: `http://127.0.0.1:${port}`, 'content-type': 'application/json' })).status).toBe(200);
    const proxied = await post({
      origin: 'http://localhost:3000',
      'x-forwarded-host': 'localhost:3000',
      'content-type': 'application/json; charset=utf-8',
    });
    expect(proxied.status).toBe(200);
    expect(proxied.headers.get('access-control-allow-origin')).toBe('http://localhost:3000');
    expect(calls).toEqual(['submit:POST', 'submit:POST']);
  });

  it('requires a JSON content type for writes (415), even from our own origin', async () => {
    const response = await post({ origin: `http://127.0.0.1:${port}`, 'content-type': 'text/plain' });
    expect(response.status).toBe(415);
    expect((await post({ 'content-type': 'application/x-www-form-urlencoded' })).status).toBe(415);
  });

  it('answers preflights explicitly: allowed origins get their own origin back, never a wildcard', async () => {
    const allowed = await fetch(`${url}/api/values`, {
      method: 'OPTIONS',
      headers: {
        origin: 'https://ui.example.com',
        'access-control-request-method': 'POST',
        'access-control-request-headers': 'content-type',
      },
    });
    expect(allowed.status).toBe(204);
    expect(allowed.headers.get('access-control-allow-origin')).toBe('https://ui.example.com');
    expect(allowed.headers.get('access-control-allow-methods')).toBe('POST, OPTIONS');
    expect(allowed.headers.get('access-control-allow-headers')).toBe('content-type, last-event-id, idempotency-key');
    expect(allowed.headers.get('vary')).toContain('Origin');
    const refused = await fetch(`${url}/api/values`, {
      method: 'OPTIONS',
      headers: { origin: 'https://evil.example', 'access-control-request-method': 'POST' },
    });
    expect(refused.status).toBe(403);
    expect(refused.headers.get('access-control-allow-origin')).toBeNull();
    const plain = await fetch(`${url}/api/values`, { method: 'OPTIONS' });
    expect(plain.status).toBe(204);
    expect(plain.headers.get('allow')).toBe('POST, OPTIONS');
  });

  it('gives a GET from a foreign origin no CORS header, so its page cannot read the answer', async () => {
    const response = await fetch(`${url}/api/values/5`, { headers: { origin: 'https://evil.example' } });
    expect(response.status).toBe(200);
    expect(response.headers.get('access-control-allow-origin')).toBeNull();
    expect(response.headers.get('x-content-type-options')).toBe('nosniff');
  });

  it('is applied to every registered HTTP function of the app', async () => {
    const registrations = buildRegistrations(createFunctionApp(loadConfig({}))).filter(
      (r): r is HttpRegistration => r.kind === 'http',
    );
    expect(registrations.length).toBeGreaterThan(5);
    for (const r of registrations) expect(r.methods).toContain('OPTIONS');
    const submit = registrations.find((r) => r.name === 'submit-value');
    const app = await startHttpServer(submit ? [submit] : [], { port: 0, log: () => undefined });
    try {
      const address = app.address();
      const appPort = typeof address === 'object' && address ? address.port : 0;
      const response = await fetch(`http://127.0.0.1:${appPort}/api/values`, {
        method: 'POST',
        body: '{"index":5}',
        headers: { origin: 'https://evil.example', 'content-type': 'text/plain' },
      });
      expect(response.status).toBe(403);
      expect(response.headers.get('x-content-type-options')).toBe('nosniff');
    } finally {
      await stop(app);
    }
  });
});

// The web server as a hostile client meets it: security headers and a CSP the page runs under in
// a real Chromium (against the stack), and, against a standalone server of its own in front of a
// stand-in API, a 50 MB streamed body, slow-drip connections, TRACE/CONNECT, forwarded headers and
// an event stream passed through as it comes.
import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { readFileSync } from 'node:fs';
import {
  createServer as createHttpServer,
  type IncomingMessage,
  request as httpRequest,
  type Server,
  type ServerResponse,
} from 'node:http';
import { connect, createServer } from 'node:net';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

import { type Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';

import { launchChromium } from './support/browser';

const webRoot = join(dirname(fileURLToPath(import.meta.url)), '..');
const webUrl = inject('webUrl');
const apiUrl = inject('apiUrl');

/** Polls `condition` every 50 ms until it holds; fails after `timeoutMs`. */
async function waitFor(what: string, condition: () => boolean | Promise<boolean>, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

describe('web edge in Chromium (real stack)', () => {
  let browser: Browser;

  beforeAll(async () => {
    browser = await launchChromium();
    // A worker must be running before "144 shows up" says anything about the page.
    await fetch(`${apiUrl}/api/values`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"index":1}' });
    await waitFor(
      'a worker to compute F(1)',
      async () => ((await (await fetch(`${apiUrl}/api/values/1`)).json()) as { status?: string }).status === 'done',
      60_000,
    );
  });

  afterAll(async () => {
    await browser?.close();
  });

  it('web edge: the page carries its security headers, runs under its CSP with no violation, and submitting 12 shows 144', async () => {
    const page = await browser.newPage();
    const violations: string[] = [];
    page.on('console', (message) => {
      if (/content security policy/i.test(message.text())) violations.push(`console: ${message.text()}`);
    });
    await page.exposeFunction('reportViolation', (violation: string) => violations.push(violation));
    await page.addInitScript(() => {
      document.addEventListener('securitypolicyviolation', (event) => {
        void (window as unknown as { reportViolation: (v: string) => Promise<void> }).reportViolation(
          `${event.violatedDirective} blocked ${event.blockedURI} in ${event.sourceFile}:${event.lineNumber}`,
        );
      });
    });

    const response = await page.goto(webUrl);
    const headers = response?.headers() ?? {};
    const policy = headers['content-security-policy'] ?? '';
    expect(policy).toMatch(/script-src 'self' 'nonce-[A-Za-z0-9+/=]+' 'strict-dynamic'/);
    expect(policy).toContain("frame-ancestors 'none'");
    expect(policy).not.toContain('unsafe-eval');
    expect(policy).not.toContain('unsafe-inline');
    expect(headers['x-frame-options']).toBe('DENY');
    expect(headers['x-content-type-options']).toBe('nosniff');
    expect(headers['referrer-policy']).toBe('same-origin');

    // Next put the response's nonce on its scripts (the page rendered for this request).
    const nonce = /'nonce-([^']+)'/.exec(policy)?.[1];
    const scripts = await page.evaluate(() => [...document.scripts].map((script) => script.nonce));
    expect(scripts.length).toBeGreaterThan(0);
    expect(
      scripts.every((scriptNonce) => scriptNonce === nonce),
      "scripts without the response's nonce: the page was prerendered (app/layout.tsx needs export const dynamic = 'force-dynamic')",
    ).toBe(true);

    // The app works: hydrated, submits through /api, shows the value.
    const box = page.getByRole('textbox', { name: 'Enter your index' });
    await box.fill('12');
    await box.press('Enter');
    await page
      .getByRole('list', { name: 'Calculated values' })
      .getByRole('listitem')
      .filter({ has: page.locator('.result-index', { hasText: /^F\(12\)$/ }) })
      .getByText('144', { exact: true })
      .waitFor({ timeout: 10_000 });

    const api = await page.evaluate(async () => {
      const answer = await fetch('/api/stats');
      return {
        status: answer.status,
        nosniff: answer.headers.get('x-content-type-options'),
        csp: answer.headers.get('content-security-policy'),
      };
    });
    expect(api).toEqual({
      status: 200,
      nosniff: 'nosniff',
      csp: "default-src 'none'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'",
    });
    expect(violations).toEqual([]);
    await page.close();
  });

  it('web edge: the page refuses to be framed by another origin', async () => {
    const framer = createHttpServer((_request, response) => {
      response.writeHead(200, { 'content-type': 'text/html' });
      response.end(`<iframe id="victim" src="${webUrl}"></iframe>`);
    });
    framer.listen(0, '127.0.0.1');
    await once(framer, 'listening');
    const address = framer.address();
    const page = await browser.newPage();
    try {
      const blocked = page.waitForEvent('console', {
        predicate: (message) => /frame-ancestors|refused to (display|frame)/i.test(message.text()),
        timeout: 15_000,
      });
      // localhost vs 127.0.0.1: a different origin from the web app's.
      await page.goto(`http://localhost:${typeof address === 'object' && address ? address.port : 0}/`);
      await blocked;
      const framed = page.frames().find((frame) => frame.url().startsWith(webUrl));
      expect(
        await framed
          ?.locator('h1')
          .count()
          .catch(() => 0),
      ).toBeFalsy();
    } finally {
      await page.close();
      framer.closeAllConnections();
      framer.close();
    }
  });
});

// --- A standalone server of our own, in front of a stand-in API ------------------------------

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer().listen(0, '127.0.0.1', () => {
      const address = probe.address();
      probe.close(() => (typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port'))));
    });
  });
}

/** Resident and peak memory of a process, in MB, from /proc (Linux). */
function memoryMb(pid: number): { rss: number; peak: number } {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const field = (name: string) => Number(new RegExp(`^${name}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? NaN) / 1024;
  return { rss: field('VmRSS'), peak: field('VmHWM') };
}

/** Test limits for the server under test: a slow drip must be cut within these plus the 1 s check interval. */
const edgeLimits = { headersMs: 1_500, requestMs: 3_000 };

describe('web edge limits (own standalone server, stand-in API)', () => {
  let web: ChildProcess;
  let webBase = '';
  let webPort = 0;
  let upstream: Server;
  const seenByApi: { path: string; headers: IncomingMessage['headers']; bytes: number }[] = [];
  let eventStreamClosed = false;
  let releaseSecondEvent = () => {};

  beforeAll(async () => {
    upstream = createHttpServer((request: IncomingMessage, response: ServerResponse) => {
      if (request.url?.startsWith('/api/events')) {
        const secondMayGo = new Promise<void>((resolve) => (releaseSecondEvent = resolve));
        response.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
        response.write(`retry: 2000\n\nevent: value\nid: 1-0\ndata: {"index":12,"status":"done"}\n\n`);
        void secondMayGo.then(() => response.write('event: stats\ndata: {"queueLength":0}\n\n'));
        response.on('close', () => (eventStreamClosed = true));
        return;
      }
      let bytes = 0;
      request.on('data', (chunk: Buffer) => (bytes += chunk.length));
      request.on('end', () => {
        seenByApi.push({ path: request.url ?? '', headers: request.headers, bytes });
        response.writeHead(200, { 'content-type': 'application/json' });
        response.end('{"ok":true}');
      });
    });
    upstream.listen(0, '127.0.0.1');
    await once(upstream, 'listening');
    const address = upstream.address();
    const upstreamUrl = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;

    // Next's standalone server.js reads PORT with `parseInt(PORT) || 3000`, so port 0 is not an option.
    webPort = await freePort();
    webBase = `http://127.0.0.1:${webPort}`;
    web = spawn(process.execPath, [join(webRoot, 'scripts', 'serve-standalone.mjs')], {
      env: {
        ...process.env,
        PORT: String(webPort),
        HOSTNAME: '127.0.0.1',
        API_URL: upstreamUrl,
        WEB_HEADERS_TIMEOUT_MS: String(edgeLimits.headersMs),
        WEB_REQUEST_TIMEOUT_MS: String(edgeLimits.requestMs),
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const output: string[] = [];
    web.stdout?.on('data', (chunk: Buffer) => output.push(chunk.toString()));
    web.stderr?.on('data', (chunk: Buffer) => output.push(chunk.toString()));
    await waitFor(
      `the standalone server on ${webBase}:\n${output.join('')}`,
      async () => (await fetch(`${webBase}/api/health`).catch(() => null))?.status === 200,
      60_000,
    );
  });

  afterAll(async () => {
    if (web && web.exitCode === null && web.signalCode === null) {
      const exited = once(web, 'exit', { signal: AbortSignal.timeout(10_000) });
      web.kill('SIGTERM');
      await exited.catch(() => web?.kill('SIGKILL'));
    }
    upstream?.closeAllConnections();
    upstream?.close();
  });

  it('web edge: a streamed 50 MB body (chunked, no Content-Length) gets 413 JSON long before it is sent, and web memory stays bounded', async () => {
    const pid = web.pid ?? 0;
    const before = memoryMb(pid);
    const apiCallsBefore = seenByApi.length;
    const totalBytes = 50 * 1024 * 1024;
    const chunk = Buffer.alloc(64 * 1024, 0x20);
    const outcome = await new Promise<{ status: number; body: string; sentBytes: number }>((resolve, reject) => {
      let sentBytes = 0;
      let answered = false;
      const upload = httpRequest({
        host: '127.0.0.1',
        port: webPort,
        method: 'POST',
        path: '/api/values',
        headers: { 'content-type': 'application/json' },
      });
      upload.on('response', (response) => {
        answered = true;
        let body = '';
        response.on('data', (part: Buffer) => (body += part.toString()));
        response.on('end', () => resolve({ status: response.statusCode ?? 0, body, sentBytes }));
      });
      // After the 413 the server closes the connection; writes still in flight then fail.
      upload.on('error', (error) => (answered ? undefined : reject(error)));
      const pump = () => {
        while (!answered && sentBytes < totalBytes) {
          sentBytes += chunk.length;
          if (!upload.write(chunk)) return void upload.once('drain', pump);
        }
        if (!answered) upload.end();
      };
      pump();
    });
    const after = memoryMb(pid);
    console.log(
      `50 MB upload: ${outcome.status} after ${(outcome.sentBytes / 1024 / 1024).toFixed(1)} MB sent; ` +
        `web RSS ${before.rss.toFixed(0)} -> ${after.rss.toFixed(0)} MB, peak ${before.peak.toFixed(0)} -> ${after.peak.toFixed(0)} MB`,
    );
    expect(outcome.status).toBe(413);
    expect(JSON.parse(outcome.body)).toEqual({ error: 'request body is larger than 65536 bytes' });
    expect(outcome.sentBytes).toBeLessThan(totalBytes);
    // Holding the body would add its 50 MB (the old proxy: 122 -> 265 MB).
    expect(after.peak - before.peak).toBeLessThan(25);
    expect(seenByApi.length).toBe(apiCallsBefore);
  });

  it('web edge: slow-drip headers and a slow-drip body are cut with 408 within the configured timeouts plus the 1 s check', async () => {
    const drip = (head: string, piece: string, boundMs: number) =>
      new Promise<{ received: string; elapsedMs: number }>((resolve, reject) => {
        const startedAt = Date.now();
        const socket = connect(webPort, '127.0.0.1');
        let received = '';
        socket.on('data', (part: Buffer) => (received += part.toString()));
        socket.on('error', () => {});
        socket.write(head);
        const ticker = setInterval(() => socket.writable && socket.write(piece), 250);
        const bound = setTimeout(() => {
          socket.destroy();
          reject(new Error(`still open after ${boundMs} ms`));
        }, boundMs);
        socket.on('close', () => {
          clearInterval(ticker);
          clearTimeout(bound);
          resolve({ received, elapsedMs: Date.now() - startedAt });
        });
      });
    const slackMs = 5_000;
    const [headers, body] = await Promise.all([
      drip('GET / HTTP/1.1\r\nHost: x\r\n', 'X-Drip: 1\r\n', edgeLimits.headersMs + 1_000 + slackMs),
      drip(
        'POST /api/values HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 5000\r\n\r\n',
        ' ',
        edgeLimits.requestMs + 1_000 + slackMs,
      ),
    ]);
    console.log(`slow drip closed after: headers ${headers.elapsedMs} ms, body ${body.elapsedMs} ms`);
    expect(headers.received).toMatch(/^HTTP\/1\.1 408 /);
    expect(body.received).toMatch(/^HTTP\/1\.1 408 /);
  });

  it('web edge: TRACE and CONNECT get 405 JSON with Allow', async () => {
    const raw = (head: string) =>
      new Promise<string>((resolve) => {
        const socket = connect(webPort, '127.0.0.1');
        let received = '';
        socket.on('data', (part: Buffer) => (received += part.toString()));
        socket.on('error', () => {});
        socket.on('close', () => resolve(received));
        socket.write(head);
      });
    for (const head of [
      'TRACE /api/values HTTP/1.1\r\nHost: x\r\n\r\n',
      'CONNECT 127.0.0.1:6379 HTTP/1.1\r\nHost: 127.0.0.1:6379\r\n\r\n',
    ]) {
      const received = await raw(head);
      expect(received).toMatch(/^HTTP\/1\.1 405 /);
      expect(received).toMatch(/\r\nallow: GET, HEAD, OPTIONS, POST\r\n/i);
      expect(received).toMatch(/\{"error":"method (TRACE|CONNECT) is not allowed"\}$/);
    }
  });

  it('web edge: the API gets X-Forwarded-* from the real connection and never the client’s cookies, credentials or forwarding headers', async () => {
    await fetch(`${webBase}/api/echo`, {
      headers: {
        cookie: 'session=secret',
        authorization: 'Bearer secret',
        'x-forwarded-for': '203.0.113.9',
        'x-forwarded-host': 'evil.example',
        forwarded: 'for=203.0.113.9',
        origin: webBase,
      },
    });
    const seen = seenByApi.find((entry) => entry.path === '/api/echo');
    expect(seen?.headers['x-forwarded-for']).toBe('127.0.0.1');
    expect(seen?.headers['x-forwarded-host']).toBe(`127.0.0.1:${webPort}`);
    expect(seen?.headers['x-forwarded-proto']).toBe('http');
    expect(seen?.headers.origin).toBe(webBase);
    for (const name of ['cookie', 'authorization', 'forwarded']) expect(seen?.headers[name], name).toBeUndefined();
  });

  it('web edge: GET /api/events streams each event as it comes (gzip accepted), and closing the page closes the API stream', async () => {
    const client = new AbortController();
    // Node's fetch sends Accept-Encoding: gzip, deflate, as browsers do.
    const answer = await fetch(`${webBase}/api/events`, { headers: { accept: 'text/event-stream' }, signal: client.signal });
    expect(answer.status).toBe(200);
    expect(answer.headers.get('content-type')).toBe('text/event-stream');
    expect(answer.headers.get('content-encoding')).toBeNull();
    const reader = answer.body!.pipeThrough(new TextDecoderStream()).getReader();
    let text = '';
    // The first event arrives while the API holds the second: nothing buffers it.
    while (!text.includes('"status":"done"}\n\n')) {
      const { value, done } = await reader.read();
      if (done) throw new Error(`stream ended: ${text}`);
      text += value;
    }
    expect(text).not.toContain('event: stats');
    releaseSecondEvent();
    while (!text.includes('{"queueLength":0}\n\n')) {
      const { value, done } = await reader.read();
      if (done) throw new Error(`stream ended: ${text}`);
      text += value;
    }
    client.abort();
    await waitFor('the API event stream to close after the client left', () => eventStreamClosed);
  });
});

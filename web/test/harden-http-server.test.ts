// @vitest-environment node
// The web server's limits and trust rules (web/scripts/harden-http-server.mjs): slow clients are
// cut off within the stated bound, unrouted methods get 405 JSON, X-Forwarded-* come from the socket.
import { execFile } from 'node:child_process';
import { once } from 'node:events';
import { copyFileSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import type { IncomingHttpHeaders, RequestListener, Server } from 'node:http';
import { connect, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

import { afterEach, describe, expect, it } from 'vitest';

import { forwardedFromConnectionKey as proxyKey } from '../features/api-proxy/proxy-headers';
import { defaultServerLimits, type ServerLimits } from '../scripts/web-settings.mjs';

/**
 * The launcher module is plain JS (it runs in the image without a TypeScript loader) and patches
 * Node's http module, so it is imported through a non-literal specifier (out of the type-checked
 * program) with the part of its API these tests use written out; a mismatch fails the tests at run time.
 */
interface HardenModule {
  createHardenedServer: (listener: RequestListener, limits?: ServerLimits) => Server;
  forwardedFromConnectionKey: symbol;
}
const launcherModule = new URL('../scripts/harden-http-server.mjs', import.meta.url).href;
const { createHardenedServer, forwardedFromConnectionKey } = (await import(launcherModule)) as HardenModule;

/** Small limits so the tests run in seconds; the bounds below are stated in terms of these. */
const limits = {
  ...defaultServerLimits,
  headersTimeoutMs: 400,
  requestTimeoutMs: 800,
  idleTimeoutMs: 600,
  connectionsCheckingIntervalMs: 100,
};
/** Slack for a loaded machine on top of timeout + checking interval. */
const slackMs = 3_000;

const servers: Server[] = [];
const sockets: Socket[] = [];

afterEach(async () => {
  for (const socket of sockets.splice(0)) socket.destroy();
  for (const server of servers.splice(0)) {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  }
});

async function listen(server: Server): Promise<number> {
  servers.push(server);
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const address = server.address();
  return typeof address === 'object' && address ? address.port : 0;
}

/** A raw connection (msw intercepts http.request in these tests; net is left alone). */
function open(port: number) {
  const socket = connect(port, '127.0.0.1');
  sockets.push(socket);
  socket.on('error', () => {});
  let received = '';
  socket.on('data', (chunk: Buffer) => (received += chunk.toString()));
  const closed = once(socket, 'close').then(() => received);
  return { socket, closed, received: () => received };
}

/** Writes `piece` every 100 ms until the socket closes: a slow-drip client. */
function drip(socket: Socket, piece: string) {
  const timer = setInterval(() => {
    if (!socket.destroyed && socket.writable) socket.write(piece);
  }, 100);
  socket.once('close', () => clearInterval(timer));
}

/** Resolves with the elapsed ms when `closed` settles, or rejects after `boundMs`. */
async function closesWithin(closed: Promise<string>, boundMs: number, startedAt: number) {
  let timer: NodeJS.Timeout | undefined;
  const bound = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`connection still open after ${boundMs} ms`)), boundMs);
  });
  try {
    const received = await Promise.race([closed, bound]);
    return { received, elapsedMs: Date.now() - startedAt };
  } finally {
    clearTimeout(timer);
  }
}

describe('web server limits', () => {
  it('web server: cuts a client dripping its headers with 408 within headersTimeout + checking interval', async () => {
    const port = await listen(createHardenedServer((_request, response) => response.end('ok'), limits));
    const { socket, closed } = open(port);
    const startedAt = Date.now();
    socket.write('GET / HTTP/1.1\r\nHost: x\r\n');
    drip(socket, 'X-Drip: 1\r\n');
    const { received } = await closesWithin(
      closed,
      limits.headersTimeoutMs + limits.connectionsCheckingIntervalMs + slackMs,
      startedAt,
    );
    expect(received).toMatch(/^HTTP\/1\.1 408 /);
  });

  it('web server: cuts a client dripping its body with 408 within requestTimeout + checking interval', async () => {
    const port = await listen(
      createHardenedServer((request, response) => {
        request.resume();
        request.on('end', () => response.end('ok'));
      }, limits),
    );
    const { socket, closed } = open(port);
    const startedAt = Date.now();
    socket.write('POST /api/values HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 100000\r\n\r\n');
    drip(socket, ' ');
    const { received } = await closesWithin(
      closed,
      limits.requestTimeoutMs + limits.connectionsCheckingIntervalMs + slackMs,
      startedAt,
    );
    expect(received).toMatch(/^HTTP\/1\.1 408 /);
  });

  it('web server: closes a socket with no traffic either way for idleTimeout', async () => {
    // The request is complete, so only the idle timeout can end it: the handler never answers.
    const port = await listen(createHardenedServer(() => {}, limits));
    const { socket, closed } = open(port);
    const startedAt = Date.now();
    socket.write('GET /api/stats HTTP/1.1\r\nHost: x\r\n\r\n');
    await closesWithin(closed, limits.idleTimeoutMs + slackMs, startedAt);
  });

  it('web server: keeps a slow response open while it keeps sending (an event stream outlives every timeout)', async () => {
    let sent = 0;
    const port = await listen(
      createHardenedServer((_request, response) => {
        response.writeHead(200, { 'content-type': 'text/event-stream' });
        const timer = setInterval(() => response.write(`: heartbeat ${++sent}\n\n`), 100);
        response.on('close', () => clearInterval(timer));
      }, limits),
    );
    const { socket, received } = open(port);
    socket.write('GET /api/events HTTP/1.1\r\nHost: x\r\n\r\n');
    // Until well past requestTimeout and idleTimeout: heartbeats still arrive on the same socket.
    const deadline = Date.now() + 10_000;
    while (sent < 20 || !received().includes(`heartbeat ${sent - 1}\n`)) {
      if (Date.now() > deadline || socket.destroyed) throw new Error(`stream ended after ${sent} heartbeats`);
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    expect(socket.destroyed).toBe(false);
    expect(sent * 100).toBeGreaterThan(limits.requestTimeoutMs + limits.idleTimeoutMs);
  });
});

describe('web server methods and forwarding headers', () => {
  async function rawRequest(port: number, head: string) {
    const { socket, closed } = open(port);
    socket.write(head);
    return closesWithin(closed, 5_000, Date.now());
  }

  it('web server: answers TRACE and other unrouted methods with 405 JSON and Allow, without calling Next', async () => {
    let calls = 0;
    const port = await listen(
      createHardenedServer((_request, response) => {
        calls += 1;
        response.end('ok');
      }, limits),
    );
    for (const method of ['TRACE', 'PROPFIND', 'PURGE']) {
      const { received } = await rawRequest(port, `${method} /api/values HTTP/1.1\r\nHost: x\r\n\r\n`);
      const [head = '', body] = received.split('\r\n\r\n');
      expect(head).toMatch(/^HTTP\/1\.1 405 /);
      expect(head).toMatch(/\r\nallow: GET, HEAD, OPTIONS, POST\r\n/i);
      expect(head).toMatch(/\r\ncontent-type: application\/json\r\n/i);
      expect(JSON.parse(body ?? '')).toEqual({ error: `method ${method} is not allowed` });
    }
    expect(calls).toBe(0);
  });

  it('web server: answers CONNECT with 405 JSON instead of dropping the connection', async () => {
    const port = await listen(createHardenedServer((_request, response) => response.end('ok'), limits));
    const { received } = await rawRequest(port, 'CONNECT 127.0.0.1:6379 HTTP/1.1\r\nHost: 127.0.0.1:6379\r\n\r\n');
    expect(received).toMatch(/^HTTP\/1\.1 405 /);
    expect(received).toMatch(/\r\nAllow: GET, HEAD, OPTIONS, POST\r\n/);
    expect(received).toContain('{"error":"method CONNECT is not allowed"}');
  });

  it('web server: replaces client-supplied X-Forwarded-* and Forwarded with the real connection', async () => {
    let seen: { headers: IncomingHttpHeaders; rawHeaders: string[] } | undefined;
    const port = await listen(
      createHardenedServer((request, response) => {
        seen = { headers: { ...request.headers }, rawHeaders: [...request.rawHeaders] };
        response.end('ok');
      }, limits),
    );
    await rawRequest(
      port,
      'GET /api/stats HTTP/1.1\r\nHost: localhost:3000\r\nX-Forwarded-For: 203.0.113.9\r\nX-Forwarded-Host: evil.example\r\n' +
        'X-Forwarded-Proto: https\r\nX-Forwarded-Port: 443\r\nForwarded: for=203.0.113.9\r\nX-Real-IP: 203.0.113.9\r\nConnection: close\r\n\r\n',
    );
    expect(seen?.headers['x-forwarded-for']).toBe('127.0.0.1');
    expect(seen?.headers['x-forwarded-proto']).toBe('http');
    expect(seen?.headers['x-forwarded-host']).toBe('localhost:3000');
    expect(seen?.headers['x-forwarded-port']).toBeUndefined();
    expect(seen?.headers.forwarded).toBeUndefined();
    expect(seen?.headers['x-real-ip']).toBeUndefined();
    expect(seen?.rawHeaders.join('\n')).not.toContain('203.0.113.9');
    expect(seen?.rawHeaders.join('\n')).not.toContain('evil.example');
  });
});

describe('web server settings', () => {
  it('web server: the proxy trusts X-Forwarded-* under the same key the launcher sets', () => {
    expect(forwardedFromConnectionKey).toBe(proxyKey);
  });

  it("web server: installServerLimits makes every http.createServer (Next's server.js call) a hardened one", async () => {
    // In a child process: the patch is process-wide.
    const script = fileURLToPath(launcherModule);
    const probe = `
      import http from 'node:http';
      const { installServerLimits, forwardedFromConnectionKey } = await import(${JSON.stringify(script)});
      installServerLimits();
      const server = http.createServer(() => {});
      console.log(JSON.stringify({
        headersTimeout: server.headersTimeout,
        requestTimeout: server.requestTimeout,
        timeout: server.timeout,
        connectListeners: server.listenerCount('connect'),
        marked: globalThis[forwardedFromConnectionKey] === true,
      }));`;
    const { stdout } = await promisify(execFile)(process.execPath, ['--input-type=module', '-e', probe], {
      env: { ...process.env, WEB_HEADERS_TIMEOUT_MS: '4000' },
    });
    expect(JSON.parse(stdout)).toEqual({
      headersTimeout: 4000,
      requestTimeout: defaultServerLimits.requestTimeoutMs,
      timeout: defaultServerLimits.idleTimeoutMs,
      connectListeners: 1,
      marked: true,
    });
  });
});

describe('launcher (serve-standalone.mjs)', () => {
  /** The image's layout: web/server.js with web/scripts/ beside it (see web/Dockerfile). */
  function imageLayout(): { root: string; launcher: string } {
    const root = mkdtempSync(join(tmpdir(), 'web-launcher-'));
    mkdirSync(join(root, 'web', 'scripts'), { recursive: true });
    for (const file of ['serve-standalone.mjs', 'harden-http-server.mjs', 'web-settings.mjs']) {
      copyFileSync(fileURLToPath(new URL(`../scripts/${file}`, import.meta.url)), join(root, 'web', 'scripts', file));
    }
    // Stands in for Next's server.js: creates its server the way start-server.js does and reports it.
    writeFileSync(
      join(root, 'web', 'server.js'),
      `const http = require('http');
       const server = http.createServer(() => {});
       console.log(JSON.stringify({ headersTimeout: server.headersTimeout, requestTimeout: server.requestTimeout,
         idle: server.timeout, host: process.env.HOSTNAME, port: process.env.PORT }));`,
    );
    return { root, launcher: join(root, 'web', 'scripts', 'serve-standalone.mjs') };
  }

  it("launcher: beside server.js (the image) it runs that server.js with the limits installed before Next's server is created", async () => {
    const { root, launcher } = imageLayout();
    try {
      const { PORT: _port, ...env } = process.env;
      const { stdout } = await promisify(execFile)(process.execPath, [launcher], {
        env: { ...env, HOSTNAME: 'web-7d9f-abcde', WEB_REQUEST_TIMEOUT_MS: '20000' },
      });
      expect(JSON.parse(stdout)).toEqual({
        headersTimeout: defaultServerLimits.headersTimeoutMs,
        requestTimeout: 20_000,
        idle: defaultServerLimits.idleTimeoutMs,
        // A pod's HOSTNAME is its name, not an address: all interfaces.
        host: '0.0.0.0',
        port: '3000',
      });
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });

  it('launcher: refuses to start on a bad limit, naming the variable', async () => {
    const { root, launcher } = imageLayout();
    try {
      const run = promisify(execFile)(process.execPath, [launcher], { env: { ...process.env, WEB_HEADERS_TIMEOUT_MS: '10s' } });
      await expect(run).rejects.toMatchObject({ code: 1, stderr: expect.stringContaining('WEB_HEADERS_TIMEOUT_MS') as unknown });
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });

  it("launcher: refuses to start on a bad /api proxy setting, naming it, before Next's server runs", async () => {
    const { root, launcher } = imageLayout();
    try {
      const run = promisify(execFile)(process.execPath, [launcher], { env: { ...process.env, API_TIMEOUT_MS: '10s' } });
      await expect(run).rejects.toMatchObject({
        code: 1,
        stdout: '',
        stderr: expect.stringContaining('API_TIMEOUT_MS: must be a whole number above 0, got "10s"') as unknown,
      });
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });
});

// @ts-check
// Limits and trust rules for the web app's HTTP server, applied by patching http.createServer
// before Next's standalone server.js runs: that file calls http.createServer(requestListener)
// with no options and sets only keepAliveTimeout (from KEEP_ALIVE_TIMEOUT), so nothing else
// reaches the server (checked in next 16.4.6: dist/server/lib/start-server.js, and the server.js
// template in dist/build/utils.js).
import { Buffer } from 'node:buffer';
import http from 'node:http';

import { defaultServerLimits, readServerLimits } from './web-settings.mjs';

/** @typedef {import('./web-settings.mjs').ServerLimits} ServerLimits */

/** Methods Next routes (next/dist/server/web/http.js HTTP_METHODS); any other gets 405 here. */
export const routedMethods = new Set(['GET', 'HEAD', 'OPTIONS', 'POST', 'PUT', 'DELETE', 'PATCH']);
export const allowHeader = 'GET, HEAD, OPTIONS, POST';

/** Same key as web/features/api-proxy/proxy-headers.ts: the proxy forwards X-Forwarded-* only when set. */
export const forwardedFromConnectionKey = Symbol.for('fib.web.forwardedHeadersFromConnection');

/** Headers a client could use to pose as a proxy in front of this server. */
const clientForwardingHeaders = [
  'forwarded',
  'x-forwarded-for',
  'x-forwarded-host',
  'x-forwarded-port',
  'x-forwarded-proto',
  'x-real-ip',
];

/**
 * Replaces whatever forwarding headers the client sent with the real connection's: this server
 * is the edge locally (on AKS the Gateway sends /api straight to the api service).
 * @param {http.IncomingMessage} request
 */
export function stampForwardedHeaders(request) {
  const raw = [];
  for (let i = 0; i < request.rawHeaders.length; i += 2) {
    const name = request.rawHeaders[i] ?? '';
    if (!clientForwardingHeaders.includes(name.toLowerCase())) raw.push(name, request.rawHeaders[i + 1] ?? '');
  }
  request.rawHeaders = raw;
  for (const name of clientForwardingHeaders) delete request.headers[name];
  request.headers['x-forwarded-for'] = request.socket.remoteAddress ?? '';
  request.headers['x-forwarded-proto'] = 'encrypted' in request.socket && request.socket.encrypted ? 'https' : 'http';
  if (request.headers.host) request.headers['x-forwarded-host'] = request.headers.host;
}

/** @param {string} method */
function methodNotAllowedBody(method) {
  return JSON.stringify({ error: `method ${method} is not allowed` });
}

/**
 * @param {http.IncomingMessage} request
 * @param {http.ServerResponse} response
 */
function refuseMethod(request, response) {
  const body = methodNotAllowedBody(request.method ?? '');
  response.writeHead(405, {
    allow: allowHeader,
    'cache-control': 'no-store',
    connection: 'close',
    'content-length': Buffer.byteLength(body),
    'content-type': 'application/json',
    'x-content-type-options': 'nosniff',
  });
  response.end(body);
}

/**
 * Wraps Next's request listener: refuses unrouted methods, stamps forwarding headers.
 * @param {http.RequestListener} listener
 * @returns {http.RequestListener}
 */
export function guardedListener(listener) {
  return (request, response) => {
    if (!routedMethods.has(request.method ?? '')) return refuseMethod(request, response);
    stampForwardedHeaders(request);
    return listener(request, response);
  };
}

/**
 * Options for http.createServer from the limits (the checking interval can only be set here).
 * @param {ServerLimits} limits
 */
export function serverOptions(limits) {
  return {
    headersTimeout: limits.headersTimeoutMs,
    requestTimeout: limits.requestTimeoutMs,
    connectionsCheckingInterval: limits.connectionsCheckingIntervalMs,
    maxHeaderSize: limits.maxHeaderBytes,
  };
}

/**
 * The socket idle timeout, and CONNECT (which Node hands to 'connect' listeners, not the request
 * listener) answered with 405 instead of a silent close.
 * @param {http.Server} server
 * @param {ServerLimits} limits
 */
export function hardenServer(server, limits) {
  // With no 'timeout' listener on the server, Node destroys a socket idle this long.
  server.setTimeout(limits.idleTimeoutMs);
  server.on('connect', (request, socket) => {
    const body = methodNotAllowedBody('CONNECT');
    socket.on('error', () => {});
    socket.end(
      `HTTP/1.1 405 Method Not Allowed\r\nAllow: ${allowHeader}\r\nContent-Type: application/json\r\n` +
        `Content-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
    );
  });
  return server;
}

/**
 * Creates a server the way the patched http.createServer does (for tests and other launchers).
 * @param {http.RequestListener} listener
 * @param {ServerLimits} [limits]
 */
export function createHardenedServer(listener, limits = defaultServerLimits) {
  return hardenServer(http.createServer(serverOptions(limits), guardedListener(listener)), limits);
}

let installed = false;

/**
 * Makes every http.createServer in this process (Next's standalone server) a hardened one.
 * Call before importing server.js.
 * @param {ServerLimits} [limits]
 */
export function installServerLimits(limits = readServerLimits(process.env)) {
  if (installed) return;
  installed = true;
  const createServer = http.createServer;
  /** @type {(options?: http.ServerOptions | http.RequestListener, listener?: http.RequestListener) => http.Server} */
  const hardenedCreateServer = (optionsOrListener, maybeListener) => {
    const [options, listener] =
      typeof optionsOrListener === 'function' ? [{}, optionsOrListener] : [optionsOrListener ?? {}, maybeListener];
    const server = createServer({ ...options, ...serverOptions(limits) }, listener && guardedListener(listener));
    return hardenServer(server, limits);
  };
  http.createServer = /** @type {typeof http.createServer} */ (hardenedCreateServer);
  /** @type {Record<symbol, unknown>} */ (globalThis)[forwardedFromConnectionKey] = true;
}

// Serves the registered HTTP functions on a plain Node http server, the way the real Functions
// host does: same routes under /api, same HttpRequest/InvocationContext objects, and the host's
// own behaviour where it differs from a friendly web server (each cites the upstream file):
// - methods are a route constraint: a method no function serves on a path is a plain 404, like
//   any unknown path (azure-functions-host src/WebJobs.Script.WebHost/WebScriptHostHttpRoutesManager.cs
//   maps each function's route with an `httpMethod` HttpMethodRouteConstraint,
//   ScriptConstants.HttpMethodConstraintName);
// - routes are tried in the order the host maps the functions, which is by function name
//   (azure-webjobs-sdk-extensions src/WebJobs.Extensions.Http/WebJobsRouteBuilder.cs and
//   WebJobsRouter.cs: one route collection, first match wins), not literal-before-parameter;
// - the host's own answers (404, 413, 500) carry no body and no nosniff: they come from ASP.NET
//   Core and Kestrel, not from the app: 404 is the end of the ASP.NET Core pipeline setting only
//   the status (dotnet/aspnetcore src/Http/Http/src/Builder/ApplicationBuilder.cs, Build), 413 is
//   Kestrel's BadHttpRequestException for RequestBodyTooLarge (dotnet/aspnetcore
//   src/Servers/Kestrel/Core/src/KestrelBadHttpRequestException.cs), and 500 is the host's
//   ExceptionMiddleware setting only the status (azure-functions-host
//   src/WebJobs.Script.WebHost/Middleware/ExceptionMiddleware.cs); the host adds headers of its own
//   only from host.json's customHeaders (src/WebJobs.Script.WebHost/Middleware/CustomHttpHeadersMiddleware.cs),
//   which ours does not set;
// - the body limit is FUNCTIONS_REQUEST_BODY_SIZE_LIMIT, else 100 MB (azure-functions-host
//   src/WebJobs.Script.WebHost/Middleware/HttpRequestBodySizeMiddleware.cs, and
//   ScriptConstants.DefaultMaxRequestBodySize set on Kestrel in src/WebJobs.Script.WebHost/Program.cs);
// - a streamed response body (HTTP streams) is copied the way the Node library's proxy copies it
//   (azure-functions-nodejs-library src/http/httpProxy.ts, sendProxyResponse): read at once,
//   write()'s return ignored, the client's disconnect never reported, the stream never cancelled
//   (nodejs-library issue #294, open). A handler therefore never learns that its client left.
import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { Readable } from 'node:stream';

import azf, { type HttpResponseInit } from '@azure/functions';

import { errorMessage } from '../../functions/src/errors.js';
import { headerRecord } from '../../functions/src/http/header-record.js';
import type { HttpRegistration } from '../../functions/src/registration-types.js';
import { hostDefaultMaxBodyBytes, type HostSettings, loadHostSettings } from './host-settings.js';
import { LocalHttpRequest } from './local-http-request.js';
import { invocationLogHandler, type LogLine } from './logging.js';

interface Route {
  registration: HttpRegistration;
  pattern: RegExp;
  parameterNames: string[];
}

/** Limits of the local host; the defaults are what `npm start` runs with. */
export interface HttpLimits {
  /**
   * Largest request body; a larger one gets 413 before it is read (Content-Length) or as soon as
   * it passes the limit. @defaultValue FUNCTIONS_REQUEST_BODY_SIZE_LIMIT, else 104857600 (100 MB)
   */
  maxBodyBytes: number;
  /** Time to receive a request's headers (Node's headersTimeout). @defaultValue 10000 */
  headersTimeoutMs: number;
  /** Time to receive a whole request, body included (Node's requestTimeout). @defaultValue 30000 */
  requestTimeoutMs: number;
  /** How long an idle keep-alive connection stays open between requests. @defaultValue 5000 */
  keepAliveTimeoutMs: number;
  /** A socket with no traffic either way for this long is closed (streams send heartbeats). @defaultValue 30000 */
  idleTimeoutMs: number;
  /** How often Node checks headersTimeout/requestTimeout (its default is 30 s). @defaultValue 1000 */
  timeoutCheckIntervalMs: number;
}

export const defaultHttpLimits: Readonly<HttpLimits> = Object.freeze({
  maxBodyBytes: hostDefaultMaxBodyBytes,
  headersTimeoutMs: 10_000,
  requestTimeoutMs: 30_000,
  keepAliveTimeoutMs: 5_000,
  idleTimeoutMs: 30_000,
  timeoutCheckIntervalMs: 1_000,
});

function compileRoute(registration: HttpRegistration): Route {
  const parameterNames: string[] = [];
  const source = registration.route
    .split('/')
    .map((segment) => {
      const parameter = /^\{(\w+)(?::[^}]*)?\}$/.exec(segment);
      if (parameter?.[1]) {
        parameterNames.push(parameter[1]);
        return '([^/]+)';
      }
      return segment.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
    })
    .join('/');
  return { registration, pattern: new RegExp(`^/api/${source}/?$`, 'i'), parameterNames };
}

class BodyTooLargeError extends Error {
  override name = 'BodyTooLargeError';
}

/** Reads the body up to `limit` bytes; rejects with BodyTooLargeError as soon as it passes it. */
function readBody(request: IncomingMessage, limit: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) {
        request.off('data', onData);
        reject(new BodyTooLargeError());
        return;
      }
      chunks.push(chunk);
    };
    request.on('data', onData);
    request.on('end', () => resolve(Buffer.concat(chunks)));
    request.on('error', reject);
  });
}

/** How long / how much of a refused upload is still read (and discarded) after the 413. */
const lingerMs = 5_000;
const lingerBytes = 64 * 1024 * 1024;

function isAsyncIterable(value: unknown): value is AsyncIterable<Uint8Array> {
  return typeof value === 'object' && value !== null && Symbol.asyncIterator in value;
}

/**
 * Copies a streamed body as the library's sendProxyResponse does (httpProxy.ts: `for await (const
 * chunk of userRes.body.values()) proxyRes.write(chunk)`): every chunk is read as soon as the
 * handler produces it, write()'s return value is ignored (so a slow client never slows the
 * handler: its bytes queue in this process), and nothing listens for the client's close (writes
 * to a gone client are dropped; the handler's stream runs until it ends by itself).
 */
async function copyLikeTheLibrary(response: ServerResponse, source: AsyncIterable<Uint8Array | string>): Promise<void> {
  response.flushHeaders();
  for await (const chunk of source) response.write(chunk);
  response.end();
}

async function send(response: ServerResponse, init: HttpResponseInit): Promise<void> {
  const headers = headerRecord(init.headers);
  const status = init.status ?? 200;
  const body: unknown = init.body;
  if (init.jsonBody !== undefined || typeof body === 'string' || body instanceof Uint8Array) {
    let payload: string | Uint8Array;
    if (init.jsonBody !== undefined) {
      payload = JSON.stringify(init.jsonBody);
      headers['content-type'] ??= 'application/json; charset=utf-8';
    } else {
      payload = body as string | Uint8Array;
    }
    // A known length: one write, no chunked framing (writeHead fixes the headers before end()).
    headers['content-length'] = String(typeof payload === 'string' ? Buffer.byteLength(payload) : payload.byteLength);
    response.writeHead(status, headers);
    response.end(payload);
  } else if (body instanceof ReadableStream) {
    response.writeHead(status, headers);
    await copyLikeTheLibrary(response, body as ReadableStream<Uint8Array | string>);
  } else if (body instanceof Readable || isAsyncIterable(body)) {
    response.writeHead(status, headers);
    await copyLikeTheLibrary(response, body as AsyncIterable<Uint8Array>);
  } else {
    response.writeHead(status, headers);
    response.end();
  }
}

/**
 * An answer of the host itself (ASP.NET Core / Kestrel): a status with an empty body, no JSON, no
 * nosniff (ApplicationBuilder.cs, KestrelBadHttpRequestException.cs, ExceptionMiddleware.cs: see the
 * file's opening comment).
 */
function sendHostError(response: ServerResponse, status: number): void {
  response.writeHead(status, { 'content-length': '0' });
  response.end();
}

/** Starts the HTTP server; resolves once it listens (on 127.0.0.1 unless `host` says otherwise). */
export async function startHttpServer(
  registrations: readonly HttpRegistration[],
  options: {
    port: number;
    host?: string;
    log: (line: LogLine) => void;
    limits?: Partial<HttpLimits>;
    /** @defaultValue read from process.env ({@link loadHostSettings}) */
    settings?: HostSettings;
  },
): Promise<Server> {
  const settings = options.settings ?? loadHostSettings(process.env);
  const limits: HttpLimits = { ...defaultHttpLimits, maxBodyBytes: settings.maxBodyBytes, ...options.limits };
  // First match wins, in function-name order (WebJobsRouter.cs); values/current is served by
  // current-values only because that name sorts before value-by-index (a test guards it).
  const routes = registrations
    .map(compileRoute)
    .sort((a, b) => (a.registration.name < b.registration.name ? -1 : a.registration.name > b.registration.name ? 1 : 0));
  const server = createServer(
    {
      headersTimeout: limits.headersTimeoutMs,
      requestTimeout: limits.requestTimeoutMs,
      keepAliveTimeout: limits.keepAliveTimeoutMs,
      connectionsCheckingInterval: limits.timeoutCheckIntervalMs,
    },
    (request, response) => {
      void handle(request, response).catch((error: unknown) => {
        options.log({ level: 'error', source: 'http', message: errorMessage(error) });
        if (!response.headersSent) sendHostError(response, 500);
        else response.end();
      });
    },
  );

  const refuseBody = (request: IncomingMessage, response: ServerResponse): void => {
    // Answer at once; the rest of the upload is read and discarded as it arrives (never
    // buffered), for at most lingerMs / lingerBytes, so the client reads the 413 instead of a
    // connection reset (nginx's lingering close). A client that keeps sending past that is cut.
    let discarded = 0;
    const cut = () => request.socket.destroy();
    const linger = setTimeout(cut, lingerMs);
    request.on('data', (chunk: Buffer) => {
      discarded += chunk.length;
      if (discarded > lingerBytes) cut();
    });
    request.once('close', () => clearTimeout(linger));
    request.once('end', () => clearTimeout(linger));
    sendHostError(response, 413);
  };

  const handle = async (request: IncomingMessage, response: ServerResponse): Promise<void> => {
    // One parse: against the Host the client sent (the URL handlers see), else localhost for
    // routing, and a malformed Host is answered 400 once the route is known.
    let addressed: URL | undefined;
    try {
      addressed = new URL(request.url ?? '/', `http://${request.headers.host ?? '127.0.0.1'}`);
    } catch {
      addressed = undefined;
    }
    const url = addressed ?? new URL(request.url ?? '/', 'http://localhost');
    const method = (request.method ?? 'GET').toUpperCase();
    // The first route whose path and method constraint both match; nothing else (no 405, no Allow).
    let found: { route: Route; match: RegExpExecArray } | undefined;
    for (const route of routes) {
      const match = route.pattern.exec(url.pathname);
      if (match && route.registration.methods.includes(method as never)) {
        found = { route, match };
        break;
      }
    }
    if (!found) return sendHostError(response, 404);
    const params: Record<string, string> = {};
    // A malformed percent-escape stays as sent (Kestrel leaves it undecoded); the function's own
    // validation answers it.
    found.route.parameterNames.forEach((name, i) => {
      const raw = found.match[i + 1] ?? '';
      try {
        params[name] = decodeURIComponent(raw);
      } catch {
        params[name] = raw;
      }
    });
    const declared = Number(request.headers['content-length'] ?? 0);
    if (declared > limits.maxBodyBytes) return refuseBody(request, response);
    // Differs from the real host: here the whole body (up to maxBodyBytes) is read before the
    // function runs. With enableHttpStream the real host forwards the request to the worker as it
    // arrives (azure-functions-host src/WebJobs.Script.Grpc/Server/DefaultHttpProxyService.cs,
    // YARP's IHttpForwarder.SendAsync) and the library hands the proxied IncomingMessage to the
    // handler as its body (azure-functions-nodejs-library src/http/HttpRequest.ts,
    // createStreamRequest), so on AKS a function's own capped read (submit-value:
    // functions/src/http/request-body.ts) is what bounds its memory. Locally the buffer is bounded
    // by FUNCTIONS_REQUEST_BODY_SIZE_LIMIT (65,536 in local.settings.json), and a buffered body
    // keeps the small-POST path cheap.
    let body: Buffer;
    try {
      body = await readBody(request, limits.maxBodyBytes);
    } catch (error) {
      if (error instanceof BodyTooLargeError) return refuseBody(request, response);
      throw error;
    }
    // No prototype: a header named __proto__ is kept as a header, like any other.
    const headers = Object.create(null) as Record<string, string>;
    for (const name in request.headers) {
      const value = request.headers[name];
      if (value !== undefined) headers[name] = Array.isArray(value) ? value.join(', ') : value;
    }
    headers['x-forwarded-for'] = forwardedFor(
      headers['x-forwarded-for'],
      request.socket.remoteAddress,
      settings.trustForwardedHeaders,
    );
    // Kestrel refuses a Host header that is not a valid host[:port] with a bodiless 400 before any
    // function runs (dotnet/aspnetcore src/Servers/Kestrel/Core/src/Internal/Http/Http1Connection.cs,
    // HttpUtilities.IsHostHeaderValid → RequestRejectionReason.InvalidHostHeader, 400 in
    // src/Servers/Kestrel/Core/src/KestrelBadHttpRequestException.cs).
    if (!addressed) return sendHostError(response, 400);
    const httpRequest = new LocalHttpRequest({
      method,
      url: addressed.href,
      headers,
      query: addressed.searchParams,
      params,
      body: body.length > 0 ? body : undefined,
    });
    const name = found.route.registration.name;
    const context = new azf.InvocationContext({
      functionName: name,
      invocationId: randomUUID(),
      logHandler: invocationLogHandler(name, options.log),
    });
    await send(response, await found.route.registration.handler(httpRequest, context));
  };

  // A socket silent both ways for idleTimeoutMs is closed (Node destroys it on 'timeout').
  server.setTimeout(limits.idleTimeoutMs);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host ?? '127.0.0.1', () => resolve());
  });
  return server;
}

/**
 * X-Forwarded-For as the worker receives it from the real host: the host's forwarder sets it
 * to the remote address of the connection (azure-functions-host
 * src/WebJobs.Script.Grpc/Server/DefaultHttpProxyService.cs → YARP HttpTransformer.Default, whose
 * X-Forwarded transforms use the action Set), so a client cannot choose it. With
 * ASPNETCORE_FORWARDEDHEADERS_ENABLED=true, ASP.NET Core's forwarded-headers middleware
 * (ConfigureWebHostDefaults, used by src/WebJobs.Script.WebHost/Program.cs) first takes the last
 * entry a proxy in front appended as that remote address (ForwardLimit 1: one trusted hop).
 */
export function forwardedFor(
  incoming: string | undefined,
  socketAddress: string | undefined,
  trustForwardedHeaders: boolean,
): string {
  const peer = socketAddress ?? '';
  if (!trustForwardedHeaders) return peer;
  const last = incoming?.split(',').pop()?.trim();
  return last || peer;
}

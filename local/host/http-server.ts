// Serves the registered HTTP functions on a plain Node http server, the way `func start`
// would: same routes under /api, same HttpRequest/InvocationContext objects.
import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';

import azf, { type HttpResponseInit } from '@azure/functions';

import type { HttpRegistration } from '../../functions/src/registration-types.js';
import { invocationLogHandler, type LogLine } from './logging.js';

interface Route {
  registration: HttpRegistration;
  pattern: RegExp;
  parameterNames: string[];
  literal: boolean;
}

const maxRequestBytes = 1_000_000;

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
  return { registration, pattern: new RegExp(`^/api/${source}/?$`, 'i'), parameterNames, literal: parameterNames.length === 0 };
}

function readBody(request: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    request.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > maxRequestBytes) {
        reject(new Error('request body too large'));
        request.destroy();
        return;
      }
      chunks.push(chunk);
    });
    request.on('end', () => resolve(Buffer.concat(chunks)));
    request.on('error', reject);
  });
}

function send(response: ServerResponse, init: HttpResponseInit): void {
  const headers = new Headers(init.headers);
  let body: string | Uint8Array | undefined;
  if (init.jsonBody !== undefined) {
    body = JSON.stringify(init.jsonBody);
    if (!headers.has('content-type')) headers.set('content-type', 'application/json; charset=utf-8');
  } else if (typeof init.body === 'string' || init.body instanceof Uint8Array) {
    body = init.body;
  }
  response.writeHead(init.status ?? 200, Object.fromEntries(headers.entries()));
  response.end(body);
}

/** Starts the HTTP server; resolves once it listens. */
export async function startHttpServer(
  registrations: readonly HttpRegistration[],
  options: { port: number; host?: string; log: (line: LogLine) => void },
): Promise<Server> {
  // Literal routes win over parameterised ones, as in ASP.NET routing (values/current before values/{index}).
  const routes = registrations.map(compileRoute).sort((a, b) => Number(b.literal) - Number(a.literal));
  const server = createServer((request, response) => {
    void (async () => {
      const url = new URL(request.url ?? '/', `http://${request.headers.host ?? '127.0.0.1'}`);
      const method = (request.method ?? 'GET').toUpperCase();
      const matches = routes
        .map((route) => ({ route, match: route.pattern.exec(url.pathname) }))
        .filter((candidate) => candidate.match !== null);
      const found = matches.find(({ route }) => route.registration.methods.includes(method as never));
      if (!found?.match) {
        send(
          response,
          matches.length > 0
            ? { status: 405, jsonBody: { error: `${method} is not allowed here` } }
            : { status: 404, jsonBody: { error: 'not found' } },
        );
        return;
      }
      const params = Object.fromEntries(
        found.route.parameterNames.map((name, i) => [name, decodeURIComponent(found.match?.[i + 1] ?? '')]),
      );
      const body = await readBody(request);
      const httpRequest = new azf.HttpRequest({
        method,
        url: url.toString(),
        headers: Object.fromEntries(Object.entries(request.headers).map(([name, value]) => [name, String(value)])),
        query: Object.fromEntries(url.searchParams.entries()),
        params,
        body: body.length > 0 ? { bytes: body } : undefined,
      });
      const name = found.route.registration.name;
      const context = new azf.InvocationContext({
        functionName: name,
        invocationId: randomUUID(),
        logHandler: invocationLogHandler(name, options.log),
      });
      send(response, await found.route.registration.handler(httpRequest, context));
    })().catch((error: unknown) => {
      options.log({ level: 'error', source: 'http', message: error instanceof Error ? error.message : String(error) });
      if (!response.headersSent) send(response, { status: 500, jsonBody: { error: 'internal error' } });
      else response.end();
    });
  });
  // Load tests open many keep-alive connections; do not let idle ones pile up forever.
  server.keepAliveTimeout = 5_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host ?? '0.0.0.0', () => resolve());
  });
  return server;
}

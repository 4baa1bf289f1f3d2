// Local stand-in for the ingress: forwards same-origin /api/* to API_URL, read per request
// (not at build time; web/scripts/web-settings.mjs holds the settings' rules): an allow-list of
// request headers, a body limit enforced while reading, a timeout until the API answers, and
// server-sent events passed through unbuffered.
// On AKS the Gateway sends /api to the api service, so this route never runs there.
import { jsonError } from '@/features/http/json-error';
import { misconfiguredMessage, readSettings } from '@/features/settings/route-settings';
import { readProxySettings, WebSettingsError } from '@/scripts/web-settings.mjs';

import { readBoundedBody } from './bounded-body';
import { forwardedRequestHeaders, responseHeadersFromApi } from './proxy-headers';

/** Methods the proxy forwards; any other gets 405 with this list in `Allow`. */
export const forwardedMethods = ['GET', 'HEAD', 'POST', 'OPTIONS'] as const;
export const allowHeader = forwardedMethods.join(', ');

/** 405 for a method the proxy does not forward (Next routes TRACE etc. never reach here: see web/scripts). */
export function methodNotAllowed(request: Request): Response {
  return jsonError(405, `method ${request.method} is not allowed on /api`, { allow: allowHeader });
}

function isTimeout(error: unknown): boolean {
  return error instanceof DOMException && error.name === 'TimeoutError';
}

function isEventStream(answer: Response): boolean {
  return (answer.headers.get('content-type') ?? '').toLowerCase().startsWith('text/event-stream');
}

/** Forwards one request to the API; never throws. */
export async function forwardToApi(request: Request): Promise<Response> {
  if (!(forwardedMethods as readonly string[]).includes(request.method)) return methodNotAllowed(request);

  const settings = readSettings(readProxySettings);
  if (settings instanceof WebSettingsError) return jsonError(500, misconfiguredMessage);
  const { apiUrl, apiTimeoutMs: timeoutMs, apiMaxBodyBytes: maxBodyBytes } = settings;
  const incoming = new URL(request.url);
  const target = `${apiUrl}${incoming.pathname}${incoming.search}`;
  const timedOut = () => jsonError(504, `API did not answer within ${timeoutMs / 1000} s`);

  let body: Uint8Array<ArrayBuffer> | undefined;
  if (request.method !== 'GET' && request.method !== 'HEAD') {
    let read;
    try {
      read = await readBoundedBody(request, maxBodyBytes);
    } catch {
      // The client went away or the server cut it off (its request timeout) mid-body.
      return jsonError(400, 'request body could not be read', { connection: 'close' });
    }
    if (read.tooLarge) {
      // The rest of the body is never read: close the connection after answering, or the
      // socket would sit with unread bytes until the server's request timeout.
      return jsonError(413, `request body is larger than ${maxBodyBytes} bytes`, { connection: 'close' });
    }
    body = read.body;
  }

  // The timer covers the wait for the API's answer; it is cleared once an event stream starts.
  const timer = new AbortController();
  const timeout = setTimeout(() => timer.abort(new DOMException('API timeout', 'TimeoutError')), timeoutMs);
  // request.signal aborts when the client goes away (Next ties it to the response's 'close');
  // clientGone when the reader of a forwarded event stream cancels it.
  const clientGone = new AbortController();
  const signal = AbortSignal.any([timer.signal, request.signal, clientGone.signal]);

  let answer: Response;
  try {
    answer = await fetch(target, {
      method: request.method,
      headers: forwardedRequestHeaders(request.headers),
      body,
      redirect: 'manual',
      cache: 'no-store',
      signal,
    });
  } catch (error) {
    clearTimeout(timeout);
    return isTimeout(error) || timer.signal.aborted ? timedOut() : jsonError(503, 'API unreachable');
  }

  const headers = responseHeadersFromApi(answer.headers);
  const noBody = request.method === 'HEAD' || answer.status === 204 || answer.status === 304;

  if (isEventStream(answer) && !noBody) {
    clearTimeout(timeout);
    // Unbuffered: each chunk goes out as it comes. no-transform keeps Next's gzip (which
    // would hold chunks back) off the stream; X-Accel-Buffering does the same for nginx.
    headers.set('cache-control', 'no-cache, no-transform');
    headers.set('x-accel-buffering', 'no');
    const body = answer.body ? closingUpstreamOnCancel(answer.body, clientGone) : null;
    return new Response(body, { status: answer.status, statusText: answer.statusText, headers });
  }

  // Anything else is read here, within the same timeout, so a stalled API cannot hold a
  // response that already has its status.
  let payload: ArrayBuffer;
  try {
    payload = await answer.arrayBuffer();
  } catch (error) {
    return isTimeout(error) || timer.signal.aborted ? timedOut() : jsonError(503, 'API unreachable');
  } finally {
    clearTimeout(timeout);
  }
  return new Response(noBody ? null : payload, { status: answer.status, statusText: answer.statusText, headers });
}

/**
 * Passes `upstream` through chunk by chunk (nothing buffered ahead of the reader), ends it
 * cleanly when the API goes away mid-stream, and, when the reader cancels, aborts the fetch so
 * the API's connection is closed. Cancelling the body alone
 * is not enough wherever fetch is wrapped (msw's interceptor does not pass the cancel on).
 */
function closingUpstreamOnCancel(upstream: ReadableStream<Uint8Array>, fetchAbort: AbortController) {
  const source = upstream.getReader();
  return new ReadableStream<Uint8Array>(
    {
      async pull(controller) {
        let chunk: ReadableStreamReadResult<Uint8Array>;
        try {
          chunk = await source.read();
        } catch {
          // The API went away mid-stream (killed, restarted): end the stream cleanly. The browser
          // reconnects with Last-Event-ID (the stream is resumable), and Next logs no stack trace
          // for a "failed pipe".
          controller.close();
          return;
        }
        if (chunk.done) controller.close();
        else controller.enqueue(chunk.value);
      },
      async cancel(reason) {
        fetchAbort.abort(reason);
        await source.cancel(reason).catch(() => undefined);
      },
    },
    { highWaterMark: 0 },
  );
}

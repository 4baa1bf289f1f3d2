// Which headers cross the /api proxy: an allow-list on the way in (plus X-Forwarded-* from the
// real connection), everything but hop-by-hop headers on the way out.

/**
 * Request headers forwarded to the API; every other one (Cookie, Authorization, Host, hop-by-hop
 * headers, client-supplied X-Forwarded-* / Forwarded, …) is dropped.
 * - content-type, accept: what the body is and what the client reads back.
 * - origin, sec-fetch-site: for the API's same-origin write check (the browser sets them; a page's
 *   script cannot). Not sec-fetch-mode: Node's fetch always sends its own ("cors").
 * - last-event-id: resuming GET /api/events.
 * - idempotency-key: safe retries of POST /api/values.
 * - user-agent: for the API's logs.
 */
export const allowedRequestHeaders = [
  'accept',
  'content-type',
  'idempotency-key',
  'last-event-id',
  'origin',
  'sec-fetch-site',
  'user-agent',
] as const;

/** Hop-by-hop headers (RFC 9110 §7.6.1) plus what fetch re-creates (length and encoding). */
const droppedResponseHeaders = new Set([
  'connection',
  'content-encoding',
  'content-length',
  'keep-alive',
  'proxy-authenticate',
  'proxy-authorization',
  'proxy-connection',
  // The API sets no cookies; none are passed on for the web origin either.
  'set-cookie',
  'te',
  'trailer',
  'transfer-encoding',
  'upgrade',
]);

/**
 * Set to true on globalThis by web/scripts/harden-http-server.mjs (same process) once it replaces
 * every request's X-Forwarded-For/-Proto/-Host with values from the socket. Without it (`next dev`)
 * Next fills those headers only when the client did not send them, so they cannot be trusted and
 * none are forwarded.
 */
export const forwardedFromConnectionKey = Symbol.for('fib.web.forwardedHeadersFromConnection');

function forwardedHeadersAreFromConnection(): boolean {
  return (globalThis as Record<symbol, unknown>)[forwardedFromConnectionKey] === true;
}

/** Header names listed in a Connection header: hop-by-hop for that one connection. */
function namedInConnection(headers: Headers): string[] {
  return (headers.get('connection') ?? '')
    .split(',')
    .map((name) => name.trim().toLowerCase())
    .filter(Boolean);
}

/** The headers the API gets for an incoming request. */
export function forwardedRequestHeaders(incoming: Headers): Headers {
  const hopByHop = namedInConnection(incoming);
  const headers = new Headers();
  for (const name of allowedRequestHeaders) {
    const value = incoming.get(name);
    if (value !== null && !hopByHop.includes(name)) headers.set(name, value);
  }
  if (forwardedHeadersAreFromConnection()) {
    for (const name of ['x-forwarded-for', 'x-forwarded-proto', 'x-forwarded-host']) {
      const value = incoming.get(name);
      if (value !== null) headers.set(name, value);
    }
  }
  return headers;
}

/** The API's response headers minus hop-by-hop ones, including those named in its Connection header. */
export function responseHeadersFromApi(fromApi: Headers): Headers {
  const hopByHop = namedInConnection(fromApi);
  const headers = new Headers();
  fromApi.forEach((value, name) => {
    if (!droppedResponseHeaders.has(name) && !hopByHop.includes(name)) headers.append(name, value);
  });
  return headers;
}

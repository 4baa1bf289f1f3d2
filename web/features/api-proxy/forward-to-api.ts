// Local stand-in for the ingress: forwards same-origin /api/* to API_URL, read per request
// (not at build time), with a timeout and a JSON 503/504 when the API is down or slow.
// On AKS the ingress sends /api to the api service, so this route never runs there.

/** Where the API listens when API_URL is not set (`func start`'s default port). */
export const defaultApiUrl = 'http://127.0.0.1:7071';

/**
 * How long to wait for the API before answering 504; overridable with API_TIMEOUT_MS.
 * @defaultValue 10000
 */
export const defaultTimeoutMs = 10_000;

// Hop-by-hop headers, and ones fetch sets itself, are not forwarded.
const droppedRequestHeaders = ['host', 'connection', 'content-length', 'keep-alive', 'transfer-encoding', 'upgrade', 'expect'];
const droppedResponseHeaders = ['connection', 'content-encoding', 'content-length', 'keep-alive', 'transfer-encoding'];

function jsonError(status: number, error: string): Response {
  return Response.json({ error }, { status, headers: { 'cache-control': 'no-store' } });
}

function timeoutMs(): number {
  const configured = Number(process.env.API_TIMEOUT_MS);
  return Number.isFinite(configured) && configured > 0 ? configured : defaultTimeoutMs;
}

/** Forwards one request to the API; never throws. */
export async function forwardToApi(request: Request): Promise<Response> {
  const apiUrl = (process.env.API_URL ?? defaultApiUrl).replace(/\/+$/, '');
  const incoming = new URL(request.url);
  const target = `${apiUrl}${incoming.pathname}${incoming.search}`;

  const headers = new Headers(request.headers);
  for (const name of droppedRequestHeaders) headers.delete(name);
  const hasBody = request.method !== 'GET' && request.method !== 'HEAD';

  let answer: Response;
  try {
    answer = await fetch(target, {
      method: request.method,
      headers,
      body: hasBody ? await request.arrayBuffer() : undefined,
      redirect: 'manual',
      cache: 'no-store',
      signal: AbortSignal.timeout(timeoutMs()),
    });
  } catch (error) {
    if (error instanceof DOMException && error.name === 'TimeoutError') {
      return jsonError(504, `API did not answer within ${timeoutMs() / 1000} s`);
    }
    return jsonError(503, 'API unreachable');
  }

  const responseHeaders = new Headers(answer.headers);
  for (const name of droppedResponseHeaders) responseHeaders.delete(name);
  // Read the body here so a stalled stream cannot hang the response without a status.
  let body: ArrayBuffer;
  try {
    body = await answer.arrayBuffer();
  } catch (error) {
    if (error instanceof DOMException && error.name === 'TimeoutError') {
      return jsonError(504, `API did not answer within ${timeoutMs() / 1000} s`);
    }
    return jsonError(503, 'API unreachable');
  }
  return new Response(answer.status === 204 || answer.status === 304 ? null : body, {
    status: answer.status,
    statusText: answer.statusText,
    headers: responseHeaders,
  });
}

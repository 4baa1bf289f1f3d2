// The API's browser policy, applied to every HTTP function (under the real host and the local
// one alike): writes only from our own origin with a JSON body, an explicit CORS policy
// (preflights answered, never a wildcard), and nosniff on every answer.
//
// Same-origin is judged as the browser sees it: the Origin header against the host the browser
// addressed, which the web proxy and the ingress pass as X-Forwarded-Host (else Host). A browser
// cannot forge either on a cross-site request without a preflight, which this policy refuses.
import type { HttpMethod, HttpRequest, HttpResponseInit } from '@azure/functions';

import { headerRecord } from './header-record.js';
import type { HttpFunction } from './responses.js';
import { jsonError } from './responses.js';

/** What {@link withBrowserPolicy} needs to know about one function. */
export interface BrowserPolicyOptions {
  /** The methods the function serves (OPTIONS is answered here). */
  methods: readonly HttpMethod[];
  /** Origins besides our own that may call (ALLOWED_ORIGINS). */
  allowedOrigins: readonly string[];
}

/** Request headers a cross-origin caller may send (preflight `Access-Control-Allow-Headers`). */
export const corsAllowedHeaders = ['content-type', 'last-event-id', 'idempotency-key'] as const;
/** How long a browser may cache a preflight answer (s). */
export const corsMaxAgeSeconds = 600;

const safeMethods: readonly string[] = ['GET', 'HEAD', 'OPTIONS'];

/** The host the browser addressed: the first X-Forwarded-Host, else Host, normalised with the origin's scheme. */
function addressedHost(request: HttpRequest, scheme: string): string | undefined {
  const forwarded = request.headers.get('x-forwarded-host')?.split(',')[0]?.trim();
  const host = forwarded || request.headers.get('host')?.trim();
  if (!host) return undefined;
  try {
    return new URL(`${scheme}//${host}`).host;
  } catch {
    return undefined;
  }
}

/** Whether `origin` is this API's own origin (as addressed) or listed in ALLOWED_ORIGINS. */
export function isAllowedOrigin(origin: string, request: HttpRequest, allowedOrigins: readonly string[]): boolean {
  if (allowedOrigins.includes(origin)) return true;
  let parsed: URL;
  try {
    parsed = new URL(origin);
  } catch {
    return false; // "null" (sandboxed frames, file:) and garbage
  }
  if (parsed.origin !== origin) return false;
  return addressedHost(request, parsed.protocol) === parsed.host;
}

function isJson(contentType: string | null): boolean {
  const type = contentType?.split(';')[0]?.trim().toLowerCase() ?? '';
  return type === 'application/json' || (type.startsWith('application/') && type.endsWith('+json'));
}

function withHeaders(init: HttpResponseInit, extra: Record<string, string>): HttpResponseInit {
  const headers = headerRecord(init.headers);
  for (const [name, value] of Object.entries(extra)) {
    headers[name] = name === 'vary' && headers.vary !== undefined ? `${headers.vary}, ${value}` : value;
  }
  return { ...init, headers };
}

/** Wraps an HTTP function with the policy. */
export function withBrowserPolicy(handler: HttpFunction, options: BrowserPolicyOptions): HttpFunction {
  const methods = [...new Set([...options.methods, 'OPTIONS'])].join(', ');
  return async (request, context) => {
    const origin = request.headers.get('origin');
    const allowed = origin !== null && isAllowedOrigin(origin, request, options.allowedOrigins);
    const cors: Record<string, string> = origin === null ? {} : { vary: 'Origin' };
    if (allowed && origin !== null) cors['access-control-allow-origin'] = origin;
    const finish = (init: HttpResponseInit) => withHeaders(init, { 'x-content-type-options': 'nosniff', ...cors });

    if (request.method === 'OPTIONS') {
      const requestedMethod = request.headers.get('access-control-request-method');
      if (origin === null || requestedMethod === null) return finish({ status: 204, headers: { allow: methods } });
      const requestedHeaders = (request.headers.get('access-control-request-headers') ?? '')
        .split(',')
        .map((name) => name.trim().toLowerCase())
        .filter((name) => name.length > 0);
      const unknownHeader = requestedHeaders.find((name) => !(corsAllowedHeaders as readonly string[]).includes(name));
      let refusal: string | undefined;
      if (!allowed) refusal = `origin ${origin} is not allowed`;
      else if (!options.methods.includes(requestedMethod.toUpperCase() as HttpMethod))
        refusal = `${requestedMethod} is not allowed here`;
      else if (unknownHeader !== undefined) refusal = `header ${unknownHeader} is not allowed`;
      if (refusal !== undefined) return finish(jsonError(403, refusal, { allow: methods }));
      return finish({
        status: 204,
        headers: {
          allow: methods,
          'access-control-allow-methods': methods,
          'access-control-allow-headers': corsAllowedHeaders.join(', '),
          'access-control-max-age': String(corsMaxAgeSeconds),
        },
      });
    }

    if (!safeMethods.includes(request.method)) {
      // A browser names the page's origin on every write; a cross-site page can send text/plain
      // or a form without a preflight, so both the origin and the JSON type are required.
      const crossSite = request.headers.get('sec-fetch-site') === 'cross-site';
      if ((origin !== null && !allowed) || (origin === null && crossSite)) {
        return finish(jsonError(403, `writes from ${origin ?? 'another site'} are not allowed; use the app's own origin`));
      }
      if (!isJson(request.headers.get('content-type'))) {
        return finish(jsonError(415, 'send the body as JSON with the header content-type: application/json'));
      }
    }
    return finish(await handler(request, context));
  };
}

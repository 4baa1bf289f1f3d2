// The web app's security headers: the page's Content-Security-Policy (a fresh nonce per request,
// set by proxy.ts), a no-content policy for everything that is not a page, and the headers every
// response carries (next.config.ts headers()).
// Nonce pattern as in Next's CSP guide (node_modules/next/dist/docs/01-app/02-guides/content-security-policy.md):
// Next reads the nonce from the request's Content-Security-Policy header while rendering and puts
// it on its own inline and bundle scripts; the page must render per request for that.

export interface PagePolicyOptions {
  /** Fresh per request (see {@link newNonce}). */
  nonce: string;
  /** `next dev` needs 'unsafe-eval' (React's dev stack traces) and inline styles (dev overlay). */
  development: boolean;
}

/** A base64 nonce from 16 random bytes (128 bits, as CSP3 recommends at least). */
export function newNonce(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  return btoa(String.fromCharCode(...bytes));
}

/**
 * The policy for pages. 'strict-dynamic' lets the nonce'd bootstrap load the app's chunks;
 * 'self' stays for browsers without CSP3. connect-src 'self' covers fetch and EventSource on /api.
 */
export function pageContentSecurityPolicy({ nonce, development }: PagePolicyOptions): string {
  return [
    "default-src 'self'",
    `script-src 'self' 'nonce-${nonce}' 'strict-dynamic'${development ? " 'unsafe-eval'" : ''}`,
    development ? "style-src 'self' 'unsafe-inline'" : `style-src 'self' 'nonce-${nonce}'`,
    "img-src 'self' blob: data:",
    "font-src 'self'",
    "connect-src 'self'",
    "object-src 'none'",
    "base-uri 'none'",
    "form-action 'self'",
    "frame-ancestors 'none'",
  ].join('; ');
}

/** For responses that are not pages (the /api proxy, static files): nothing may load or frame them. */
export const noContentPolicy = "default-src 'none'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'";

/**
 * On every response.
 * - X-Frame-Options DENY: frame-ancestors for browsers without CSP2.
 * - Referrer-Policy same-origin: no Referer leaves the site. Not no-referrer: with that, a
 *   same-origin POST carries `Origin: null` (Fetch, "serializing a request origin"), and the API's
 *   same-origin write check would refuse the app's own submits.
 * - Cross-Origin-Opener-Policy same-origin: no cross-site window keeps a handle on the page.
 */
export const securityHeaders: readonly { key: string; value: string }[] = [
  { key: 'X-Content-Type-Options', value: 'nosniff' },
  { key: 'X-Frame-Options', value: 'DENY' },
  { key: 'Referrer-Policy', value: 'same-origin' },
  { key: 'Cross-Origin-Opener-Policy', value: 'same-origin' },
];

/**
 * Paths proxy.ts does not run on (so they get {@link noContentPolicy} from next.config.ts instead):
 * /api (the proxy must not buffer or clone request bodies: Next clones them up to 10 MB for a
 * proxy), Next's static files and image optimizer.
 */
export const nonPagePathPrefixes = ['api', '_next/static', '_next/image'] as const;

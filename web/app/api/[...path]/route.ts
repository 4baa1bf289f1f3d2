// Same-origin /api/* for local runs: forwards to API_URL at request time (see forward-to-api.ts).
import { forwardToApi, methodNotAllowed } from '@/features/api-proxy/forward-to-api';

// Never prerender or cache: every call goes to the API.
export const dynamic = 'force-dynamic';

export const GET = forwardToApi;
export const HEAD = forwardToApi;
export const POST = forwardToApi;
export const OPTIONS = forwardToApi;
// Exported so they get the proxy's 405 JSON with `Allow` rather than Next's empty 405. Methods Next
// does not route at all (TRACE, CONNECT, …) are answered by web/scripts/harden-http-server.mjs.
export const PUT = methodNotAllowed;
export const PATCH = methodNotAllowed;
export const DELETE = methodNotAllowed;

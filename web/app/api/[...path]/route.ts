// Same-origin /api/* for local runs: forwards to API_URL at request time (see forward-to-api.ts).
import { forwardToApi } from '@/features/api-proxy/forward-to-api';

// Never prerender or cache: every call goes to the API.
export const dynamic = 'force-dynamic';

export const GET = forwardToApi;
export const POST = forwardToApi;
export const PUT = forwardToApi;
export const PATCH = forwardToApi;
export const DELETE = forwardToApi;
export const HEAD = forwardToApi;
export const OPTIONS = forwardToApi;

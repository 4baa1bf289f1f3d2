// The web server's one JSON error answer (the /api proxy and /local/scaler routes): `{ error }`,
// never cached, never internals.

/** `{ "error": error }` with `status`, `cache-control: no-store` and any extra headers. */
export function jsonError(status: number, error: string, headers: Record<string, string> = {}): Response {
  return Response.json({ error }, { status, headers: { 'cache-control': 'no-store', ...headers } });
}

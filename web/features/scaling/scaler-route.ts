// GET /local/scaler: the local runtime's scaler state, read from LOCAL_RUNTIME_URL/scaler per
// request with a short timeout; 404 JSON where no local runtime runs (on AKS).
import { jsonError } from '@/features/http/json-error';
import { misconfiguredMessage, readSettings } from '@/features/settings/route-settings';
import { readLocalRuntimeUrl, WebSettingsError } from '@/scripts/web-settings.mjs';

/**
 * How long to wait for the local runtime's status server (it answers from memory).
 * @defaultValue 2000
 */
export const scalerTimeoutMs = 2_000;

/** Answers `/local/scaler`; never throws. */
export async function getScalerState(): Promise<Response> {
  const runtimeUrl = readSettings(readLocalRuntimeUrl);
  if (runtimeUrl instanceof WebSettingsError) return jsonError(500, misconfiguredMessage);
  if (!runtimeUrl) return jsonError(404, 'no local runtime here (LOCAL_RUNTIME_URL is not set)');
  let status: number;
  let body: string;
  try {
    const answer = await fetch(`${runtimeUrl}/scaler`, {
      cache: 'no-store',
      redirect: 'manual',
      signal: AbortSignal.timeout(scalerTimeoutMs),
    });
    status = answer.status;
    body = await answer.text();
  } catch (error) {
    if (error instanceof DOMException && error.name === 'TimeoutError') {
      return jsonError(504, `the local runtime did not answer within ${scalerTimeoutMs / 1000} s`);
    }
    return jsonError(503, 'the local runtime cannot be reached');
  }
  if (status !== 200) return jsonError(status >= 500 ? 503 : status, `the local runtime answered ${status}`);
  try {
    JSON.parse(body);
  } catch {
    return jsonError(503, 'the local runtime answered something other than JSON');
  }
  return new Response(body, { status: 200, headers: { 'content-type': 'application/json', 'cache-control': 'no-store' } });
}

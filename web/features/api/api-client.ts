// Browser calls to the same-origin API (/api/*), each with a timeout and typed errors.
import type {
  HealthReport,
  RecentValuesPage,
  RedisTopology,
  Stats,
  SubmissionsPage,
  SubmitAnswer,
  ValueDetail,
} from './api-types';
import { noteServedBy } from './served-by';

/** How long the UI waits for any API answer before calling the API slow. */
export const requestTimeoutMs = 5_000;

/**
 * A failed API call. `status` is the HTTP status, or 0 when no answer came
 * (network error, timeout); `message` is the API's `{ error }` text when it sent one.
 */
export class ApiError extends Error {
  override name = 'ApiError';
  constructor(
    message: string,
    readonly status: number,
  ) {
    super(message);
  }

  /** True when the API itself is down, unreachable or too slow (not a refusal of the input). */
  get unavailable(): boolean {
    return this.status === 0 || this.status >= 500;
  }
}

async function request(
  path: string,
  init: RequestInit = {},
  signal?: AbortSignal,
  acceptedStatuses: number[] = [],
): Promise<Response> {
  const timeout = AbortSignal.timeout(requestTimeoutMs);
  const combined = signal ? AbortSignal.any([signal, timeout]) : timeout;
  let response: Response;
  try {
    response = await fetch(path, { ...init, signal: combined, cache: 'no-store' });
  } catch (error) {
    if (signal?.aborted) throw error;
    if (timeout.aborted) throw new ApiError(`the API did not answer within ${requestTimeoutMs / 1000} s`, 0);
    throw new ApiError('the API cannot be reached', 0);
  }
  noteServedBy(response, path);
  if (!response.ok && !acceptedStatuses.includes(response.status)) {
    throw new ApiError(await errorText(response), response.status);
  }
  return response;
}

async function errorText(response: Response): Promise<string> {
  try {
    const body: unknown = await response.json();
    if (typeof body === 'object' && body !== null && 'error' in body && typeof body.error === 'string') {
      return body.error;
    }
  } catch {
    // Not JSON (e.g. a proxy's HTML error page): fall through to the status line.
  }
  return `the API answered ${response.status}${response.statusText ? ` ${response.statusText}` : ''}`;
}

/** GET `path` (same origin) as JSON; throws {@link ApiError}. */
export async function getJson<T>(path: string, signal?: AbortSignal): Promise<T> {
  const response = await request(path, {}, signal);
  return (await response.json()) as T;
}

function query(params: Record<string, string | number | null | undefined>): string {
  const search = new URLSearchParams();
  for (const [name, value] of Object.entries(params)) {
    if (value !== null && value !== undefined) search.set(name, String(value));
  }
  const text = search.toString();
  return text ? `?${text}` : '';
}

/** `POST /api/values`; throws {@link ApiError} with the API's text on 400/422/503. */
export async function submitIndex(index: number, signal?: AbortSignal): Promise<SubmitAnswer> {
  const response = await request(
    '/api/values',
    { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ index }) },
    signal,
  );
  return (await response.json()) as SubmitAnswer;
}

/** `GET /api/values/recent`: newest-first submitted indices with status. */
export function fetchRecentValues(limit: number, before: string | null, signal?: AbortSignal): Promise<RecentValuesPage> {
  return getJson(`/api/values/recent${query({ limit, before })}`, signal);
}

/** `GET /api/values/{index}`: the full value. */
export function fetchValue(index: number, signal?: AbortSignal): Promise<ValueDetail> {
  return getJson(`/api/values/${index}`, signal);
}

/** `GET /api/values/all`: the submissions log, the next page's cursor from `X-Next-Before`. */
export async function fetchSubmissions(limit: number, before: string | null, signal?: AbortSignal): Promise<SubmissionsPage> {
  const response = await request(`/api/values/all${query({ limit, before })}`, {}, signal);
  const items = (await response.json()) as SubmissionsPage['items'];
  return { items, next: response.headers.get('x-next-before') };
}

/** `GET /api/stats`. */
export function fetchStats(signal?: AbortSignal): Promise<Stats> {
  return getJson('/api/stats', signal);
}

/** `GET /api/health`; a 503 still carries the checks (which part is down), so it is returned. */
export async function fetchHealth(signal?: AbortSignal): Promise<HealthReport> {
  const response = await request('/api/health', {}, signal, [503]);
  const body = (await response.json()) as Partial<HealthReport> & { error?: string };
  if (!body.checks) throw new ApiError(body.error ?? 'the API cannot be reached', response.status);
  return body as HealthReport;
}

/** `GET /api/topology` (polled while the live stream is down). */
export function fetchTopology(signal?: AbortSignal): Promise<RedisTopology> {
  return getJson<RedisTopology>('/api/topology', signal);
}

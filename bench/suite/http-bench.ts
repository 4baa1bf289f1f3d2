// Benchmark 2: HTTP on the local runtime with autocannon (50 connections, 10 s by default).
import autocannon from 'autocannon';

export interface HttpRow {
  name: string;
  requestsPerSecond: number;
  p50Ms: number;
  p99Ms: number;
  non2xx: number;
  errors: number;
  total2xx: number;
}

/** Options for {@link runAutocannon}. */
export interface HttpCaseOptions {
  name: string;
  url: string;
  method?: 'GET' | 'POST';
  /** Body of the n-th request (called once per request). */
  body?: () => string;
  connections?: number;
  durationSeconds?: number;
  /** Sent with every request (the operator credential, so fair use does not meter the bench). */
  headers?: Record<string, string>;
  /** Headers of the n-th request, on top of `headers` (called once per request). */
  headersFor?: () => Record<string, string>;
}

export async function runAutocannon(options: HttpCaseOptions): Promise<HttpRow> {
  const { body, headersFor } = options;
  const headers = { ...(body ? { 'content-type': 'application/json' } : {}), ...options.headers };
  const result = await autocannon({
    url: options.url,
    connections: options.connections ?? 50,
    duration: options.durationSeconds ?? 10,
    timeout: 10,
    requests: [
      {
        method: options.method ?? 'GET',
        headers,
        ...(body || headersFor
          ? {
              setupRequest: (request: autocannon.Request) => ({
                ...request,
                ...(body ? { body: body() } : {}),
                ...(headersFor ? { headers: { ...headers, ...headersFor() } } : {}),
              }),
            }
          : {}),
      },
    ],
  });
  return {
    name: options.name,
    requestsPerSecond: result.requests.average,
    p50Ms: result.latency.p50,
    p99Ms: result.latency.p99,
    non2xx: result.non2xx,
    errors: result.errors + result.timeouts,
    total2xx: result['2xx'],
  };
}

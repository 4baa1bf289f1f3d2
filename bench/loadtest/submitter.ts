// Sends POST /api/values at a steady rate with a bounded number of requests in flight.
import http from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';

import { operatorHeaders } from '../../local/runtime/operator-token.js';

/** Running totals, read by the sampler. */
export interface SubmitCounters {
  submitted: number;
  accepted: number;
  /** 202s that said the value was already known (no task queued). */
  alreadyDone: number;
  errors: number;
  lastError: string | undefined;
}

/** POSTs `{"index": n}`; resolves the status code (0 on a network error or timeout). */
function post(
  agent: http.Agent,
  url: URL,
  index: number,
  extraHeaders: Record<string, string>,
): Promise<{ status: number; body: string }> {
  return new Promise((resolve) => {
    const body = JSON.stringify({ index });
    const request = http.request(
      url,
      {
        method: 'POST',
        agent,
        headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body), ...extraHeaders },
        timeout: 10_000,
      },
      (response) => {
        let text = '';
        response.setEncoding('utf8');
        response.on('data', (chunk: string) => (text += chunk));
        response.on('end', () => resolve({ status: response.statusCode ?? 0, body: text }));
      },
    );
    request.on('timeout', () => request.destroy(new Error('timeout')));
    request.on('error', (error) => resolve({ status: 0, body: error.message }));
    request.end(body);
  });
}

/**
 * Submits every index at `rate` per second (the n-th is due at start + n/rate), never more
 * than `concurrency` at once, and stops early when `signal` aborts.
 */
export async function submitAll(options: {
  url: string;
  indices: number[];
  rate: number;
  concurrency: number;
  counters: SubmitCounters;
  /** Presented as `Authorization: Bearer` so fair use does not meter the load test. */
  operatorToken?: string;
  signal?: AbortSignal;
}): Promise<void> {
  const target = new URL('/api/values', options.url);
  const agent = new http.Agent({ keepAlive: true, maxSockets: options.concurrency });
  const started = performance.now();
  let next = 0;
  const worker = async () => {
    while (next < options.indices.length && !options.signal?.aborted) {
      const position = next;
      next += 1;
      const due = started + (position * 1000) / options.rate;
      const wait = due - performance.now();
      if (wait > 1) await sleep(wait);
      const index = options.indices[position] ?? 0;
      options.counters.submitted += 1;
      const { status, body } = await post(agent, target, index, operatorHeaders(options.operatorToken));
      if (status === 202) {
        options.counters.accepted += 1;
        if (body.includes('"done"')) options.counters.alreadyDone += 1;
      } else {
        options.counters.errors += 1;
        options.counters.lastError = status === 0 ? body : `HTTP ${status}: ${body.slice(0, 200)}`;
      }
    }
  };
  try {
    await Promise.all(Array.from({ length: Math.min(options.concurrency, options.indices.length) }, worker));
  } finally {
    agent.destroy();
  }
}

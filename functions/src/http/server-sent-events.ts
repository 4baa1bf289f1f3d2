// The text/event-stream wire format (https://html.spec.whatwg.org/multipage/server-sent-events.html).

/** One event: `event:` name, optional `id:`, `data:` JSON on one line. */
export function formatEvent(event: string, data: unknown, id?: string): string {
  return `event: ${event}\n${id === undefined ? '' : `id: ${id}\n`}data: ${JSON.stringify(data)}\n\n`;
}

/** A comment line: ignored by EventSource, keeps idle proxies from closing the connection. */
export function formatComment(text: string): string {
  return `: ${text}\n\n`;
}

/** The reconnection delay the browser should use (ms). */
export function formatRetry(ms: number): string {
  return `retry: ${ms}\n\n`;
}

/** Headers of an event stream: never cached, never buffered by nginx-style proxies. */
export const eventStreamHeaders: Readonly<Record<string, string>> = Object.freeze({
  'content-type': 'text/event-stream; charset=utf-8',
  'cache-control': 'no-cache, no-transform',
  'x-accel-buffering': 'no',
});

/** Redis stream ids ("1700000000000-3") in order; false for anything else. */
export function isStreamId(text: string): boolean {
  return /^\d{1,20}-\d{1,20}$/.test(text);
}

/** Compares two Redis stream ids numerically. */
export function compareStreamIds(a: string, b: string): number {
  const [aMs = 0n, aSeq = 0n] = a.split('-').map(BigInt);
  const [bMs = 0n, bSeq = 0n] = b.split('-').map(BigInt);
  if (aMs !== bMs) return aMs < bMs ? -1 : 1;
  return aSeq === bSeq ? 0 : aSeq < bSeq ? -1 : 1;
}

/**
 * Only an `id:`: EventSource stores it as its last event id without dispatching anything, so the
 * reconnect after a stream ends sends it back as Last-Event-ID (the spec's "dispatch the event"
 * step sets the last event ID string before it drops an event with no data).
 */
export function formatIdOnly(id: string): string {
  return `id: ${id}\n\n`;
}

// Test helpers for /api/events: XADD to the events stream as the core scripts do, and a small
// server-sent-events reader over fetch.
import type { Redis } from 'ioredis';

/** Appends `{ index, status }` to the events stream (what the enqueue/complete/requeue scripts XADD). */
export async function addIndexEvent(redis: Redis, key: string, index: number, status: string): Promise<string> {
  return (await redis.xadd(key, 'MAXLEN', '~', '10000', '*', 'index', String(index), 'status', status)) as string;
}

export interface ReceivedEvent {
  event: string;
  id?: string;
  data?: string;
  comment?: string;
  retry?: string;
}

/** An open event stream; `events` fills as blocks arrive. */
export interface EventStreamReader {
  status: number;
  headers: Headers;
  events: ReceivedEvent[];
  /** Resolves with the first event (from `events`, now or later) that matches. */
  next(match: (event: ReceivedEvent) => boolean, timeoutMs?: number): Promise<ReceivedEvent>;
  /** Resolves when the server ended the stream (not when close() aborted it). */
  ended: Promise<void>;
  /** Whether the server has ended the stream. */
  hasEnded(): boolean;
  /** The last `id:` the stream sent (what EventSource would send back as Last-Event-ID). */
  lastEventId(): string | undefined;
  close(): void;
}

export async function openEventStream(url: string, headers: Record<string, string> = {}): Promise<EventStreamReader> {
  const abort = new AbortController();
  const response = await fetch(url, { headers, signal: abort.signal });
  const events: ReceivedEvent[] = [];
  const waiters = new Set<() => void>();
  let serverEnded = false;
  let markEnded = () => undefined as void;
  const ended = new Promise<void>((resolve) => (markEnded = resolve));
  if (response.body && response.headers.get('content-type')?.startsWith('text/event-stream')) {
    const decoder = new TextDecoder();
    let buffer = '';
    void (async () => {
      try {
        for await (const chunk of response.body as unknown as AsyncIterable<Uint8Array>) {
          buffer += decoder.decode(chunk, { stream: true });
          let end: number;
          while ((end = buffer.indexOf('\n\n')) >= 0) {
            const block = buffer.slice(0, end);
            buffer = buffer.slice(end + 2);
            const event: ReceivedEvent = { event: 'message' };
            for (const line of block.split('\n')) {
              if (line.startsWith(':')) event.comment = line.slice(1).trim();
              else {
                const separator = line.indexOf(':');
                const field = line.slice(0, separator);
                const value = line.slice(separator + 1).trimStart();
                if (field === 'event') event.event = value;
                else if (field === 'id') event.id = value;
                else if (field === 'data') event.data = value;
                else if (field === 'retry') event.retry = value;
              }
            }
            events.push(event);
            for (const wake of waiters) wake();
          }
        }
        serverEnded = true;
        markEnded();
      } catch {
        // aborted by close()
      }
    })();
  }
  return {
    status: response.status,
    headers: response.headers,
    events,
    next(match, timeoutMs = 5000) {
      return new Promise((resolve, reject) => {
        let seen = 0;
        const check = () => {
          for (; seen < events.length; seen += 1) {
            const event = events[seen];
            if (event && match(event)) {
              waiters.delete(check);
              clearTimeout(timer);
              resolve(event);
              return;
            }
          }
        };
        const timer = setTimeout(() => {
          waiters.delete(check);
          reject(new Error(`no matching event within ${timeoutMs} ms; got ${JSON.stringify(events.slice(-5))}`));
        }, timeoutMs);
        waiters.add(check);
        check();
      });
    },
    ended,
    hasEnded: () => serverEnded,
    lastEventId: () => events.findLast((event) => event.id !== undefined)?.id,
    close: () => abort.abort(),
  };
}

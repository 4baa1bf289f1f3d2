// GET /api/events: server-sent events over Functions HTTP streams (index.ts enables them with
// app.setup({ enableHttpStream: true }); @azure/functions >= 4.3, Functions runtime >= 4.28,
// learn.microsoft.com/azure/azure-functions/node-http-stream). `value` events as indices change
// status (from the fib:events Redis stream, resumable with Last-Event-ID), `stats` about every
// 1 s, `topology` about every 2 s, a `: heartbeat` comment every 15 s. Every stream of a process
// shares one Redis reader (live/event-hub.ts); at most MAX_EVENT_STREAMS are open at once.
import type { HttpRequest, HttpResponseInit, InvocationContext } from '@azure/functions';

import type { Config } from '../config.js';
import { handleErrors, json } from '../http/responses.js';
import {
  compareStreamIds,
  eventStreamHeaders,
  formatComment,
  formatEvent,
  formatRetry,
  isStreamId,
} from '../http/server-sent-events.js';
import { EventHub, type LiveEvent } from '../live/event-hub.js';
import type { Registration } from '../registration-types.js';
import { getServices, type Services } from '../services.js';

/** Timings of one stream; tests shorten them. */
export interface EventStreamOptions {
  /** @defaultValue 15000 */
  heartbeatMs: number;
  /**
   * Every stream ends after this long and the browser reconnects (with Last-Event-ID). Under the
   * real host this is what frees a stream whose client went away: the library's HTTP proxy
   * (azure-functions-nodejs-library src/http/httpProxy.ts, sendProxyResponse) writes the body
   * without telling the function the client left. @defaultValue 300000
   */
  maxStreamMs: number;
  /** EventSource reconnection delay sent as `retry:`. @defaultValue 2000 */
  retryMs: number;
}

const defaultStreamOptions: EventStreamOptions = { heartbeatMs: 15_000, maxStreamMs: 300_000, retryMs: 2000 };
/** A resumed stream replays at most this many missed `value` events. */
export const maxReplayedEvents = 1000;
/** A client this many chunks behind is dropped (it reconnects and resumes). */
const maxQueuedChunks = 1000;

let hub: { services: Services; hub: EventHub } | undefined;
let streamOptions = defaultStreamOptions;

/** The process's hub for `services` (rebuilt when tests swap the services). */
export function eventHub(services: Services = getServices()): EventHub {
  if (hub?.services !== services) {
    void hub?.hub.stop();
    hub = { services, hub: new EventHub(services) };
  }
  return hub.hub;
}

/** Event streams this process has open (the `fib_event_streams_open` gauge). */
export function openEventStreams(): number {
  return hub?.hub.size ?? 0;
}

/** Stops the process's hub, if one runs (host shutdown). */
export async function stopEventHub(): Promise<void> {
  const current = hub;
  hub = undefined;
  await current?.hub.stop();
}

/** Replaces the hub and stream timings (tests); undefined restores the defaults. */
export function configureEvents(options?: { hub?: EventHub; services?: Services; stream?: Partial<EventStreamOptions> }): void {
  if (options?.hub && options.services) hub = { services: options.services, hub: options.hub };
  streamOptions = { ...defaultStreamOptions, ...options?.stream };
}

/** 200 `text/event-stream`; 400 for a malformed Last-Event-ID; 503 JSON past MAX_EVENT_STREAMS. */
export async function events(request: HttpRequest, _context: InvocationContext): Promise<HttpResponseInit> {
  const services = getServices();
  const lastEventId = request.headers.get('last-event-id') ?? request.query.get('lastEventId');
  if (lastEventId !== null && lastEventId !== '' && !isStreamId(lastEventId)) {
    return json(400, { error: 'Last-Event-ID must be an event id this stream sent, like 1700000000000-0' });
  }
  const source = eventHub(services);
  if (source.size >= services.config.maxEventStreams) {
    return json(
      503,
      { error: `too many open event streams (${services.config.maxEventStreams}); try again shortly` },
      {
        'retry-after': '5',
      },
    );
  }
  const options = streamOptions;
  const encoder = new TextEncoder();
  let cleanup = () => undefined as void;

  const body = new ReadableStream<Uint8Array>(
    {
      start(controller) {
        let closed = false;
        let lastValueId = lastEventId || undefined;
        let replaying = lastValueId !== undefined;
        const held: LiveEvent[] = [];
        const close = () => {
          if (closed) return;
          closed = true;
          cleanup();
          try {
            controller.close();
          } catch {
            // already cancelled by the reader
          }
        };
        const write = (text: string) => {
          if (closed) return;
          if ((controller.desiredSize ?? 0) < -maxQueuedChunks) return close();
          controller.enqueue(encoder.encode(text));
        };
        const send = (event: LiveEvent) => {
          if (event.event !== 'value') return write(formatEvent(event.event, event.data));
          if (lastValueId !== undefined && compareStreamIds(event.id, lastValueId) <= 0) return;
          lastValueId = event.id;
          write(formatEvent('value', event.data, event.id));
        };
        write(formatRetry(options.retryMs));
        // While the backlog is read, live value events wait so the order stays by id.
        const unsubscribe = source.subscribe((event) => (replaying && event.event === 'value' ? held.push(event) : send(event)));
        const heartbeat = setInterval(() => write(formatComment('heartbeat')), options.heartbeatMs);
        const lifetime = setTimeout(close, options.maxStreamMs);
        cleanup = () => {
          unsubscribe();
          clearInterval(heartbeat);
          clearTimeout(lifetime);
        };
        if (replaying && lastValueId !== undefined) {
          const after = lastValueId;
          // After the live feed is positioned, so no entry falls between the backlog and the feed.
          void source
            .positioned()
            .then(() => source.valuesAfter(after, maxReplayedEvents))
            .catch(() => [] as LiveEvent[])
            .then((backlog) => {
              for (const event of backlog) send(event);
              replaying = false;
              for (const event of held.splice(0)) send(event);
            })
            .catch(() => undefined);
        }
      },
      cancel() {
        cleanup();
      },
    },
    new CountQueuingStrategy({ highWaterMark: 16 }),
  );
  // Answer once the shared feed is positioned: whatever happens after the client sees the
  // response headers reaches it.
  await source.positioned();
  return { status: 200, headers: { ...eventStreamHeaders }, body };
}

export const registration = (_config: Readonly<Config>): Registration => ({
  kind: 'http',
  name: 'events',
  methods: ['GET'],
  route: 'events',
  handler: handleErrors(events),
});

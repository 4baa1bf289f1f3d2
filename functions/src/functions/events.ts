// GET /api/events: server-sent events over Functions HTTP streams (index.ts enables them with
// app.setup({ enableHttpStream: true }); @azure/functions >= 4.3, Functions runtime >= 4.28,
// learn.microsoft.com/azure/azure-functions/node-http-stream). `value` events as indices change
// status (from the fib:events Redis stream, resumable with Last-Event-ID), `stats` about every
// 1 s, `topology` about every 2 s, a `: heartbeat` comment every 15 s. Every stream of a process
// shares one Redis reader (live/event-hub.ts).
//
// Under the real host a stream never learns that its client left or is slow: the library's
// proxy reads the body at once, ignores write()'s return and never cancels it
// (azure-functions-nodejs-library src/http/httpProxy.ts, issue #294; the local host does the
// same). So each stream ends by itself, on its own budget (time, bytes, events) in place of
// backpressure, and hands the browser an id to resume from; and admission never refuses: past a
// cap the oldest stream of the client holding the most ends instead (live/stream-slots.ts).

import type { HttpRequest, HttpResponseInit, InvocationContext } from '@azure/functions';

import type { FunctionApp } from '../function-app.js';
import { handleErrors, jsonError } from '../http/responses.js';
import {
  compareStreamIds,
  eventStreamHeaders,
  formatComment,
  formatEvent,
  formatIdOnly,
  formatRetry,
  isStreamId,
} from '../http/server-sent-events.js';
import type { LiveEvent } from '../live/event-hub.js';
import type { Registration } from '../registration-types.js';

/** A resumed stream replays at most this many missed `value` events. */
export const maxReplayedEvents = 1000;

/** 200 `text/event-stream`; 400 for a malformed Last-Event-ID. Never refused for capacity (see above). */
export async function events(request: HttpRequest, _context: InvocationContext, app: FunctionApp): Promise<HttpResponseInit> {
  const lastEventId = request.headers.get('last-event-id') ?? request.query.get('lastEventId');
  if (lastEventId !== null && lastEventId !== '' && !isStreamId(lastEventId)) {
    return jsonError(400, 'Last-Event-ID must be an event id this stream sent, like 1700000000000-0');
  }
  const source = app.events;
  const options = app.eventStreams;
  const client = app.clientIdentity(request);
  const encoder = new TextEncoder();
  let cancelled = () => undefined as void;

  const body = new ReadableStream<Uint8Array>({
    start(controller) {
      let closed = false;
      let cleanup = () => undefined as void;
      let lastValueId = lastEventId || undefined;
      let replaying = lastValueId !== undefined;
      let bytes = 0;
      let written = 0;
      const held: LiveEvent[] = [];
      const enqueue = (text: string) => {
        const chunk = encoder.encode(text);
        bytes += chunk.byteLength;
        controller.enqueue(chunk);
      };
      // Ends the stream, first telling the browser where to resume: the last value it got, else
      // the feed's position now (so nothing between this end and the reconnect is missed).
      const close = () => {
        if (closed) return;
        closed = true;
        const resumeAt = lastValueId ?? source.latestId; // before cleanup: the last unsubscribe stops the feed
        cleanup();
        try {
          if (resumeAt !== undefined) enqueue(formatIdOnly(resumeAt));
          controller.close();
        } catch {
          // already closed
        }
      };
      const write = (text: string) => {
        if (closed) return;
        enqueue(text);
        written += 1;
        if (bytes >= options.maxStreamBytes || written >= options.maxStreamEvents) close();
      };
      const send = (event: LiveEvent) => {
        if (event.event !== 'value') return write(formatEvent(event.event, event.data));
        if (lastValueId !== undefined && compareStreamIds(event.id, lastValueId) <= 0) return;
        lastValueId = event.id;
        write(formatEvent('value', event.data, event.id));
      };
      const release = app.streamSlots.admit(client, close);
      write(formatRetry(options.retryMs));
      // While the backlog is read, live value events wait so the order stays by id.
      const unsubscribe = source.subscribe((event) => (replaying && event.event === 'value' ? held.push(event) : send(event)));
      const heartbeat = setInterval(() => write(formatComment('heartbeat')), options.heartbeatMs);
      const lifetime = setTimeout(close, options.maxStreamMs);
      cleanup = () => {
        release();
        unsubscribe();
        clearInterval(heartbeat);
        clearTimeout(lifetime);
      };
      cancelled = () => {
        closed = true;
        cleanup();
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
    // Never called under the real host (the library never cancels the body); kept for any other reader.
    cancel() {
      cancelled();
    },
  });
  // Answer once the shared feed is positioned: whatever happens after the client sees the
  // response headers reaches it.
  await source.positioned();
  return { status: 200, headers: { ...eventStreamHeaders }, body };
}

export const registration = (app: FunctionApp): Registration => ({
  runsOn: 'api',
  kind: 'http',
  name: 'events',
  methods: ['GET'],
  route: 'events',
  handler: handleErrors((request, context) => events(request, context, app)),
});

// Subscribes to /api/events (server-sent events) and says whether the stream is healthy, so the
// page polls only while it is not: value, stats and topology events go to the given handlers.
'use client';

import { useEffect, useRef, useState, useSyncExternalStore } from 'react';

import type { RecentValue, RedisTopology, Stats } from '../api/api-types';

/**
 * Where the stream stands: `connecting` (first attempt), `live` (open and events arriving),
 * `reconnecting` (the browser retries after an error), `polling` (given up for a while).
 */
export type StreamStatus = 'connecting' | 'live' | 'reconnecting' | 'polling';

/** Handlers and tuning of {@link useLiveEvents}; the handlers may change on every render. */
export interface LiveEventsOptions {
  onValue?: (value: RecentValue) => void;
  onStats?: (stats: Stats) => void;
  onTopology?: (topology: RedisTopology) => void;
  /** @defaultValue '/api/events' */
  url?: string;
  /**
   * Errors in a row (without an event in between) after which the page polls and tries the
   * stream again only every `retryStreamMs`.
   * @defaultValue 3
   */
  maxErrors?: number;
  /**
   * An open stream with no event for this long is taken as broken (the API sends `stats` about
   * every second), closed and reopened.
   * @defaultValue 5000
   */
  staleAfterMs?: number;
  /** @defaultValue 15000 */
  retryStreamMs?: number;
}

/** What {@link useLiveEvents} returns. */
export interface LiveEventsState {
  status: StreamStatus;
  /** True while the stream is open and events arrive: the page need not poll. */
  healthy: boolean;
}

const unchanging = () => () => undefined;

/** Whether this browser has EventSource (taken as yes on the server, so hydration matches). */
function useEventSourceSupport(): boolean {
  return useSyncExternalStore(
    unchanging,
    () => typeof EventSource !== 'undefined',
    () => true,
  );
}

function parse<T>(event: Event): T | undefined {
  try {
    return JSON.parse((event as MessageEvent<string>).data) as T;
  } catch {
    return undefined;
  }
}

/**
 * Opens an `EventSource` on `url`; the browser's own reconnects send `Last-Event-ID`, and a
 * stream reopened here passes the last id as `?lastEventId=` (the API accepts both), so `value`
 * events resume where they stopped.
 */
export function useLiveEvents(options: LiveEventsOptions = {}): LiveEventsState {
  const { url = '/api/events', maxErrors = 3, staleAfterMs = 5_000, retryStreamMs = 15_000 } = options;
  const handlers = useRef(options);
  const [status, setStatus] = useState<StreamStatus>('connecting');
  const supported = useEventSourceSupport();

  useEffect(() => {
    handlers.current = options;
  });

  useEffect(() => {
    if (!supported) return;
    let source: EventSource | undefined;
    let lastEventId = '';
    let errors = 0;
    let retryTimer: ReturnType<typeof setTimeout> | undefined;
    let staleTimer: ReturnType<typeof setTimeout> | undefined;
    let stopped = false;

    const close = () => {
      clearTimeout(staleTimer);
      source?.close();
      source = undefined;
    };

    const failed = () => {
      errors += 1;
      if (errors >= maxErrors || source?.readyState !== EventSource.CONNECTING) {
        // Closed for good by the browser (an error status, not text/event-stream), or failing
        // over and over: poll, and give the stream another chance later.
        close();
        setStatus(errors >= maxErrors ? 'polling' : 'reconnecting');
        retryTimer = setTimeout(open, errors >= maxErrors ? retryStreamMs : Math.min(1_000 * errors, retryStreamMs));
      } else {
        setStatus('reconnecting');
      }
    };

    const alive = () => {
      errors = 0;
      setStatus('live');
      clearTimeout(staleTimer);
      staleTimer = setTimeout(() => {
        close();
        failed();
      }, staleAfterMs);
    };

    function open() {
      if (stopped) return;
      const target = lastEventId ? `${url}${url.includes('?') ? '&' : '?'}lastEventId=${encodeURIComponent(lastEventId)}` : url;
      const current = new EventSource(target);
      source = current;
      current.addEventListener('open', alive);
      current.addEventListener('error', () => {
        if (source === current) failed();
      });
      current.addEventListener('value', (event) => {
        const message = event as MessageEvent<string>;
        if (message.lastEventId) lastEventId = message.lastEventId;
        alive();
        const value = parse<RecentValue>(event);
        if (value) handlers.current.onValue?.(value);
      });
      current.addEventListener('stats', (event) => {
        alive();
        const stats = parse<Stats>(event);
        if (stats) handlers.current.onStats?.(stats);
      });
      current.addEventListener('topology', (event) => {
        alive();
        const topology = parse<RedisTopology>(event);
        if (topology) handlers.current.onTopology?.(topology);
      });
    }

    open();
    return () => {
      stopped = true;
      clearTimeout(retryTimer);
      close();
    };
  }, [supported, url, maxErrors, staleAfterMs, retryStreamMs]);

  if (!supported) return { status: 'polling', healthy: false };
  return { status, healthy: status === 'live' };
}

// Polls an API read on an interval while the tab is visible; keeps the last good answer on errors.
'use client';

import { useCallback, useEffect, useLayoutEffect, useRef, useState } from 'react';

import { ApiError } from './api-client';
import { errorMessage } from './error-message';

/** Options of {@link usePoll}. */
export interface PollOptions {
  /** Time between the end of one request and the start of the next; a function is asked each time. */
  intervalMs: number | (() => number);
  /** Changing it (e.g. a page cursor) drops the current answer and loads at once. */
  key?: string;
  /**
   * Longest wait between retries while requests fail (the wait doubles per failure).
   * @defaultValue 5000
   */
  maxBackoffMs?: number;
  /**
   * While true no reload is scheduled (e.g. while the live stream brings the same data); the
   * first load and `refresh()` still run. Turning it off loads at once and polls again.
   * @defaultValue false
   */
  paused?: boolean;
}

/** What {@link usePoll} returns: the last good answer, the last error (cleared on success). */
export interface PollState<T> {
  data: T | undefined;
  error: ApiError | undefined;
  loading: boolean;
  /** Loads now (and restarts the interval), e.g. after a submit or a Retry click. */
  refresh: () => void;
}

function toApiError(error: unknown): ApiError {
  if (error instanceof ApiError) return error;
  return new ApiError(errorMessage(error), 0);
}

/**
 * Runs `load` now and then every `intervalMs`; never two requests at once, nothing while the
 * document is hidden (it reloads as soon as the tab is visible again).
 */
export function usePoll<T>(load: (signal: AbortSignal) => Promise<T>, options: PollOptions): PollState<T> {
  const { intervalMs, key = '', maxBackoffMs = 5_000, paused = false } = options;
  const [state, setState] = useState<Omit<PollState<T>, 'refresh'>>({ data: undefined, error: undefined, loading: true });
  const loadRef = useRef(load);
  const intervalRef = useRef(intervalMs);
  const refreshRef = useRef<() => void>(() => undefined);
  const pausedRef = useRef(paused);
  const cancelRef = useRef<() => void>(() => undefined);

  useEffect(() => {
    loadRef.current = load;
    intervalRef.current = intervalMs;
  });

  // A layout effect, so no poll slips in between the render that pauses and the pause itself.
  useLayoutEffect(() => {
    if (pausedRef.current === paused) return;
    pausedRef.current = paused;
    if (paused) cancelRef.current();
    else refreshRef.current();
  }, [paused]);

  useEffect(() => {
    let timer: ReturnType<typeof setTimeout> | undefined;
    let controller: AbortController | undefined;
    let stopped = false;
    let failures = 0;
    setState({ data: undefined, error: undefined, loading: true });

    const schedule = () => {
      if (stopped || document.hidden || pausedRef.current) return;
      const interval = typeof intervalRef.current === 'function' ? intervalRef.current() : intervalRef.current;
      const delay = failures === 0 ? interval : Math.min(interval * 2 ** failures, Math.max(maxBackoffMs, interval));
      timer = setTimeout(() => void run(), delay);
    };

    const run = async () => {
      clearTimeout(timer);
      timer = undefined;
      controller?.abort();
      const current = new AbortController();
      controller = current;
      try {
        const data = await loadRef.current(current.signal);
        if (stopped || current.signal.aborted) return;
        failures = 0;
        setState({ data, error: undefined, loading: false });
      } catch (error) {
        if (stopped || current.signal.aborted) return;
        failures += 1;
        setState((previous) => ({ data: previous.data, error: toApiError(error), loading: false }));
      }
      schedule();
    };

    const onVisibilityChange = () => {
      if (document.hidden) {
        clearTimeout(timer);
        timer = undefined;
      } else if (!pausedRef.current) {
        void run();
      }
    };

    refreshRef.current = () => void run();
    cancelRef.current = () => {
      clearTimeout(timer);
      timer = undefined;
    };
    document.addEventListener('visibilitychange', onVisibilityChange);
    void run();
    return () => {
      stopped = true;
      clearTimeout(timer);
      controller?.abort();
      document.removeEventListener('visibilitychange', onVisibilityChange);
    };
  }, [key, maxBackoffMs]);

  const refresh = useCallback(() => refreshRef.current(), []);
  return { ...state, refresh };
}

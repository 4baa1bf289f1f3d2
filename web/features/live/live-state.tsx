// The page's live state, one owner for it: the event stream (polling while it is down), the polls,
// both pagers and the updates laid over the fetched results (stream events and this page's own
// submits). Panels subscribe with useLiveState() and render their part.
'use client';

import { createContext, type ReactNode, useCallback, useContext, useEffect, useMemo, useRef, useState } from 'react';

import {
  type ApiError,
  fetchHealth,
  fetchRecentValues,
  fetchStats,
  fetchSubmissions,
  fetchTopology,
  submitIndex,
} from '../api/api-client';
import type { HealthReport, RecentValue, RedisTopology, Stats, Submission, SubmitAnswer } from '../api/api-types';
import { usePoll } from '../api/use-poll';
import { useCursorPages } from '../paging/use-cursor-pages';
import { fetchScaler } from '../scaling/scaler-client';
import type { ScalerState } from '../scaling/scaler-state';
import { applySubmitted, applyValueEvents, type FetchedPage, mergeValues, overflowed, type ValueUpdate } from './live-values';
import { type StreamStatus, useLiveEvents } from './use-live-events';

/** Options of {@link LiveStateProvider}; intervals are shortened in tests. */
export interface LiveStateOptions {
  /**
   * How often results and stats are polled while the live stream is down (the issue asks for at most 1 s).
   * @defaultValue 1000
   */
  liveIntervalMs?: number;
  /** @defaultValue 2000 */
  logIntervalMs?: number;
  /** @defaultValue 5000 */
  healthIntervalMs?: number;
  /** How often the Redis topology is polled while the live stream is down. @defaultValue 2000 */
  topologyIntervalMs?: number;
  /** How often /local/scaler is read (every 30 s once it answered 404). @defaultValue 1000 */
  scalerIntervalMs?: number;
  /** @defaultValue 20 */
  resultsPageSize?: number;
  /** @defaultValue 60 */
  logPageSize?: number;
  /** Tuning of the stream (tests). */
  streamStaleAfterMs?: number;
  streamRetryMs?: number;
}

/** One newest-first, cursor-paged list as a panel shows it. */
export interface LivePagedList<T> {
  /** Undefined until the first page arrived. */
  items: T[] | undefined;
  /** Why the list could not be loaded. */
  loadError: string | undefined;
  page: number;
  hasOlder: boolean;
  older: () => void;
  newer: () => void;
}

/** What {@link useLiveState} gives the panels. */
export interface LiveState {
  /** "Calculated values": the fetched page with the stream's and this page's updates laid over it. */
  results: LivePagedList<RecentValue>;
  /** "Indexes I have seen": the submissions log. */
  submissions: LivePagedList<Submission>;
  /** The newest of the polled and the streamed figures. */
  stats: Stats | undefined;
  health: HealthReport | undefined;
  /** The local runtime's scaler; null where none runs (AKS), undefined until known. */
  scaler: ScalerState | null | undefined;
  /** The newest of the polled and the streamed topology. */
  topology: RedisTopology | undefined;
  topologyError: string | undefined;
  stream: StreamStatus;
  /** Set while the API is not answering: the first "unavailable" error of the reads that run now. */
  apiDown: ApiError | undefined;
  /**
   * Indices submitted from this page, each with a number that grows with every submit (so a
   * re-submit of the same index is news too).
   */
  ownSubmits: ReadonlyMap<number, number>;
  /** Records an index the API accepted from this page: shown as queued at once. */
  submitted: (answer: SubmitAnswer) => void;
  /** Re-submits a failed index. */
  retryIndex: (index: number) => void;
  /** Reads everything again now (the banner's "Retry now"). */
  retryAll: () => void;
}

const LiveStateContext = createContext<LiveState | undefined>(undefined);

/** The live state of the nearest {@link LiveStateProvider}. */
export function useLiveState(): LiveState {
  const state = useContext(LiveStateContext);
  if (!state) throw new Error('useLiveState() needs a <LiveStateProvider> around it');
  return state;
}

/** While an index submitted here is pending and the stream is down, results refresh this often (for at most `fastPollingMs`). */
const fastIntervalMs = 100;
const fastPollingMs = 10_000;
/** Value events are applied in batches at most this often (a load test sends thousands a second). */
const valueBatchMs = 30;

let nextSubmit = 0;

function newest<T extends { time: number }>(a: T | undefined, b: T | undefined): T | undefined {
  if (!a) return b;
  if (!b) return a;
  return b.time > a.time ? b : a;
}

export function LiveStateProvider({
  children,
  liveIntervalMs = 1_000,
  logIntervalMs = 2_000,
  healthIntervalMs = 5_000,
  topologyIntervalMs = 2_000,
  scalerIntervalMs = 1_000,
  resultsPageSize = 20,
  logPageSize = 60,
  streamStaleAfterMs,
  streamRetryMs,
}: LiveStateOptions & { children: ReactNode }) {
  // Updates from the stream and from this page's submits, laid over the last fetched page.
  const [updates, setUpdates] = useState<ReadonlyMap<number, ValueUpdate>>(() => new Map());
  const [ownSubmits, setOwnSubmits] = useState<ReadonlyMap<number, number>>(() => new Map());
  const valueBatch = useRef<RecentValue[]>([]);
  const valueTimer = useRef<ReturnType<typeof setTimeout> | undefined>(undefined);
  const [streamStats, setStreamStats] = useState<Stats>();
  const [streamTopology, setStreamTopology] = useState<RedisTopology>();
  const logRefreshAt = useRef(0);
  const logTimer = useRef<ReturnType<typeof setTimeout> | undefined>(undefined);
  const refreshLogRef = useRef<() => void>(() => undefined);
  const refreshAfterOverflowRef = useRef<() => void>(() => undefined);
  const overflowRefreshAt = useRef(0);
  const overflowTimer = useRef<ReturnType<typeof setTimeout> | undefined>(undefined);

  // The submissions log is not on the stream: a queued index refreshes it, at most every logIntervalMs.
  const refreshLogSoon = useCallback(() => {
    if (logTimer.current !== undefined) return;
    const wait = Math.max(0, logRefreshAt.current + logIntervalMs - Date.now());
    logTimer.current = setTimeout(() => {
      logTimer.current = undefined;
      logRefreshAt.current = Date.now();
      refreshLogRef.current();
    }, wait);
  }, [logIntervalMs]);

  const onValue = useCallback(
    (value: RecentValue) => {
      valueBatch.current.push(value);
      if (value.status === 'queued') refreshLogSoon();
      if (valueTimer.current !== undefined) return;
      valueTimer.current = setTimeout(() => {
        valueTimer.current = undefined;
        const batch = valueBatch.current;
        valueBatch.current = [];
        setUpdates((previous) => {
          const next = applyValueEvents(previous, batch, Date.now());
          if (!overflowed(next)) return next;
          // A burst pushed updates out, so an index's "done" may have lost its "queued": what is
          // left no longer tells the order. Start over from the API's list (read again at most
          // once a second, and once after the burst) with only the events that come after it.
          refreshAfterOverflowRef.current();
          return new Map();
        });
      }, valueBatchMs);
    },
    [refreshLogSoon],
  );

  useEffect(
    () => () => {
      clearTimeout(valueTimer.current);
      clearTimeout(logTimer.current);
      clearTimeout(overflowTimer.current);
    },
    [],
  );

  const live = useLiveEvents({
    onValue,
    onStats: setStreamStats,
    onTopology: setStreamTopology,
    staleAfterMs: streamStaleAfterMs,
    retryStreamMs: streamRetryMs,
  });
  const streaming = live.healthy;

  // Indices submitted from this tab and not yet done: without the stream their results are
  // polled faster for a short while, so a quick result shows in well under a second.
  const ownPending = useRef(new Set<number>());
  const fastUntil = useRef(0);
  const resultsInterval = useCallback(
    () =>
      ownPending.current.size > 0 && Date.now() < fastUntil.current ? Math.min(fastIntervalMs, liveIntervalMs) : liveIntervalMs,
    [liveIntervalMs],
  );

  const resultPages = useCursorPages();
  const logPages = useCursorPages();

  const stats = usePoll(fetchStats, { intervalMs: liveIntervalMs, paused: streaming });
  const health = usePoll(fetchHealth, { intervalMs: healthIntervalMs });
  const recent = usePoll(
    async (signal): Promise<FetchedPage & { next: string | null }> => {
      const startedAt = Date.now();
      const page = await fetchRecentValues(resultsPageSize, resultPages.before, signal);
      return { items: page.items, next: page.next, startedAt };
    },
    { intervalMs: resultsInterval, key: resultPages.before ?? '', paused: streaming },
  );
  const log = usePoll((signal) => fetchSubmissions(logPageSize, logPages.before, signal), {
    intervalMs: logIntervalMs,
    key: logPages.before ?? '',
    paused: streaming,
  });
  const topology = usePoll(fetchTopology, { intervalMs: topologyIntervalMs, paused: streaming });
  const scalerMissing = useRef(false);
  const scaler = usePoll(fetchScaler, { intervalMs: () => (scalerMissing.current ? 30_000 : scalerIntervalMs) });
  useEffect(() => {
    scalerMissing.current = scaler.data === null;
  }, [scaler.data]);

  const { refresh: refreshLog } = log;
  useEffect(() => {
    refreshLogRef.current = refreshLog;
  }, [refreshLog]);
  const { refresh: refreshRecent } = recent;
  useEffect(() => {
    refreshAfterOverflowRef.current = () => {
      if (overflowTimer.current !== undefined) return;
      // At most once a second, and always once more after the last overflow of a burst.
      const wait = Math.max(0, overflowRefreshAt.current + 1_000 - Date.now());
      overflowTimer.current = setTimeout(() => {
        overflowTimer.current = undefined;
        overflowRefreshAt.current = Date.now();
        refreshRecent();
      }, wait);
    };
  }, [refreshRecent]);

  const items = useMemo(
    () => mergeValues(recent.data, updates, { firstPage: resultPages.page === 1, pageSize: resultsPageSize }),
    [recent.data, updates, resultPages.page, resultsPageSize],
  );
  useEffect(() => {
    for (const item of items ?? []) {
      if (item.status === 'done' || item.status === 'failed') ownPending.current.delete(item.index);
    }
  }, [items]);

  const { refresh: refreshStats } = stats;
  const { refresh: refreshHealth } = health;
  const { refresh: refreshTopology } = topology;
  const { first: firstResultPage } = resultPages;
  const { first: firstLogPage } = logPages;

  const submitted = useCallback(
    (answer: SubmitAnswer) => {
      ownPending.current.add(answer.index);
      fastUntil.current = Date.now() + fastPollingMs;
      setOwnSubmits((previous) => new Map(previous).set(answer.index, (nextSubmit += 1)));
      setUpdates((previous) => applySubmitted(previous, answer.index, Date.now()));
      firstResultPage();
      firstLogPage();
      refreshLog();
      // With the stream up, the new index's events bring its status and value; a value that was
      // already known has no event, so it is read once.
      if (!streaming || answer.status === 'done') refreshRecent();
      if (!streaming) refreshStats();
    },
    [firstResultPage, firstLogPage, refreshRecent, refreshStats, refreshLog, streaming],
  );

  const retryIndex = useCallback(
    (index: number) => {
      submitIndex(index).then(submitted, () => refreshRecent());
    },
    [submitted, refreshRecent],
  );

  const retryAll = useCallback(() => {
    refreshStats();
    refreshRecent();
    refreshLog();
    refreshHealth();
    refreshTopology();
  }, [refreshStats, refreshRecent, refreshLog, refreshHealth, refreshTopology]);

  // While the stream is live the polls are paused, so their last error is old news: only the
  // polls that run now (and health, which always runs) say whether the API is answering.
  const polled = streaming ? [health.error] : [stats.error, recent.error, log.error, health.error];
  const apiDown = polled.find((error) => error?.unavailable);
  const currentStats = newest(stats.data, streamStats);
  const currentTopology = newest(topology.data, streamTopology);
  const recentNext = recent.data?.next ?? null;
  const logNext = log.data?.next ?? null;
  const { page: resultsPage, older: olderResults, newer: newerResults } = resultPages;
  const { page: logPage, older: olderLog, newer: newerLog } = logPages;

  const value = useMemo<LiveState>(
    () => ({
      results: {
        items,
        loadError: recent.error?.message,
        page: resultsPage,
        hasOlder: recentNext !== null,
        older: () => recentNext !== null && olderResults(recentNext),
        newer: newerResults,
      },
      submissions: {
        items: log.data?.items,
        loadError: log.error?.message,
        page: logPage,
        hasOlder: logNext !== null,
        older: () => logNext !== null && olderLog(logNext),
        newer: newerLog,
      },
      stats: currentStats,
      health: health.data,
      scaler: scaler.data,
      topology: currentTopology,
      topologyError: topology.error?.message,
      stream: live.status,
      apiDown,
      ownSubmits,
      submitted,
      retryIndex,
      retryAll,
    }),
    [
      items,
      recent.error,
      resultsPage,
      recentNext,
      olderResults,
      newerResults,
      log.data,
      log.error,
      logPage,
      logNext,
      olderLog,
      newerLog,
      currentStats,
      health.data,
      scaler.data,
      currentTopology,
      topology.error,
      live.status,
      apiDown,
      ownSubmits,
      submitted,
      retryIndex,
      retryAll,
    ],
  );

  return <LiveStateContext.Provider value={value}>{children}</LiveStateContext.Provider>;
}

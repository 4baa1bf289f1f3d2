// The whole page's live state: the event stream (polling while it is down), the form, results,
// log, system, scaling and Redis panels, and the banner.
'use client';

import { useCallback, useEffect, useMemo, useRef, useState } from 'react';

import { ApiBanner } from '../api/api-banner';
import { fetchHealth, fetchRecentValues, fetchStats, fetchSubmissions, submitIndex } from '../api/api-client';
import type { RecentValue, Stats, SubmitAnswer } from '../api/api-types';
import { usePoll } from '../api/use-poll';
import { fetchScaler, fetchTopology } from '../live/live-client';
import type { RedisTopology } from '../live/live-types';
import {
  applySubmitted,
  applyValueEvents,
  type FetchedPage,
  mergeValues,
  overflowed,
  type ValueUpdate,
} from '../live/live-values';
import { useServedBy } from '../live/served-by';
import { useLiveEvents } from '../live/use-live-events';
import { useCursorPages } from '../paging/use-cursor-pages';
import { RedisPanel } from '../redis/redis-panel';
import { ResultsList } from '../results/results-list';
import { formatDigits } from '../results/value-view';
import { useScalingHistory } from '../scaling/scaling-history';
import { ScalingPanel } from '../scaling/scaling-panel';
import { SeenIndexes } from '../submissions/seen-indexes';
import { SubmitForm } from '../submit/submit-form';
import { SystemPanel } from '../system/system-panel';

/** Props of {@link Dashboard}; intervals are shortened in tests. */
export interface DashboardProps {
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

/** While an index submitted here is pending and the stream is down, results refresh this often (for at most `fastPollingMs`). */
const fastIntervalMs = 100;
const fastPollingMs = 10_000;
/** Value events are applied in batches at most this often (a load test sends thousands a second). */
const valueBatchMs = 30;

function announcement(item: RecentValue): string {
  if (item.status === 'failed') return `F(${item.index}) failed`;
  if (item.truncated && item.digits !== null) return `F(${item.index}) is ready: ${formatDigits(item.digits)}`;
  return `F(${item.index}) = ${item.value ?? ''}`;
}

function newest<T extends { time: number }>(a: T | undefined, b: T | undefined): T | undefined {
  if (!a) return b;
  if (!b) return a;
  return b.time > a.time ? b : a;
}

export function Dashboard({
  liveIntervalMs = 1_000,
  logIntervalMs = 2_000,
  healthIntervalMs = 5_000,
  topologyIntervalMs = 2_000,
  scalerIntervalMs = 1_000,
  resultsPageSize = 20,
  logPageSize = 60,
  streamStaleAfterMs,
  streamRetryMs,
}: DashboardProps) {
  // Updates from the stream and from this page's submits, laid over the last fetched page.
  const [updates, setUpdates] = useState<ReadonlyMap<number, ValueUpdate>>(() => new Map());
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
  const { refresh: refreshRecentPage } = recent;
  useEffect(() => {
    refreshAfterOverflowRef.current = () => {
      if (overflowTimer.current !== undefined) return;
      // At most once a second, and always once more after the last overflow of a burst.
      const wait = Math.max(0, overflowRefreshAt.current + 1_000 - Date.now());
      overflowTimer.current = setTimeout(() => {
        overflowTimer.current = undefined;
        overflowRefreshAt.current = Date.now();
        refreshRecentPage();
      }, wait);
    };
  }, [refreshRecentPage]);

  const currentStats = newest(stats.data, streamStats);
  const currentTopology = newest(topology.data, streamTopology);
  const samples = useScalingHistory(currentStats, scaler.data);
  const servedBy = useServedBy();

  const [announce, setAnnounce] = useState('');
  const watched = useRef(new Map<number, string>());

  const items = useMemo(
    () => mergeValues(recent.data, updates, { firstPage: resultPages.page === 1, pageSize: resultsPageSize }),
    [recent.data, updates, resultPages.page, resultsPageSize],
  );

  useEffect(() => {
    if (!items) return;
    const news: string[] = [];
    for (const item of items) {
      if (item.status === 'done' || item.status === 'failed') ownPending.current.delete(item.index);
      const previous = watched.current.get(item.index);
      if (previous === undefined || previous === item.status) continue;
      watched.current.set(item.index, item.status);
      if (item.status === 'done' || item.status === 'failed') news.push(announcement(item));
    }
    if (news.length > 0) setAnnounce(news.join('. '));
  }, [items]);

  const { refresh: refreshStats } = stats;
  const { refresh: refreshRecent } = recent;
  const { refresh: refreshHealth } = health;
  const { refresh: refreshTopology } = topology;
  const { first: firstResultPage } = resultPages;
  const { first: firstLogPage } = logPages;

  const onSubmitted = useCallback(
    (answer: SubmitAnswer) => {
      watched.current.set(answer.index, 'submitted');
      ownPending.current.add(answer.index);
      fastUntil.current = Date.now() + fastPollingMs;
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

  const onRetryIndex = useCallback(
    (index: number) => {
      submitIndex(index).then(onSubmitted, () => refreshRecent());
    },
    [onSubmitted, refreshRecent],
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
  const downError = polled.find((error) => error?.unavailable);
  const recentNext = recent.data?.next ?? null;
  const logNext = log.data?.next ?? null;

  return (
    <>
      <ApiBanner error={downError} health={health.data} onRetry={retryAll} />
      <div className="layout">
        <div className="main-column">
          <section className="panel" aria-label="Submit an index">
            <SubmitForm maxIndex={currentStats?.maxIndex} onSubmitted={onSubmitted} />
          </section>
          <ResultsList
            items={items}
            loadError={recent.error?.message}
            page={resultPages.page}
            hasOlder={recentNext !== null}
            onOlder={() => recentNext !== null && resultPages.older(recentNext)}
            onNewer={resultPages.newer}
            onRetry={onRetryIndex}
          />
        </div>
        <aside className="side-column">
          <SeenIndexes
            items={log.data?.items}
            loadError={log.error?.message}
            page={logPages.page}
            hasOlder={logNext !== null}
            onOlder={() => logNext !== null && logPages.older(logNext)}
            onNewer={logPages.newer}
          />
          <SystemPanel
            stats={currentStats}
            health={health.data}
            apiDown={downError !== undefined}
            scaler={scaler.data}
            stream={live.status}
          />
          <ScalingPanel samples={samples} />
          <RedisPanel
            topology={currentTopology}
            loadError={currentTopology ? undefined : topology.error?.message}
            servedBy={servedBy}
          />
        </aside>
      </div>
      <p className="visually-hidden" role="status" aria-live="polite">
        {announce}
      </p>
    </>
  );
}

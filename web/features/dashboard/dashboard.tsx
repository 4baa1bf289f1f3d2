// The whole page's live state: polls the API, wires the form, results, log, system panel and banner.
'use client';

import { useCallback, useEffect, useMemo, useRef, useState } from 'react';

import { ApiBanner } from '../api/api-banner';
import { fetchHealth, fetchRecentValues, fetchStats, fetchSubmissions, submitIndex } from '../api/api-client';
import type { RecentValue, SubmitAnswer } from '../api/api-types';
import { usePoll } from '../api/use-poll';
import { useCursorPages } from '../paging/use-cursor-pages';
import { ResultsList } from '../results/results-list';
import { formatDigits } from '../results/value-view';
import { SeenIndexes } from '../submissions/seen-indexes';
import { SubmitForm } from '../submit/submit-form';
import { SystemPanel } from '../system/system-panel';

/** Props of {@link Dashboard}; intervals are shortened in tests. */
export interface DashboardProps {
  /**
   * How often results and stats refresh (the issue asks for at most 1 s).
   * @defaultValue 1000
   */
  liveIntervalMs?: number;
  /** @defaultValue 2000 */
  logIntervalMs?: number;
  /** @defaultValue 5000 */
  healthIntervalMs?: number;
  /** @defaultValue 20 */
  resultsPageSize?: number;
  /** @defaultValue 60 */
  logPageSize?: number;
}

/** While an index submitted here is pending, results refresh this often (for at most `fastPollingMs`). */
const fastIntervalMs = 100;
const fastPollingMs = 10_000;

function announcement(item: RecentValue): string {
  if (item.status === 'failed') return `F(${item.index}) failed`;
  if (item.truncated && item.digits !== null) return `F(${item.index}) is ready: ${formatDigits(item.digits)}`;
  return `F(${item.index}) = ${item.value ?? ''}`;
}

export function Dashboard({
  liveIntervalMs = 1_000,
  logIntervalMs = 2_000,
  healthIntervalMs = 5_000,
  resultsPageSize = 20,
  logPageSize = 60,
}: DashboardProps) {
  // Indices submitted from this tab and not yet done: their results are polled faster for a
  // short while, so a quick result shows in well under a second without every tab polling fast.
  const ownPending = useRef(new Set<number>());
  const fastUntil = useRef(0);
  const resultsInterval = useCallback(
    () =>
      ownPending.current.size > 0 && Date.now() < fastUntil.current ? Math.min(fastIntervalMs, liveIntervalMs) : liveIntervalMs,
    [liveIntervalMs],
  );

  const resultPages = useCursorPages();
  const logPages = useCursorPages();

  const stats = usePoll(fetchStats, { intervalMs: liveIntervalMs });
  const health = usePoll(fetchHealth, { intervalMs: healthIntervalMs });
  const recent = usePoll((signal) => fetchRecentValues(resultsPageSize, resultPages.before, signal), {
    intervalMs: resultsInterval,
    key: resultPages.before ?? '',
  });
  const log = usePoll((signal) => fetchSubmissions(logPageSize, logPages.before, signal), {
    intervalMs: logIntervalMs,
    key: logPages.before ?? '',
  });

  // Indices submitted here but not yet in a fetched page: shown at once as queued.
  const [optimistic, setOptimistic] = useState<RecentValue[]>([]);
  const watched = useRef(new Map<number, string>());
  const [announce, setAnnounce] = useState('');

  const fetchedItems = recent.data?.items;
  const items = useMemo(() => {
    if (fetchedItems === undefined || resultPages.page !== 1) return fetchedItems;
    const missing = optimistic.filter((entry) => !fetchedItems.some((item) => item.index === entry.index));
    return [...missing, ...fetchedItems];
  }, [fetchedItems, optimistic, resultPages.page]);

  useEffect(() => {
    if (!fetchedItems) return;
    setOptimistic((entries) => {
      const left = entries.filter((entry) => !fetchedItems.some((item) => item.index === entry.index));
      return left.length === entries.length ? entries : left;
    });
    const news: string[] = [];
    for (const item of fetchedItems) {
      if (item.status === 'done' || item.status === 'failed') ownPending.current.delete(item.index);
      const previous = watched.current.get(item.index);
      if (previous === undefined || previous === item.status) continue;
      watched.current.set(item.index, item.status);
      if (item.status === 'done' || item.status === 'failed') news.push(announcement(item));
    }
    if (news.length > 0) setAnnounce(news.join('. '));
  }, [fetchedItems]);

  const { refresh: refreshStats } = stats;
  const { refresh: refreshRecent } = recent;
  const { refresh: refreshLog } = log;
  const { refresh: refreshHealth } = health;
  const { first: firstResultPage } = resultPages;
  const { first: firstLogPage } = logPages;

  const onSubmitted = useCallback(
    (answer: SubmitAnswer) => {
      watched.current.set(answer.index, 'submitted');
      ownPending.current.add(answer.index);
      fastUntil.current = Date.now() + fastPollingMs;
      setOptimistic((entries) => [
        {
          index: answer.index,
          status: 'queued',
          value: null,
          digits: null,
          truncated: false,
          computedMs: null,
        },
        ...entries.filter((entry) => entry.index !== answer.index),
      ]);
      firstResultPage();
      firstLogPage();
      refreshRecent();
      refreshStats();
      refreshLog();
    },
    [firstResultPage, firstLogPage, refreshRecent, refreshStats, refreshLog],
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
  }, [refreshStats, refreshRecent, refreshLog, refreshHealth]);

  const downError = [stats.error, recent.error, log.error, health.error].find((error) => error?.unavailable);
  const recentNext = recent.data?.next ?? null;
  const logNext = log.data?.next ?? null;

  return (
    <>
      <ApiBanner error={downError} health={health.data} onRetry={retryAll} />
      <div className="layout">
        <div className="main-column">
          <section className="panel" aria-label="Submit an index">
            <SubmitForm maxIndex={stats.data?.maxIndex} onSubmitted={onSubmitted} />
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
          <SystemPanel stats={stats.data} health={health.data} />
          <SeenIndexes
            items={log.data?.items}
            loadError={log.error?.message}
            page={logPages.page}
            hasOlder={logNext !== null}
            onOlder={() => logNext !== null && logPages.older(logNext)}
            onNewer={logPages.newer}
          />
        </aside>
      </div>
      <p className="visually-hidden" role="status" aria-live="polite">
        {announce}
      </p>
    </>
  );
}

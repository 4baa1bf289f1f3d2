// "Calculated values": each submitted index with its status and value, newest first, paged;
// LiveResultsList shows the live state's results.
'use client';

import type { IndexStatus, RecentValue } from '../api/api-types';
import { useLiveState } from '../live/live-state';
import { Pager } from '../paging/pager';
import { FailureReason } from './failure-reason';
import { ValueView } from './value-view';

const statusText: Record<IndexStatus, string> = {
  queued: 'Queued',
  computing: 'Computing',
  done: 'Done',
  failed: 'Failed',
  dropped: 'Dropped',
  recomputing: 'Recomputing',
};

/** Props of {@link ResultsList}. */
export interface ResultsListProps {
  items: RecentValue[] | undefined;
  /** Why the list could not be loaded, shown instead of "Loading…" while there is nothing to show. */
  loadError?: string | undefined;
  page: number;
  hasOlder: boolean;
  onOlder: () => void;
  onNewer: () => void;
  /** Re-submits a failed index. */
  onRetry: (index: number) => void;
}

export function StatusBadge({ status }: { status: IndexStatus }) {
  return <span className={`status status-${status}`}>{statusText[status]}</span>;
}

function ResultRow({ item, onRetry }: { item: RecentValue; onRetry: (index: number) => void }) {
  const value = item.value;
  return (
    <li className={`result result-${item.status}`}>
      <div className="result-head">
        <span className="result-index">F({item.index})</span>
        <StatusBadge status={item.status} />
      </div>
      {(item.status === 'done' || item.status === 'dropped') && value !== null ? (
        <>
          <ValueView key={`${item.index}:${value}`} item={{ ...item, value }} />
          {item.status === 'dropped' ? (
            <p className="result-note">
              Redis dropped the full value to stay under its memory cap; opening it computes it again.
            </p>
          ) : null}
        </>
      ) : item.status === 'failed' ? (
        // A div, not a p: the failure details hold a region with a paragraph and a list.
        <div className="result-note">
          The workers gave up on this index.{' '}
          <button type="button" className="link-button" onClick={() => onRetry(item.index)}>
            Try again<span className="visually-hidden"> F({item.index})</span>
          </button>{' '}
          <FailureReason index={item.index} />
        </div>
      ) : (
        <p className="result-note">
          {item.status === 'computing'
            ? 'A worker is computing it…'
            : item.status === 'recomputing'
              ? 'Computing it again (Redis dropped it to stay under its memory cap)…'
              : 'Waiting for a worker…'}
        </p>
      )}
    </li>
  );
}

export function ResultsList({ items, loadError, page, hasOlder, onOlder, onNewer, onRetry }: ResultsListProps) {
  return (
    <section className="panel results" aria-labelledby="results-title">
      <h2 id="results-title">Calculated values</h2>
      {items === undefined ? (
        <p className="empty">{loadError ? `Could not load: ${loadError}.` : 'Loading…'}</p>
      ) : items.length === 0 ? (
        <p className="empty">{page === 1 ? 'Nothing yet! Submit an index above.' : 'No older results.'}</p>
      ) : (
        <ol className="result-list" aria-label="Calculated values">
          {items.map((item) => (
            <ResultRow key={item.index} item={item} onRetry={onRetry} />
          ))}
        </ol>
      )}
      <Pager label="Calculated values pages" page={page} hasOlder={hasOlder} onOlder={onOlder} onNewer={onNewer} />
    </section>
  );
}

/** {@link ResultsList} of the live state's results (inside a LiveStateProvider). */
export function LiveResultsList() {
  const { results, retryIndex } = useLiveState();
  return (
    <ResultsList
      items={results.items}
      loadError={results.loadError}
      page={results.page}
      hasOlder={results.hasOlder}
      onOlder={results.older}
      onNewer={results.newer}
      onRetry={retryIndex}
    />
  );
}

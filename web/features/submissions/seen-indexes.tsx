// "Indexes I have seen": the submissions log from Postgres (/api/values/all), newest first, paged;
// LiveSeenIndexes shows the live state's log.
'use client';

import type { Submission } from '../api/api-types';
import { useLiveState } from '../live/live-state';
import { Pager } from '../paging/pager';

/** Props of {@link SeenIndexes}. */
export interface SeenIndexesProps {
  items: Submission[] | undefined;
  /** Why the list could not be loaded, shown instead of "Loading…" while there is nothing to show. */
  loadError?: string | undefined;
  page: number;
  hasOlder: boolean;
  onOlder: () => void;
  onNewer: () => void;
}

function submittedAtText(iso: string): string {
  const time = new Date(iso);
  return Number.isNaN(time.getTime()) ? iso : time.toLocaleString();
}

/** Each index once (its newest submission first), with how often it appears on this page. */
function distinct(items: Submission[]): { submission: Submission; times: number }[] {
  const byNumber = new Map<number, { submission: Submission; times: number }>();
  for (const submission of items) {
    const seen = byNumber.get(submission.number);
    if (seen) seen.times += 1;
    else byNumber.set(submission.number, { submission, times: 1 });
  }
  return [...byNumber.values()];
}

export function SeenIndexes({ items, loadError, page, hasOlder, onOlder, onNewer }: SeenIndexesProps) {
  return (
    <section className="panel seen" aria-labelledby="seen-title">
      <h2 id="seen-title">Indexes I have seen</h2>
      {items === undefined ? (
        <p className="empty">{loadError ? `Could not load: ${loadError}.` : 'Loading…'}</p>
      ) : items.length === 0 ? (
        <p className="empty">{page === 1 ? 'No submissions yet.' : 'No older submissions.'}</p>
      ) : (
        <ol className="seen-list" aria-label="Indexes I have seen">
          {distinct(items).map(({ submission, times }) => (
            <li key={submission.id} title={`Last submitted ${submittedAtText(submission.submittedAt)}`}>
              {submission.number}
              {times > 1 ? <span className="seen-times"> ×{times}</span> : null}
            </li>
          ))}
        </ol>
      )}
      <Pager label="Indexes I have seen pages" page={page} hasOlder={hasOlder} onOlder={onOlder} onNewer={onNewer} />
    </section>
  );
}

/** {@link SeenIndexes} of the live state's submissions log (inside a LiveStateProvider). */
export function LiveSeenIndexes() {
  const { submissions } = useLiveState();
  return (
    <SeenIndexes
      items={submissions.items}
      loadError={submissions.loadError}
      page={submissions.page}
      hasOlder={submissions.hasOlder}
      onOlder={submissions.older}
      onNewer={submissions.newer}
    />
  );
}

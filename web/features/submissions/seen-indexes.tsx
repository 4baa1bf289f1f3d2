// "Indexes I have seen": the submissions log from Postgres (/api/values/all), newest first, paged.
'use client';

import type { Submission } from '../api/api-types';
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
          {items.map((submission) => (
            <li key={submission.id} title={`Submitted ${submittedAtText(submission.submittedAt)}`}>
              {submission.number}
            </li>
          ))}
        </ol>
      )}
      <Pager label="Indexes I have seen pages" page={page} hasOlder={hasOlder} onOlder={onOlder} onNewer={onNewer} />
    </section>
  );
}

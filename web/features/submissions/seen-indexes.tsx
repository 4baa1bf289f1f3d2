// "Indexes I have seen": the submissions log from Postgres (/api/values/all), newest first, paged.
'use client';

import type { Submission } from '../api/api-types';
import { Pager } from '../paging/pager';

/** Props of {@link SeenIndexes}. */
export interface SeenIndexesProps {
  items: Submission[] | undefined;
  page: number;
  hasOlder: boolean;
  onOlder: () => void;
  onNewer: () => void;
}

function submittedAtText(iso: string): string {
  const time = new Date(iso);
  return Number.isNaN(time.getTime()) ? iso : time.toLocaleString();
}

export function SeenIndexes({ items, page, hasOlder, onOlder, onNewer }: SeenIndexesProps) {
  return (
    <section className="panel seen" aria-labelledby="seen-title">
      <h2 id="seen-title">Indexes I have seen</h2>
      {items === undefined ? (
        <p className="empty">Loading…</p>
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

// Newer/Older buttons for the cursor-paged lists (results and the submissions log).
'use client';

/** Props of {@link Pager}. */
export interface PagerProps {
  /** Accessible name of the navigation landmark. */
  label: string;
  page: number;
  hasOlder: boolean;
  onOlder: () => void;
  onNewer: () => void;
}

export function Pager({ label, page, hasOlder, onOlder, onNewer }: PagerProps) {
  if (page === 1 && !hasOlder) return null;
  return (
    <nav className="pager" aria-label={label}>
      <button type="button" onClick={onNewer} disabled={page === 1}>
        ← Newer
      </button>
      <span className="pager-page">Page {page}</span>
      <button type="button" onClick={onOlder} disabled={!hasOlder}>
        Older →
      </button>
    </nav>
  );
}

// Says aloud (a polite live region) when an index submitted from this page is done or failed.
'use client';

import { useState } from 'react';

import type { RecentValue } from '../api/api-types';
import { useLiveState } from '../live/live-state';
import { formatDigits } from './value-view';

function announcement(item: RecentValue): string {
  if (item.status === 'failed') return `F(${item.index}) failed`;
  if (item.truncated && item.digits !== null) return `F(${item.index}) is ready: ${formatDigits(item.digits)}`;
  return `F(${item.index}) = ${item.value ?? ''}`;
}

/** What the announcer has seen: the inputs it last looked at, each watched index's status, the text. */
interface Watch {
  items: readonly RecentValue[] | undefined;
  ownSubmits: ReadonlyMap<number, number>;
  /** Indices submitted here: the last status seen ('submitted' until the list shows one). */
  statuses: ReadonlyMap<number, string>;
  text: string;
}

/** The next {@link Watch}: new submits are watched, and a watched index that turned done or failed is news. */
function watch(previous: Watch, items: readonly RecentValue[] | undefined, ownSubmits: ReadonlyMap<number, number>): Watch {
  const statuses = new Map(previous.statuses);
  for (const [index, submit] of ownSubmits) {
    if (previous.ownSubmits.get(index) !== submit) statuses.set(index, 'submitted');
  }
  const news: string[] = [];
  for (const item of items ?? []) {
    const status = statuses.get(item.index);
    if (status === undefined || status === item.status) continue;
    statuses.set(item.index, item.status);
    if (item.status === 'done' || item.status === 'failed') news.push(announcement(item));
  }
  return { items, ownSubmits, statuses, text: news.length > 0 ? news.join('. ') : previous.text };
}

/** The live region (inside a LiveStateProvider). */
export function ResultAnnouncer() {
  const {
    results: { items },
    ownSubmits,
  } = useLiveState();
  const [seen, setSeen] = useState<Watch>(() => ({ items, ownSubmits, statuses: new Map(), text: '' }));
  // Follows the list while rendering (React's "storing information from previous renders"), not in an effect.
  if (seen.items !== items || seen.ownSubmits !== ownSubmits) setSeen(watch(seen, items, ownSubmits));
  return (
    <p className="visually-hidden" role="status" aria-live="polite">
      {seen.text}
    </p>
  );
}

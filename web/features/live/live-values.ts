// Keeps the results list current between fetches: `value` events from the stream and indices
// submitted here are laid over the last fetched page, newest submissions on top.
import type { IndexStatus, RecentValue } from '../api/api-types';

/** The latest thing known about one index since some fetch. */
export interface ValueUpdate {
  value: RecentValue;
  /** When it was learned (browser clock, ms). */
  at: number;
  /** When the index was last queued here or on the stream: it then belongs on top of page 1. */
  queuedAt?: number;
  /** Submitted from this page and not yet on the stream: kept until a fetched page shows it. */
  optimistic?: boolean;
  /** Increases with every update recorded: orders updates learned at the same time. */
  order: number;
}

let nextOrder = 0;

/** A fetched page and when its request started. */
export interface FetchedPage {
  items: readonly RecentValue[];
  startedAt: number;
}

/** How many updates are kept (the oldest go first). */
export const maxUpdates = 500;

const rank: Record<IndexStatus, number> = { queued: 0, computing: 1, recomputing: 1, done: 2, failed: 2, dropped: 2 };

/**
 * Records `value` (from the stream) into `updates`; returns a new map. Only the newest
 * {@link maxUpdates} are kept: when a burst pushes older ones out (see {@link overflowed}), an
 * index's "queued" update may be gone before its "done" arrives, so the caller reads the list
 * again from the API instead of trusting what is left.
 */
export function applyValueEvents(
  updates: ReadonlyMap<number, ValueUpdate>,
  values: readonly RecentValue[],
  at: number,
): Map<number, ValueUpdate> {
  const next = new Map(updates);
  for (const value of values) {
    const previous = next.get(value.index);
    const queuedAt = value.status === 'queued' ? at : previous?.queuedAt;
    next.delete(value.index);
    next.set(value.index, { value, at, order: (nextOrder += 1), ...(queuedAt === undefined ? {} : { queuedAt }) });
  }
  return trim(next);
}

/** Records an index this page just submitted (shown as queued until the stream or a fetch says more). */
export function applySubmitted(updates: ReadonlyMap<number, ValueUpdate>, index: number, at: number): Map<number, ValueUpdate> {
  const next = new Map(updates);
  const previous = next.get(index);
  if (previous && !previous.optimistic && previous.at >= at - 1_000 && previous.queuedAt !== undefined) {
    // The stream told of this submission before the POST's answer came: keep what it said.
    return next;
  }
  next.delete(index);
  next.set(index, {
    value: { index, status: 'queued', value: null, digits: null, truncated: false, computedMs: null },
    at,
    queuedAt: at,
    optimistic: true,
    order: (nextOrder += 1),
  });
  return trim(next);
}

const trimmed = new WeakSet<ReadonlyMap<number, ValueUpdate>>();

function trim(updates: Map<number, ValueUpdate>): Map<number, ValueUpdate> {
  for (const index of updates.keys()) {
    if (updates.size <= maxUpdates) break;
    updates.delete(index);
    trimmed.add(updates);
  }
  return updates;
}

/** Whether making `updates` pushed older updates out (they no longer tell the whole story). */
export function overflowed(updates: ReadonlyMap<number, ValueUpdate>): boolean {
  return trimmed.has(updates);
}

/**
 * The list to show: `page`'s items with newer updates applied, and (on page 1) indices queued
 * since on top. An update older than the fetch still wins when its status is further along
 * (the fetch may have read a lagging replica).
 */
export function mergeValues(
  page: FetchedPage | undefined,
  updates: ReadonlyMap<number, ValueUpdate>,
  options: { firstPage: boolean; pageSize: number },
): RecentValue[] | undefined {
  if (!page) return undefined;
  const inPage = new Map(page.items.map((item) => [item.index, item]));
  const wins = (update: ValueUpdate, fetched: RecentValue | undefined) => {
    if (!fetched) return true;
    if (update.optimistic) return false;
    return update.at >= page.startedAt || rank[update.value.status] > rank[fetched.status];
  };

  const onTop: ValueUpdate[] = [];
  if (options.firstPage) {
    for (const update of updates.values()) {
      if (update.queuedAt === undefined) continue;
      const fetched = inPage.get(update.value.index);
      const newer = update.queuedAt >= page.startedAt || !fetched;
      if (newer && (!update.optimistic || !fetched)) onTop.push(update);
    }
    // Newest first; events of one batch share a time, and the later one is the newer.
    onTop.sort((a, b) => (b.queuedAt ?? 0) - (a.queuedAt ?? 0) || b.order - a.order);
  }
  const topIndices = new Set(onTop.map((update) => update.value.index));
  const top = onTop.map((update) => {
    const fetched = inPage.get(update.value.index);
    return wins(update, fetched) || !fetched ? update.value : fetched;
  });
  const rest = page.items
    .filter((item) => !topIndices.has(item.index))
    .map((item) => {
      const update = updates.get(item.index);
      return update && wins(update, item) ? update.value : item;
    });
  const merged = [...top, ...rest];
  return options.firstPage ? merged.slice(0, options.pageSize) : merged;
}

// Laying stream events and this page's submits over the last fetched page of results.
import { describe, expect, it } from 'vitest';

import type { RecentValue } from '../features/api/api-types';
import { applySubmitted, applyValueEvents, maxUpdates, mergeValues } from '../features/live/live-values';

const item = (index: number, status: RecentValue['status'], value: string | null = null): RecentValue => ({
  index,
  status,
  value,
  digits: value?.length ?? null,
  truncated: false,
  computedMs: null,
});
const firstPage = { firstPage: true, pageSize: 3 };
const indices = (items: RecentValue[] | undefined) => items?.map((i) => `${i.index}:${i.status}`);

describe('live values', () => {
  const page = { items: [item(5, 'done', '5'), item(4, 'computing'), item(3, 'queued')], startedAt: 1_000 };

  it('live values: an event after the fetch updates the index in place', () => {
    const updates = applyValueEvents(new Map(), [item(4, 'done', '3')], 2_000);
    expect(indices(mergeValues(page, updates, firstPage))).toEqual(['5:done', '4:done', '3:queued']);
  });

  it('live values: a newly queued index goes on top of page 1 and the page keeps its size', () => {
    const updates = applyValueEvents(new Map(), [item(9, 'queued'), item(9, 'done', '34')], 2_000);
    expect(indices(mergeValues(page, updates, firstPage))).toEqual(['9:done', '5:done', '4:computing']);
    expect(indices(mergeValues(page, updates, { firstPage: false, pageSize: 3 }))).toEqual(['5:done', '4:computing', '3:queued']);
  });

  it('live values: a done event for an older index not on the page does not jump on top', () => {
    const updates = applyValueEvents(new Map(), [item(99, 'done', '1')], 2_000);
    expect(indices(mergeValues(page, updates, firstPage))).toEqual(['5:done', '4:computing', '3:queued']);
  });

  it('live values: a fetch from a lagging replica does not take a finished value back', () => {
    const updates = applyValueEvents(new Map(), [item(3, 'done', '2')], 500);
    expect(indices(mergeValues(page, updates, firstPage))).toEqual(['5:done', '4:computing', '3:done']);
    const newerFetch = { ...page, items: [item(3, 'queued')], startedAt: 3_000 };
    const requeued = applyValueEvents(updates, [], 3_000);
    // An older queued event loses to a newer fetch's computing.
    const stale = applyValueEvents(requeued, [item(3, 'queued')], 100);
    expect(indices(mergeValues({ ...newerFetch, items: [item(3, 'computing')] }, stale, firstPage))).toEqual(['3:computing']);
  });

  it('live values: a submit shows at once as queued until a fetch shows the index', () => {
    const updates = applySubmitted(new Map(), 12, 2_000);
    expect(indices(mergeValues(page, updates, firstPage))).toEqual(['12:queued', '5:done', '4:computing']);
    const fetched = { items: [item(12, 'done', '144'), ...page.items], startedAt: 2_500 };
    expect(indices(mergeValues(fetched, updates, firstPage))).toEqual(['12:done', '5:done', '4:computing']);
  });

  it('live values: a submit does not hide what the stream already said about it', () => {
    const streamed = applyValueEvents(new Map(), [item(12, 'queued'), item(12, 'done', '144')], 2_000);
    const updates = applySubmitted(streamed, 12, 2_050);
    expect(indices(mergeValues(page, updates, firstPage))?.[0]).toBe('12:done');
  });

  it('live values: keeps at most maxUpdates updates, dropping the oldest', () => {
    const values = Array.from({ length: maxUpdates + 10 }, (_, i) => item(i, 'queued'));
    const updates = applyValueEvents(new Map(), values, 1);
    expect(updates.size).toBe(maxUpdates);
    expect(updates.has(0)).toBe(false);
    expect(updates.has(maxUpdates + 9)).toBe(true);
  });
});

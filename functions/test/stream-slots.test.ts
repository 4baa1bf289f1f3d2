// Admission of event streams when vanished viewers are never reported: nobody is refused, the
// busiest client gives way.
import { describe, expect, it } from 'vitest';

import { StreamSlots } from '../src/live/stream-slots.js';

describe('StreamSlots', () => {
  const open = (slots: StreamSlots, client: string, ended: string[], name: string) => slots.admit(client, () => ended.push(name));

  it("ends a client's oldest stream when it opens one past its share", () => {
    const slots = new StreamSlots({ maxStreams: 100, perClient: 2 });
    const ended: string[] = [];
    open(slots, 'a', ended, 'a1');
    open(slots, 'a', ended, 'a2');
    open(slots, 'a', ended, 'a3');
    expect(ended).toEqual(['a1']);
    expect(slots.countOf('a')).toBe(2);
  });

  it('at the process cap, ends the oldest stream of the client holding the most, never the newcomer', () => {
    const slots = new StreamSlots({ maxStreams: 4, perClient: 4 });
    const ended: string[] = [];
    open(slots, 'b', ended, 'b1');
    open(slots, 'a', ended, 'a1');
    open(slots, 'a', ended, 'a2');
    open(slots, 'c', ended, 'c1');
    open(slots, 'd', ended, 'd1');
    expect(ended).toEqual(['a1']);
    // All clients hold one: the oldest stream overall goes.
    open(slots, 'e', ended, 'e1');
    expect(ended).toEqual(['a1', 'b1']);
    expect(slots.size).toBe(4);
  });

  it('frees a slot on release (once) and ends every stream on shutdown', () => {
    const slots = new StreamSlots({ maxStreams: 10, perClient: 10 });
    const ended: string[] = [];
    const release = open(slots, 'a', ended, 'a1');
    open(slots, 'b', ended, 'b1');
    release();
    release();
    expect(slots.size).toBe(1);
    slots.endAll();
    expect(ended).toEqual(['b1']);
    expect(slots.size).toBe(0);
  });
});

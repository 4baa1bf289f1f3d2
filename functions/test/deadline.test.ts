// withDeadline: the answer in time, else a rejection naming the bound; never a timer left behind.
import { afterEach, describe, expect, it, vi } from 'vitest';

import { withDeadline } from '../src/deadline.js';

describe('withDeadline', () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it('gives the answer of a call that settles within the deadline and leaves no timer running', async () => {
    vi.useFakeTimers();
    await expect(withDeadline(Promise.resolve('answer'), 250)).resolves.toBe('answer');
    await expect(withDeadline(Promise.reject(new Error('refused')), 250)).rejects.toThrow('refused');
    expect(vi.getTimerCount()).toBe(0);
  });

  it('rejects with the bound once a call has not answered within it', async () => {
    vi.useFakeTimers();
    const never = new Promise<string>(() => undefined);
    const bounded = withDeadline(never, 250);
    const outcome = expect(bounded).rejects.toThrow('no answer within 250 ms');
    await vi.advanceTimersByTimeAsync(250);
    await outcome;
    expect(vi.getTimerCount()).toBe(0);
  });
});

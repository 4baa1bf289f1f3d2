import { describe, expect, it } from 'vitest';

import { Batcher, BatchTimeoutError } from '../src/batching/batcher.js';

describe('Batcher (group commit)', () => {
  it('sends the calls of one event-loop turn as one batch within that turn, then groups those that arrive while it is in flight', async () => {
    const batches: number[][] = [];
    const batcher = new Batcher<number, string>(
      async (items) => {
        batches.push(items);
        await new Promise((resolve) => setTimeout(resolve, 20));
        return items.map((item) => `ok ${item}`);
      },
      { maxConcurrentBatches: 1 },
    );
    const first = [1, 2].map((item) => batcher.submit(item));
    // Out within the turn (no timer): by the next check phase it has been handed to flush.
    await new Promise((resolve) => setImmediate(resolve));
    expect(batches).toEqual([[1, 2]]);
    const rest = [3, 4, 5].map((item) => batcher.submit(item));
    expect(await Promise.all(first)).toEqual(['ok 1', 'ok 2']);
    expect(await Promise.all(rest)).toEqual(['ok 3', 'ok 4', 'ok 5']);
    expect(batches).toEqual([
      [1, 2],
      [3, 4, 5],
    ]);
  });

  it('sends a lone call in the turn it was made', async () => {
    const batches: number[][] = [];
    const batcher = new Batcher<number, number>((items) => {
      batches.push(items);
      return Promise.resolve(items);
    });
    const lone = batcher.submit(7);
    await new Promise((resolve) => setImmediate(resolve));
    expect(batches).toEqual([[7]]);
    expect(await lone).toBe(7);
  });

  it('fails every submission of a failed batch, and only those', async () => {
    let calls = 0;
    const batcher = new Batcher<number, number>(
      (items) => {
        calls += 1;
        return calls === 1 ? Promise.reject(new Error('redis is unavailable')) : Promise.resolve(items);
      },
      { maxConcurrentBatches: 1 },
    );
    const failed = batcher.submit(1).catch((error: unknown) => error);
    await new Promise((resolve) => setImmediate(resolve)); // 1 goes out alone; 2 comes in a later turn
    const later = batcher.submit(2);
    expect(await failed).toMatchObject({ message: 'redis is unavailable' });
    expect(await later).toBe(2);
  });

  it('caps the batch size', async () => {
    const sizes: number[] = [];
    const batcher = new Batcher<number, number>(
      (items) => {
        sizes.push(items.length);
        return Promise.resolve(items);
      },
      { maxBatchSize: 3, maxConcurrentBatches: 1 },
    );
    await Promise.all(Array.from({ length: 8 }, (_, i) => batcher.submit(i)));
    expect(Math.max(...sizes)).toBeLessThanOrEqual(3);
    expect(sizes.reduce((a, b) => a + b, 0)).toBe(8);
  });

  it('keeps a batch under maxBatchWeight, sending an oversized item on its own', async () => {
    const batches: number[][] = [];
    const batcher = new Batcher<number, number>(
      (items) => {
        batches.push(items);
        return Promise.resolve(items);
      },
      { maxConcurrentBatches: 1, weigh: (item) => item, maxBatchWeight: 10 },
    );
    await Promise.all([1, 4, 4, 3, 25, 2].map((item) => batcher.submit(item)));
    expect(batches).toEqual([[1, 4, 4], [3], [25], [2]]);
  });

  it('times out a waiting submission without ever sending it, and a sent one as outcome unknown', async () => {
    const batches: number[][] = [];
    let release: () => void = () => undefined;
    const batcher = new Batcher<number, number>(
      async (items) => {
        batches.push(items);
        if (batches.length === 1) await new Promise<void>((resolve) => (release = resolve));
        return items;
      },
      { maxConcurrentBatches: 1 },
    );
    const sent = batcher.submit(1, 50);
    await new Promise((resolve) => setImmediate(resolve)); // 1 is sent; 2 waits behind it
    const waiting = batcher.submit(2, 50);
    const [sentError, waitingError] = await Promise.all([sent.catch((e: unknown) => e), waiting.catch((e: unknown) => e)]);
    expect(sentError).toBeInstanceOf(BatchTimeoutError);
    expect((sentError as BatchTimeoutError).started).toBe(true);
    expect((waitingError as BatchTimeoutError).started).toBe(false);
    release();
    expect(await batcher.submit(3)).toBe(3);
    expect(batches).toEqual([[1], [3]]);
  });
});

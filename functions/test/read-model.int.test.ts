// The read model alone, on one real Redis with its own key prefix (no host, no HTTP): the rows
// of the listings and the one status rule, including values Redis dropped under its cap.
import type { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { fibonacci } from '../src/fib/bigint-fibonacci.js';
import { computeFibonacci } from '../src/fib/fibonacci.js';
import { selectFibonacciEngine } from '../src/fib/fibonacci-engine.js';
import { previewOf } from '../src/fib/value-preview.js';
import { TaskConsumer } from '../src/queue/consumer.js';
import { TaskProducer } from '../src/queue/producer.js';
import { ReadModel } from '../src/queue/read-model.js';
import { placeholderValue } from '../src/queue/records.js';
import { type RedisKeys, valueKey } from '../src/redis/keys.js';
import { ReadRouter } from '../src/redis/read-router.js';
import { type PrefixedRedis, startPrefixedRedis } from './support/prefixed-redis.js';

describe('ReadModel', () => {
  let store: PrefixedRedis;
  let redis: Redis;
  let keys: RedisKeys;
  let producer: TaskProducer;
  let consumer: TaskConsumer;
  let model: ReadModel;
  let router: ReadRouter;

  /** Takes an index through the queue the way a worker does: pop, claim, compute, store. */
  async function computeIndex(index: number): Promise<void> {
    await redis.lrem(keys.tasks, 0, String(index));
    expect(await consumer.claim(String(index), Date.now() + 30_000)).toBe(true);
    expect(await consumer.complete(String(index), computeFibonacci(selectFibonacciEngine('auto'), index))).toBe(true);
  }

  beforeAll(async () => {
    store = await startPrefixedRedis('rm');
    ({ redis, keys } = store);
    producer = new TaskProducer(redis, keys);
    consumer = new TaskConsumer(redis, keys, { maxAttempts: 3 });
    router = new ReadRouter(() => redis, undefined, { masterName: 'master', replicaName: 'replica' });
    model = new ReadModel(router, keys);
  }, 60_000);

  afterAll(async () => {
    router?.stop();
    await store?.close();
  });

  it('lists a computed index as done with its preview and time, a queued one as queued without a value', async () => {
    expect(await producer.enqueue(['12', '400'])).toEqual(['queued', 'queued']);
    await computeIndex(400);
    const rows = await model.summaries(redis, ['12', '400']);
    expect(rows[0]).toEqual({ index: 12, status: 'queued', value: null, digits: null, truncated: false, computedMs: null });
    expect(rows[1]).toMatchObject({ index: 400, status: 'done', value: previewOf(400), truncated: true });
    expect(rows[1]?.digits).toBe(fibonacci(400).toString().length);
    expect(rows[1]?.computedMs).toEqual(expect.any(Number));
    expect((await model.currentValues(10)).value).toEqual({ '400': previewOf(400), '12': placeholderValue });
  });

  it('tells a value Redis dropped (dropped, then recomputing when asked for) from one never computed', async () => {
    await producer.enqueue(['777']);
    await computeIndex(777);
    await redis.del(valueKey(keys, '777')); // what an eviction under the memory cap does
    expect((await model.summaries(redis, ['777']))[0]).toMatchObject({ status: 'dropped', value: previewOf(777) });
    expect((await model.valueDetail('777')).value).toMatchObject({ detail: { status: 'dropped' }, stored: null });
    expect(await producer.enqueue(['777'])).toEqual(['queued']);
    expect((await model.summaries(redis, ['777']))[0]?.status).toBe('recomputing');
    await computeIndex(777);
    const detail = (await model.valueDetail('777')).value;
    expect(detail?.detail.status).toBe('done');
    expect(detail?.stored).toBeInstanceOf(Buffer);
  });

  it('knows nothing of an index never submitted, and says which node served each read', async () => {
    const read = await model.valueDetail('31337');
    expect(read).toEqual({ value: null, servedBy: 'master' });
  });

  it('reads an index Redis does not know but the submissions log holds as queued, asking the log only then', async () => {
    const asked: number[] = [];
    const logged = (index: number) => {
      asked.push(index);
      return Promise.resolve(true);
    };
    const unknown = (await model.valueDetail('31338', logged)).value;
    expect(unknown?.detail).toMatchObject({ index: 31338, status: 'queued', value: null, digits: null, attempts: 0 });
    expect(asked).toEqual([31338]);
    await producer.enqueue(['512']);
    await computeIndex(512);
    expect((await model.valueDetail('512', logged)).value?.detail.status).toBe('done');
    expect(asked).toEqual([31338]);
  });

  it('builds an event-stream row exactly as the listing builds it, and skips malformed entries', async () => {
    await producer.enqueue(['640']);
    await computeIndex(640);
    const streamed = await model.streamRows(redis, [
      ['1-0', ['index', '640', 'status', 'done']],
      ['2-0', ['index', '641', 'status', 'queued']],
      ['3-0', ['index', 'x', 'status', 'done']],
      ['4-0', ['index', '642', 'status', 'gone']],
    ]);
    const [listed] = await model.summaries(redis, ['640']);
    expect(streamed).toEqual([
      { id: '1-0', row: listed },
      { id: '2-0', row: { index: 641, status: 'queued', value: null, digits: null, truncated: false, computedMs: null } },
    ]);
  });
});

// Failures an operator can act on: a failed index keeps why (each attempt's time, outcome and
// error) and shows it in GET /api/values/{index}; only the operator credential retries failed
// indices in bulk (all, or a filtered set); visitors still see the status.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import type { ValueDetail } from '../src/http/api-types.js';
import { eventually, type OwnedStack, startOwnedStack } from './support/stack.js';

describe('failed indices: why, and retry by the operator', () => {
  let stack: OwnedStack;

  beforeAll(async () => {
    stack = await startOwnedStack({ env: { MAX_ATTEMPTS: '2' } });
  }, 180_000);

  afterAll(async () => {
    await stack?.stop();
  });

  const detail = async (index: number) => (await stack.get(`/api/values/${index}`)).json as ValueDetail;
  /** Fails one delivery of each queued index: the worker pops and claims it, then its invocation throws or it stalls. */
  const failDelivery = async (how: 'throws' | 'stalls') => {
    const popped = (await stack.redis.lpop(stack.config.tasksKey, 100)) ?? [];
    for (const key of popped) {
      if (how === 'throws') {
        expect(await stack.services.consumer.claim(key, Date.now() + 60_000)).toBe(true);
        await stack.services.consumer.giveBack(key, true, 'RangeError: Maximum BigInt size exceeded');
      } else {
        // A lease already past its deadline: the requeue timer finds it expired.
        expect(await stack.services.consumer.claim(key, Date.now() - 1)).toBe(true);
      }
    }
    if (how === 'stalls') await stack.runRequeue();
    return popped.length;
  };
  const failedStatus = (index: number) =>
    eventually(async () => ((await detail(index)).status === 'failed' ? true : undefined), 5000, `${index} failed`);

  it('keeps each attempt of a failed index and shows the last error in GET /api/values/{index}', async () => {
    for (const index of [77, 200])
      expect((await stack.post('/api/values', JSON.stringify({ index }), stack.operator)).status).toBe(202);
    expect(await failDelivery('throws')).toBe(2);
    expect((await detail(77)).history).toEqual([
      expect.objectContaining({ outcome: 'invocation-failed', error: 'RangeError: Maximum BigInt size exceeded' }),
    ]);
    expect(await failDelivery('stalls')).toBe(2);
    await failedStatus(77);
    const failed = await detail(77);
    expect(failed).toMatchObject({ status: 'failed', attempts: 2, lastError: 'lease expired: the worker stopped or stalled' });
    expect(failed.history?.map((attempt) => attempt.outcome)).toEqual(['invocation-failed', 'failed']);
    for (const attempt of failed.history ?? []) expect(attempt.at).toBeGreaterThan(Date.now() - 60_000);
  });

  it('refuses a visitor, and a bad filter, and changes nothing', async () => {
    const visitor = await stack.post('/api/failed/retry', '{}');
    expect(visitor.status).toBe(401);
    expect(visitor.json).toEqual({ error: expect.stringMatching(/operator credential/) });
    const wrong = await stack.post('/api/failed/retry', '{}', { authorization: 'Bearer not-the-operator-token' });
    expect(wrong.status).toBe(401);
    for (const body of ['{"from":"a"}', '{"from":9,"to":3}', '{"indices":[1.5]}', 'nope', '{"everything":true}']) {
      const answer = await stack.post('/api/failed/retry', body, stack.operator);
      expect(answer.status).toBe(400);
      expect(answer.json).toEqual({ error: expect.any(String) });
    }
    // Visitors still see the status and why.
    expect(await detail(77)).toMatchObject({ status: 'failed', lastError: expect.any(String) });
    expect(await detail(200)).toMatchObject({ status: 'failed' });
  });

  it('retries a filtered set for the operator, then all the rest; a stored value clears the history', async () => {
    const some = await stack.post('/api/failed/retry', JSON.stringify({ from: 0, to: 100 }), stack.operator);
    expect(some).toMatchObject({ status: 200, json: { retried: 1, remaining: 1, sample: [77] } });
    expect((await detail(77)).status).not.toBe('failed');
    expect((await detail(200)).status).toBe('failed');
    // Until it is stored, the retried index still shows its past failures.
    expect((await detail(77)).history).toHaveLength(2);

    const rest = await stack.post('/api/failed/retry', '', stack.operator);
    expect(rest).toMatchObject({ status: 200, json: { retried: 1, remaining: 0, sample: [200] } });
    stack.startWorker();
    for (const index of [77, 200]) {
      const done = await eventually(
        async () => {
          const found = await detail(index);
          return found.status === 'done' ? found : undefined;
        },
        10_000,
        `${index} done`,
      );
      expect(done).toMatchObject({ attempts: 0, history: [], lastError: null });
    }
    await stack.stopWorker();
  });
});

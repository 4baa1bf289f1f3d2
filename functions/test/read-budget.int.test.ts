// Full reads are metered like submissions: a large value costs the reader by the digits sent,
// also once the api has its decimal string cached, so reading one value over and over cannot
// become the next amplification. Against a real Redis pair (the StatefulSet's redis.conf).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { fullReadCost } from '../src/fair-use/fair-use.js';
import type { ValueDetail } from '../src/http/api-types.js';
import { from, type OwnedStack, startOwnedStack, type TestStack } from './support/stack.js';
import { seedValue } from './support/stored-values.js';

describe('fair use of full reads: by the digits sent, cached or not', () => {
  let stack: OwnedStack;
  const big = 1_000_000;

  beforeAll(async () => {
    // Clients behind a trusted proxy: the host takes the address the proxy appended.
    stack = await startOwnedStack({ env: { ASPNETCORE_FORWARDEDHEADERS_ENABLED: 'true' } });
    await seedValue(stack.redis, stack.services.keys, big);
    await seedValue(stack.redis, stack.services.keys, 1000);
  }, 180_000);

  afterAll(async () => {
    await stack?.stop();
  });

  it('prices F(10^6) at 20 units for its 208,988 digits, 30 when rendered first; small values are free', () => {
    expect(fullReadCost(big, true)).toBe(20);
    expect(fullReadCost(big, false)).toBe(30);
    expect(fullReadCost(47_846, true)).toBe(0);
    expect(fullReadCost(1000, false)).toBe(0);
  });

  it('answers one client’s repeated reads of a cached F(10^6) 429 with Retry-After; another client and operators are unaffected', async () => {
    const reader = from('203.0.113.21');
    // The api renders and caches the decimal string on the first read.
    const first = await stack.get(`/api/values/${big}`, stack.operator);
    expect(first.status).toBe(200);
    expect((first.json as ValueDetail).value).toHaveLength(208_988);
    expect(stack.services.decimals.cached(big)).toBeDefined();

    // 2,000 units at once, 20 per cached read (plus what refills meanwhile): ~100 reads.
    let served = 0;
    let refused: Awaited<ReturnType<TestStack['get']>> | undefined;
    while (refused === undefined && served < 400) {
      const answer = await stack.get(`/api/values/${big}`, reader);
      if (answer.status === 429) refused = answer;
      else {
        expect(answer.status).toBe(200);
        served += 1;
      }
    }
    expect(served).toBeGreaterThanOrEqual(100);
    expect(served).toBeLessThan(400);
    expect(refused?.json).toEqual({ error: expect.stringMatching(/too many requests/), retryAfterSeconds: expect.any(Number) });
    expect(Number(refused?.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);

    // The same client: a small value is free, and revalidating what it holds costs nothing.
    expect((await stack.get('/api/values/1000', reader)).status).toBe(200);
    const etag = first.headers.get('etag') ?? '';
    expect((await stack.get(`/api/values/${big}`, { ...reader, 'if-none-match': etag })).status).toBe(304);

    // Another client reads the same value; the operator is never metered, whatever its address.
    const other = await stack.get(`/api/values/${big}`, from('198.51.100.22'));
    expect(other.status).toBe(200);
    expect((other.json as ValueDetail).value).toBe((first.json as ValueDetail).value);
    for (let read = 0; read < 5; read += 1) {
      expect((await stack.get(`/api/values/${big}`, { ...reader, ...stack.operator })).status).toBe(200);
    }
  }, 120_000);
});

// Bounded by design, against a real Redis pair run with the StatefulSet's redis.conf (volatile-lru)
// under a small cap: a full cache never stops the service, a dropped value is computed again
// when asked for, one client cannot starve another, and a rebuild costs the distinct indices.
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';

import { fibonacci } from '../src/fib/bigint-fibonacci.js';
import type { HealthReport, RecentValuesPage, Stats, ValueDetail } from '../src/http/api-types.js';
import { eventually, from, type OwnedStack, startOwnedStack, type TestStack } from './support/stack.js';
import { storedCount, storedDecimals } from './support/stored-values.js';

const post = (stack: TestStack, index: number, headers: Record<string, string> = {}) =>
  stack.post('/api/values', JSON.stringify({ index }), headers);

describe('a capped Redis (the StatefulSet config, 8mb cap): values are a cache', () => {
  let stack: OwnedStack;
  // Each F(n) near 200,000 takes ~17 KB: 800 of them are ~14 MB, well past the cap.
  const flood = Array.from({ length: 800 }, (_, i) => 200_000 + i);

  beforeAll(async () => {
    stack = await startOwnedStack({ maxmemory: '8mb' });
  }, 180_000);

  afterAll(async () => {
    await stack?.stop();
  });

  it('runs with the ConfigMap policy: evict values (they carry a TTL), never the queue', async () => {
    expect(await stack.redis.config('GET', 'maxmemory-policy')).toEqual(['maxmemory-policy', 'volatile-lru']);
    expect(await stack.redis.config('GET', 'maxmemory')).toEqual(['maxmemory', String(8 * 1024 * 1024)]);
  });

  it('keeps accepting and computing submissions after the values outgrow the cap, within the cap', async () => {
    for (const index of flood) expect((await post(stack, index, stack.operator)).status).toBe(202);
    stack.startWorker();
    const pending = async () => ((await stack.get('/api/stats')).json as Stats).pending;
    await eventually(async () => ((await pending()) === 0 ? true : undefined), 120_000, 'the flood computed');

    const stats = (await stack.get('/api/stats')).json as Stats;
    expect(stats.done).toBe(flood.length);
    expect(stats.memory?.maxBytes).toBe(8 * 1024 * 1024);
    expect(stats.memory?.evictedValues).toBeGreaterThan(0);
    // Redis evicts before a write would pass the cap: a little over is the one write in flight.
    expect(stats.memory!.usedBytes).toBeLessThan(8 * 1024 * 1024 * 1.1);

    const health = await stack.get('/api/health');
    expect(health.status).toBe(200);
    expect((health.json as HealthReport).checks.redisMaster.ok).toBe(true);

    // A new submission is still accepted and computed: the cache made room.
    expect((await post(stack, 4321)).status).toBe(202);
    await eventually(
      async () => ((await storedCount(stack.redis, stack.services.keys, [4321])) === 1 ? true : undefined),
      20_000,
    );
    expect((await storedDecimals(stack.redis, stack.services.keys, [4321]))[0]).toBe(fibonacci(4321).toString());
  }, 240_000);

  it('lists a dropped value as dropped (with its preview), computes it again when asked for, and serves the same digits', async () => {
    const stored = await storedDecimals(stack.redis, stack.services.keys, flood);
    const dropped = flood.filter((_, i) => stored[i] === null);
    expect(dropped.length).toBeGreaterThan(0);
    const index = dropped[0]!;

    const row = (await listedRows(stack, 20)).find((item) => item.index === index);
    expect(row).toMatchObject({ status: 'dropped', truncated: true, digits: fibonacci(index).toString().length });
    expect(row?.value).toMatch(/^\d{20}…\d{20} \(\d+ digits\)$/);

    const asked = await stack.get(`/api/values/${index}`);
    expect(asked.status).toBe(200);
    expect(asked.json).toMatchObject({ index, status: 'recomputing', value: null });
    const detail = await eventually(
      async () => {
        const answer = await stack.get(`/api/values/${index}`);
        return (answer.json as ValueDetail).status === 'done' ? answer : undefined;
      },
      20_000,
      'the dropped value computed again',
    );
    expect((detail.json as ValueDetail).value).toBe(fibonacci(index).toString());
    expect(detail.headers.get('etag')).toBe(`"fib-${index}"`);
    expect(detail.headers.get('cache-control')).toMatch(/immutable/);
    const again = await stack.get(`/api/values/${index}`, { 'if-none-match': `"fib-${index}"` });
    expect(again.status).toBe(304);
  }, 60_000);

  it('does not start a drop/recompute loop: dropped values stay dropped until asked for', async () => {
    for (let run = 0; run < 3; run += 1) await stack.runRequeue();
    const stats = (await stack.get('/api/stats')).json as Stats;
    expect(stats.pending).toBe(0);
    expect(stats.queueLength).toBe(0);
  });
});

describe('fair use: a budget per client, weighted by cost, shared through Redis', () => {
  let stack: OwnedStack;

  beforeAll(async () => {
    // Clients behind a trusted proxy: the host takes the address the proxy appended.
    stack = await startOwnedStack({ env: { ASPNETCORE_FORWARDEDHEADERS_ENABLED: 'true' } });
  }, 180_000);

  afterEach(async () => {
    await stack.stopWorker();
  });

  afterAll(async () => {
    await stack?.stop();
  });

  it('while one client floods near MAX_INDEX, another client’s small index is not queued behind the flood and is done while the flood is still refused 429', async () => {
    // The issue's goal is "another client's small index is computed within 2 s". A timing
    // assertion fails on a busy 2-core CI machine for reasons that have nothing to do with this
    // (and the API, the worker and this test share one process here), so the test asserts what
    // guarantees the 2 s instead: the flood is held to its budget (2,000 units at once, then 20/s;
    // 100 per index near 10^6), so at most burst/cost + the refill of submissions, ~20 tasks of a
    // few ms of CPU each, are ever ahead of the other client's index; and that index is done while
    // the flood is still being refused. The measured submit→done time is printed, not asserted;
    // `npm run chaos -- --parts flood` prints its p50/p99 against the 2 s goal.
    const flooder = from('203.0.113.7');
    const { fairUseBurst: burst, fairUseRatePerSecond: rate } = stack.config;
    const cost = 1 + Math.floor(990_000 / 10_000);
    stack.startWorker();
    const answers: { status: number; at: number; json: unknown; headers: Headers }[] = [];
    let flooding = true;
    const floodStarted = performance.now();
    // One request in flight at a time, distinct indices, until the test has seen what it needs.
    const flood = (async () => {
      for (let index = 990_000; flooding && index < 992_000; index += 1) {
        const answer = await post(stack, index, flooder);
        answers.push({ status: answer.status, at: performance.now(), json: answer.json, headers: answer.headers });
      }
    })();
    try {
      await eventually(
        () => Promise.resolve(answers.some((a) => a.status === 429) ? true : undefined),
        30_000,
        'the flood refused',
      );

      const other = await post(stack, 77, from('198.51.100.4'));
      expect(other.status).toBe(202);
      const submitted = performance.now();
      // What is queued or computing now is all that can be ahead of index 77 (first in, first out).
      const ahead = (await stack.redis.zcard(stack.services.keys.queued)) + (await stack.redis.zcard(stack.services.keys.leases));
      const acceptedSoFar = answers.filter((a) => a.status === 202).length;
      expect(ahead).toBeLessThanOrEqual(acceptedSoFar + 1);
      expect(acceptedSoFar).toBeLessThanOrEqual(Math.floor((burst + (rate * (submitted - floodStarted)) / 1000) / cost) + 1);

      await eventually(
        async () =>
          ((await stack.get('/api/values/77', from('198.51.100.4'))).json as ValueDetail).status === 'done' ? true : undefined,
        30_000,
        'the other client’s index computed',
      );
      const done = performance.now();
      console.log(
        `fair use: the second client's F(77) read done ${(done - submitted).toFixed(0)} ms after its 202 (goal 2,000 ms; ${ahead} tasks were ahead of it)`,
      );
      // The flood goes on and is still refused once index 77 is done.
      await eventually(
        () => Promise.resolve(answers.some((a) => a.at > done && a.status === 429) ? true : undefined),
        30_000,
        'the flood refused after index 77 was done',
      );
    } finally {
      flooding = false;
      await flood;
    }

    const accepted = answers.filter((answer) => answer.status === 202).length;
    const refused = answers.filter((answer) => answer.status === 429);
    const floodSeconds = (answers[answers.length - 1]!.at - floodStarted) / 1000;
    expect(accepted).toBeGreaterThanOrEqual(Math.floor(burst / cost));
    expect(accepted).toBeLessThanOrEqual(Math.floor((burst + rate * floodSeconds) / cost) + 1);
    expect(refused.length).toBe(answers.length - accepted);
    expect(refused[0]?.json).toEqual({
      error: expect.stringMatching(/too many requests/),
      retryAfterSeconds: expect.any(Number),
    });
    expect(Number(refused[0]?.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    const logged = await stack.database.query<{ count: string }>('SELECT count(*) FROM submissions WHERE number >= 990000');
    expect(Number(logged[0]?.count)).toBe(accepted);
  }, 120_000);

  it('meters a wrong operator token like any visitor, and never meters the right one', async () => {
    const client = from('203.0.113.9');
    const wrong = { ...client, authorization: 'Bearer not-the-token-at-all' };
    let refused = false;
    for (let index = 970_000; index < 970_060 && !refused; index += 1) refused = (await post(stack, index, wrong)).status === 429;
    expect(refused).toBe(true);
    // The same client, out of budget, with the operator credential: never metered.
    for (let index = 980_000; index < 980_040; index += 1) {
      expect((await post(stack, index, { ...client, ...stack.operator })).status).toBe(202);
    }
  });
});

/** Every row of the API's recent listing, page by page (200 a page, at most `maxPages`). */
async function listedRows(stack: TestStack, maxPages: number): Promise<RecentValuesPage['items']> {
  const rows: RecentValuesPage['items'] = [];
  for (let before: string | null = '', pages = 0; before !== null && pages < maxPages; pages += 1) {
    const page = (await stack.get(`/api/values/recent?limit=200${before === '' ? '' : `&before=${before}`}`))
      .json as RecentValuesPage;
    rows.push(...page.items);
    before = page.next;
  }
  return rows;
}

/** Every listed index's status, through the API's recent listing. */
async function listedStatuses(stack: TestStack): Promise<Map<number, string>> {
  return new Map((await listedRows(stack, 100)).map((item) => [item.index, item.status]));
}

/**
 * Runs the maintenance timer's step as the host does, every 5 s (its schedule, one run at a time),
 * the first a whole period after `origin`: the worst phase of a real timer. A cadence, not a wait.
 */
function runTimerFrom(stack: TestStack, origin: number): { stop(): Promise<void> } {
  let running = true;
  const loop = (async () => {
    for (let tick = 1; running; tick += 1) {
      const next = origin + tick * 5000;
      while (running && performance.now() < next) await new Promise((resolve) => setTimeout(resolve, 50));
      if (running) await stack.runRequeue();
    }
  })();
  return {
    async stop() {
      running = false;
      await loop;
    },
  };
}

describe('rebuilding Redis from a large log', () => {
  let stack: OwnedStack;

  beforeAll(async () => {
    stack = await startOwnedStack({ database: process.env.TEST_DATABASE_URL ? 'server' : 'pglite' });
  }, 180_000);

  afterAll(async () => {
    await stack?.stop();
  });

  it('after a FLUSHALL, every logged index (also those logged just before the loss) reads done through the API within 15 s, reading distinct indices, not rows', async () => {
    // 200,000 rows of 2,000 distinct small indices logged long ago (the size a CI run affords; the
    // bench measures 5,000,000 rows), then a few new indices submitted just before the loss.
    // Small indices: computing them is trivial, so the 15 s bound (the issue's, from the loss)
    // measures the recovery, not the worker.
    expect((await post(stack, 5, stack.operator)).status).toBe(202); // the app migrates on first use
    await stack.database.query(
      "INSERT INTO submissions (number, submitted_at) SELECT g % 2000, now() - interval '1 hour' FROM generate_series(1, 200000) AS g",
    );
    const fresh = [5001, 5002, 5003, 5004, 5005];
    for (const index of fresh) expect((await post(stack, index, stack.operator)).status).toBe(202);
    const logged = [...Array.from({ length: 2000 }, (_, i) => i), ...fresh];

    // Count the log rows the timer reads one by one (the replay after the rebuild): the rebuild
    // reads submitted_indices instead, so none of the 200,000 old rows is read.
    const store = await stack.services.submissions();
    let rowsRead = 0;
    const settledPage = store.settledPage.bind(store);
    const spy = vi.spyOn(store, 'settledPage').mockImplementation(async (...args) => {
      const page = await settledPage(...args);
      rowsRead += page.length;
      return page;
    });

    stack.startWorker();
    await stack.redis.flushall();
    const lost = performance.now();
    const timer = runTimerFrom(stack, lost);
    try {
      await eventually(
        async () => {
          const statuses = await listedStatuses(stack);
          return logged.every((index) => statuses.get(index) === 'done') ? true : undefined;
        },
        15_000,
        'every logged index done through the API within 15 s of the loss',
      );
      console.log(
        `rebuild: ${logged.length} logged indices (200,000 rows) read done ${((performance.now() - lost) / 1000).toFixed(1)} s after the FLUSHALL`,
      );
    } finally {
      await timer.stop();
      spy.mockRestore();
      await stack.stopWorker();
    }
    expect(rowsRead).toBeLessThan(1000);
    expect((await stack.get(`/api/values/${fresh[4]}`)).json).toMatchObject({ status: 'done' });
  }, 120_000);
});

describe('rebuilding a capped Redis from a log of many large indices', () => {
  let stack: OwnedStack;
  // 300 indices near 500,000, ~49 KB each in Redis: ~14.7 MB, far more than the 8 MB cap holds.
  const large = Array.from({ length: 300 }, (_, i) => 500_000 + i);

  beforeAll(async () => {
    stack = await startOwnedStack({ maxmemory: '8mb' });
  }, 180_000);

  afterAll(async () => {
    await stack?.stop();
  });

  it('queues only the values the cap holds (the smallest first), lists the rest as dropped, and computes a dropped one when read', async () => {
    expect((await post(stack, 5, stack.operator)).status).toBe(202); // the app migrates on first use
    await stack.database.query(
      "INSERT INTO submissions (number, submitted_at) SELECT 500000 + g, now() - interval '1 hour' FROM generate_series(0, 299) AS g",
    );
    await stack.redis.flushall();
    await eventually(
      async () => {
        await stack.runRequeue();
        return (await stack.redis.get(stack.services.keys.replayCursor)) === null ? undefined : true;
      },
      30_000,
      'the rebuild finished',
    );

    const statuses = await listedStatuses(stack);
    const queued = large.filter((index) => statuses.get(index) === 'queued');
    const dropped = large.filter((index) => statuses.get(index) === 'dropped');
    expect(statuses.get(5)).toBe('queued');
    expect(queued.length).toBeGreaterThan(0);
    expect(dropped.length).toBeGreaterThan(0);
    expect(queued.length + dropped.length).toBe(large.length);
    // Ascending: the cheapest values are the ones queued.
    expect(queued).toEqual(large.slice(0, queued.length));
    expect(await stack.redis.llen(stack.services.keys.tasks)).toBe(queued.length + 1);

    // What was queued fits: computing it all evicts nothing.
    stack.startWorker();
    try {
      await eventually(
        async () => (((await stack.get('/api/stats')).json as Stats).pending === 0 ? true : undefined),
        120_000,
        'the queued values computed',
      );
      const stats = (await stack.get('/api/stats')).json as Stats;
      expect(stats.memory?.evictedValues).toBe(0);
      expect(await storedCount(stack.redis, stack.services.keys, queued)).toBe(queued.length);

      // The dropped ones stay dropped (no churn) until someone asks for one.
      await stack.runRequeue();
      expect(((await stack.get('/api/stats')).json as Stats).pending).toBe(0);
      const index = dropped[dropped.length - 1]!;
      expect((await stack.get(`/api/values/${index}`)).json).toMatchObject({ index, status: 'recomputing', value: null });
      const detail = await eventually(
        async () => {
          const answer = (await stack.get(`/api/values/${index}`)).json as ValueDetail;
          return answer.status === 'done' ? answer : undefined;
        },
        30_000,
        'the dropped value computed when read',
      );
      expect(detail.value).toBe(fibonacci(index).toString());
    } finally {
      await stack.stopWorker();
    }
  }, 240_000);
});

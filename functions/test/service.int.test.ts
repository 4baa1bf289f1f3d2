// The service end to end on a real Redis master + replica and real Postgres: submit, worker,
// values, FIFO, duplicates, bad input, paging, health and stats.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { databaseKinds } from './support/database.js';
import { eventually, type OwnedStack, startOwnedStack } from './support/stack.js';

describe.each(databaseKinds())('service with Postgres on %s', (kind) => {
  let stack: OwnedStack;

  beforeAll(async () => {
    stack = await startOwnedStack({ database: kind, env: { MAX_INDEX: '200000' } });
    await stack.services.submissions(); // migrations run, so every test can count rows first
  }, 180_000);

  afterAll(async () => {
    await stack?.stop();
  });

  const submissionCount = async () =>
    Number((await stack.database.query<{ n: string }>('SELECT count(*) AS n FROM submissions'))[0]?.n);
  const tasks = () => stack.redis.lrange(stack.config.tasksKey, 0, -1);

  it('answers POST {"index":"12"} with 202 and shows "12": "144" once the worker ran', async () => {
    stack.startWorker();
    const response = await stack.post('/api/values', '{"index":"12"}');
    expect(response.status).toBe(202);
    expect(response.json).toEqual({ working: true, index: 12, status: 'queued' });
    const current = await eventually(
      async () => {
        const { json } = await stack.get('/api/values/current');
        return (json as Record<string, string>)['12'] === '144' ? json : undefined;
      },
      3000,
      '"12": "144"',
    );
    expect(current).toMatchObject({ '12': '144' });
    const detail = await stack.get('/api/values/12');
    expect(detail.status).toBe(200);
    expect(detail.json).toMatchObject({ index: 12, status: 'done', value: '144', digits: 3 });
    await stack.stopWorker();
  });

  it('logs every submission in Postgres, newest first, paged with X-Next-Before', async () => {
    for (const index of [1, 2, 3, 4]) expect((await stack.post('/api/values', JSON.stringify({ index }))).status).toBe(202);
    const first = await stack.get('/api/values/all?limit=2');
    expect(first.json).toMatchObject([{ number: 4 }, { number: 3 }]);
    const next = first.headers.get('x-next-before');
    expect(next).toMatch(/^\d+$/);
    const second = await stack.get(`/api/values/all?limit=2&before=${next}`);
    expect(second.json).toMatchObject([{ number: 2 }, { number: 1 }]);
    expect((await stack.get('/api/values/all?limit=0')).status).toBe(400);
  });

  it('queues in FIFO order: the producer RPUSHes what the trigger LPOPs', async () => {
    await stack.redis.del(stack.config.tasksKey);
    for (const index of [31, 17, 23]) await stack.post('/api/values', JSON.stringify({ index }));
    expect(await tasks()).toEqual(['31', '17', '23']);
    expect(await stack.redis.lpop(stack.config.tasksKey)).toBe('31');
    await stack.redis.lpush(stack.config.tasksKey, '31');
  });

  it('does no duplicate work: a queued or known index is not queued again, but every submission is logged', async () => {
    const before = await submissionCount();
    expect((await stack.post('/api/values', '{"index": 40}')).json).toMatchObject({ status: 'queued' });
    expect((await stack.post('/api/values', '{"index": "40"}')).json).toMatchObject({ status: 'queued' });
    expect((await tasks()).filter((entry) => entry === '40')).toHaveLength(1);
    stack.startWorker();
    await eventually(
      async () => ((await stack.get('/api/values/40')).json as { status: string }).status === 'done' || undefined,
      3000,
      'index 40 done',
    );
    await stack.stopWorker();
    const again = await stack.post('/api/values', '{"index": 40}');
    expect(again.json).toEqual({ working: true, index: 40, status: 'done' });
    expect(await tasks()).not.toContain('40');
    expect(await submissionCount()).toBe(before + 3);
  });

  it('commits and queues every one of many concurrent submissions (group commit)', async () => {
    const before = await submissionCount();
    const indices = Array.from({ length: 60 }, (_, i) => 1000 + (i % 30));
    const responses = await Promise.all(indices.map((index) => stack.post('/api/values', JSON.stringify({ index }))));
    expect(responses.filter((response) => response.status !== 202)).toEqual([]);
    expect(await submissionCount()).toBe(before + 60);
    const queued = (await tasks()).filter((entry) => Number(entry) >= 1000 && Number(entry) < 1030);
    expect([...queued].sort()).toEqual(Array.from({ length: 30 }, (_, i) => String(1000 + i)).sort());
  });

  it.each([
    ['a missing body', ''],
    ['malformed JSON', '{"index": '],
    ['{}', '{}'],
    ['null', 'null'],
    ['"abc"', '{"index": "abc"}'],
    ['"1.5"', '{"index": "1.5"}'],
    ['1.5', '{"index": 1.5}'],
    ['"1e9"', '{"index": "1e9"}'],
    ['""', '{"index": ""}'],
    ['["5"]', '{"index": ["5"]}'],
    ['{"a":1}', '{"a":1}'],
    ['"5abc"', '{"index": "5abc"}'],
    ['" 7"', '{"index": " 7"}'],
    ['a negative number', '{"index": -4}'],
    ['a number above MAX_INDEX', '{"index": 200001}'],
  ])('rejects %s with a JSON error and changes nothing', async (_label, body) => {
    const [rowsBefore, tasksBefore, valuesBefore] = await Promise.all([
      submissionCount(),
      stack.redis.llen(stack.config.tasksKey),
      stack.redis.bitcount(stack.services.keys.computed),
    ]);
    const response = await stack.post('/api/values', body);
    expect([400, 422]).toContain(response.status);
    expect(response.json).toEqual({ error: expect.any(String) });
    if (body.includes('200001') || body.includes('-4')) {
      expect(response.status).toBe(422);
      expect((response.json as { error: string }).error).toContain('200,000');
    }
    expect(await submissionCount()).toBe(rowsBefore);
    expect(await stack.redis.llen(stack.config.tasksKey)).toBe(tasksBefore);
    expect(await stack.redis.bitcount(stack.services.keys.computed)).toBe(valuesBefore);
  });

  it('rejects a bad index in GET /api/values/{index} and answers 404 for one never submitted', async () => {
    expect((await stack.get('/api/values/abc')).status).toBe(400);
    expect((await stack.get('/api/values/9999999')).status).toBe(422);
    const missing = await stack.get('/api/values/199999');
    expect(missing.status).toBe(404);
    expect(missing.json).toEqual({ error: expect.stringContaining('199999') });
  });

  it('shortens huge values in lists with their digit count and serves the full value by index', async () => {
    stack.startWorker();
    await stack.post('/api/values', '{"index": 100000}');
    const detail = await eventually(
      async () => {
        const { json } = await stack.get('/api/values/100000');
        return (json as { status: string }).status === 'done' ? (json as { value: string; digits: number }) : undefined;
      },
      5000,
      'F(100000)',
    );
    await stack.stopWorker();
    expect(detail.value).toHaveLength(20_899);
    expect(detail.digits).toBe(20_899);
    const current = (await stack.get('/api/values/current?limit=5')).json as Record<string, string>;
    expect(current['100000']).toBe('25974069347221724166…49895374653428746875 (20899 digits)');
    const recent = (await stack.get('/api/values/recent?limit=1')).json as { items: unknown[]; next: string };
    expect(recent.items).toEqual([
      expect.objectContaining({
        index: 100000,
        status: 'done',
        digits: 20899,
        truncated: true,
        value: expect.stringContaining('(20899 digits)'),
      }),
    ]);
    const page2 = (await stack.get(`/api/values/recent?limit=1&before=${recent.next}`)).json as { items: { index: number }[] };
    expect(page2.items[0]?.index).not.toBe(100000);
  });

  it('reports queue figures and the worker heartbeat in /api/stats', async () => {
    await stack.redis.del(stack.config.tasksKey, stack.services.keys.queued);
    await stack.post('/api/values', '{"index": 55}');
    const queued = (await eventually(
      async () => {
        const { json } = await stack.get('/api/stats');
        return (json as { queueLength: number }).queueLength === 1 ? json : undefined;
      },
      3000,
      'queue length 1',
    )) as Record<string, unknown>;
    expect(queued).toMatchObject({ queueLength: 1, queued: 1, pending: 1, maxIndex: 200000 });
    stack.startWorker();
    const drained = await eventually(
      async () => {
        const { json } = await stack.get('/api/stats');
        const stats = json as { queueLength: number; pending: number; done: number; workers: { active: number } };
        return stats.pending === 0 && stats.workers.active >= 1 ? stats : undefined;
      },
      3000,
      'drained with an active worker',
    );
    expect(drained.done).toBeGreaterThanOrEqual(4);
    await stack.stopWorker();
  });

  it('shows throughput counters (absent fields as 0) and opaque worker ids in /api/stats', async () => {
    await stack.redis.hset(stack.services.keys.counters, 'givenBack', '2');
    await stack.services.heartbeat.beat(); // this process's heartbeat, stored under hostname-pid
    const { json } = await stack.get('/api/stats');
    const stats = json as { counters: Record<string, number>; workers: { heartbeats: { id: string }[] } };
    expect(stats.counters).toEqual({ leaseExpired: 0, invocationFailed: 0, givenBack: 2, retried: 0 });
    expect(stats).not.toHaveProperty('autoscaler');
    expect(stats.workers.heartbeats.length).toBeGreaterThan(0);
    for (const heartbeat of stats.workers.heartbeats) expect(heartbeat.id).toMatch(/^[0-9a-f]{12}$/);
    await stack.redis.hdel(stack.services.keys.counters, 'givenBack');
  });

  it('says all three parts are up in /api/health', async () => {
    const health = await stack.get('/api/health');
    expect(health.status).toBe(200);
    expect(health.json).toMatchObject({
      status: 'ok',
      checks: { redisMaster: { ok: true }, redisReplica: { ok: true }, postgres: { ok: true } },
      readsFrom: 'replica',
    });
  });

  it('drops a hand-pushed invalid list entry without stopping the worker', async () => {
    await stack.redis.rpush(stack.config.tasksKey, 'abc');
    await stack.post('/api/values', '{"index": 77}');
    stack.startWorker();
    await eventually(
      async () => ((await stack.get('/api/values/77')).json as { status: string }).status === 'done' || undefined,
      3000,
      'index 77',
    );
    await stack.stopWorker();
    expect(stack.logs.some((line) => line.message.includes('dropping invalid task entry "abc"'))).toBe(true);
  });
});

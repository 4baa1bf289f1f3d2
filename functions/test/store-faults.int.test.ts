// Store faults seen from the API process: connections reset mid-transaction, stores that
// refuse or freeze. The process keeps answering, every answer is bounded, and nothing a 202
// promised is lost.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { startDatabase, type TestDatabase } from './support/database.js';
import { type RedisPair, startRedisPair } from './support/redis-pair.js';
import { eventually, startStack, type TestStack } from './support/stack.js';
import { startTcpProxy, type TcpProxy } from './support/tcp-proxy.js';

describe('Postgres connections reset under concurrent submissions', () => {
  let redis: RedisPair;
  let database: TestDatabase;
  let proxy: TcpProxy;
  let stack: TestStack;

  beforeAll(async () => {
    [redis, database] = await Promise.all([startRedisPair(), startDatabase('pglite')]);
    proxy = await startTcpProxy(Number(new URL(database.url).port));
    const url = new URL(database.url);
    url.port = String(proxy.port);
    stack = await startStack({ redis, database: { url: url.toString() } });
  });

  afterAll(async () => {
    await stack?.stop();
    await proxy?.close();
    await Promise.all([redis?.stop(), database?.stop()]);
  });

  it('keeps the same process answering and loses no 202 when connections reset mid-transaction', async () => {
    const submitters = 6;
    const perSubmitter = 40;
    const accepted: number[] = [];
    const answered: number[] = [];
    let resets = 0;
    let running = true;
    const resetter = (async () => {
      while (running) {
        await new Promise((resolve) => setTimeout(resolve, 15));
        if (proxy.connections > 0) {
          proxy.resetAll();
          resets += 1;
        }
      }
    })();
    await Promise.all(
      Array.from({ length: submitters }, async (_, s) => {
        for (let i = 0; i < perSubmitter; i += 1) {
          const index = 5000 + s * perSubmitter + i;
          const response = await stack.post('/api/values', JSON.stringify({ index }));
          answered.push(response.status);
          if (response.status === 202) accepted.push(index);
          else expect(response.status).toBe(503);
        }
      }),
    );
    running = false;
    await resetter;
    expect(resets).toBeGreaterThan(5);
    expect(answered).toHaveLength(submitters * perSubmitter);
    expect(accepted.length).toBeGreaterThan(0);
    // The same process still answers once the resets stop.
    await eventually(
      async () => ((await stack.post('/api/values', '{"index": 4999}')).status === 202 ? true : undefined),
      10_000,
    );
    const rows = await database.query<{ number: number }>('SELECT DISTINCT number FROM submissions');
    const logged = new Set(rows.map((row) => row.number));
    expect(accepted.filter((index) => !logged.has(index))).toEqual([]);
    stack.startWorker();
    await eventually(
      async () => {
        const values = await stack.redis.hmget(stack.services.keys.values, ...accepted.map(String));
        return values.every((value) => value !== null && value !== 'Nothing yet!') ? true : undefined;
      },
      20_000,
      'every accepted index computed',
    );
    await stack.stopWorker();
  });
});

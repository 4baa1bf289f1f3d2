// A worker whose list trigger behaves exactly like the Redis extension (strict mode) stops
// polling for good after a Redis outage, and its liveness check says so; the forgiving local
// trigger recovers and stays live.
import { randomBytes } from 'node:crypto';

import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import type { RedisListRegistration } from '../../functions/src/registration-types.js';
import { createRedisServer, type RedisServer } from '../../functions/test/support/redis-pair.js';
import { eventually } from '../../functions/test/support/stack.js';
import { startStrictListListener } from '../host/strict-list-listener.js';
import { functionSelection } from '../runtime/functions-processes.js';
import { type HostProcess, startHostProcess } from './support/host-process.js';

describe('worker liveness through a Redis outage', () => {
  let redis: RedisServer;
  let client: Redis;
  const hosts: HostProcess[] = [];

  const workerEnv = (prefix: string): Record<string, string> => ({
    // asyncTimeout: StackExchange.Redis's command timeout, which the strict trigger honours.
    REDIS_MASTER: `127.0.0.1:${redis.port},ssl=False,abortConnect=False,asyncTimeout=1000`,
    REDIS_KEY_PREFIX: prefix,
    TASKS_KEY: `${prefix}tasks`,
    LEASE_MS: '1000',
    REDIS_TIMEOUT_MS: '500',
    WORKER_POLLING_INTERVAL_MS: '20',
    ...functionSelection(['fib-worker', 'worker-liveness']),
  });

  beforeAll(async () => {
    redis = await createRedisServer();
    await redis.node.start();
    client = new Redis({ port: redis.port, maxRetriesPerRequest: 1, retryStrategy: () => 100 });
    client.on('error', () => undefined);
  });

  afterAll(async () => {
    await Promise.all(hosts.map((host) => host.stop()));
    client.disconnect();
    await redis.dispose();
  });

  it('a strict worker stops polling and answers 503; a non-strict one recovers and stays 200', async () => {
    const strictPrefix = `s${randomBytes(3).toString('hex')}:`;
    const lenientPrefix = `l${randomBytes(3).toString('hex')}:`;
    const [strict, lenient] = await Promise.all([
      startHostProcess(workerEnv(strictPrefix), ['--strict-trigger']),
      startHostProcess(workerEnv(lenientPrefix)),
    ]);
    hosts.push(strict, lenient);
    const live = async (host: HostProcess) =>
      (await host.get('/api/worker/live')) as { status: number; json: { invocations: number; boundMs: number } };
    expect((await live(strict)).status).toBe(200);
    expect((await live(lenient)).status).toBe(200);

    // Both drain work while Redis is up (the entries are not queued tasks: each is dropped, but still an invocation).
    await client.rpush(`${strictPrefix}tasks`, '"x1"', '"x2"');
    await client.rpush(`${lenientPrefix}tasks`, '"x1"', '"x2"');
    await eventually(async () => ((await live(strict)).json.invocations >= 2 ? true : undefined), 5000, 'strict invocations');
    await eventually(async () => ((await live(lenient)).json.invocations >= 2 ? true : undefined), 5000, 'lenient invocations');

    // Redis crashes; the strict trigger's next poll throws after asyncTimeout and its loop ends.
    await redis.node.stop(true);
    await eventually(
      () => Promise.resolve(strict.output().includes('polling has ended') ? true : undefined),
      10_000,
      'strict loop ended',
    );
    await redis.node.start();
    await client.rpush(`${strictPrefix}tasks`, '"y1"', '"y2"', '"y3"');
    await client.rpush(`${lenientPrefix}tasks`, '"y1"', '"y2"', '"y3"');

    await eventually(
      async () => ((await client.llen(`${lenientPrefix}tasks`)) === 0 ? true : undefined),
      10_000,
      'lenient drains',
    );
    const { boundMs } = (await live(strict)).json;
    const failed = await eventually(
      async () => {
        const answer = await live(strict);
        return answer.status === 503 ? answer : undefined;
      },
      boundMs + 5000,
      'strict liveness 503',
    );
    expect(failed.json).toMatchObject({ live: false, error: expect.stringContaining('stopped polling') });
    expect(await client.llen(`${strictPrefix}tasks`)).toBe(3);
    expect(strict.output()).not.toContain('poll failed');
    // The lenient worker, idle for as long as the bound too but with nothing waiting, is live, and
    // every entry reached an invocation (no pop that timed out in the outage ran after it).
    const lenientAnswer = await live(lenient);
    expect(lenientAnswer.status).toBe(200);
    expect(lenientAnswer.json.invocations).toBeGreaterThanOrEqual(5);
  }, 60_000);
});

describe('strict trigger started while Redis is unreachable', () => {
  it('reads the server version once (3.0.0 by default) and pops one entry per poll for good', async () => {
    const redis = await createRedisServer();
    const received: unknown[] = [];
    const registration: RedisListRegistration = {
      kind: 'redisList',
      name: 'probe',
      runsOn: 'worker',
      trigger: {
        type: 'redisListTrigger',
        connection: 'REDIS_MASTER',
        key: 'strict-tasks',
        maxBatchSize: 100,
        pollingIntervalInMs: 300,
        listDirection: 'left',
      },
      handler: (entry) => {
        received.push(entry);
        return Promise.resolve();
      },
    };
    const lines: string[] = [];
    const listener = startStrictListListener(
      registration,
      `127.0.0.1:${redis.port},abortConnect=False,connectTimeout=200,asyncTimeout=3000`,
      (line) => lines.push(line.message),
    );
    const client = new Redis({ port: redis.port, lazyConnect: true });
    client.on('error', () => undefined);
    try {
      await eventually(async () => Promise.resolve(listener.state === 'polling' ? true : undefined), 5000, 'polling');
      expect(listener.serverVersion).toBe('3.0.0');
      expect(lines.join('\n')).toContain('without COUNT');
      await redis.node.start();
      await client.connect();
      await client.rpush('strict-tasks', '1', '2', '3', '4');
      await eventually(async () => Promise.resolve(received.length >= 1 ? true : undefined), 8000, 'first entry');
      // One LPOP per 300 ms poll: right after the first entry, most of the list is still there.
      expect(await client.llen('strict-tasks')).toBeGreaterThanOrEqual(2);
      await eventually(async () => Promise.resolve(received.length === 4 ? true : undefined), 5000, 'all entries');
      expect(received).toEqual([1, 2, 3, 4]);
      expect(listener.serverVersion).toBe('3.0.0');
    } finally {
      await listener.stop();
      client.disconnect();
      await redis.dispose();
    }
  });
});

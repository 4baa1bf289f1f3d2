// The app owns what it opens: close() (app.hook.appTerminate under the real host) leaves no
// Redis connection, reader, lease renewal or event stream behind.
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { loadConfig } from '../src/config.js';
import { createFunctionApp } from '../src/function-app.js';
import { createRedisServer, type RedisServer } from './support/redis-pair.js';
import { eventually } from './support/stack.js';

describe('FunctionApp.close', () => {
  let redis: RedisServer;
  let observer: Redis;
  beforeAll(async () => {
    redis = await createRedisServer();
    await redis.node.start();
    observer = new Redis({ port: redis.port, maxRetriesPerRequest: 1 });
  }, 60_000);
  afterAll(async () => {
    observer?.disconnect();
    await redis?.dispose();
  });

  const connections = async () =>
    String(await observer.client('LIST'))
      .trim()
      .split('\n').length;

  it('closes every Redis client, the event reader, lease renewal, the heartbeat and open streams', async () => {
    const baseline = await connections();
    const app = createFunctionApp(loadConfig({ REDIS_MASTER: `127.0.0.1:${redis.port}`, REDIS_KEY_PREFIX: 'fa:' }), {
      log: () => undefined,
    });
    await app.services.master.ping();
    await app.services.readModel.stats(Date.now());
    app.services.leaseKeeper.start();
    app.services.heartbeat.start();
    const ended: string[] = [];
    app.streamSlots.admit('198.51.100.1', () => ended.push('stream'));
    const unsubscribe = app.events.subscribe(() => undefined);
    await app.events.positioned();
    expect(await connections()).toBeGreaterThan(baseline);

    await app.close();
    unsubscribe();
    expect(ended).toEqual(['stream']);
    expect(app.stopping.aborted).toBe(true);
    await eventually(async () => ((await connections()) === baseline ? true : undefined), 5000, 'connections closed');
  });

  it('resolves close() with an invocation that never finishes once the in-flight wait is over, and closes the clients', async () => {
    const baseline = await connections();
    const app = createFunctionApp(loadConfig({ REDIS_MASTER: `127.0.0.1:${redis.port}`, REDIS_KEY_PREFIX: 'fb:' }), {
      log: () => undefined,
      inFlightWaitMs: 50,
    });
    await app.services.master.ping();
    expect(await connections()).toBeGreaterThan(baseline);
    // Held past the wait, as a compute the host's terminate grace would cut off.
    void app.track(() => new Promise<never>(() => undefined));

    await app.close();
    expect(app.stopping.aborted).toBe(true);
    await eventually(async () => ((await connections()) === baseline ? true : undefined), 5000, 'connections closed');
  });
});

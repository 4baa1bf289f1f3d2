// One real Redis for a test file that exercises a queue class alone (no host, no HTTP): a
// stand-alone redis-server on a free port, one client, and the keys under a random prefix.
import { randomBytes } from 'node:crypto';

import { Redis } from 'ioredis';

import { type RedisKeys, redisKeys } from '../../src/redis/keys.js';
import { createRedisServer } from './redis-pair.js';

/** A started Redis with a client and a private key namespace; `close()` stops it and removes its directory. */
export interface PrefixedRedis {
  redis: Redis;
  /** The keys under a random prefix (TASKS_KEY too): `<label><6 hex>:`. */
  keys: RedisKeys;
  port: number;
  close(): Promise<void>;
}

/** Starts the server (call it in `beforeAll`, with a long timeout: redis-server takes a moment on a busy machine). */
export async function startPrefixedRedis(label: string): Promise<PrefixedRedis> {
  const server = await createRedisServer();
  try {
    await server.node.start();
  } catch (error) {
    await server.dispose();
    throw error;
  }
  const redis = new Redis({ port: server.port, maxRetriesPerRequest: 1 });
  redis.on('error', () => undefined);
  const prefix = `${label}${randomBytes(3).toString('hex')}:`;
  return {
    redis,
    keys: redisKeys(`${prefix}tasks`, prefix),
    port: server.port,
    async close() {
      redis.disconnect();
      await server.dispose();
    },
  };
}

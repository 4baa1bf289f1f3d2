// Reads and seeds values the way the worker stores them (one key per value, fib/stored-value.ts),
// so tests say "F(61) is stored" without spelling the layout.
import type { Redis } from 'ioredis';

import { fibonacci } from '../../src/fib/bigint-fibonacci.js';
import { encodeStoredValue, storedValueNumber } from '../../src/fib/stored-value.js';
import { type RedisKeys, valueKey } from '../../src/redis/keys.js';

/** The decimal values stored for `indices` (null where none is stored). */
export async function storedDecimals(redis: Redis, keys: RedisKeys, indices: readonly number[]): Promise<(string | null)[]> {
  if (indices.length === 0) return [];
  const stored = await redis.mgetBuffer(...indices.map((index) => valueKey(keys, String(index))));
  return stored.map((buffer) => (buffer === null ? null : (storedValueNumber(buffer)?.toString() ?? null)));
}

/**
 * How many of `indices` have a stored value. Counts keys, never decodes: turning 100 values near
 * F(10^6) into decimal strings takes seconds of this process's CPU, which a test polling it
 * every 25 ms would take from the worker it is waiting for.
 */
export async function storedCount(redis: Redis, keys: RedisKeys, indices: readonly number[]): Promise<number> {
  if (indices.length === 0) return 0;
  return redis.exists(...indices.map((index) => valueKey(keys, String(index))));
}

/** Stores F(index) as the worker would (value key with a TTL, computed bit), without a worker. */
export async function seedValue(redis: Redis, keys: RedisKeys, index: number): Promise<void> {
  const stored = encodeStoredValue(fibonacci(index).toString(16), { computedMs: 0.1, completedAt: Date.now() });
  await redis
    .multi()
    .set(valueKey(keys, String(index)), stored, 'PX', 3_600_000)
    .setbit(keys.computed, index, 1)
    .exec();
}

// Carries a submission's W3C trace context to the worker through Redis: a hash index ->
// traceparent, written before the index is queued and taken (read and removed) when a worker
// starts on it. Used only while tracing is on; entries live no longer than their task.
import type { Redis } from 'ioredis';

import { onMaster } from '../redis/client.js';
import type { RedisKeys } from '../redis/keys.js';

/** Writes `traceparent` for `indexKey` (before the enqueue, so a fast worker finds it). */
export async function saveTraceparent(master: Redis, keys: RedisKeys, indexKey: string, traceparent: string): Promise<void> {
  await onMaster(() => master.hset(keys.traceparents, indexKey, traceparent));
}

/** Forgets the traceparent of an index that was not queued (its value was already stored). */
export async function dropTraceparent(master: Redis, keys: RedisKeys, indexKey: string): Promise<void> {
  await onMaster(() => master.hdel(keys.traceparents, indexKey));
}

/** Reads and removes the traceparent of `indexKey`; undefined when none was carried. */
export async function takeTraceparent(master: Redis, keys: RedisKeys, indexKey: string): Promise<string | undefined> {
  const [[, traceparent] = []] =
    (await onMaster(() => master.multi().hget(keys.traceparents, indexKey).hdel(keys.traceparents, indexKey).exec())) ?? [];
  return typeof traceparent === 'string' ? traceparent : undefined;
}

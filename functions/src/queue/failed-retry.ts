// The operator's "retry failed": queues again every index given up on (or a filtered set),
// each with a fresh set of attempts; its failure history stays until its value is stored.
import type { Redis } from 'ioredis';

import { onMaster } from '../redis/client.js';
import type { RedisKeys } from '../redis/keys.js';
import type { TaskProducer } from './producer.js';

/** Which failed indices to retry; no field: all of them (up to `limit`). */
export interface FailedFilter {
  /** Only these indices (those of them that have failed). */
  indices?: readonly number[];
  /** Only indices >= from. */
  from?: number;
  /** Only indices <= to. */
  to?: number;
  /** Most indices queued by one call. @defaultValue 10000 */
  limit?: number;
}

/** What one retry did. */
export interface FailedRetry {
  /** Failed indices queued again. */
  retried: number;
  /** Failed indices left (beyond `limit`, or outside the filter). */
  remaining: number;
  /** The first 100 indices queued, ascending. */
  sample: number[];
}

const chunk = 1000;

/** Queues the failed indices that pass `filter`, in chunks of 1000 (one enqueue script call each). */
export async function retryFailed(
  master: Redis,
  keys: RedisKeys,
  producer: TaskProducer,
  filter: FailedFilter = {},
): Promise<FailedRetry> {
  const limit = filter.limit ?? 10_000;
  const failed = (await onMaster(() => master.zrange(keys.failed, '0', '-1'))).map(Number);
  const wanted = filter.indices ? new Set(filter.indices) : undefined;
  const chosen = failed
    .filter(
      (index) =>
        (wanted === undefined || wanted.has(index)) &&
        (filter.from === undefined || index >= filter.from) &&
        (filter.to === undefined || index <= filter.to),
    )
    .sort((a, b) => a - b)
    .slice(0, limit);
  for (let i = 0; i < chosen.length; i += chunk) {
    await producer.enqueue(chosen.slice(i, i + chunk).map(String));
  }
  return { retried: chosen.length, remaining: failed.length - chosen.length, sample: chosen.slice(0, 100) };
}

// The reaper (the requeue timer's Redis side): requeues tasks whose worker died, gives up at
// MAX_ATTEMPTS attempts (expired leases and failed invocations), and forgets long-gone
// workers. Every call goes to the master.
import type { Redis } from 'ioredis';

import { onMaster } from '../redis/client.js';
import type { RedisKeys } from '../redis/keys.js';
import { parseHeartbeat } from './records.js';
import { QueueScripts } from './scripts.js';

/** Counts from one pass of {@link Reaper.requeueExpired}. */
export interface RequeueCounts {
  /** Popped by a worker that never claimed them; now under a lease. */
  found: number;
  requeued: number;
  failed: number;
}

export class Reaper {
  private readonly scripts: QueueScripts;

  constructor(
    private readonly master: Redis,
    readonly keys: RedisKeys,
  ) {
    this.scripts = new QueueScripts(master, keys);
  }

  /** One pass of lease recovery; see lua/requeue-expired-10.lua. */
  async requeueExpired(now: number, leaseMs: number, maxAttempts: number, limit: number): Promise<RequeueCounts> {
    const [found, requeued, failed] = await onMaster(() => this.scripts.requeueExpired(now, leaseMs, maxAttempts, limit));
    return { found, requeued, failed };
  }

  /** Forgets workers not seen for `maxAgeMs`. */
  async pruneWorkers(now: number, maxAgeMs: number): Promise<number> {
    const workers = await onMaster(() => this.master.hgetall(this.keys.workers));
    const stale = Object.entries(workers)
      .filter(([, json]) => parseHeartbeat(json).lastSeen < now - maxAgeMs)
      .map(([id]) => id);
    if (stale.length > 0) await onMaster(() => this.master.hdel(this.keys.workers, ...stale));
    return stale.length;
  }
}

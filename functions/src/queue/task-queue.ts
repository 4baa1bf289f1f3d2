// Writes to the Redis master: enqueue, claim, complete, requeue and worker heartbeats.
import type { Redis } from 'ioredis';

import { Batcher } from '../batching/batcher.js';
import { DependencyUnavailableError } from '../errors.js';
import type { FibonacciResult } from '../fib/fibonacci.js';
import { previewValue } from '../fib/value-preview.js';
import type { RedisKeys } from '../redis/keys.js';
import { defineQueueCommands } from './scripts.js';

/** What a submission found: the value is already known, or it is queued (now or before). */
export type EnqueueStatus = 'done' | 'queued';

/** Counts from one pass of {@link TaskQueue.requeueExpired}. */
export interface RequeueCounts {
  /** Popped by a worker that never claimed them; now under a lease. */
  found: number;
  requeued: number;
  failed: number;
}

/** Stored beside each value in the results hash. */
export interface ResultMetadata {
  digits: number;
  computedMs: number;
  completedAt: number;
}

async function onMaster<T>(call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (error) {
    throw new DependencyUnavailableError('redis', { cause: error });
  }
}

interface Claim {
  indexKey: string;
  leaseDeadline: number;
}

interface Completion {
  indexKey: string;
  result: FibonacciResult;
  completedAt: number;
}

/** The task queue as the API and the worker see it; every call goes to the master. */
export class TaskQueue {
  // A worker runs a whole popped batch of invocations at once; their claims and completions
  // share script calls instead of costing one round trip and one script run each.
  private readonly claims = new Batcher<Claim, boolean>((claims) => this.claimMany(claims), {
    maxBatchSize: 1000,
    maxConcurrentBatches: 2,
  });
  private readonly completions = new Batcher<Completion, boolean>((items) => this.completeMany(items), {
    maxBatchSize: 100,
    maxConcurrentBatches: 2,
    // Values of huge indices are hundreds of kB: keep each script call near 1 MB so Redis
    // (single-threaded) never stalls other clients for long.
    weigh: (completion) => completion.result.value.length,
    maxBatchWeight: 1_000_000,
  });

  constructor(
    private readonly master: Redis,
    readonly keys: RedisKeys,
  ) {
    defineQueueCommands(master);
  }

  /** Records submissions and queues each index not yet known or pending, atomically. */
  async enqueue(indexKeys: readonly string[]): Promise<EnqueueStatus[]> {
    const k = this.keys;
    const statuses = await onMaster(() =>
      this.master.enqueue(k.values, k.queued, k.leases, k.failed, k.recent, k.sequence, k.tasks, k.attempts, ...indexKeys),
    );
    return statuses as EnqueueStatus[];
  }

  /** Takes the lease on a delivered index; false when its value is already known. */
  claim(indexKey: string, leaseDeadline: number): Promise<boolean> {
    return this.claims.submit({ indexKey, leaseDeadline });
  }

  /** Stores a value; false when another delivery stored it first. */
  complete(indexKey: string, result: FibonacciResult, completedAt = Date.now()): Promise<boolean> {
    return this.completions.submit({ indexKey, result, completedAt });
  }

  private async claimMany(claims: Claim[]): Promise<boolean[]> {
    const k = this.keys;
    const args = claims.flatMap((claim) => [claim.indexKey, claim.leaseDeadline]);
    const claimed = await onMaster(() => this.master.claim(k.values, k.queued, k.leases, ...args));
    return claimed.map((flag) => flag === 1);
  }

  private async completeMany(completions: Completion[]): Promise<boolean[]> {
    const k = this.keys;
    const args = completions.flatMap(({ indexKey, result, completedAt }) => {
      const metadata: ResultMetadata = { digits: result.digits, computedMs: result.computedMs, completedAt };
      return [indexKey, result.value, JSON.stringify(metadata), previewValue(result.value)];
    });
    const stored = await onMaster(() =>
      this.master.complete(k.values, k.queued, k.leases, k.failed, k.attempts, k.results, k.display, ...args),
    );
    return stored.map((flag) => flag === 1);
  }

  /** One pass of lease recovery; see lua/requeue-expired-7.lua. */
  async requeueExpired(now: number, leaseMs: number, maxAttempts: number, limit: number): Promise<RequeueCounts> {
    const k = this.keys;
    const [found, requeued, failed] = await onMaster(() =>
      this.master.requeueExpired(
        k.tasks,
        k.queued,
        k.leases,
        k.attempts,
        k.failed,
        k.values,
        k.sequence,
        now,
        leaseMs,
        maxAttempts,
        limit,
      ),
    );
    return { found, requeued, failed };
  }

  /** Extends the leases of indices still being computed; finished ones are left alone (XX). */
  async renewLeases(indexKeys: readonly string[], leaseDeadline: number): Promise<void> {
    if (indexKeys.length === 0) return;
    const members = indexKeys.flatMap((key) => [leaseDeadline, key]);
    await onMaster(() => this.master.zadd(this.keys.leases, 'XX', ...members));
  }

  /** Records that a worker is alive and how many tasks it has finished. */
  async heartbeat(workerId: string, processed: number, now = Date.now()): Promise<void> {
    await onMaster(() => this.master.hset(this.keys.workers, workerId, JSON.stringify({ lastSeen: now, processed })));
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

/** A worker's heartbeat as stored in the workers hash. */
export interface Heartbeat {
  lastSeen: number;
  processed: number;
}

/** Parses a stored heartbeat; a corrupt entry reads as long dead. */
export function parseHeartbeat(json: string): Heartbeat {
  try {
    const parsed = JSON.parse(json) as Partial<Heartbeat>;
    return { lastSeen: Number(parsed.lastSeen) || 0, processed: Number(parsed.processed) || 0 };
  } catch {
    return { lastSeen: 0, processed: 0 };
  }
}

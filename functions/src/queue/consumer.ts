// The worker side of the queue: claim delivered indices, store values, give tasks back and
// renew leases, and count what this process did (its heartbeat reports it). Every call goes to
// the master.
import { randomUUID } from 'node:crypto';

import type { Redis } from 'ioredis';

import { Batcher } from '../batching/batcher.js';
import type { FibonacciResult } from '../fib/fibonacci.js';
import { encodeStoredValue } from '../fib/stored-value.js';
import { onMaster } from '../redis/client.js';
import type { RedisKeys } from '../redis/keys.js';
import { QueueScripts } from './scripts.js';

interface Claim {
  indexKey: string;
  leaseDeadline: number;
}

interface Completion {
  indexKey: string;
  result: FibonacciResult;
  completedAt: number;
}

interface GiveBack {
  indexKey: string;
  /** The invocation failed (counts as an attempt), rather than being handed back unstarted. */
  failed: boolean;
  /** Why it failed (kept in the index's history). */
  reason?: string;
}

/** Options for {@link TaskConsumer}. */
export interface TaskConsumerOptions {
  /** Attempts (expired leases and failed invocations) at which an index moves to `failed` (MAX_ATTEMPTS). */
  maxAttempts: number;
  /**
   * Recorded with each lease this consumer claims; only the holder of the token renews the
   * lease or gives its task back. @defaultValue a random UUID: one owner per consumer (per worker process)
   */
  leaseToken?: string;
  /**
   * TTL of a stored value. It marks values as the keys Redis may evict under its memory cap
   * (volatile-lru); a value that expires or is evicted is computed again when asked for.
   * @defaultValue {@link defaultValueTtlMs}
   */
  valueTtlMs?: number;
}

/** A year: long enough that values leave Redis under memory pressure, not by age. */
export const defaultValueTtlMs = 365 * 24 * 3600 * 1000;

/** The queue as a worker sees it. */
export class TaskConsumer {
  // A worker runs a whole popped batch of invocations at once; their claims, completions and
  // give-backs share script calls instead of costing one round trip and one script run each.
  private readonly claims = new Batcher<Claim, boolean>((claims) => this.claimMany(claims), {
    maxBatchSize: 1000,
    maxConcurrentBatches: 2,
  });
  private readonly completions = new Batcher<Completion, boolean>((items) => this.completeMany(items), {
    maxBatchSize: 100,
    maxConcurrentBatches: 2,
    // Values of huge indices are ~100 kB: keep each script call near 1 MB so Redis
    // (single-threaded) never stalls other clients for long.
    weigh: (completion) => completion.result.hex.length / 2,
    maxBatchWeight: 1_000_000,
  });
  private readonly giveBacks = new Batcher<GiveBack, void>((items) => this.giveBackMany(items), {
    maxBatchSize: 1000,
    maxConcurrentBatches: 1,
  });

  private readonly scripts: QueueScripts;
  /** Recorded as the owner of every lease this consumer takes. */
  readonly leaseToken: string;
  private completedCount = 0;
  private retriedCount = 0;

  constructor(
    master: Redis,
    readonly keys: RedisKeys,
    private readonly options: TaskConsumerOptions,
  ) {
    this.scripts = new QueueScripts(master, keys);
    this.leaseToken = options.leaseToken ?? randomUUID();
  }

  /** Takes the lease on a delivered index, under this consumer's token; false when its value is already known. */
  claim(indexKey: string, leaseDeadline: number): Promise<boolean> {
    return this.claims.submit({ indexKey, leaseDeadline });
  }

  /** Tasks this consumer completed (the value stored, by it or by an earlier delivery). */
  get processed(): number {
    return this.completedCount;
  }

  /** Calls retried after a transient Redis error ({@link countRetry}). */
  get retried(): number {
    return this.retriedCount;
  }

  /** Counts one call retried after a transient Redis error (process-task's withRetry). */
  countRetry(): void {
    this.retriedCount += 1;
  }

  /** Stores a value; false when another delivery stored it first. */
  async complete(indexKey: string, result: FibonacciResult, completedAt = Date.now()): Promise<boolean> {
    const stored = await this.completions.submit({ indexKey, result, completedAt });
    this.completedCount += 1;
    return stored;
  }

  /**
   * Puts a task back on the list at once; a failed invocation counts as an attempt, and `reason`
   * is kept. A task whose lease another consumer has claimed since is left to that consumer.
   */
  giveBack(indexKey: string, failed: boolean, reason?: string): Promise<void> {
    return this.giveBacks.submit({ indexKey, failed, ...(reason === undefined ? {} : { reason }) });
  }

  private async claimMany(claims: Claim[]): Promise<boolean[]> {
    const pairs = claims.map(({ indexKey, leaseDeadline }) => [indexKey, leaseDeadline] as const);
    const claimed = await onMaster(() => this.scripts.claim(this.leaseToken, pairs));
    return claimed.map((flag) => flag === 1);
  }

  private async completeMany(completions: Completion[]): Promise<boolean[]> {
    const pairs = completions.map(
      ({ indexKey, result, completedAt }) =>
        [indexKey, encodeStoredValue(result.hex, { computedMs: result.computedMs, completedAt })] as const,
    );
    const ttlMs = this.options.valueTtlMs ?? defaultValueTtlMs;
    const stored = await onMaster(() => this.scripts.complete(ttlMs, pairs));
    return stored.map((flag) => flag === 1);
  }

  private async giveBackMany(items: GiveBack[]): Promise<void[]> {
    // The flag of give-back-10: 0 unstarted, else the failure's reason (or 1 without one).
    const pairs = items.map((item) => [item.indexKey, item.failed ? item.reason?.slice(0, 300) || 1 : 0] as const);
    await onMaster(() => this.scripts.giveBack(this.options.maxAttempts, Date.now(), this.leaseToken, pairs));
    return items.map(() => undefined);
  }

  /**
   * Extends the leases this consumer holds to `leaseDeadline`; finished, expired and taken-over
   * ones are left alone. Returns, per index, whether its lease was renewed.
   */
  async renewLeases(indexKeys: readonly string[], leaseDeadline: number): Promise<boolean[]> {
    if (indexKeys.length === 0) return [];
    const renewed = await onMaster(() => this.scripts.renewLeases(this.leaseToken, leaseDeadline, indexKeys));
    return renewed.map((flag) => flag === 1);
  }
}

// The read model: values, per-index status and queue figures, read where the ReadRouter
// sends them (the replica, or the master while the replica is down).
import { createHash } from 'node:crypto';

import type { Redis } from 'ioredis';

import { previewThreshold } from '../fib/value-preview.js';
import type { QueueStats, RecentValue, ValueDetail } from '../http/api-types.js';
import type { RedisKeys } from '../redis/keys.js';
import type { ReadRouter, ServedRead } from '../redis/read-router.js';
import { indexStatus, parseCounters, parseHeartbeat, parseMetadata, placeholderValue } from './records.js';

/** One row of the recent-values listing, with its cursor. */
export interface ValueSummary extends RecentValue {
  /** Sequence number of the latest submission (the listing's cursor). */
  sequence: number;
}

/** A worker counts as active when it sent a heartbeat within this window. */
export const activeWorkerWindowMs = 15_000;

/** An opaque, stable id for a worker (its stored id names a host and a PID). */
export function opaqueWorkerId(workerId: string): string {
  return createHash('sha256').update(workerId).digest('hex').slice(0, 12);
}

const present = (score: string | null | undefined) => score !== null && score !== undefined;

/** Read-only queries; each answer says which node served it. */
export class ReadModel {
  constructor(
    private readonly router: ReadRouter,
    private readonly keys: RedisKeys,
  ) {}

  private read<T>(call: (client: Redis) => Promise<T>): Promise<ServedRead<T>> {
    return this.router.read(call);
  }

  /** The seed's `values` map for the `limit` most recently submitted indices. */
  currentValues(limit: number): Promise<ServedRead<Record<string, string>>> {
    return this.read(async (redis) => {
      const indexKeys = await redis.zrevrange(this.keys.recent, 0, limit - 1);
      if (indexKeys.length === 0) return {};
      const values = await redis.hmget(this.keys.display, ...indexKeys);
      return Object.fromEntries(indexKeys.map((key, i) => [key, values[i] ?? placeholderValue]));
    });
  }

  /** Newest-first page of submitted indices with status; `before` is the previous page's last sequence. */
  recentValues(limit: number, before?: number): Promise<ServedRead<{ items: ValueSummary[]; next: number | null }>> {
    const k = this.keys;
    return this.read(async (redis) => {
      const max = before === undefined ? '+inf' : `(${before}`;
      const flat = await redis.zrevrangebyscore(k.recent, max, '-inf', 'WITHSCORES', 'LIMIT', 0, limit);
      const indexKeys = flat.filter((_, i) => i % 2 === 0);
      const sequences = flat.filter((_, i) => i % 2 === 1).map(Number);
      if (indexKeys.length === 0) return { items: [], next: null };
      const [display, metadata, queued, leases, failed] = await Promise.all([
        redis.hmget(k.display, ...indexKeys),
        redis.hmget(k.metadata, ...indexKeys),
        redis.zmscore(k.queued, ...indexKeys),
        redis.zmscore(k.leases, ...indexKeys),
        redis.zmscore(k.failed, ...indexKeys),
      ]);
      const items = indexKeys.map((key, i): ValueSummary => {
        const meta = parseMetadata(metadata[i]);
        // Listed means submitted: an index Redis no longer knows is queued again by the log replay.
        const status =
          indexStatus({
            done: meta !== null,
            failed: present(failed[i]),
            leased: present(leases[i]),
            queued: present(queued[i]),
          }) ?? 'queued';
        const done = status === 'done';
        return {
          index: Number(key),
          status,
          value: done ? (display[i] ?? null) : null,
          digits: done ? (meta?.digits ?? null) : null,
          truncated: done && (meta?.digits ?? 0) > previewThreshold,
          computedMs: done ? (meta?.computedMs ?? null) : null,
          sequence: sequences[i] ?? 0,
        };
      });
      const last = sequences[sequences.length - 1];
      return { items, next: indexKeys.length === limit && last !== undefined ? last : null };
    });
  }

  /** Full detail of one index, or null when Redis does not know it. */
  valueDetail(indexKey: string): Promise<ServedRead<ValueDetail | null>> {
    const k = this.keys;
    return this.read(async (redis) => {
      const [value, metadata, queued, leases, failed, attempts] = await Promise.all([
        redis.hget(k.values, indexKey),
        redis.hget(k.metadata, indexKey),
        redis.zscore(k.queued, indexKey),
        redis.zscore(k.leases, indexKey),
        redis.zscore(k.failed, indexKey),
        redis.hget(k.attempts, indexKey),
      ]);
      const meta = parseMetadata(metadata);
      const status = indexStatus({
        done: meta !== null && value !== null,
        failed: present(failed),
        leased: present(leases),
        queued: present(queued),
      });
      if (status === undefined) return null;
      const done = status === 'done';
      return {
        index: Number(indexKey),
        status,
        value: done ? value : null,
        digits: done ? (meta?.digits ?? null) : null,
        computedMs: done ? (meta?.computedMs ?? null) : null,
        attempts: Number(attempts ?? 0),
      };
    });
  }

  /** Queue length, pending and finished counts, worker heartbeats and the throughput counters. */
  stats(now = Date.now()): Promise<ServedRead<QueueStats>> {
    const k = this.keys;
    return this.read(async (redis) => {
      const [queueLength, queued, computing, failed, done, workers, counters] = await Promise.all([
        redis.llen(k.tasks),
        redis.zcard(k.queued),
        redis.zcard(k.leases),
        redis.zcard(k.failed),
        redis.hlen(k.metadata),
        redis.hgetall(k.workers),
        redis.hgetall(k.counters),
      ]);
      const heartbeats = Object.entries(workers)
        .map(([id, json]) => ({ id: opaqueWorkerId(id), ...parseHeartbeat(json) }))
        .sort((a, b) => b.lastSeen - a.lastSeen);
      return {
        queueLength,
        queued,
        computing,
        pending: queued + computing,
        done,
        failed,
        workers: { active: heartbeats.filter((h) => h.lastSeen >= now - activeWorkerWindowMs).length, heartbeats },
        counters: parseCounters(counters),
      };
    });
  }
}

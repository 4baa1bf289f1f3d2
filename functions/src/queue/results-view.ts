// Reads that may lag go to a Redis replica: values, per-index status, queue statistics.
import type { Redis } from 'ioredis';

import { DependencyUnavailableError } from '../errors.js';
import { previewThreshold } from '../fib/value-preview.js';
import { placeholderValue, type RedisKeys } from '../redis/keys.js';
import { parseHeartbeat, type ResultMetadata } from './task-queue.js';

/** Where an index is in its life. */
export type IndexStatus = 'queued' | 'computing' | 'done' | 'failed';

/** One row of the recent-values listing. */
export interface ValueSummary {
  index: number;
  status: IndexStatus;
  /** The value, shortened with its digit count when huge; null until done. */
  value: string | null;
  digits: number | null;
  truncated: boolean;
  computedMs: number | null;
  /** Sequence number of the latest submission (the listing's cursor). */
  sequence: number;
}

/** Everything known about one index, with its full value. */
export interface ValueDetail {
  index: number;
  status: IndexStatus;
  value: string | null;
  digits: number | null;
  computedMs: number | null;
  attempts: number;
}

/** Queue and worker figures for the UI and the load test. */
export interface QueueStats {
  queueLength: number;
  queued: number;
  computing: number;
  pending: number;
  done: number;
  failed: number;
  workers: { active: number; heartbeats: { id: string; lastSeen: number; processed: number }[] };
}

/** A worker counts as active when it sent a heartbeat within this window. */
export const activeWorkerWindowMs = 15_000;

function parseMetadata(json: string | null): ResultMetadata | null {
  if (json === null) return null;
  try {
    return JSON.parse(json) as ResultMetadata;
  } catch {
    return null;
  }
}

function statusOf(value: string | null, inQueued: unknown, inLeases: unknown, inFailed: unknown): IndexStatus {
  if (value !== null && value !== placeholderValue) return 'done';
  if (inFailed !== null) return 'failed';
  if (inLeases !== null) return 'computing';
  return inQueued === null && value === null ? 'failed' : 'queued';
}

/** Read-only queries, all sent to the replica client. */
export class ResultsView {
  constructor(
    private readonly replica: Redis,
    private readonly keys: RedisKeys,
  ) {}

  private async read<T>(call: () => Promise<T>): Promise<T> {
    try {
      return await call();
    } catch (error) {
      throw new DependencyUnavailableError('redis-replica', { cause: error });
    }
  }

  /** The seed's `values` map for the `limit` most recently submitted indices. */
  async currentValues(limit: number): Promise<Record<string, string>> {
    const indexKeys = await this.read(() => this.replica.zrevrange(this.keys.recent, 0, limit - 1));
    if (indexKeys.length === 0) return {};
    const values = await this.shortValues(indexKeys);
    return Object.fromEntries(indexKeys.map((key, i) => [key, values[i] ?? placeholderValue]));
  }

  /** Newest-first page of submitted indices with status; `before` is the previous page's last sequence. */
  async recentValues(limit: number, before?: number): Promise<{ items: ValueSummary[]; next: number | null }> {
    const k = this.keys;
    const max = before === undefined ? '+inf' : `(${before}`;
    const flat = await this.read(() => this.replica.zrevrangebyscore(k.recent, max, '-inf', 'WITHSCORES', 'LIMIT', 0, limit));
    const indexKeys = flat.filter((_, i) => i % 2 === 0);
    const sequences = flat.filter((_, i) => i % 2 === 1).map(Number);
    if (indexKeys.length === 0) return { items: [], next: null };
    const [values, metadata, queued, leases, failed] = await this.read(() =>
      Promise.all([
        this.shortValues(indexKeys),
        this.replica.hmget(k.results, ...indexKeys),
        this.replica.zmscore(k.queued, ...indexKeys),
        this.replica.zmscore(k.leases, ...indexKeys),
        this.replica.zmscore(k.failed, ...indexKeys),
      ]),
    );
    const items = indexKeys.map((key, i): ValueSummary => {
      const value = values[i] ?? null;
      const status = statusOf(value, queued[i] ?? null, leases[i] ?? null, failed[i] ?? null);
      const meta = parseMetadata(metadata[i] ?? null);
      const done = status === 'done';
      return {
        index: Number(key),
        status,
        value: done ? value : null,
        digits: done ? (meta?.digits ?? value?.length ?? null) : null,
        truncated: done && (meta?.digits ?? 0) > previewThreshold,
        computedMs: done ? (meta?.computedMs ?? null) : null,
        sequence: sequences[i] ?? 0,
      };
    });
    const last = sequences[sequences.length - 1];
    return { items, next: indexKeys.length === limit && last !== undefined ? last : null };
  }

  /** Full detail of one index, or null when it was never submitted. */
  async valueDetail(indexKey: string): Promise<ValueDetail | null> {
    const k = this.keys;
    const [value, metadata, queued, leases, failed, attempts] = await this.read(() =>
      Promise.all([
        this.replica.hget(k.values, indexKey),
        this.replica.hget(k.results, indexKey),
        this.replica.zscore(k.queued, indexKey),
        this.replica.zscore(k.leases, indexKey),
        this.replica.zscore(k.failed, indexKey),
        this.replica.hget(k.attempts, indexKey),
      ]),
    );
    if (value === null && queued === null && leases === null && failed === null) return null;
    const status = statusOf(value, queued, leases, failed);
    const meta = parseMetadata(metadata);
    const done = status === 'done';
    return {
      index: Number(indexKey),
      status,
      value: done ? value : null,
      digits: done ? (meta?.digits ?? value?.length ?? null) : null,
      computedMs: done ? (meta?.computedMs ?? null) : null,
      attempts: Number(attempts ?? 0),
    };
  }

  /** Queue length, pending and finished counts, and worker heartbeats. */
  async stats(now = Date.now()): Promise<QueueStats> {
    const k = this.keys;
    const [queueLength, queued, computing, failed, done, workers] = await this.read(() =>
      Promise.all([
        this.replica.llen(k.tasks),
        this.replica.zcard(k.queued),
        this.replica.zcard(k.leases),
        this.replica.zcard(k.failed),
        this.replica.hlen(k.results),
        this.replica.hgetall(k.workers),
      ]),
    );
    const heartbeats = Object.entries(workers)
      .map(([id, json]) => ({ id, ...parseHeartbeat(json) }))
      .sort((a, b) => b.lastSeen - a.lastSeen);
    return {
      queueLength,
      queued,
      computing,
      pending: queued + computing,
      done,
      failed,
      workers: { active: heartbeats.filter((h) => h.lastSeen >= now - activeWorkerWindowMs).length, heartbeats },
    };
  }

  /** Values as lists show them: short ones whole, long ones previewed (without fetching them). */
  private async shortValues(indexKeys: string[]): Promise<(string | null)[]> {
    const lengths = await this.read(() => Promise.all(indexKeys.map((key) => this.replica.hstrlen(this.keys.values, key))));
    const shortKeys = indexKeys.filter((_, i) => (lengths[i] ?? 0) <= previewThreshold);
    const shortValues = shortKeys.length > 0 ? await this.read(() => this.replica.hmget(this.keys.values, ...shortKeys)) : [];
    const byKey = new Map(shortKeys.map((key, i) => [key, shortValues[i] ?? null]));
    const previews = await Promise.all(
      indexKeys.map(async (key, i) => {
        if ((lengths[i] ?? 0) === 0) return null;
        if (byKey.has(key)) return byKey.get(key) ?? null;
        const meta = parseMetadata(await this.read(() => this.replica.hget(this.keys.results, key)));
        return meta?.preview ?? null;
      }),
    );
    return previews;
  }
}

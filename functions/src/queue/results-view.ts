// Reads that may lag go to a Redis replica: values, per-index status, queue statistics.
import type { Redis } from 'ioredis';

import { DependencyUnavailableError } from '../errors.js';
import { previewThreshold } from '../fib/value-preview.js';
import type { AutoscalerState, IndexStatus, QueueStats, RecentValue, ValueDetail } from '../http/api-types.js';
import { placeholderValue, type RedisKeys } from '../redis/keys.js';
import { parseHeartbeat, type ResultMetadata } from './task-queue.js';

/** One row of the recent-values listing, with its cursor. */
export interface ValueSummary extends RecentValue {
  /** Sequence number of the latest submission (the listing's cursor). */
  sequence: number;
}

/** State older than this is from an autoscaler that is no longer running. */
export const autoscalerStaleMs = 30_000;

function parseAutoscaler(fields: Record<string, string>, now: number): AutoscalerState | null {
  const updatedAt = Number(fields.updatedAt);
  if (!Number.isFinite(updatedAt) || now - updatedAt > autoscalerStaleMs) return null;
  const number = (name: string) => Number(fields[name] ?? 0) || 0;
  return {
    mode: fields.mode ?? 'keda',
    replicas: number('replicas'),
    running: number('running'),
    proposal: number('proposal'),
    active: fields.active === 'true',
    queueLength: number('queueLength'),
    reason: fields.reason ?? '',
    minReplicaCount: number('minReplicaCount'),
    maxReplicaCount: number('maxReplicaCount'),
    listLength: number('listLength'),
    updatedAt,
  };
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
    const values = await this.read(() => this.replica.hmget(this.keys.display, ...indexKeys));
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
        this.replica.hmget(k.display, ...indexKeys),
        this.replica.hmget(k.results, ...indexKeys),
        this.replica.zmscore(k.queued, ...indexKeys),
        this.replica.zmscore(k.leases, ...indexKeys),
        this.replica.zmscore(k.failed, ...indexKeys),
      ]),
    );
    const items = indexKeys.map((key, i): ValueSummary => {
      const value = values[i] ?? null;
      const status = value !== null ? 'done' : statusOf(null, queued[i] ?? null, leases[i] ?? null, failed[i] ?? null);
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
    const [queueLength, queued, computing, failed, done, workers, autoscaler] = await this.read(() =>
      Promise.all([
        this.replica.llen(k.tasks),
        this.replica.zcard(k.queued),
        this.replica.zcard(k.leases),
        this.replica.zcard(k.failed),
        this.replica.hlen(k.results),
        this.replica.hgetall(k.workers),
        this.replica.hgetall(k.autoscaler),
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
      autoscaler: parseAutoscaler(autoscaler, now),
    };
  }
}

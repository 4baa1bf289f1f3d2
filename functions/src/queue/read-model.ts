// The read model: values, per-index status and queue figures, read where the ReadRouter
// sends them (the replica, or the master while the replica is down).
import { createHash } from 'node:crypto';

import type { Redis } from 'ioredis';

import { decodeStoredHeader, storedHeaderMaxBytes, type StoredValueHeader } from '../fib/stored-value.js';
import { fibonacciDigits, previewOf, previewThreshold } from '../fib/value-preview.js';
import type { IndexStatus, QueueStats, RecentValue, ValueDetail } from '../http/api-types.js';
import { type RedisKeys, valueKey } from '../redis/keys.js';
import type { ReadRouter, ServedRead } from '../redis/read-router.js';
import { historyField, indexStatus, parseCounters, parseHeartbeat, parseHistory, placeholderValue } from './records.js';

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

/** One index's full detail as Redis holds it, with its stored value (the handler renders it). */
export interface StoredDetail {
  detail: ValueDetail;
  /** The stored value (fib/stored-value.ts) when `done`. */
  stored: Buffer | null;
}

/** Reads bit `n` of the computed bitmap for many indices in one BITFIELD call. */
function computedBits(redis: Redis, key: string, indexKeys: readonly string[]): Promise<boolean[]> {
  if (indexKeys.length === 0) return Promise.resolve([]);
  const args = indexKeys.flatMap((index) => ['GET', 'u1', index]);
  return (redis.call('BITFIELD_RO', key, ...args) as Promise<number[]>).then((bits) => bits.map((bit) => bit === 1));
}

/** What Redis holds for an index that a listing row shows: its stored header and its `computed` bit. */
interface RowFacts {
  header: StoredValueHeader | null;
  computed: boolean;
}

/**
 * The one row builder of the listings (recent values, the event stream): once Redis knows the
 * value (stored, or computed once), the preview and digit count derived from the index, else nulls.
 */
function valueRow(index: number, status: IndexStatus, facts: RowFacts | undefined): RecentValue {
  const known = facts !== undefined && (facts.computed || facts.header !== null);
  const digits = known ? fibonacciDigits(index) : null;
  return {
    index,
    status,
    value: known ? previewOf(index) : null,
    digits,
    truncated: (digits ?? 0) > previewThreshold,
    computedMs: facts?.header?.computedMs ?? null,
  };
}

/** Entries of the events stream (`XREAD` / `XRANGE` replies): `[id, [field, value, ...]]`. */
export type EventStreamEntries = [id: string, fields: string[]][];

/** A row of the events stream: what happened to an index, under its stream id. */
export interface StreamRow {
  id: string;
  row: RecentValue;
}

const streamStatuses: readonly string[] = ['queued', 'computing', 'done', 'failed'];

/** The stream's `index` / `status` entries; malformed ones are skipped. */
function parseStreamEntries(entries: EventStreamEntries): { id: string; index: number; status: IndexStatus }[] {
  return entries.flatMap(([id, fields]) => {
    const record: Record<string, string> = {};
    for (let i = 0; i + 1 < fields.length; i += 2) record[fields[i] as string] = fields[i + 1] as string;
    const index = Number(record.index);
    const status = record.status ?? '';
    if (!Number.isSafeInteger(index) || !streamStatuses.includes(status)) return [];
    return [{ id, index, status: status as IndexStatus }];
  });
}

/** Read-only queries; each answer says which node served it. */
export class ReadModel {
  constructor(
    private readonly router: ReadRouter,
    private readonly keys: RedisKeys,
  ) {}

  private read<T>(call: (client: Redis) => Promise<T>): Promise<ServedRead<T>> {
    return this.router.read(call);
  }

  /**
   * The seed's `values` map for the `limit` most recently submitted indices: a computed
   * index shows its preview (derived from the index alone, so a value Redis dropped still
   * shows), any other the workshop's placeholder.
   */
  currentValues(limit: number): Promise<ServedRead<Record<string, string>>> {
    return this.read(async (redis) => {
      const indexKeys = await redis.zrevrange(this.keys.recent, 0, limit - 1);
      const computed = await computedBits(redis, this.keys.computed, indexKeys);
      return Object.fromEntries(indexKeys.map((key, i) => [key, computed[i] ? previewOf(Number(key)) : placeholderValue]));
    });
  }

  /** What Redis holds for each index's row and status, from one round trip. */
  private async rowFacts(redis: Redis, indexKeys: readonly string[]) {
    const k = this.keys;
    const headers = redis.pipeline();
    for (const key of indexKeys) headers.getrangeBuffer(valueKey(k, key), 0, storedHeaderMaxBytes - 1);
    const [headerReplies, computed, queued, leases, failed] = await Promise.all([
      headers.exec(),
      computedBits(redis, k.computed, indexKeys),
      redis.zmscore(k.queued, ...indexKeys),
      redis.zmscore(k.leases, ...indexKeys),
      redis.zmscore(k.failed, ...indexKeys),
    ]);
    return indexKeys.map((key, i) => {
      const reply = headerReplies?.[i];
      if (reply?.[0]) throw reply[0];
      const header = reply?.[1] instanceof Buffer && reply[1].length > 0 ? decodeStoredHeader(reply[1]) : null;
      return {
        index: Number(key),
        header,
        done: header !== null,
        computed: computed[i] === true,
        failed: present(failed[i]),
        leased: present(leases[i]),
        queued: present(queued[i]),
      };
    });
  }

  /**
   * Rows of the listings for submitted indices, in order, from one round trip: status by the one
   * rule ({@link indexStatus}; a listed index was submitted, so it is in the log), the preview
   * derived from the index.
   */
  async summaries(redis: Redis, indexKeys: readonly string[]): Promise<RecentValue[]> {
    if (indexKeys.length === 0) return [];
    const facts = await this.rowFacts(redis, indexKeys);
    return facts.map((fact) => valueRow(fact.index, indexStatus({ ...fact, logged: true }), fact));
  }

  /**
   * The events stream's entries as listing rows, oldest first: the status the entry announces;
   * a `done` one gets its row from Redis (one round trip for all of them), the others have no value yet.
   */
  async streamRows(redis: Redis, entries: EventStreamEntries): Promise<StreamRow[]> {
    const parsed = parseStreamEntries(entries);
    const doneKeys = [...new Set(parsed.filter((p) => p.status === 'done').map((p) => String(p.index)))];
    const facts = doneKeys.length === 0 ? [] : await this.rowFacts(redis, doneKeys);
    const byKey = new Map(doneKeys.map((key, i) => [key, facts[i]]));
    return parsed.map(({ id, index, status }) => ({
      id,
      row: valueRow(index, status, status === 'done' ? byKey.get(String(index)) : undefined),
    }));
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
      const rows = await this.summaries(redis, indexKeys);
      const items = rows.map((row, i): ValueSummary => ({ ...row, sequence: sequences[i] ?? 0 }));
      const last = sequences[sequences.length - 1];
      return { items, next: indexKeys.length === limit && last !== undefined ? last : null };
    });
  }

  /**
   * Everything about one index with its stored value, or null when neither Redis nor the log
   * knows it. `isLogged` asks the submissions log (Postgres, the record) about an index Redis
   * does not know; it is asked only then, and outside the Redis read.
   */
  async valueDetail(
    indexKey: string,
    isLogged: (index: number) => Promise<boolean> = () => Promise.resolve(false),
  ): Promise<ServedRead<StoredDetail | null>> {
    const k = this.keys;
    const index = Number(indexKey);
    const { value: found, servedBy } = await this.read(async (redis) => {
      const [stored, computed, queued, leases, failed, attempts, historyJson] = await Promise.all([
        redis.getBuffer(valueKey(k, indexKey)),
        redis.getbit(k.computed, index),
        redis.zscore(k.queued, indexKey),
        redis.zscore(k.leases, indexKey),
        redis.zscore(k.failed, indexKey),
        redis.hget(k.attempts, indexKey),
        redis.hget(k.attempts, historyField(indexKey)),
      ]);
      const header = stored === null ? null : decodeStoredHeader(stored);
      const record = {
        done: header !== null,
        computed: computed === 1,
        failed: present(failed),
        leased: present(leases),
        queued: present(queued),
      };
      return { stored, header, record, attempts, history: parseHistory(historyJson) };
    });
    const { stored, header, record, attempts, history } = found;
    const status = indexStatus(record) ?? indexStatus({ ...record, logged: await isLogged(index) });
    if (status === undefined) return { value: null, servedBy };
    const done = status === 'done';
    return {
      value: {
        detail: {
          index,
          status,
          value: null,
          digits: done || record.computed ? fibonacciDigits(index) : null,
          computedMs: header?.computedMs ?? null,
          attempts: Number(attempts ?? 0),
          history,
          lastError: history.findLast((attempt) => attempt.error !== undefined)?.error ?? null,
        },
        stored: done ? stored : null,
      },
      servedBy,
    };
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
        redis.bitcount(k.computed),
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

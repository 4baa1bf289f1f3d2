// One process-wide source of live events shared by every open /api/events stream: a single
// XREAD BLOCK reader on the `fib:events` Redis stream, one stats and one topology sampler, all
// running only while someone listens. Clients never cost a Redis connection of their own.
import type { Redis } from 'ioredis';

import { readStats } from '../functions/stats.js';
import type { IndexStatus, RecentValue, Stats } from '../http/api-types.js';
import { compareStreamIds } from '../http/server-sent-events.js';
import { createRedisClient } from '../redis/client.js';
import type { Services } from '../services.js';
import type { RedisTopology } from './live-types.js';
import { TopologyWatch } from './redis-topology.js';

/** What a stream sends. `value` events carry their Redis stream id. */
export type LiveEvent =
  | { event: 'value'; id: string; data: RecentValue }
  | { event: 'stats'; data: Stats }
  | { event: 'topology'; data: RedisTopology };

/** Timings of the feeds. */
export interface EventHubOptions {
  /** @defaultValue 1000 */
  statsIntervalMs: number;
  /** @defaultValue 2000 */
  topologyIntervalMs: number;
  /** XREAD BLOCK time; also how long stopping may wait. @defaultValue 1000 */
  blockMs: number;
}

const defaultOptions: EventHubOptions = { statsIntervalMs: 1000, topologyIntervalMs: 2000, blockMs: 1000 };

const statuses: readonly string[] = ['queued', 'computing', 'done', 'failed'];

type StreamEntries = [id: string, fields: string[]][];

/** Fans the feeds out to subscribers; starts them on the first subscriber, stops after the last. */
export class EventHub {
  private readonly listeners = new Set<(event: LiveEvent) => void>();
  private readonly options: EventHubOptions;
  private readonly key: string;
  private running: { stop: AbortController; done: Promise<unknown>; positioned: Promise<void> } | undefined;
  private latestStats: LiveEvent | undefined;
  private latestTopology: LiveEvent | undefined;
  private position: string | undefined;

  constructor(
    private readonly services: Services,
    options: Partial<EventHubOptions> = {},
    private readonly topology: TopologyWatch = new TopologyWatch(),
  ) {
    this.options = { ...defaultOptions, ...options };
    this.key = services.keys.events;
  }

  /** Open subscriptions (one per stream). */
  get size(): number {
    return this.listeners.size;
  }

  /** Adds a listener; it gets the latest stats and topology at once. Returns the unsubscribe. */
  subscribe(listener: (event: LiveEvent) => void): () => void {
    this.listeners.add(listener);
    if (this.latestStats) listener(this.latestStats);
    if (this.latestTopology) listener(this.latestTopology);
    if (!this.running) this.start();
    return () => {
      this.listeners.delete(listener);
      if (this.listeners.size === 0) void this.stop();
    };
  }

  /**
   * Resolves once the value feed knows where it starts (the newest entry when it started): every
   * entry added after that reaches subscribers. Resolves at once when the feed is not running.
   */
  positioned(): Promise<void> {
    return this.running?.positioned ?? Promise.resolve();
  }

  /** The id of the newest `value` entry the feed has passed (undefined before it is positioned). */
  get latestId(): string | undefined {
    return this.position;
  }

  /** `value` events after `id` (exclusive), oldest first, at most `limit`: a resumed stream's backlog. */
  async valuesAfter(id: string, limit: number): Promise<LiveEvent[]> {
    const entries = (await this.services.master.xrange(this.key, `(${id}`, '+', 'COUNT', limit)) as StreamEntries;
    return this.toValueEvents(entries, this.services.master);
  }

  /** Stops the feeds and closes the reader (process shutdown). */
  async stop(): Promise<void> {
    const running = this.running;
    this.running = undefined;
    this.latestStats = undefined;
    this.latestTopology = undefined;
    this.position = undefined;
    if (!running) return;
    running.stop.abort();
    await running.done;
  }

  private emit(event: LiveEvent): void {
    for (const listener of this.listeners) listener(event);
  }

  private start(): void {
    const stop = new AbortController();
    const { services, options } = this;
    const reader = createRedisClient(services.config.redisMaster, {
      role: 'events reader',
      timeoutMs: services.config.redisTimeoutMs + options.blockMs,
      log: () => undefined,
    });
    const every = (ms: number, sample: () => Promise<void>) =>
      (async () => {
        while (!stop.signal.aborted) {
          await sample().catch(() => undefined); // a store outage skips a sample; the next one retries
          await sleep(ms, stop.signal);
        }
      })();
    let markPositioned = () => undefined as void;
    const positioned = new Promise<void>((resolve) => (markPositioned = resolve));
    const done = Promise.all([
      this.readValues(reader, stop.signal, markPositioned).finally(() => {
        markPositioned();
        reader.disconnect();
      }),
      every(options.statsIntervalMs, async () => {
        const { value: figures } = await readStats(services, Date.now());
        const event: LiveEvent = { event: 'stats', data: figures };
        if (stop.signal.aborted) return;
        this.latestStats = event;
        this.emit(event);
      }),
      every(options.topologyIntervalMs, async () => {
        const event: LiveEvent = { event: 'topology', data: await this.topology.read(services) };
        if (stop.signal.aborted) return;
        this.latestTopology = event;
        this.emit(event);
      }),
    ]);
    this.running = { stop, done, positioned };
  }

  private async readValues(reader: Redis, signal: AbortSignal, markPositioned: () => void): Promise<void> {
    let lastId: string | undefined;
    while (!signal.aborted) {
      try {
        // Start after the newest entry at the time we start (not '$' in every call: that would skip entries between calls).
        if (lastId === undefined) {
          const newest = (await reader.xrevrange(this.key, '+', '-', 'COUNT', 1)) as StreamEntries;
          lastId = newest[0]?.[0] ?? '0-0';
          this.position = lastId;
          markPositioned();
        }
        const answer = await reader.xread('COUNT', 500, 'BLOCK', this.options.blockMs, 'STREAMS', this.key, lastId);
        const entries = answer?.[0]?.[1] ?? [];
        if (entries.length === 0) continue;
        lastId = entries[entries.length - 1]?.[0] ?? lastId;
        for (const event of await this.toValueEvents(entries, reader)) if (!signal.aborted) this.emit(event);
        this.position = lastId;
      } catch {
        markPositioned(); // do not hold streams while Redis is down
        await sleep(500, signal); // Redis down: try again; a resumed client fills gaps with Last-Event-ID
      }
    }
  }

  /** Turns stream entries into `value` events; done ones get their row (read model) in one round trip. */
  private async toValueEvents(entries: StreamEntries, client: Redis): Promise<LiveEvent[]> {
    const parsed = entries.flatMap(([id, fields]) => {
      const record: Record<string, string> = {};
      for (let i = 0; i + 1 < fields.length; i += 2) record[fields[i] as string] = fields[i + 1] as string;
      const index = Number(record.index);
      const status = record.status ?? '';
      if (!Number.isSafeInteger(index) || !statuses.includes(status)) return [];
      return [{ id, index, status: status as IndexStatus }];
    });
    const doneKeys = [...new Set(parsed.filter((p) => p.status === 'done').map((p) => String(p.index)))];
    const rows = await this.services.readModel.summaries(client, doneKeys);
    const byKey = new Map(doneKeys.map((key, i) => [key, rows[i]]));
    return parsed.map(({ id, index, status }): LiveEvent => {
      const row = status === 'done' ? byKey.get(String(index)) : undefined;
      return {
        event: 'value',
        id,
        data: {
          index,
          status,
          value: row?.value ?? null,
          digits: row?.digits ?? null,
          truncated: row?.truncated ?? false,
          computedMs: row?.computedMs ?? null,
        },
      };
    });
  }
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve();
    const timer = setTimeout(done, ms);
    function done() {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    }
    signal.addEventListener('abort', done, { once: true });
  });
}

/** Sorts value events by stream id (a backlog merged with live events). */
export function byStreamId(a: { id: string }, b: { id: string }): number {
  return compareStreamIds(a.id, b.id);
}

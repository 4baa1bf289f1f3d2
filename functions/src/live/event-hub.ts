// One process-wide source of live events shared by every open /api/events stream: a single
// XREAD BLOCK reader on the `fib:events` Redis stream, one stats and one topology sampler, all
// running only while someone listens. Clients never cost a Redis connection of their own.
import type { Redis } from 'ioredis';

import type { Config } from '../config.js';
import type { RecentValue, Stats } from '../http/api-types.js';
import { compareStreamIds } from '../http/server-sent-events.js';
import type { EventStreamEntries, ReadModel } from '../queue/read-model.js';
import { createRedisClient } from '../redis/client.js';
import type { RedisKeys } from '../redis/keys.js';
import { readStats, type StatsSources } from '../stats/read-stats.js';
import type { RedisTopology } from './live-types.js';
import { readTopology, type TopologySources } from './redis-topology.js';

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

/** What the feeds read from: the events stream (master), the read model's rows, the stats and the topology. */
export interface EventHubSources extends StatsSources, TopologySources {
  readonly config: Pick<Config, 'redisMaster' | 'redisTimeoutMs' | 'maxIndex'>;
  readonly keys: Pick<RedisKeys, 'events'>;
  readonly readModel: Pick<ReadModel, 'stats' | 'streamRows'>;
}

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
    private readonly sources: EventHubSources,
    options: Partial<EventHubOptions> = {},
  ) {
    this.options = { ...defaultOptions, ...options };
    this.key = sources.keys.events;
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
    const entries = (await this.sources.master.xrange(this.key, `(${id}`, '+', 'COUNT', limit)) as EventStreamEntries;
    return this.toValueEvents(entries, this.sources.master);
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
    const { sources, options } = this;
    const reader = createRedisClient(sources.config.redisMaster, {
      role: 'events reader',
      timeoutMs: sources.config.redisTimeoutMs + options.blockMs,
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
        const { value: figures } = await readStats(sources, Date.now());
        const event: LiveEvent = { event: 'stats', data: figures };
        if (stop.signal.aborted) return;
        this.latestStats = event;
        this.emit(event);
      }),
      every(options.topologyIntervalMs, async () => {
        const event: LiveEvent = { event: 'topology', data: await readTopology(sources) };
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
          const newest = (await reader.xrevrange(this.key, '+', '-', 'COUNT', 1)) as EventStreamEntries;
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

  /** Turns stream entries into `value` events, their rows built by the read model. */
  private async toValueEvents(entries: EventStreamEntries, client: Redis): Promise<LiveEvent[]> {
    const rows = await this.sources.readModel.streamRows(client, entries);
    return rows.map(({ id, row }): LiveEvent => ({ event: 'value', id, data: row }));
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

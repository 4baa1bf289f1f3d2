// The write model's producer side: queue submitted indices, and replay the Postgres log into
// Redis (rebuild after data loss). Every call goes to the master.
import type { Redis } from 'ioredis';

import { onMaster } from '../redis/client.js';
import type { RedisKeys } from '../redis/keys.js';
import { readMemory } from '../redis/memory.js';
import { QueueScripts } from './scripts.js';

/** What a submission found: the value is already known, or it is queued (now or before). */
export type EnqueueStatus = 'done' | 'queued';

/** A rebuild of Redis from the log's distinct indices, under way. */
export interface RebuildProgress {
  /** Id of the newest settled log row when it started: the replay cursor once it ends. */
  target: number;
  /** The last distinct index it has requeued (-1 before the first). */
  after: number;
  /** Estimated Redis bytes of the values it has queued so far (fib/stored-value.ts, estimatedStoredBytes). */
  queuedBytes: number;
}

/** Queues indices on the master. */
export class TaskProducer {
  private readonly scripts: QueueScripts;

  constructor(
    private readonly master: Redis,
    readonly keys: RedisKeys,
  ) {
    this.scripts = new QueueScripts(master, keys);
  }

  /** Records submissions and queues each index not yet known or pending, atomically. */
  async enqueue(indexKeys: readonly string[]): Promise<EnqueueStatus[]> {
    const statuses = await onMaster(() => this.scripts.enqueue(indexKeys));
    return statuses as EnqueueStatus[];
  }

  /** Id of the last log row replayed into Redis; 0 when Redis has none (new, or its data was lost). */
  async replayCursor(): Promise<number> {
    return Number((await onMaster(() => this.master.get(this.keys.replayCursor))) ?? 0);
  }

  /** Where a rebuild from the distinct indices stands (null when none is under way). */
  async rebuildProgress(): Promise<RebuildProgress | null> {
    const text = await onMaster(() => this.master.get(this.keys.rebuildProgress));
    // `<target>:<after>` was written before queuedBytes was kept: it reads as 0 bytes queued.
    const match = /^(\d+):(-?\d+)(?::(\d+))?$/.exec(text ?? '');
    return match ? { target: Number(match[1]), after: Number(match[2]), queuedBytes: Number(match[3] ?? 0) } : null;
  }

  /** Records how far a rebuild got (every api replica carries on from there). */
  async saveRebuildProgress(progress: RebuildProgress): Promise<void> {
    await onMaster(() =>
      this.master.set(this.keys.rebuildProgress, `${progress.target}:${progress.after}:${progress.queuedBytes}`),
    );
  }

  /** Ends a rebuild: the cursor moves to `target` (the newest log row it covered). */
  async finishRebuild(target: number): Promise<void> {
    await this.requeueLogged(target, []);
    await onMaster(() => this.master.del(this.keys.rebuildProgress));
  }

  /** Queues the logged indices Redis knows nothing about and moves the cursor to `lastId`; returns how many were queued. */
  async requeueLogged(lastId: number, indexKeys: readonly string[]): Promise<number> {
    return onMaster(() => this.scripts.requeueLogged(lastId, 'queue', indexKeys));
  }

  /**
   * Records the logged indices Redis knows nothing about as computed and dropped (no value), so
   * they list as `dropped` and are computed when asked for; returns how many it recorded.
   */
  async recordDropped(indexKeys: readonly string[]): Promise<number> {
    return onMaster(() => this.scripts.requeueLogged(0, 'drop', indexKeys));
  }

  /** The master's memory cap (`maxmemory` of INFO memory), bytes; 0 when it has none. */
  async memoryCap(): Promise<number> {
    return (await onMaster(() => readMemory(this.master))).maxBytes;
  }
}

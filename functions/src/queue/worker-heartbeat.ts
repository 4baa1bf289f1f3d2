// This worker process's heartbeat: records in `workers` that it is alive and how many tasks it
// has computed, and adds the Redis calls it retried to the `retried` total, so /api/stats shows
// the live workers and the reaper forgets the dead ones (Reaper.pruneWorkers).
import type { Redis } from 'ioredis';

import { errorMessage } from '../errors.js';
import { onMaster } from '../redis/client.js';
import type { RedisKeys } from '../redis/keys.js';

/** The running totals a heartbeat reports (the worker's TaskConsumer keeps them). */
export interface WorkerTally {
  /** Tasks this process computed and stored. */
  readonly processed: number;
  /** Redis calls this process retried after a transient error. */
  readonly retried: number;
}

/** Options for {@link WorkerHeartbeat}. */
export interface WorkerHeartbeatOptions {
  /** This process's id in `workers` (stats show only a hash of it). */
  workerId: string;
  /** Time between heartbeats, ms (at least 50). */
  intervalMs: number;
  /** Where a failed heartbeat is reported. @defaultValue console.warn */
  log?: (message: string) => void;
}

/** Sends this process's heartbeat on a timer; one per process. */
export class WorkerHeartbeat {
  private timer: NodeJS.Timeout | undefined;
  private reportedRetries = 0;

  constructor(
    private readonly master: Redis,
    private readonly keys: RedisKeys,
    private readonly tally: WorkerTally,
    private readonly options: WorkerHeartbeatOptions,
  ) {}

  get workerId(): string {
    return this.options.workerId;
  }

  /** Records the heartbeat now, with the retries counted since the last one. */
  async beat(now = Date.now()): Promise<void> {
    const { processed, retried } = this.tally;
    const unreported = retried - this.reportedRetries;
    const transaction = this.master
      .multi()
      .hset(this.keys.workers, this.options.workerId, JSON.stringify({ lastSeen: now, processed }));
    if (unreported > 0) transaction.hincrby(this.keys.counters, 'retried', unreported);
    // Taken before the call, so a beat that overlaps this one does not add the same retries twice.
    this.reportedRetries += unreported;
    try {
      await onMaster(() => transaction.exec());
    } catch (error) {
      this.reportedRetries -= unreported;
      throw error;
    }
  }

  /** Starts the timer (idempotent), with a first beat at once; it does not keep the process alive. */
  start(): void {
    if (this.timer) return;
    const beatNow = () => {
      this.beat().catch((error: unknown) => (this.options.log ?? console.warn)(`heartbeat failed: ${errorMessage(error)}`));
    };
    this.timer = setInterval(beatNow, Math.max(50, this.options.intervalMs));
    this.timer.unref();
    // At once, so /api/stats shows the worker without waiting for the first interval.
    setImmediate(beatNow);
  }

  stop(): void {
    clearInterval(this.timer);
    this.timer = undefined;
  }
}

// Keeps the leases of this process's in-flight tasks alive and sends its heartbeat (with the
// retries it counted), so only a dead worker's tasks expire and get requeued.
import { errorMessage } from '../errors.js';
import type { TaskConsumer } from './consumer.js';

/** Options for {@link LeaseKeeper}. */
export interface LeaseKeeperOptions {
  leaseMs: number;
  workerId: string;
  log?: (message: string) => void;
}

/** Renews leases every leaseMs/3 while tasks are held; one timer per process. */
export class LeaseKeeper {
  private readonly held = new Map<string, number>();
  private timer: NodeJS.Timeout | undefined;
  private processedCount = 0;
  private unreportedRetries = 0;

  constructor(
    private readonly consumer: TaskConsumer,
    private readonly options: LeaseKeeperOptions,
  ) {}

  get workerId(): string {
    return this.options.workerId;
  }

  get processed(): number {
    return this.processedCount;
  }

  /** The lease deadline for a claim made now. */
  deadline(now = Date.now()): number {
    return now + this.options.leaseMs;
  }

  hold(indexKey: string): void {
    this.held.set(indexKey, (this.held.get(indexKey) ?? 0) + 1);
    this.start();
  }

  release(indexKey: string, computed: boolean): void {
    const count = (this.held.get(indexKey) ?? 1) - 1;
    if (count <= 0) this.held.delete(indexKey);
    else this.held.set(indexKey, count);
    if (computed) this.processedCount += 1;
  }

  /** Counts one retried Redis call; sent with the next heartbeat. */
  countRetry(): void {
    this.unreportedRetries += 1;
    this.start();
  }

  /** Renews every held lease and records the heartbeat now. */
  async renew(now = Date.now()): Promise<void> {
    await this.consumer.renewLeases([...this.held.keys()], this.deadline(now));
    const retries = this.unreportedRetries;
    await this.consumer.heartbeat(this.options.workerId, this.processedCount, retries, now);
    this.unreportedRetries -= retries;
  }

  /** Starts the renewal timer (idempotent); it does not keep the process alive. */
  start(): void {
    if (this.timer) return;
    const renewNow = () => {
      this.renew().catch((error: unknown) => (this.options.log ?? console.warn)(`lease renewal failed: ${errorMessage(error)}`));
    };
    this.timer = setInterval(renewNow, Math.max(50, Math.floor(this.options.leaseMs / 3)));
    this.timer.unref();
    // The first heartbeat goes out at once so /api/stats shows the worker without delay.
    setImmediate(renewNow);
  }

  stop(): void {
    clearInterval(this.timer);
    this.timer = undefined;
  }
}

// Keeps the leases of this process's in-flight tasks alive: renews every lease it holds each
// LEASE_MS/3, and only leases this process still owns (lua/renew-leases-2.lua), so only a dead
// or stalled worker's tasks expire and get requeued.
import { errorMessage } from '../errors.js';
import type { TaskConsumer } from './consumer.js';

/** Options for {@link LeaseKeeper}. */
export interface LeaseKeeperOptions {
  /** A lease's length (LEASE_MS); renewals run every third of it. */
  leaseMs: number;
  /** Where a failed renewal is reported. @defaultValue console.warn */
  log?: (message: string) => void;
}

/** Renews leases every leaseMs/3 while tasks are held; one timer per process. */
export class LeaseKeeper {
  /** Index → invocations of this process holding its lease (one index may be delivered twice). */
  private readonly held = new Map<string, number>();
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly consumer: Pick<TaskConsumer, 'renewLeases'>,
    private readonly options: LeaseKeeperOptions,
  ) {}

  /** The lease deadline for a claim made now. */
  deadline(now = Date.now()): number {
    return now + this.options.leaseMs;
  }

  /** Keeps an index's lease (just claimed) renewed until {@link release}. */
  hold(indexKey: string): void {
    this.held.set(indexKey, (this.held.get(indexKey) ?? 0) + 1);
    this.start();
  }

  /** Stops renewing an index's lease once no invocation of this process holds it. */
  release(indexKey: string): void {
    const count = (this.held.get(indexKey) ?? 1) - 1;
    if (count <= 0) this.held.delete(indexKey);
    else this.held.set(indexKey, count);
  }

  /** Renews every held lease now. */
  async renew(now = Date.now()): Promise<void> {
    await this.consumer.renewLeases([...this.held.keys()], this.deadline(now));
  }

  /** Starts the renewal timer (idempotent); it does not keep the process alive. */
  start(): void {
    if (this.timer) return;
    this.timer = setInterval(
      () => {
        this.renew().catch((error: unknown) =>
          (this.options.log ?? console.warn)(`lease renewal failed: ${errorMessage(error)}`),
        );
      },
      Math.max(50, Math.floor(this.options.leaseMs / 3)),
    );
    this.timer.unref();
  }

  /** Stops renewing (at close): the leases still held expire unless their tasks finish. */
  stop(): void {
    clearInterval(this.timer);
    this.timer = undefined;
  }
}

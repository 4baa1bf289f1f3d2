// Remembers since when a store has been down in this process, so /api/health can say "down
// since" without a driver message or an address (those go to the log, once per outage). The
// Redis nodes' state is the read router's (redis/read-router.ts); this keeps Postgres's.
import { errorMessage } from '../errors.js';

/** A store whose outages this tracks (the Redis nodes are the read router's). */
export type HealthPart = 'postgres';

export class Outages {
  private readonly since = new Map<HealthPart, number>();

  constructor(private readonly log: (message: string) => void = console.warn) {}

  /** Records a check's result; returns since when the part is down, or undefined while up. */
  observe(part: HealthPart, ok: boolean, cause?: unknown, now = Date.now()): number | undefined {
    if (ok) {
      if (this.since.delete(part)) this.log(`${part} is back`);
      return undefined;
    }
    const since = this.since.get(part);
    if (since !== undefined) return since;
    this.since.set(part, now);
    this.log(`${part} is down: ${errorMessage(cause)}`);
    return now;
  }
}

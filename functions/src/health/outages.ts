// Remembers since when each part has been down in this process, so /api/health can say
// "down since" without a driver message or an address (those go to the log, once per outage).
import { errorMessage } from '../errors.js';

export type HealthPart = 'redisMaster' | 'redisReplica' | 'postgres';

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

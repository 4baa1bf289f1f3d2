// What the queue stores in Redis, as both sides read it: record shapes, their parsers, and
// the one rule that decides an index's status.
import type { FailedAttempt, IndexStatus, QueueCounters } from '../http/api-types.js';

/** What lists show for an index whose value is not known yet (the workshop's marker). */
export const placeholderValue = 'Nothing yet!';

/** A worker's heartbeat as stored in the workers hash. */
export interface Heartbeat {
  lastSeen: number;
  processed: number;
}

/** Where Redis has an index: the evidence {@link indexStatus} decides from. */
export interface IndexRecord {
  /** Its value is stored (its value key exists). */
  done: boolean;
  /** Its value was stored once (the `computed` bit); without `done`, Redis dropped it. */
  computed: boolean;
  failed: boolean;
  /** Under a lease in `leases`. */
  leased: boolean;
  /** In `queued`. */
  queued: boolean;
  /**
   * In the Postgres submissions log (the record). Redis may have lost its data; the log replay
   * queues every logged index again. Undefined when the log was not asked.
   */
  logged?: boolean;
}

/**
 * The status of an index, or undefined when neither Redis nor the log knows it. An index Redis
 * does not know but the log holds is `queued`: the log replay queues it again.
 */
export function indexStatus(record: IndexRecord & { logged: true }): IndexStatus;
export function indexStatus(record: IndexRecord): IndexStatus | undefined;
export function indexStatus(record: IndexRecord): IndexStatus | undefined {
  if (record.done) return 'done';
  if (record.failed) return 'failed';
  if (record.leased || record.queued) {
    if (record.computed) return 'recomputing';
    return record.leased ? 'computing' : 'queued';
  }
  if (record.computed) return 'dropped';
  return record.logged ? 'queued' : undefined;
}

/** Parses a stored heartbeat; a corrupt entry reads as long dead. */
export function parseHeartbeat(json: string): Heartbeat {
  try {
    const parsed = JSON.parse(json) as Partial<Heartbeat>;
    return { lastSeen: Number(parsed.lastSeen) || 0, processed: Number(parsed.processed) || 0 };
  } catch {
    return { lastSeen: 0, processed: 0 };
  }
}

/** The counters hash as totals; absent fields read as 0. */
export function parseCounters(fields: Record<string, string>): QueueCounters {
  const count = (name: keyof QueueCounters) => Number(fields[name] ?? 0) || 0;
  return {
    leaseExpired: count('leaseExpired'),
    invocationFailed: count('invocationFailed'),
    givenBack: count('givenBack'),
    retried: count('retried'),
  };
}

/** The attempts hash field holding an index's failure history (lua/includes/recordAttempt.lua). */
export function historyField(indexKey: string): string {
  return `${indexKey}:history`;
}

/** Parses a stored failure history; a corrupt or absent one reads as empty. */
export function parseHistory(json: string | null | undefined): FailedAttempt[] {
  if (!json) return [];
  try {
    const parsed = JSON.parse(json) as unknown;
    // cjson writes an empty array as {}.
    if (!Array.isArray(parsed)) return [];
    return parsed.flatMap((entry: Partial<FailedAttempt>): FailedAttempt[] =>
      typeof entry.at === 'number' && typeof entry.outcome === 'string'
        ? [{ at: entry.at, outcome: entry.outcome, ...(typeof entry.error === 'string' ? { error: entry.error } : {}) }]
        : [],
    );
  } catch {
    return [];
  }
}

// What the queue stores in Redis, as both sides read it: record shapes, their parsers, and
// the one rule that decides an index's status.
import type { IndexStatus, QueueCounters } from '../http/api-types.js';

/** What `values` holds for an index that is queued or computing (the workshop's marker). */
export const placeholderValue = 'Nothing yet!';

/** Stored beside each value in the metadata hash. */
export interface ResultMetadata {
  digits: number;
  computedMs: number;
  completedAt: number;
}

/** A worker's heartbeat as stored in the workers hash. */
export interface Heartbeat {
  lastSeen: number;
  processed: number;
}

/** Where Redis has an index: the evidence {@link indexStatus} decides from. */
export interface IndexRecord {
  /** Its metadata is stored (written with the value, in one script). */
  done: boolean;
  failed: boolean;
  /** Under a lease in `leases`. */
  leased: boolean;
  /** In `queued`. */
  queued: boolean;
}

/** The status of an index, or undefined when Redis does not know it. */
export function indexStatus(record: IndexRecord): IndexStatus | undefined {
  if (record.done) return 'done';
  if (record.failed) return 'failed';
  if (record.leased) return 'computing';
  if (record.queued) return 'queued';
  return undefined;
}

/** Parses stored metadata; a corrupt entry reads as absent. */
export function parseMetadata(json: string | null | undefined): ResultMetadata | null {
  if (json === null || json === undefined) return null;
  try {
    const parsed = JSON.parse(json) as Partial<ResultMetadata>;
    return {
      digits: Number(parsed.digits) || 0,
      computedMs: Number(parsed.computedMs) || 0,
      completedAt: Number(parsed.completedAt) || 0,
    };
  } catch {
    return null;
  }
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

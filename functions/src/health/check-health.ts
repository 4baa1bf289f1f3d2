// Checks each dependency with its own timeout and reports which part is down and since when.
import type { Redis } from 'ioredis';

import type { Config } from '../config.js';
import { withDeadline } from '../deadline.js';
import { errorMessage } from '../errors.js';
import type { HealthCheck, HealthReport, RedisMemory } from '../http/api-types.js';
import type { RedisKeys } from '../redis/keys.js';
import { readMemory } from '../redis/memory.js';
import type { ReadRouter, RedisRole } from '../redis/read-router.js';
import type { SubmissionsStore } from '../submissions/submissions-store.js';
import type { Outages } from './outages.js';

/** What {@link checkHealth} checks, and who keeps since when each part is down. */
export interface HealthSources {
  readonly config: Pick<Config, 'redisTimeoutMs' | 'databaseTimeoutMs'>;
  readonly keys: Pick<RedisKeys, 'healthProbe'>;
  /** The Redis master: the probe write and its memory. */
  readonly master: Redis;
  /** The Redis nodes' state: the replica probe, which node serves reads, since when a node is down. */
  readonly reads: Pick<ReadRouter, 'probe' | 'observe' | 'downSince' | 'readsFrom' | 'nodes'>;
  /** Since when Postgres is down (the Redis nodes' is the router's). */
  readonly outages: Pick<Outages, 'observe'>;
  submissions(): Promise<Pick<SubmissionsStore, 'ping'>>;
}

/** A failed check's cause in fixed words: an OOM or READONLY reply names the refused write; no driver text. */
function describeProblem(cause: unknown): string {
  if (typeof cause === 'string') return cause;
  const message = errorMessage(cause);
  if (message.startsWith('OOM')) return 'refuses writes: out of memory';
  if (message.startsWith('READONLY')) return 'refuses writes: read-only';
  const deadline = /^no answer within \d+ ms$/.exec(message);
  return deadline ? deadline[0] : 'unreachable';
}

/** Runs one check within `timeoutMs`; `record` notes its outcome and returns since when the part is down. */
async function timed(
  call: () => Promise<boolean | void>,
  timeoutMs: number,
  record: (ok: boolean, cause: unknown) => number | null | undefined,
): Promise<HealthCheck> {
  const started = performance.now();
  let ok = false;
  let cause: unknown;
  try {
    ok = (await withDeadline(call(), timeoutMs)) !== false;
    if (!ok) cause = 'not serving reads';
  } catch (error) {
    cause = error;
  }
  const since = record(ok, cause);
  const check: HealthCheck = { ok, ms: Math.round(performance.now() - started) };
  if (since !== undefined && since !== null) check.since = since;
  if (!ok) check.problem = describeProblem(cause);
  return check;
}

/**
 * Writes a probe key on the Redis master, reads its memory (apart, with its own deadline: a
 * master that refuses writes still reports how full it is), pings Postgres and probes the replica (answers, and its link to the
 * master is up), in parallel. `ok` needs all three; a replica down alone leaves writes and
 * reads working (reads come from the master), so the handler answers 200 for it. Each Redis
 * check's outcome goes to the read router, which owns the nodes' state: `readsFrom` and the
 * nodes' `since` are the router's, as /api/topology shows them.
 */
export async function checkHealth(sources: HealthSources): Promise<HealthReport> {
  const { config, reads } = sources;
  const { redisTimeoutMs, databaseTimeoutMs } = config;
  // With REDIS_REPLICA naming the master itself, the replica check is a check of the master.
  const readNode: RedisRole = reads.nodes.some((node) => node.role === 'replica') ? 'replica' : 'master';
  const recordNode =
    (role: RedisRole, whenOk: 'ok' | 'answered') =>
    (ok: boolean, cause: unknown): number | null => {
      reads.observe(role, ok ? whenOk : 'failed', cause);
      return reads.downSince(role);
    };
  const [redisMaster, redisReplica, postgres, memory] = await Promise.all([
    // A write, not a PING: a master out of memory with nothing left to evict answers PING but
    // refuses every submission (OOM). The probe key has a TTL, like the values it stands for.
    timed(
      async () => {
        await sources.master.set(sources.keys.healthProbe, String(Date.now()), 'PX', 60_000);
      },
      redisTimeoutMs,
      recordNode('master', 'ok'),
    ),
    timed(() => reads.probe(), redisTimeoutMs, recordNode(readNode, readNode === 'replica' ? 'ok' : 'answered')),
    // Connecting (and migrating, on first use) plus one query.
    timed(
      async () => (await sources.submissions()).ping(),
      databaseTimeoutMs * 2,
      (ok, cause) => sources.outages.observe('postgres', ok, cause),
    ),
    // INFO is a read, answered also at the cap: exactly when writes are refused, memory says why.
    withDeadline(readMemory(sources.master), redisTimeoutMs).catch((): RedisMemory | undefined => undefined),
  ]);
  const ok = redisMaster.ok && redisReplica.ok && postgres.ok;
  const report: HealthReport = {
    status: ok ? 'ok' : 'degraded',
    checks: { redisMaster, redisReplica, postgres },
    readsFrom: reads.readsFrom,
  };
  if (memory) report.memory = memory;
  return report;
}

/** Whether writes work: the Redis master and Postgres answer (the HTTP status of /api/health). */
export function writesWork(report: HealthReport): boolean {
  return report.checks.redisMaster.ok && report.checks.postgres.ok;
}

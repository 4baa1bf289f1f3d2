// Checks each dependency with its own timeout and reports which part is down and since when.
import type { HealthCheck, HealthReport, RedisMemory } from '../http/api-types.js';
import { readMemory } from '../redis/memory.js';
import type { Services } from '../services.js';
import type { HealthPart } from './outages.js';

async function timed(
  services: Services,
  part: HealthPart,
  call: () => Promise<boolean | void>,
  timeoutMs: number,
): Promise<HealthCheck> {
  const started = performance.now();
  let timer: NodeJS.Timeout | undefined;
  let ok = false;
  let cause: unknown;
  try {
    const answer = await Promise.race([
      call(),
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`no answer within ${timeoutMs} ms`)), timeoutMs);
      }),
    ]);
    ok = answer !== false;
    if (!ok) cause = 'not serving reads';
  } catch (error) {
    cause = error;
  } finally {
    clearTimeout(timer);
  }
  const since = services.outages.observe(part, ok, cause);
  const check: HealthCheck = { ok, ms: Math.round(performance.now() - started) };
  if (since !== undefined) check.since = since;
  return check;
}

/**
 * Writes a probe key on the Redis master (and reads its memory), pings Postgres and probes the replica (answers, and its link to the
 * master is up), in parallel. `ok` needs all three; a replica down alone leaves writes and
 * reads working (reads come from the master), so the handler answers 200 for it.
 */
export async function checkHealth(services: Services): Promise<HealthReport> {
  const { redisTimeoutMs, databaseTimeoutMs } = services.config;
  let memory: RedisMemory | undefined;
  const [redisMaster, redisReplica, postgres] = await Promise.all([
    // A write, not a PING: a master out of memory with nothing left to evict answers PING but
    // refuses every submission (OOM). The probe key has a TTL, like the values it stands for.
    timed(
      services,
      'redisMaster',
      async () => {
        await services.master.set(services.keys.healthProbe, String(Date.now()), 'PX', 60_000);
        memory = await readMemory(services.master);
      },
      redisTimeoutMs,
    ),
    timed(services, 'redisReplica', () => services.reads.probe(), redisTimeoutMs),
    // Connecting (and migrating, on first use) plus one query.
    timed(services, 'postgres', async () => (await services.submissions()).ping(), databaseTimeoutMs * 2),
  ]);
  const ok = redisMaster.ok && redisReplica.ok && postgres.ok;
  const report: HealthReport = {
    status: ok ? 'ok' : 'degraded',
    checks: { redisMaster, redisReplica, postgres },
    readsFrom: services.reads.readsFrom,
  };
  if (memory) report.memory = memory;
  return report;
}

/** Whether writes work: the Redis master and Postgres answer (the HTTP status of /api/health). */
export function writesWork(report: HealthReport): boolean {
  return report.checks.redisMaster.ok && report.checks.postgres.ok;
}

// Checks each dependency with its own timeout and reports which part is down and since when.
import type { HealthCheck, HealthReport } from '../http/api-types.js';
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
 * Pings the Redis master and Postgres and probes the replica (answers, and its link to the
 * master is up), in parallel. `ok` needs all three; a replica down alone leaves writes and
 * reads working (reads come from the master), so the handler answers 200 for it.
 */
export async function checkHealth(services: Services): Promise<HealthReport> {
  const { redisTimeoutMs, databaseTimeoutMs } = services.config;
  const [redisMaster, redisReplica, postgres] = await Promise.all([
    timed(services, 'redisMaster', async () => void (await services.master.ping()), redisTimeoutMs),
    timed(services, 'redisReplica', () => services.reads.probe(), redisTimeoutMs),
    // Connecting (and migrating, on first use) plus one query.
    timed(services, 'postgres', async () => (await services.submissions()).ping(), databaseTimeoutMs * 2),
  ]);
  const ok = redisMaster.ok && redisReplica.ok && postgres.ok;
  return { status: ok ? 'ok' : 'degraded', checks: { redisMaster, redisReplica, postgres }, readsFrom: services.reads.readsFrom };
}

/** Whether writes work: the Redis master and Postgres answer (the HTTP status of /api/health). */
export function writesWork(report: HealthReport): boolean {
  return report.checks.redisMaster.ok && report.checks.postgres.ok;
}

// Checks each dependency with its own timeout and reports which part is down.
import type { HealthCheck, HealthReport } from '../http/api-types.js';
import type { Services } from '../services.js';

async function timed(call: () => Promise<unknown>, timeoutMs: number): Promise<HealthCheck> {
  const started = performance.now();
  let timer: NodeJS.Timeout | undefined;
  try {
    await Promise.race([
      call(),
      new Promise((_, reject) => {
        timer = setTimeout(() => reject(new Error(`no answer within ${timeoutMs} ms`)), timeoutMs);
      }),
    ]);
    return { ok: true, ms: Math.round(performance.now() - started) };
  } catch (error) {
    // The message names the failure ("connect ECONNREFUSED"), never a stack.
    const cause = error instanceof Error && error.cause instanceof Error ? error.cause : error;
    return {
      ok: false,
      ms: Math.round(performance.now() - started),
      error: cause instanceof Error ? cause.message : 'unreachable',
    };
  } finally {
    clearTimeout(timer);
  }
}

/** Pings the Redis master, the replica and Postgres in parallel. */
export async function checkHealth(services: Services): Promise<HealthReport> {
  const { redisTimeoutMs, databaseTimeoutMs } = services.config;
  const [redisMaster, redisReplica, postgres] = await Promise.all([
    timed(() => services.master.ping(), redisTimeoutMs),
    timed(() => services.replica.ping(), redisTimeoutMs),
    timed(async () => (await services.submissions()).ping(), databaseTimeoutMs * 2),
  ]);
  const ok = redisMaster.ok && redisReplica.ok && postgres.ok;
  return { status: ok ? 'ok' : 'degraded', checks: { redisMaster, redisReplica, postgres } };
}

// The local Functions host: serves the same registrations as the Azure Functions host when
// Core Tools is not installed. HTTP on --port (default 7071) under /api, the Redis list
// trigger and the timers; honours AzureFunctionsJobHost__functions__N like the real host.
// Options: --port (7071), --host (127.0.0.1: loopback unless asked), --quiet, --strict-trigger
// (or LOCAL_HOST_STRICT_TRIGGER=1: the list trigger behaves exactly like the Redis extension,
// see strict-list-listener.ts).
import type { Server } from 'node:http';
import { parseArgs } from 'node:util';

import { loadConfig } from '../../functions/src/config.js';
import { stopEventHub } from '../../functions/src/functions/events.js';
import { exposeMetrics } from '../../functions/src/observability/expose-metrics.js';
import { startTracing, stopTracing } from '../../functions/src/observability/tracing.js';
import { createRedisClient } from '../../functions/src/redis/client.js';
import {
  buildRegistrations,
  type HttpRegistration,
  type RedisListRegistration,
  type TimerRegistration,
} from '../../functions/src/registrations.js';
import { getServices } from '../../functions/src/services.js';
import { selectedFunctionNames } from './function-selection.js';
import { startHttpServer } from './http-server.js';
import { type ListPoller, startListPoller } from './list-trigger-poller.js';
import { consoleLog } from './logging.js';
import { startStrictListListener } from './strict-list-listener.js';
import { startTimer } from './timer-runner.js';

const functionsUsingPostgres: readonly string[] = ['submit-value', 'all-submissions', 'health'];

async function main(): Promise<void> {
  const { values: args } = parseArgs({
    options: {
      port: { type: 'string', default: '7071' },
      host: { type: 'string', default: '127.0.0.1' },
      quiet: { type: 'boolean', default: false },
      'strict-trigger': { type: 'boolean', default: process.env.LOCAL_HOST_STRICT_TRIGGER === '1' },
    },
  });
  const log = consoleLog(args.quiet ?? false);
  const config = loadConfig();
  const selected = selectedFunctionNames(process.env);
  const registrations = buildRegistrations(config).filter((r) => !selected || selected.includes(r.name));
  const unknown = selected?.filter((name) => !registrations.some((r) => r.name === name)) ?? [];
  if (unknown.length > 0) throw new Error(`AzureFunctionsJobHost__functions lists unknown functions: ${unknown.join(', ')}`);

  const http = registrations.filter((r): r is HttpRegistration => r.kind === 'http');
  const lists = registrations.filter((r): r is RedisListRegistration => r.kind === 'redisList');
  const timers = registrations.filter((r): r is TimerRegistration => r.kind === 'timer');
  const services = getServices();
  // Traces over OTLP only when the OTEL_* variables ask for it, as under the real host (index.ts).
  startTracing({ serviceName: http.some((r) => r.name === 'submit-value') ? 'fib-api' : 'fib-worker' });

  // Only the functions that use the submissions store open Postgres (a worker never does).
  if (http.some((r) => functionsUsingPostgres.includes(r.name))) {
    // Run migrations now, as the real app does on its first request; a down Postgres is retried later.
    await services.submissions().catch((error: unknown) =>
      log({
        level: 'warning',
        source: 'host',
        message: `postgres not ready yet (${error instanceof Error ? ((error.cause as Error | undefined)?.message ?? error.message) : String(error)}); will retry on first use`,
      }),
    );
  }
  let server: Server | undefined;
  const port = Number(args.port);
  const host = args.host ?? '127.0.0.1';
  if (http.length > 0) server = await startHttpServer(http, { port, host, log });
  const strict = args['strict-trigger'] ?? false;
  const pollerClient =
    lists.length > 0 && !strict
      ? createRedisClient(config.redisMaster, { role: 'list-trigger', timeoutMs: config.redisTimeoutMs })
      : undefined;
  const pollers: ListPoller[] = strict
    ? lists.map((r) => startStrictListListener(r, process.env[r.trigger.connection] ?? '127.0.0.1:6379', log))
    : pollerClient
      ? lists.map((r) => startListPoller(r, pollerClient, log))
      : [];
  const timerJobs = timers.map((r) => startTimer(r, log));
  // METRICS_PORT (0: none): on the interface the HTTP functions use, like the pod's port on AKS.
  const metricsServer = await exposeMetrics(services, {
    api: http.some((r) => r.name === 'submit-value'),
    host,
    log: (message) => log({ level: 'warning', source: 'metrics', message }),
  });

  const lines = ['Functions (local host):'];
  for (const r of http) lines.push(`  ${r.name}: [${r.methods.join(',')}] http://${host}:${port}/api/${r.route}`);
  for (const r of lists)
    lines.push(
      `  ${r.name}: redisListTrigger on "${r.trigger.key}" (batch ${r.trigger.maxBatchSize}, every ${r.trigger.pollingIntervalInMs} ms${strict ? ", strict: the extension's loop" : ''})`,
    );
  for (const r of timers) lines.push(`  ${r.name}: timerTrigger "${r.schedule}"`);
  if (metricsServer) lines.push(`  metrics: http://${host}:${config.metricsPort}/metrics`);
  process.stdout.write(`${lines.join('\n')}\nHost started\n`);

  let stopping = false;
  const shutdown = async (signal: string): Promise<void> => {
    if (stopping) return;
    stopping = true;
    log({ level: 'information', source: 'host', message: `${signal}: stopping` });
    timerJobs.forEach((job) => job.stop());
    await Promise.all(pollers.map((poller) => poller.stop()));
    const closed = new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
    server?.closeAllConnections();
    await closed;
    metricsServer?.closeAllConnections();
    await new Promise<void>((resolve) => (metricsServer ? metricsServer.close(() => resolve()) : resolve()));
    await stopEventHub();
    await pollerClient?.quit().catch(() => undefined);
    await services.close();
    await stopTracing();
    process.exit(0);
  };
  process.on('SIGINT', () => void shutdown('SIGINT'));
  process.on('SIGTERM', () => void shutdown('SIGTERM'));
}

main().catch((error: unknown) => {
  process.stderr.write(`local host failed to start: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});

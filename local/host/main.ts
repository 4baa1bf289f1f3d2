// The local Functions host: serves the same registrations as the Azure Functions host when
// Core Tools is not installed. HTTP on --port (default 7071) under /api, the Redis list
// trigger and the timers; honours AzureFunctionsJobHost__functions__N like the real host.
// Options: --port (7071), --host (127.0.0.1: loopback unless asked), --quiet, --strict-trigger
// (or LOCAL_HOST_STRICT_TRIGGER=1: the list trigger behaves exactly like the Redis extension,
// see strict-list-listener.ts).
//
// A bad setting (any error while the app's entry runs) does what it does under the real host:
// index.ts throws at import, the Node worker keeps the error and answers the host's metadata
// request with it (Azure/azure-functions-nodejs-worker src/startApp.ts, blockingAppStartError;
// src/eventHandlers/FunctionsMetadataHandler.ts), and the host logs "Worker failed to index
// functions" and goes on with the functions it got, none (Azure/azure-functions-host
// src/WebJobs.Script.Grpc/Channel/GrpcWorkerChannel.cs, ProcessFunctionMetadataResponses; the
// library registers functions only as index.ts runs, azure-functions-nodejs-library src/app.ts).
// So the host stays up with no functions: HTTP answers its plain 404 to everything, no trigger
// runs. On AKS that leaves the api pod NotReady (readiness gets 404) while its TCP liveness passes.
import type { Server } from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';
import { parseArgs } from 'node:util';

import { type Config, loadConfig } from '../../functions/src/config.js';
import { errorMessage } from '../../functions/src/errors.js';
import { createFunctionApp, type FunctionApp, workerTerminateGraceMs } from '../../functions/src/function-app.js';
import { selectedFunctionNames } from '../../functions/src/function-selection.js';
import { exposeMetrics } from '../../functions/src/observability/expose-metrics.js';
import { startTracing, stopTracing } from '../../functions/src/observability/tracing.js';
import { createRedisClient } from '../../functions/src/redis/client.js';
import {
  type HttpRegistration,
  type RedisListRegistration,
  type Registration,
  servesApi,
  startSelected,
  type TimerRegistration,
} from '../../functions/src/registrations.js';
import { loadHostSettings } from './host-settings.js';
import { startHttpServer } from './http-server.js';
import { type ListPoller, startListPoller } from './list-trigger-poller.js';
import { consoleLog } from './logging.js';
import { startStrictListListener } from './strict-list-listener.js';
import { startTimer } from './timer-runner.js';

async function main(): Promise<void> {
  const { values: args } = parseArgs({
    options: {
      port: { type: 'string' },
      host: { type: 'string', default: '127.0.0.1' },
      quiet: { type: 'boolean', default: false },
      'strict-trigger': { type: 'boolean' },
    },
  });
  const log = consoleLog(args.quiet ?? false);
  // The host's own settings and the platform's it emulates; a bad one of its own stops it here.
  const hostSettings = loadHostSettings(process.env);
  for (const message of hostSettings.warnings) log({ level: 'warning', source: 'host', message });
  // Everything index.ts does at import, in the same order: any error there (a setting that fails
  // validation, an unknown name in AzureFunctionsJobHost__functions__N, FIB_ENGINE=gmp without a
  // loadable binding) leaves the host up with no functions, whatever its type.
  let config: Readonly<Config> | undefined;
  let app: FunctionApp | undefined;
  let registrations: Registration[] = [];
  try {
    config = loadConfig();
    // Built once, as index.ts builds it under the real host; closed at shutdown (appTerminate).
    app = createFunctionApp(config);
    registrations = startSelected(app, selectedFunctionNames(process.env));
  } catch (error) {
    log({
      level: 'error',
      source: 'host',
      message: `the app failed to load, so the host runs no functions: ${errorMessage(error)}`,
    });
    const failed = app;
    config = undefined;
    app = undefined;
    await failed?.close();
  }

  const http = registrations.filter((r): r is HttpRegistration => r.kind === 'http');
  const lists = registrations.filter((r): r is RedisListRegistration => r.kind === 'redisList');
  const timers = registrations.filter((r): r is TimerRegistration => r.kind === 'timer');
  const services = app?.services;
  // Traces over OTLP only when the OTEL_* variables ask for it, as under the real host (index.ts).
  const api = servesApi(registrations);
  startTracing({ serviceName: api ? 'fib-api' : 'fib-worker' });

  // Only the api uses the submissions store (a worker never opens Postgres).
  if (services && api) {
    // Run migrations now, as the real app does on its first request; a down Postgres is retried later.
    await services.submissions().catch((error: unknown) =>
      log({
        level: 'warning',
        source: 'host',
        message: `postgres not ready yet (${errorMessage(error)}); will retry on first use`,
      }),
    );
  }
  let server: Server | undefined;
  const port = Number(args.port ?? '7071');
  const host = args.host ?? '127.0.0.1';
  // The real host always listens; without functions (a bad setting) every request is its 404.
  // A worker process with no HTTP function and no --port is left without a listener locally,
  // so that several workers do not compete for the default port.
  if (http.length > 0 || (!config && args.port !== undefined)) {
    server = await startHttpServer(http, { port, host, log, settings: hostSettings });
  }
  const strict = args['strict-trigger'] ?? hostSettings.strictTrigger;
  const pollerClient =
    config && lists.length > 0 && !strict
      ? createRedisClient(config.redisMaster, { role: 'list-trigger', timeoutMs: config.redisTimeoutMs })
      : undefined;
  const pollers: ListPoller[] = strict
    ? lists.map((r) => startStrictListListener(r, process.env[r.trigger.connection] ?? '127.0.0.1:6379', log))
    : pollerClient
      ? lists.map((r) => startListPoller(r, pollerClient, log))
      : [];
  const timerJobs = timers.map((r) => startTimer(r, log));
  // METRICS_PORT (0: none): on the interface the HTTP functions use, like the pod's port on AKS.
  const metricsServer = app
    ? await exposeMetrics(app, {
        api,
        host,
        log: (message) => log({ level: 'warning', source: 'metrics', message }),
      })
    : undefined;

  const lines = ['Functions (local host):'];
  for (const r of http) lines.push(`  ${r.name}: [${r.methods.join(',')}] http://${host}:${port}/api/${r.route}`);
  for (const r of lists)
    lines.push(
      `  ${r.name}: redisListTrigger on "${r.trigger.key}" (batch ${r.trigger.maxBatchSize}, every ${r.trigger.pollingIntervalInMs} ms${strict ? ", strict: the extension's loop" : ''})`,
    );
  for (const r of timers) lines.push(`  ${r.name}: timerTrigger "${r.schedule}"`);
  if (metricsServer && config) lines.push(`  metrics: http://${host}:${config.metricsPort}/metrics`);
  process.stdout.write(`${lines.join('\n')}\nHost started\n`);

  let stopping = false;
  const shutdown = async (signal: string): Promise<void> => {
    if (stopping) return;
    stopping = true;
    log({ level: 'information', source: 'host', message: `${signal}: stopping` });
    // The real host gives the worker workerTerminateGraceMs (5 s) after WorkerTerminate and then
    // kills it (Azure/azure-functions-host src/WebJobs.Script.Grpc/Channel/GrpcWorkerChannel.cs,
    // StopWorkerProcess → WorkerProcess.WaitForProcessExitInMilliSeconds, then
    // src/WebJobs.Script/Workers/ProcessManagement/WorkerProcess.cs Dispose → Process.Kill). Host
    // and worker are one process here, so the whole stop gets that bound, then the process exits
    // anyway: work still running keeps its lease, which expires and is requeued.
    const graceOver = sleep(workerTerminateGraceMs, 'grace over' as const);
    const stopped = (async () => {
      // First the app stops taking work (its invocations in flight give back what they have not
      // started), then the triggers stop (each waits for its batch in flight, as the extensions'
      // listeners do on StopAsync, e.g. TimerListener.cs in azure-webjobs-sdk-extensions), then the
      // app closes every client, pool and timer it opened, as index.ts's appTerminate hook does (the
      // worker runs it on WorkerTerminate: Azure/azure-functions-nodejs-worker
      // src/eventHandlers/terminateWorker.ts, executeHooks('appTerminate') then process.exit).
      const appClosed = app?.close();
      timerJobs.forEach((job) => job.stop());
      await Promise.all(pollers.map((poller) => poller.stop()));
      const closed = new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
      server?.closeAllConnections();
      await closed;
      metricsServer?.closeAllConnections();
      await new Promise<void>((resolve) => (metricsServer ? metricsServer.close(() => resolve()) : resolve()));
      await pollerClient?.quit().catch(() => undefined);
      await appClosed;
      await stopTracing();
    })();
    const outcome = await Promise.race([
      stopped.catch((error: unknown) => log({ level: 'error', source: 'host', message: `stopping: ${errorMessage(error)}` })),
      graceOver,
    ]);
    if (outcome === 'grace over')
      log({
        level: 'warning',
        source: 'host',
        message: `the app did not finish stopping within the host's ${workerTerminateGraceMs / 1000} s terminate grace; exiting`,
      });
    process.exit(0);
  };
  process.on('SIGINT', () => void shutdown('SIGINT'));
  process.on('SIGTERM', () => void shutdown('SIGTERM'));
}

main().catch((error: unknown) => {
  process.stderr.write(`local host failed to start: ${errorMessage(error)}\n`);
  process.exit(1);
});

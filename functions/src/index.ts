// Entry point for the Azure Functions host (package.json "main"): builds the app once from the
// validated settings and registers the functions this process runs.
import azf from '@azure/functions';

import { loadConfig } from './config.js';
import { errorMessage } from './errors.js';
import { createFunctionApp } from './function-app.js';
import { selectedFunctionNames } from './function-selection.js';
import { exposeMetrics } from './observability/expose-metrics.js';
import { startTracing, stopTracing } from './observability/tracing.js';
import { servesApi, startSelected } from './registrations.js';

// @azure/functions is CommonJS; under ESM its classes come from the default export.
const { app, trigger } = azf;

// HTTP streams: GET /api/events returns a ReadableStream body (server-sent events). Needs
// @azure/functions >= 4.3 and Functions runtime >= 4.28 (learn.microsoft.com/azure/azure-functions/node-http-stream).
app.setup({ enableHttpStream: true });

// A bad setting throws here: the worker reports it and the host stays up with no functions
// (the local host reproduces that).
const functionApp = createFunctionApp(loadConfig());

// Only the functions this Deployment runs (AzureFunctionsJobHost__functions__N) are registered
// and started, so the api never loads what only the worker needs (the native GMP binding).
const registrations = startSelected(functionApp, selectedFunctionNames(process.env));
const api = servesApi(registrations);

// Traces: exported over OTLP only when the standard OTEL_* variables ask for it (off by default).
// Spans start in invocations, which begin only after registration below.
startTracing({ serviceName: api ? 'fib-api' : 'fib-worker' });

for (const registration of registrations) {
  switch (registration.kind) {
    case 'http':
      app.http(registration.name, {
        methods: registration.methods,
        route: registration.route,
        authLevel: 'anonymous',
        handler: registration.handler,
      });
      break;
    case 'redisList':
      app.generic(registration.name, {
        trigger: trigger.generic({ ...registration.trigger }),
        handler: registration.handler,
      });
      break;
    case 'timer':
      // useMonitor: false — no schedule bookkeeping in storage (AzureWebJobsStorage is unset on AKS).
      app.timer(registration.name, { schedule: registration.schedule, useMonitor: false, handler: registration.handler });
      break;
  }
}

// METRICS_PORT (9464 on AKS): Prometheus text on the pod's own port, which the Gateway does not route.
const metricsServer = exposeMetrics(functionApp, { api }).catch((error: unknown) => {
  console.error(`metrics: could not serve on METRICS_PORT (${errorMessage(error)})`);
  return undefined;
});

// Under the real host: close every client, pool, timer and reader the app opened, the metrics
// server and the trace exporter.
app.hook.appTerminate(async () => {
  await functionApp.close();
  const server = await metricsServer;
  await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
  await stopTracing();
});

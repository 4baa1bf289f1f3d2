// Entry point for the Azure Functions host (package.json "main"): registers every function.
import azf from '@azure/functions';

import { loadConfig } from './config.js';
import { stopEventHub } from './functions/events.js';
import { exposeMetrics, servesApi } from './observability/expose-metrics.js';
import { startTracing, stopTracing } from './observability/tracing.js';
import { buildRegistrations } from './registrations.js';
import { getServices } from './services.js';

// @azure/functions is CommonJS; under ESM its classes come from the default export.
const { app, trigger } = azf;

// HTTP streams: GET /api/events returns a ReadableStream body (server-sent events). Needs
// @azure/functions >= 4.3 and Functions runtime >= 4.28 (learn.microsoft.com/azure/azure-functions/node-http-stream).
app.setup({ enableHttpStream: true });

// Traces: exported over OTLP only when the standard OTEL_* variables ask for it (off by default).
startTracing({ serviceName: servesApi() ? 'fib-api' : 'fib-worker' });

for (const registration of buildRegistrations(loadConfig())) {
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
const metricsServer = exposeMetrics(getServices(), { api: servesApi() }).catch((error: unknown) => {
  console.error(`metrics: could not serve on METRICS_PORT (${error instanceof Error ? error.message : String(error)})`);
  return undefined;
});

// Under the real host, stop the shared event reader and the metrics server when the app shuts down.
app.hook.appTerminate(async () => {
  await stopEventHub();
  const server = await metricsServer;
  await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
  await stopTracing();
});

// Serves the process's metrics (GET /metrics, Prometheus text format) on a port of its own,
// which the Gateway does not route: only the cluster's scraper (or a local one) reaches it.
import { createServer, type Server } from 'node:http';

import { errorMessage } from '../errors.js';
import type { AppMetrics } from './metrics.js';

/** What {@link startMetricsServer} listens on. */
export interface MetricsServerOptions {
  port: number;
  /** @defaultValue 0.0.0.0 (a pod's scraper connects to the pod's address) */
  host?: string;
  log?: (message: string) => void;
}

/** Starts the metrics server; resolves once it listens. */
export async function startMetricsServer(metrics: AppMetrics, options: MetricsServerOptions): Promise<Server> {
  const server = createServer((request, response) => {
    const path = (request.url ?? '/').split('?')[0];
    if (request.method !== 'GET' || path !== '/metrics') {
      response.writeHead(404, { 'content-type': 'application/json' }).end('{"error":"only GET /metrics is served here"}');
      return;
    }
    metrics.text().then(
      (text) => response.writeHead(200, { 'content-type': metrics.registry.contentType }).end(text),
      (error: unknown) => {
        options.log?.(`metrics: could not collect (${errorMessage(error)})`);
        response.writeHead(500, { 'content-type': 'application/json' }).end('{"error":"could not collect metrics"}');
      },
    );
  });
  // A scrape has its own timeout (10 s by default); nothing here waits longer.
  server.requestTimeout = 15_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host ?? '0.0.0.0', () => {
      server.off('error', reject);
      resolve();
    });
  });
  return server;
}

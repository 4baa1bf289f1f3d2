// Turns on the process's metrics endpoint when METRICS_PORT is set: the api adds the queue and
// Redis gauges (read from Redis on scrape); every process serves what it records itself.
import type { Server } from 'node:http';

import type { FunctionApp } from '../function-app.js';
import { readStats } from '../functions/stats.js';
import { startMetricsServer } from './metrics-server.js';

/** What {@link exposeMetrics} serves. */
export interface ExposeMetricsOptions {
  /** This process serves the HTTP api (it reads the queue gauges from Redis on scrape). */
  api: boolean;
  /** @defaultValue 0.0.0.0 */
  host?: string;
  log?: (message: string) => void;
}

/** The function whose presence makes a process the api (the Functions host's selection). */
const apiFunction = 'submit-value';

/**
 * Whether the Functions host runs the api here: AzureFunctionsJobHost__functions__N names
 * `submit-value`, or names nothing (every function runs).
 */
export function servesApi(env: NodeJS.ProcessEnv = process.env): boolean {
  const selected = Object.entries(env)
    .filter(([name, value]) => /^AzureFunctionsJobHost__functions__\d+$/.test(name) && value)
    .map(([, value]) => value);
  return selected.length === 0 || selected.includes(apiFunction);
}

/** Starts the server of the app's metrics on METRICS_PORT; undefined when it is 0 (off). */
export async function exposeMetrics(app: FunctionApp, options: ExposeMetricsOptions): Promise<Server | undefined> {
  const { services } = app;
  const port = services.config.metricsPort;
  if (port === 0) return undefined;
  const { metrics } = app;
  metrics.countOpenStreams(() => app.streamSlots.size);
  if (options.api) {
    // Bounded below a scrape's own timeout: a slow Redis leaves the gauges out, not the scrape.
    const boundMs = Math.min(2000, services.config.redisTimeoutMs);
    metrics.watchQueue(async () => {
      const { value } = await readStats(services, Date.now());
      return { stats: value, ...(value.memory ? { memory: value.memory } : {}) };
    }, boundMs);
  }
  return startMetricsServer(metrics, {
    port,
    ...(options.host ? { host: options.host } : {}),
    ...(options.log ? { log: options.log } : {}),
  });
}

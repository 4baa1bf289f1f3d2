// Turns on the process's metrics endpoint when METRICS_PORT is set: the api adds the queue and
// Redis gauges (read from Redis on scrape); every process serves what it records itself.
import type { Server } from 'node:http';

import type { Config } from '../config.js';
import { readStats, type StatsSources } from '../stats/read-stats.js';
import type { AppMetrics } from './metrics.js';
import { startMetricsServer } from './metrics-server.js';

/** What {@link exposeMetrics} reads: the app's metrics, its open streams and, on the api, the queue figures. */
export interface MetricsSources {
  readonly metrics: AppMetrics;
  readonly streamSlots: { readonly size: number };
  readonly services: StatsSources & { readonly config: Pick<Config, 'maxIndex' | 'metricsPort' | 'redisTimeoutMs'> };
}

/** What {@link exposeMetrics} serves. */
export interface ExposeMetricsOptions {
  /** This process serves the HTTP api (it reads the queue gauges from Redis on scrape). */
  api: boolean;
  /** @defaultValue 0.0.0.0 */
  host?: string;
  log?: (message: string) => void;
}

/** Starts the server of the app's metrics on METRICS_PORT; undefined when it is 0 (off). */
export async function exposeMetrics(app: MetricsSources, options: ExposeMetricsOptions): Promise<Server | undefined> {
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

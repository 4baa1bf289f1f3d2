// Reads a ScaledObject `metrics-api` trigger locally, as KEDA's metrics-api scaler does on AKS:
// GET the URL, take the number at valueLocation. The manifest's URL names the api Service in
// the cluster; here the same path is asked of the local api process.
import { type MetricsApiTrigger, metricsApiValue } from './scaling-rules.js';

/** The trigger's URL with its origin replaced by the local api's (`http://127.0.0.1:<port>`). */
export function localTriggerUrl(trigger: Pick<MetricsApiTrigger, 'url'>, apiOrigin: string): string {
  const url = new URL(trigger.url);
  return `${apiOrigin}${url.pathname}${url.search}`;
}

/** One reading of the trigger's metric; throws (KEDA: a scaler error) on a failed or odd answer. */
export async function readMetricsApiTrigger(trigger: MetricsApiTrigger, apiOrigin: string, timeoutMs = 2000): Promise<number> {
  const response = await fetch(localTriggerUrl(trigger, apiOrigin), { signal: AbortSignal.timeout(timeoutMs) });
  if (!response.ok) {
    await response.arrayBuffer();
    throw new Error(`${trigger.url} answered ${response.status}`);
  }
  return metricsApiValue(await response.json(), trigger.valueLocation);
}

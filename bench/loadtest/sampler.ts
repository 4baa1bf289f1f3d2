// Samples the system once per interval: /api/stats (queue, pending, done, failed, worker
// heartbeats, throughput counters), the local runtime's scaler (GET <runtimeUrl>/scaler)
// and, with --kube, the worker Deployment/HPA.
import { execFile } from 'node:child_process';

/** Totals the API counts since its Redis data began (/api/stats `counters`; absent fields read as 0). */
export interface ThroughputCounters {
  leaseExpired: number;
  invocationFailed: number;
  givenBack: number;
  retried: number;
}

export const counterNames = [
  'leaseExpired',
  'invocationFailed',
  'givenBack',
  'retried',
] as const satisfies readonly (keyof ThroughputCounters)[];

/** One row of the load test's time series (also one CSV line). */
export interface Sample extends ThroughputCounters {
  /** Seconds since the run started. */
  t: number;
  time: string;
  submitted: number;
  accepted: number;
  errors: number;
  queueLength: number | null;
  pending: number | null;
  done: number | null;
  failed: number | null;
  /** Completions per second since the previous sample (delta of `done`). */
  completionsPerSecond: number | null;
  /** {@link completionsPerSecond} per running worker. */
  completionsPerWorker: number | null;
  /** Workers with a heartbeat in the last 15 s (from /api/stats). */
  workersHeartbeat: number | null;
  /** Workers KEDA's/the HPA's rules ask for (the runtime's /scaler `desired`). */
  workersDesired: number | null;
  /** Worker processes actually running, per the local scaler. */
  workersRunning: number | null;
  /** The local runtime's cap on workers (the machine's cores), when it has one. */
  workersCap: number | null;
  capReason: string | null;
  kubeReplicas: number | null;
  kubeReady: number | null;
  kubeHpaDesired: number | null;
  /** Whether /api/stats carried `counters` (else the four counters read as 0). */
  countersReported: boolean;
}

/** Running workers of a sample: ready pods (kubectl), else the scaler's running/desired, else heartbeats. */
export function workersOf(sample: Sample): number | null {
  return sample.kubeReady ?? sample.workersRunning ?? sample.workersDesired ?? sample.workersHeartbeat;
}

/** Fills the rate fields of `current` from the change of `done` since `previous`. */
export function withCompletionRates(previous: Sample | undefined, current: Sample): Sample {
  const seconds = previous ? current.t - previous.t : 0;
  const completed = previous && previous.done !== null && current.done !== null ? current.done - previous.done : null;
  // A negative delta means the Redis data was reset mid-run; no rate for that interval.
  const perSecond = completed !== null && completed >= 0 && seconds > 0 ? completed / seconds : null;
  const workers = workersOf(current);
  return {
    ...current,
    completionsPerSecond: perSecond === null ? null : round(perSecond),
    completionsPerWorker: perSecond === null || !workers ? null : round(perSecond / workers),
  };
}

const round = (value: number) => Math.round(value * 10) / 10;

/** The local runtime's scaler state (GET <runtimeUrl>/scaler). */
interface ScalerBody {
  desired?: unknown;
  running?: unknown;
  cap?: unknown;
  capReason?: unknown;
}

interface StatsBody {
  queueLength?: number;
  pending?: number;
  done?: number;
  failed?: number;
  workers?: { active?: number };
  counters?: Partial<Record<keyof ThroughputCounters, unknown>>;
}

/** Options for {@link Sampler}. */
export interface SamplerOptions {
  url: string;
  kube?: boolean;
  kubeNamespace?: string;
  /** The local runtime's status server (runtime.json `runtimeUrl`): GET /scaler. */
  runtimeUrl?: string;
  /** Request timeout per sample, ms. @defaultValue 2000 */
  timeoutMs?: number;
}

function numberOrNull(value: unknown): number | null {
  if (value === undefined || value === null || value === '') return null;
  const number = Number(value);
  return Number.isFinite(number) ? number : null;
}

function kubectlJson(args: string[], namespace: string | undefined): Promise<Record<string, unknown> | undefined> {
  return new Promise((resolve) => {
    execFile('kubectl', [...(namespace ? ['-n', namespace] : []), ...args, '-o', 'json'], { timeout: 3000 }, (error, stdout) => {
      if (error) return resolve(undefined);
      try {
        resolve(JSON.parse(stdout) as Record<string, unknown>);
      } catch {
        resolve(undefined);
      }
    });
  });
}

async function getJson<T>(url: string, timeoutMs: number): Promise<T | undefined> {
  try {
    const response = await fetch(url, { signal: AbortSignal.timeout(timeoutMs) });
    if (!response.ok) return undefined;
    return (await response.json()) as T;
  } catch {
    return undefined;
  }
}

/** Reads one sample's worth of figures; every source is optional and bounded in time. */
export class Sampler {
  private readonly started = performance.now();
  private previous: Sample | undefined;
  constructor(private readonly options: SamplerOptions) {}

  async sample(counters: { submitted: number; accepted: number; errors: number }): Promise<Sample> {
    const timeoutMs = this.options.timeoutMs ?? 2000;
    const [stats, kube, scaler] = await Promise.all([
      getJson<StatsBody>(`${this.options.url}/api/stats`, timeoutMs),
      this.options.kube ? this.kube() : undefined,
      this.options.runtimeUrl ? getJson<ScalerBody>(`${this.options.runtimeUrl}/scaler`, timeoutMs) : undefined,
    ]);
    const capReason = scaler?.capReason;
    const sample = withCompletionRates(this.previous, {
      t: Math.round((performance.now() - this.started) / 100) / 10,
      time: new Date().toISOString(),
      ...counters,
      queueLength: numberOrNull(stats?.queueLength),
      pending: numberOrNull(stats?.pending),
      done: numberOrNull(stats?.done),
      failed: numberOrNull(stats?.failed),
      completionsPerSecond: null,
      completionsPerWorker: null,
      workersHeartbeat: numberOrNull(stats?.workers?.active),
      workersDesired: numberOrNull(scaler?.desired),
      workersRunning: numberOrNull(scaler?.running),
      workersCap: numberOrNull(scaler?.cap),
      capReason: typeof capReason === 'string' && capReason !== '' ? capReason : null,
      kubeReplicas: kube?.replicas ?? null,
      kubeReady: kube?.ready ?? null,
      kubeHpaDesired: kube?.hpaDesired ?? null,
      countersReported: stats?.counters !== undefined && stats.counters !== null,
      ...readCounters(stats?.counters),
    });
    this.previous = sample;
    return sample;
  }

  private async kube(): Promise<{ replicas: number | null; ready: number | null; hpaDesired: number | null }> {
    // KEDA names the HPA it creates keda-hpa-<ScaledObject name>.
    const [deployment, hpa] = await Promise.all([
      kubectlJson(['get', 'deploy', 'worker'], this.options.kubeNamespace),
      kubectlJson(['get', 'hpa', 'keda-hpa-worker'], this.options.kubeNamespace),
    ]);
    const spec = deployment?.spec as { replicas?: number } | undefined;
    const status = deployment?.status as { readyReplicas?: number } | undefined;
    const hpaStatus = hpa?.status as { desiredReplicas?: number } | undefined;
    return {
      replicas: deployment ? (spec?.replicas ?? 0) : null,
      ready: deployment ? (status?.readyReplicas ?? 0) : null,
      hpaDesired: numberOrNull(hpaStatus?.desiredReplicas),
    };
  }
}

/** The stats `counters` object with every absent or malformed field read as 0. */
export function readCounters(counters: StatsBody['counters'] | null | undefined): ThroughputCounters {
  const read = (name: keyof ThroughputCounters) => numberOrNull(counters?.[name]) ?? 0;
  return {
    leaseExpired: read('leaseExpired'),
    invocationFailed: read('invocationFailed'),
    givenBack: read('givenBack'),
    retried: read('retried'),
  };
}

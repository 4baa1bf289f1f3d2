// Samples the system once per interval: /api/stats (queue, pending, done, failed, worker
// heartbeats, the local scaler's replica count) and, with --kube, the worker Deployment/HPA.
import { execFile } from 'node:child_process';
import { readFile } from 'node:fs/promises';

/** One row of the load test's time series (also one CSV line). */
export interface Sample {
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
  /** Workers with a heartbeat in the last 15 s (from /api/stats). */
  workersHeartbeat: number | null;
  /** Replicas the (local) scaler has set, when known. */
  workersScaler: number | null;
  /** The scaler's current metric proposal (HPA desired before limits). */
  desired: number | null;
  kubeReplicas: number | null;
  kubeReady: number | null;
  kubeHpaDesired: number | null;
}

/** The best worker count of a sample: kubectl, else the scaler, else heartbeats. */
export function workersOf(sample: Sample): number | null {
  return sample.kubeReplicas ?? sample.workersScaler ?? sample.workersHeartbeat;
}

interface StatsBody {
  queueLength?: number;
  pending?: number;
  done?: number;
  failed?: number;
  workers?: { active?: number };
  autoscaler?: { replicas?: number | string; proposal?: number | string; desired?: number | string };
}

/** Options for {@link Sampler}. */
export interface SamplerOptions {
  url: string;
  kube?: boolean;
  kubeNamespace?: string;
  autoscalerStateFile?: string;
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

/** Reads one sample's worth of figures; every source is optional and bounded in time. */
export class Sampler {
  private readonly started = performance.now();
  constructor(private readonly options: SamplerOptions) {}

  async sample(counters: { submitted: number; accepted: number; errors: number }): Promise<Sample> {
    const [stats, kube, scalerFile] = await Promise.all([
      this.stats(),
      this.options.kube ? this.kube() : undefined,
      this.scalerFile(),
    ]);
    const scaler = stats?.autoscaler ?? scalerFile;
    return {
      t: Math.round((performance.now() - this.started) / 100) / 10,
      time: new Date().toISOString(),
      ...counters,
      queueLength: numberOrNull(stats?.queueLength),
      pending: numberOrNull(stats?.pending),
      done: numberOrNull(stats?.done),
      failed: numberOrNull(stats?.failed),
      workersHeartbeat: numberOrNull(stats?.workers?.active),
      workersScaler: numberOrNull(scaler?.replicas),
      desired: numberOrNull(scaler?.proposal ?? scaler?.desired),
      kubeReplicas: kube?.replicas ?? null,
      kubeReady: kube?.ready ?? null,
      kubeHpaDesired: kube?.hpaDesired ?? null,
    };
  }

  private async stats(): Promise<StatsBody | undefined> {
    try {
      const response = await fetch(`${this.options.url}/api/stats`, {
        signal: AbortSignal.timeout(this.options.timeoutMs ?? 2000),
      });
      if (!response.ok) return undefined;
      return (await response.json()) as StatsBody;
    } catch {
      return undefined;
    }
  }

  private async scalerFile(): Promise<StatsBody['autoscaler'] | undefined> {
    if (!this.options.autoscalerStateFile) return undefined;
    try {
      return JSON.parse(await readFile(this.options.autoscalerStateFile, 'utf8')) as StatsBody['autoscaler'];
    } catch {
      return undefined;
    }
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

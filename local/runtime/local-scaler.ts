// The local stand-in for KEDA + the HPA: every pollingInterval it reads LLEN of the tasks list
// on the Redis master (as KEDA's redis scaler does) and the ScaledObject's metrics-api triggers
// (pending work from the api's /api/stats), and activates/deactivates the worker
// "Deployment"; every HPA sync period it applies the HPA's rules. That decides `desired` (the
// Deployment's replicas). It then runs min(desired, cap) worker processes: the cap is what this
// machine's cores can run, like a cluster whose nodes are full, where the extra pods stay
// Pending. Rules: ./scaling-rules.ts; numbers: keda/scaledobject.yaml.
// With a `replicasSource` (npm run cluster) the rules are not emulated: `desired` is read from
// the worker Deployment's spec.replicas in a real API server, where the real KEDA operator and
// HPA controller set it; the processes, the cap and GET /scaler work as before.
import { clearInterval, setInterval } from 'node:timers';

import type { ScalerState } from './scaler-state.js';
import { hpaControllerDefaults, type HpaState, hpaStep, kedaStep, newHpaState, type ScalingSpec } from './scaling-rules.js';

/** One running worker process (a "pod"). */
export interface WorkerHandle {
  name?: string;
  /** Whether it is running now (false while it waits to be restarted). @defaultValue true */
  readonly running?: boolean;
  /** Graceful stop: SIGTERM, the batch in flight finishes, the process exits. */
  stop(): Promise<void>;
}

/** Where `desired` comes from when the rules are not emulated (the real engines decide). */
export interface ReplicasSource {
  /** Shown in the log, e.g. "Deployment fib/worker spec.replicas". */
  describe: string;
  /** The replica count now, and who set it (e.g. "KEDA operator", "HPA controller"). */
  read(): Promise<{ replicas: number; setBy?: string }>;
  /** @defaultValue 1000 */
  periodMs?: number;
}

export interface LocalScalerOptions {
  spec: ScalingSpec;
  readQueueLength(): Promise<number>;
  /** The values of `spec.metricsApiTriggers`, in order. @defaultValue none read */
  readMetricsApiValues?(): Promise<number[]>;
  startWorker(): WorkerHandle;
  /** Most workers run at once, and why. @defaultValue no cap */
  cap?: { cap: number; reason: string };
  log?: (message: string) => void;
  /** @defaultValue 15 */
  hpaSyncPeriodSeconds?: number;
  /** WORKERS=N: no scaling, N desired. */
  fixedReplicas?: number;
  /** Follow a real Deployment's replicas instead of emulating KEDA and the HPA. */
  replicasSource?: ReplicasSource;
  now?: () => number;
}

/** Runs the scaling loops against injected parts (tests drive it with fake workers). */
export class LocalScaler {
  /** KEDA's / the HPA's replica count. */
  desired = 0;
  private readonly workers: WorkerHandle[] = [];
  private readonly stopping = new Set<Promise<void>>();
  private readonly hpa: HpaState = newHpaState();
  private lastActiveTime: number | undefined;
  private isActive = false;
  private queueLength = 0;
  private metricsApiValues: number[] = [];
  private proposal = 0;
  private lastReason = 'starting';
  private readonly timers: NodeJS.Timeout[] = [];
  private chain: Promise<void> = Promise.resolve();
  private stopped = false;
  private readFailing = false;
  private readonly log: (message: string) => void;
  private readonly now: () => number;
  private readonly hpaSyncPeriodSeconds: number;
  private readonly cap: { cap: number; reason: string };

  constructor(private readonly options: LocalScalerOptions) {
    this.log = options.log ?? (() => undefined);
    this.now = options.now ?? Date.now;
    this.hpaSyncPeriodSeconds = options.hpaSyncPeriodSeconds ?? hpaControllerDefaults.syncPeriodSeconds;
    this.cap = options.cap ?? { cap: Number.MAX_SAFE_INTEGER, reason: 'no cap' };
  }

  private get spec(): ScalingSpec {
    return this.options.spec;
  }

  /** Worker processes running now. */
  get running(): number {
    return this.workers.filter((worker) => worker.running ?? true).length;
  }

  /** What the scaler knows now (what GET /scaler answers). */
  snapshot(): ScalerState {
    return {
      mode: this.options.fixedReplicas !== undefined ? 'fixed' : this.options.replicasSource ? 'real-keda' : 'keda',
      desired: this.desired,
      running: this.running,
      cap: this.cap.cap,
      capReason: this.cap.reason,
      queueLength: this.queueLength,
      metricsApiValues: this.metricsApiValues,
      active: this.isActive,
      reason: this.lastReason,
      minReplicaCount: this.spec.minReplicaCount,
      maxReplicaCount: this.spec.maxReplicaCount,
      listLength: this.spec.listLength,
      proposal: this.proposal,
      activationListLength: this.spec.activationListLength,
      pollingInterval: this.spec.pollingIntervalSeconds,
      cooldownPeriod: this.spec.cooldownPeriodSeconds,
      hpaSyncPeriod: this.hpaSyncPeriodSeconds,
      lastActiveTime: this.lastActiveTime ?? null,
      updatedAt: this.now(),
    };
  }

  /** Starts both loops (KEDA's first pass runs at once, like a new ScaledObject). */
  start(): this {
    const fixed = this.options.fixedReplicas;
    if (fixed !== undefined) {
      this.setDesired(fixed, `WORKERS=${fixed} pins the count`);
      return this;
    }
    const source = this.options.replicasSource;
    if (source) {
      void this.serial(() => this.followSource(source));
      const timer = setInterval(() => void this.serial(() => this.followSource(source)), source.periodMs ?? 1000);
      timer.unref();
      this.timers.push(timer);
      return this;
    }
    void this.serial(() => this.kedaTick());
    this.timers.push(setInterval(() => void this.serial(() => this.kedaTick()), this.spec.pollingIntervalSeconds * 1000));
    this.timers.push(setInterval(() => void this.serial(() => this.hpaTick()), this.hpaSyncPeriodSeconds * 1000));
    for (const timer of this.timers) timer.unref();
    return this;
  }

  /** Stops the loops and every worker (gracefully). */
  async stop(): Promise<void> {
    this.stopped = true;
    for (const timer of this.timers) clearInterval(timer);
    await this.chain;
    const workers = this.workers.splice(0);
    await Promise.all([...workers.map((worker) => worker.stop()), ...this.stopping]);
  }

  private serial(step: () => Promise<void>): Promise<void> {
    this.chain = this.chain
      .then(() => (this.stopped ? undefined : step()))
      .catch((error: unknown) => this.log(`scaler step failed: ${(error as Error).message}`));
    return this.chain;
  }

  private async measure(): Promise<{ queueLength: number; metricsApiValues: number[] } | undefined> {
    try {
      const [queueLength, metricsApiValues] = await Promise.all([
        this.options.readQueueLength(),
        this.options.readMetricsApiValues?.() ?? Promise.resolve([]),
      ]);
      if (this.readFailing) this.log('trigger metrics readable again');
      this.readFailing = false;
      this.queueLength = queueLength;
      this.metricsApiValues = metricsApiValues;
      return { queueLength, metricsApiValues };
    } catch (error) {
      // KEDA keeps the current count when a scaler errors (no fallback configured); with one
      // trigger unreadable we keep it too, rather than scale on the others alone.
      if (!this.readFailing)
        this.log(`cannot read the trigger metrics (${(error as Error).message}); keeping ${this.desired} desired`);
      this.readFailing = true;
      return undefined;
    }
  }

  private sourceFailing = false;

  /** Reads the real Deployment's replicas (and the queue, for GET /scaler) and follows them. */
  async followSource(source: ReplicasSource): Promise<void> {
    const measured = await this.measure();
    if (measured !== undefined) this.isActive = measured.queueLength > this.spec.activationListLength;
    let read: { replicas: number; setBy?: string };
    try {
      read = await source.read();
      if (this.sourceFailing) this.log(`${source.describe} readable again`);
      this.sourceFailing = false;
    } catch (error) {
      if (!this.sourceFailing) this.log(`cannot read ${source.describe} (${(error as Error).message}); keeping ${this.desired}`);
      this.sourceFailing = true;
      return;
    }
    const why = `${source.describe} = ${read.replicas}${read.setBy ? ` (set by ${read.setBy})` : ''}`;
    if (read.replicas !== this.desired) this.setDesired(read.replicas, why);
    // GET /scaler's `reason` says the source has been read (also when it matched the start).
    else this.lastReason = why;
  }

  private describe(queueLength: number, metricsApiValues: readonly number[]): string {
    const others = (this.spec.metricsApiTriggers ?? []).map(
      (trigger, i) => `, ${trigger.valueLocation} ${metricsApiValues[i] ?? '?'} / ${trigger.targetValue}`,
    );
    return `queue ${queueLength} / listLength ${this.spec.listLength}${others.join('')}`;
  }

  /** One KEDA polling pass: activation 0 -> min(1) and deactivation -> 0 after cooldownPeriod. */
  async kedaTick(): Promise<void> {
    const measured = await this.measure();
    if (measured === undefined) return;
    const { queueLength, metricsApiValues } = measured;
    const step = kedaStep({
      spec: this.spec,
      queueLength,
      metricsApiValues,
      currentReplicas: this.desired,
      lastActiveTime: this.lastActiveTime,
      now: this.now(),
    });
    this.isActive = step.isActive;
    this.lastActiveTime = step.lastActiveTime;
    if (step.replicas !== undefined && step.replicas !== this.desired) {
      const why =
        step.reason === 'activated'
          ? `KEDA activated: ${this.describe(queueLength, metricsApiValues)} (a trigger above its activation value)`
          : step.reason === 'deactivated'
            ? `KEDA: every trigger inactive for cooldownPeriod ${this.spec.cooldownPeriodSeconds} s`
            : `KEDA: ${step.reason}`;
      this.setDesired(step.replicas, why);
    } else if (step.reason === 'cooling down' && this.desired > 0 && this.lastActiveTime !== undefined) {
      // The last change's reason ("activated: queue 1 > 0") would stay up for the whole cooldown.
      const left = Math.max(0, Math.ceil((this.lastActiveTime + this.spec.cooldownPeriodSeconds * 1000 - this.now()) / 1000));
      this.lastReason = `KEDA: no trigger active, cooling down: 0 workers in ${left} s (cooldownPeriod ${this.spec.cooldownPeriodSeconds} s)`;
    }
  }

  /** One HPA sync: desired = ceil(queue / listLength) with tolerance, windows and policies. */
  async hpaTick(): Promise<void> {
    const measured = await this.measure();
    if (measured === undefined) return;
    const { queueLength, metricsApiValues } = measured;
    const step = hpaStep({
      spec: this.spec,
      state: this.hpa,
      metricValue: queueLength,
      metricsApiValues,
      currentReplicas: this.desired,
      now: this.now(),
    });
    this.proposal = step.proposal;
    if (step.replicas !== this.desired) {
      this.setDesired(step.replicas, `HPA: ${this.describe(queueLength, metricsApiValues)} -> ${step.proposal} (${step.reason})`);
    }
  }

  private setDesired(desired: number, why: string): void {
    const target = Math.min(desired, this.cap.cap);
    if (desired !== this.desired) {
      const capped = target < desired ? `, running ${target} (cap ${this.cap.cap}: ${this.cap.reason})` : '';
      this.log(`workers ${this.desired} -> ${desired}${capped}  (${why})`);
    }
    this.lastReason = why;
    this.desired = desired;
    while (this.workers.length < target) this.workers.push(this.options.startWorker());
    while (this.workers.length > target) {
      // Like a ReplicaSet scaling in, the newest pod goes first; it finishes its batch (SIGTERM).
      const worker = this.workers.pop();
      if (!worker) break;
      const stopped: Promise<void> = worker.stop().finally(() => this.stopping.delete(stopped));
      this.stopping.add(stopped);
    }
  }
}

export type { ScalerState } from './scaler-state.js';

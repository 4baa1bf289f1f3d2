// Types for autoscaler.mjs.
import type { ScalingSpec } from './autoscaler-rules.mjs';

/** One running worker process (a "pod"). */
export interface WorkerHandle {
  name?: string;
  /** Graceful stop: SIGTERM, the batch in flight finishes, the process exits. */
  stop(): Promise<void>;
}

/** What the scaler publishes (Redis hash `<prefix>fib:autoscaler`, fields as strings; and autoscaler.json). */
export interface AutoscalerState {
  mode: 'keda' | 'fixed';
  replicas: number;
  running: number;
  stopping: number;
  proposal: number;
  active: boolean;
  queueLength: number;
  lastActiveTime: number | null;
  reason: string;
  minReplicaCount: number;
  maxReplicaCount: number;
  listLength: number;
  activationListLength: number;
  pollingInterval: number;
  cooldownPeriod: number;
  hpaSyncPeriod: number;
  updatedAt: number;
}

export interface LocalAutoscalerOptions {
  spec: ScalingSpec;
  readQueueLength(): Promise<number>;
  startWorker(): WorkerHandle;
  log?: (message: string) => void;
  publish?: (state: AutoscalerState) => Promise<void>;
  /** @defaultValue 15 */
  hpaSyncPeriodSeconds?: number;
  /** WORKERS=N: no scaling, exactly N workers. */
  fixedReplicas?: number;
  now?: () => number;
}

export class LocalAutoscaler {
  constructor(options: LocalAutoscalerOptions);
  readonly replicas: number;
  snapshot(): AutoscalerState;
  start(): this;
  stop(): Promise<void>;
  kedaTick(): Promise<void>;
  hpaTick(): Promise<void>;
  publishState(): Promise<void>;
}

export function startLocalAutoscaler(options: {
  root: string;
  dataDir: string;
  env: NodeJS.ProcessEnv;
  runtime: Record<string, string>;
  apiPort: number;
  startWorker(): WorkerHandle;
  say(message: string): void;
}): Promise<{ scaler: LocalAutoscaler; stop(): Promise<void> }>;

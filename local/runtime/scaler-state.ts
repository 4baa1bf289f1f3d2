// What the local runtime's status server answers on GET /scaler: the local KEDA/HPA scaler's state.
// No imports, so the web app (its /local/scaler route and the scaling panel) can share the type.

/** What the runtime's status server answers on GET /scaler (the web app's /local/scaler and the load test read it). */
export interface ScalerState {
  /** keda: the emulated KEDA/HPA rules; real-keda: the Deployment's spec.replicas in a real API server, set by the real KEDA operator and HPA controller (npm run cluster); fixed: WORKERS. */
  mode: 'keda' | 'real-keda' | 'fixed';
  /** KEDA's / the HPA's decision (the Deployment's replicas), or WORKERS. */
  desired: number;
  /** Worker processes actually running. */
  running: number;
  /** Most workers this machine runs at once. */
  cap: number;
  capReason: string;
  queueLength: number;
  /** The last values of the ScaledObject's metrics-api triggers (pending work), in order. */
  metricsApiValues?: number[];
  active: boolean;
  reason: string;
  minReplicaCount: number;
  maxReplicaCount: number;
  listLength: number;
  /** The HPA's last metric proposal, before its limits. */
  proposal: number;
  activationListLength: number;
  pollingInterval: number;
  cooldownPeriod: number;
  hpaSyncPeriod: number;
  lastActiveTime: number | null;
  updatedAt: number;
}

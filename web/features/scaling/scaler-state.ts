// The local runtime's scaler state as this app reads it (GET /local/scaler, forwarded to the
// runtime's GET /scaler). The web app defines it rather than importing the runtime: it mirrors
// local/runtime/scaler-state.ts (what local/runtime/status-server.ts serves), and
// test/scaler-state.test.ts fails when the two drift apart.

/** What `GET /local/scaler` answers where `npm start` runs a local KEDA/HPA scaler. */
export interface ScalerState {
  /** keda: the emulated KEDA/HPA rules; real-keda: a real KEDA operator and HPA controller (npm run cluster); fixed: WORKERS. */
  mode: 'keda' | 'real-keda' | 'fixed';
  /** KEDA's / the HPA's decision (the Deployment's replicas), or WORKERS. */
  desired: number;
  /** Worker processes actually running. */
  running: number;
  /** Most workers the machine runs at once. */
  cap: number;
  capReason: string;
  queueLength: number;
  /** The last values of the ScaledObject's metrics-api triggers (pending work), in order. */
  metricsApiValues?: number[];
  active: boolean;
  /** Why the scaler decided as it did, in words. */
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

// Types for autoscaler-rules.mjs (plain JS so `npm start` runs it without a build).

export type PolicyType = 'Pods' | 'Percent';
export interface ScalingPolicy {
  type: PolicyType;
  value: number;
  periodSeconds: number;
}
export interface ScalingRules {
  stabilizationWindowSeconds: number;
  selectPolicy: 'Max' | 'Min' | 'Disabled';
  policies: ScalingPolicy[];
}
/** What the local scaler reads from the ScaledObject (defaults filled in). */
export interface ScalingSpec {
  name: string;
  listName: string;
  listLength: number;
  activationListLength: number;
  minReplicaCount: number;
  maxReplicaCount: number;
  pollingIntervalSeconds: number;
  cooldownPeriodSeconds: number;
  scaleUp: ScalingRules;
  scaleDown: ScalingRules;
}
export interface HpaState {
  recommendations: { time: number; replicas: number }[];
  scaleUpEvents: { time: number; change: number }[];
  scaleDownEvents: { time: number; change: number }[];
}

export const kedaDefaults: Readonly<{
  pollingInterval: number;
  cooldownPeriod: number;
  minReplicaCount: number;
  maxReplicaCount: number;
}>;
export const redisListDefaults: Readonly<{ listLength: number; activationListLength: number }>;
export const hpaControllerDefaults: Readonly<{ syncPeriodSeconds: number; tolerance: number }>;
export const defaultScaleUp: Readonly<ScalingRules>;
export const defaultScaleDown: Readonly<ScalingRules>;

export function parseScaledObject(text: string): ScalingSpec;
export function hpaMinReplicas(spec: ScalingSpec): number;
export function kedaStep(args: {
  spec: ScalingSpec;
  queueLength: number;
  currentReplicas: number;
  lastActiveTime: number | undefined;
  now: number;
}): { isActive: boolean; replicas: number | undefined; lastActiveTime: number | undefined; reason: string };
export function hpaMetricReplicas(args: {
  metricValue: number;
  targetAverageValue: number;
  currentReplicas: number;
  tolerance?: number;
}): number;
export function newHpaState(): HpaState;
export function scaleUpLimit(currentReplicas: number, state: HpaState, rules: ScalingRules, now: number): number;
export function scaleDownLimit(currentReplicas: number, state: HpaState, rules: ScalingRules, now: number): number;
export function hpaStep(args: {
  spec: ScalingSpec;
  state: HpaState;
  metricValue: number;
  currentReplicas: number;
  now: number;
  tolerance?: number;
}): { replicas: number; proposal: number; reason: string };

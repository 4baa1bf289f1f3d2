// KEDA's and the HPA's scaling rules as pure functions, read from the ScaledObject in keda/:
// KEDA activates 0 -> 1 and deactivates 1 -> 0 after cooldownPeriod; the HPA scales 1 <-> N
// on the external metric (LLEN / listLength, AverageValue) with tolerance, stabilisation
// windows and rate policies.
//
// Sources (behaviour copied from these, not guessed):
// - KEDA ScaledObject spec and defaults (pollingInterval 30, cooldownPeriod 300, min 0,
//   max 100): https://keda.sh/docs/latest/reference/scaledobject-spec/
// - KEDA scale executor (kedacore/keda pkg/scaling/executor/scale_scaledobjects.go): active &&
//   replicas == 0 -> max(minReplicaCount, 1); !active && replicas > 0 && min == 0 && lastActive
//   + cooldownPeriod < now -> 0; active -> lastActiveTime = now.
// - KEDA redis list scaler: metric = LLEN, target AverageValue = listLength (default 5),
//   active when LLEN > activationListLength (default 0): https://keda.sh/docs/latest/scalers/redis-lists/
// - KEDA metrics-api scaler: GET url, the number at valueLocation (GJSON path), target
//   AverageValue = targetValue, active when value > activationTargetValue (default 0):
//   https://keda.sh/docs/latest/scalers/metrics-api/ (kedacore/keda pkg/scalers/metrics_api_scaler.go).
// - Several triggers: the ScaledObject is active when any trigger is (kedacore/keda
//   pkg/scaling/scale_handler.go, getScaledObjectState); the HPA computes a proposal per metric
//   and takes the largest (kubernetes pkg/controller/podautoscaler/horizontal.go,
//   computeReplicasForMetrics).
// - HPA algorithm: https://kubernetes.io/docs/tasks/run-application/horizontal-pod-autoscale/#algorithm-details
//   and kubernetes pkg/controller/podautoscaler (horizontal.go, replica_calculator.go): tolerance
//   0.1, sync period 15 s, stabilisation = max (down) / min (up) of recommendations within the
//   window, policy limits from the replicas at the start of each policy's period.
import { parse } from 'yaml';

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
/** A `metrics-api` trigger: a number in a JSON document at a URL (here: `pending` of /api/stats). */
export interface MetricsApiTrigger {
  type: 'metrics-api';
  url: string;
  /** A dotted path into the JSON answer (the subset of GJSON our manifest uses). */
  valueLocation: string;
  /** targetValue: the HPA's AverageValue target per replica. */
  targetValue: number;
  /** activationTargetValue: the trigger is active when the value is above it. @defaultValue 0 */
  activationTargetValue: number;
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
  /** The ScaledObject's `metrics-api` triggers, besides its redis trigger (the fields above). @defaultValue none */
  metricsApiTriggers?: MetricsApiTrigger[];
}
/** The HPA controller's memory of recent recommendations and scale events. */
export interface HpaState {
  recommendations: { time: number; replicas: number }[];
  scaleUpEvents: { time: number; change: number }[];
  scaleDownEvents: { time: number; change: number }[];
}

/** KEDA's ScaledObject defaults. */
export const kedaDefaults = Object.freeze({ pollingInterval: 30, cooldownPeriod: 300, minReplicaCount: 0, maxReplicaCount: 100 });
/** The metrics-api scaler's defaults. */
export const metricsApiDefaults = Object.freeze({ activationTargetValue: 0, format: 'json' });
/** The redis list scaler's defaults. */
export const redisListDefaults = Object.freeze({ listLength: 5, activationListLength: 0 });
/** kube-controller-manager defaults: --horizontal-pod-autoscaler-sync-period and -tolerance. */
export const hpaControllerDefaults = Object.freeze({ syncPeriodSeconds: 15, tolerance: 0.1 });

/** The HPA's default behaviour (autoscaling/v2 GenerateHPAScaleUpRules / GenerateHPAScaleDownRules). */
export const defaultScaleUp: Readonly<ScalingRules> = Object.freeze<ScalingRules>({
  stabilizationWindowSeconds: 0,
  selectPolicy: 'Max',
  policies: [
    { type: 'Percent', value: 100, periodSeconds: 15 },
    { type: 'Pods', value: 4, periodSeconds: 15 },
  ],
});
export const defaultScaleDown: Readonly<ScalingRules> = Object.freeze<ScalingRules>({
  stabilizationWindowSeconds: 300,
  selectPolicy: 'Max',
  policies: [{ type: 'Percent', value: 100, periodSeconds: 15 }],
});

function wholeNumber(value: unknown, name: string, fallback?: number): number {
  if (value === undefined || value === null || value === '') {
    if (fallback === undefined) throw new Error(`ScaledObject: ${name} is required`);
    return fallback;
  }
  const number = typeof value === 'number' ? value : typeof value === 'string' ? Number(value.trim()) : Number.NaN;
  if (!Number.isInteger(number) || number < 0)
    throw new Error(`ScaledObject: ${name} must be a whole number >= 0, got ${JSON.stringify(value)}`);
  return number;
}

interface RulesInput {
  stabilizationWindowSeconds?: unknown;
  selectPolicy?: string;
  policies?: { type?: string; value?: unknown; periodSeconds?: unknown }[];
}

function scalingRules(rules: RulesInput | undefined, defaults: Readonly<ScalingRules>, direction: string): ScalingRules {
  if (!rules) return { ...defaults, policies: defaults.policies.map((p) => ({ ...p })) };
  const policies = (rules.policies ?? defaults.policies).map((policy, i): ScalingPolicy => {
    if (policy.type !== 'Pods' && policy.type !== 'Percent')
      throw new Error(`ScaledObject: ${direction}.policies[${i}].type must be Pods or Percent`);
    return {
      type: policy.type,
      value: wholeNumber(policy.value, `${direction}.policies[${i}].value`),
      periodSeconds: wholeNumber(policy.periodSeconds, `${direction}.policies[${i}].periodSeconds`),
    };
  });
  const selectPolicy = rules.selectPolicy ?? 'Max';
  if (selectPolicy !== 'Max' && selectPolicy !== 'Min' && selectPolicy !== 'Disabled')
    throw new Error(`ScaledObject: ${direction}.selectPolicy must be Max, Min or Disabled`);
  return {
    stabilizationWindowSeconds: wholeNumber(
      rules.stabilizationWindowSeconds,
      `${direction}.stabilizationWindowSeconds`,
      defaults.stabilizationWindowSeconds,
    ),
    selectPolicy,
    policies,
  };
}

/**
 * Reads the numbers the local scaler needs from a ScaledObject manifest (YAML text; may hold
 * several documents, the first `kind: ScaledObject` with a `redis` trigger is used).
 */
interface ScaledObjectInput {
  kind?: string;
  metadata?: { name?: string };
  spec?: {
    minReplicaCount?: unknown;
    maxReplicaCount?: unknown;
    pollingInterval?: unknown;
    cooldownPeriod?: unknown;
    triggers?: { type?: string; metadata?: Record<string, unknown> }[];
    advanced?: { horizontalPodAutoscalerConfig?: { behavior?: { scaleUp?: RulesInput; scaleDown?: RulesInput } } };
  };
}

export function parseScaledObject(text: string): ScalingSpec {
  const documents = text
    .split(/^---\s*$/m)
    .map((part) => parse(part) as unknown)
    .filter((doc): doc is ScaledObjectInput => doc !== null && typeof doc === 'object');
  const scaledObject = documents.find((doc) => doc.kind === 'ScaledObject');
  if (!scaledObject) throw new Error('ScaledObject: no document with kind: ScaledObject');
  const spec = scaledObject.spec ?? {};
  const trigger = (spec.triggers ?? []).find((t) => t.type === 'redis');
  if (!trigger) throw new Error('ScaledObject: no trigger of type redis');
  const others = (spec.triggers ?? []).filter((t) => t !== trigger);
  const unsupported = others.filter((t) => t.type !== 'metrics-api').map((t) => t.type);
  if (unsupported.length > 0)
    throw new Error(`ScaledObject: the local scaler evaluates redis and metrics-api triggers, not ${unsupported.join(', ')}`);
  const metadata = trigger.metadata ?? {};
  const behavior = spec.advanced?.horizontalPodAutoscalerConfig?.behavior;
  const minReplicaCount = wholeNumber(spec.minReplicaCount, 'minReplicaCount', kedaDefaults.minReplicaCount);
  const maxReplicaCount = wholeNumber(spec.maxReplicaCount, 'maxReplicaCount', kedaDefaults.maxReplicaCount);
  if (maxReplicaCount < Math.max(minReplicaCount, 1))
    throw new Error('ScaledObject: maxReplicaCount must be >= max(minReplicaCount, 1)');
  const listLength = wholeNumber(metadata.listLength, 'listLength', redisListDefaults.listLength);
  if (listLength < 1) throw new Error('ScaledObject: listLength must be >= 1');
  return {
    name: scaledObject.metadata?.name ?? 'worker',
    listName: typeof metadata.listName === 'string' ? metadata.listName : 'tasks',
    listLength,
    activationListLength: wholeNumber(
      metadata.activationListLength,
      'activationListLength',
      redisListDefaults.activationListLength,
    ),
    minReplicaCount,
    maxReplicaCount,
    pollingIntervalSeconds: wholeNumber(spec.pollingInterval, 'pollingInterval', kedaDefaults.pollingInterval),
    cooldownPeriodSeconds: wholeNumber(spec.cooldownPeriod, 'cooldownPeriod', kedaDefaults.cooldownPeriod),
    scaleUp: scalingRules(behavior?.scaleUp, defaultScaleUp, 'scaleUp'),
    scaleDown: scalingRules(behavior?.scaleDown, defaultScaleDown, 'scaleDown'),
    metricsApiTriggers: others.map((t, i) => metricsApiTrigger(t.metadata ?? {}, i)),
  };
}

function metricsApiTrigger(metadata: Record<string, unknown>, i: number): MetricsApiTrigger {
  const name = (field: string) => `metrics-api trigger ${i + 1}: ${field}`;
  const { url, valueLocation } = metadata;
  if (typeof url !== 'string' || !URL.canParse(url)) throw new Error(`ScaledObject: ${name('url')} must be a URL`);
  if (typeof valueLocation !== 'string' || !/^[A-Za-z_][\w-]*(\.[A-Za-z_][\w-]*)*$/.test(valueLocation))
    throw new Error(`ScaledObject: ${name('valueLocation')} must be a dotted path like stats.pending`);
  if ((metadata.format ?? metricsApiDefaults.format) !== 'json') throw new Error(`ScaledObject: ${name('format')} must be json`);
  const targetValue = wholeNumber(metadata.targetValue, name('targetValue'));
  if (targetValue < 1) throw new Error(`ScaledObject: ${name('targetValue')} must be >= 1`);
  return {
    type: 'metrics-api',
    url,
    valueLocation,
    targetValue,
    activationTargetValue: wholeNumber(
      metadata.activationTargetValue,
      name('activationTargetValue'),
      metricsApiDefaults.activationTargetValue,
    ),
  };
}

/** The number at `valueLocation` in a metrics-api answer, as KEDA reads it; throws when absent. */
export function metricsApiValue(answer: unknown, valueLocation: string): number {
  let value: unknown = answer;
  for (const part of valueLocation.split('.')) {
    value = value !== null && typeof value === 'object' ? (value as Record<string, unknown>)[part] : undefined;
  }
  const number = typeof value === 'number' ? value : typeof value === 'string' ? Number(value) : Number.NaN;
  if (!Number.isFinite(number)) throw new Error(`no number at ${valueLocation}`);
  return number;
}

/** The HPA KEDA creates has minReplicas = minReplicaCount, or 1 when that is 0 (KEDA owns 0 <-> 1). */
export function hpaMinReplicas(spec: ScalingSpec): number {
  return Math.max(spec.minReplicaCount, 1);
}

/**
 * One KEDA polling-loop pass (scale executor). Returns whether the trigger is active, the
 * replica count KEDA sets (or `undefined` when it leaves scaling to the HPA) and the new
 * lastActiveTime (ms).
 */
export function kedaStep({
  spec,
  queueLength,
  metricsApiValues = [],
  currentReplicas,
  lastActiveTime,
  now,
}: {
  spec: ScalingSpec;
  queueLength: number;
  /** One value per `spec.metricsApiTriggers` entry, in order (a missing one counts as inactive). */
  metricsApiValues?: readonly number[];
  currentReplicas: number;
  lastActiveTime: number | undefined;
  now: number;
}): { isActive: boolean; replicas: number | undefined; lastActiveTime: number | undefined; reason: string } {
  // Active when any trigger is (KEDA's getScaledObjectState ORs the triggers).
  const isActive =
    queueLength > spec.activationListLength ||
    (spec.metricsApiTriggers ?? []).some((trigger, i) => (metricsApiValues[i] ?? 0) > trigger.activationTargetValue);
  if (isActive) {
    // Trigger active: wake from zero to max(minReplicaCount, 1); always refresh lastActiveTime.
    const replicas =
      currentReplicas === 0 ? hpaMinReplicas(spec) : currentReplicas < spec.minReplicaCount ? spec.minReplicaCount : undefined;
    return { isActive, replicas, lastActiveTime: now, reason: replicas === undefined ? 'active' : 'activated' };
  }
  if (currentReplicas > 0 && spec.minReplicaCount === 0) {
    // Not active: to zero only once cooldownPeriod has passed since the trigger was last active
    // (a nil lastActiveTime scales in at once, as KEDA does).
    if (lastActiveTime === undefined || lastActiveTime + spec.cooldownPeriodSeconds * 1000 < now) {
      return { isActive, replicas: 0, lastActiveTime, reason: 'deactivated' };
    }
    return { isActive, replicas: undefined, lastActiveTime, reason: 'cooling down' };
  }
  if (currentReplicas < spec.minReplicaCount)
    return { isActive, replicas: spec.minReplicaCount, lastActiveTime, reason: 'below minReplicaCount' };
  return { isActive, replicas: undefined, lastActiveTime, reason: 'idle' };
}

/**
 * The HPA's metric proposal for an external metric with an AverageValue target
 * (GetExternalPerPodMetricReplicas): keep the count while usage / (target * replicas) is
 * within the tolerance of 1, else ceil(usage / target).
 */
export function hpaMetricReplicas({
  metricValue,
  targetAverageValue,
  currentReplicas,
  tolerance = hpaControllerDefaults.tolerance,
}: {
  metricValue: number;
  targetAverageValue: number;
  currentReplicas: number;
  tolerance?: number;
}): number {
  const usageRatio = metricValue / (targetAverageValue * currentReplicas);
  if (Math.abs(1 - usageRatio) <= tolerance) return currentReplicas;
  return Math.ceil(metricValue / targetAverageValue);
}

/** A fresh HPA controller memory: recommendations and scale events of the recent past. */
export function newHpaState(): HpaState {
  return { recommendations: [], scaleUpEvents: [], scaleDownEvents: [] };
}

function changeInPeriod(events: { time: number; change: number }[], periodSeconds: number, now: number): number {
  const cutoff = now - periodSeconds * 1000;
  return events.filter((event) => event.time > cutoff).reduce((sum, event) => sum + event.change, 0);
}

/** Highest count the scale-up policies allow now (calculateScaleUpLimitWithScalingRules). */
export function scaleUpLimit(currentReplicas: number, state: HpaState, rules: ScalingRules, now: number): number {
  if (rules.selectPolicy === 'Disabled') return currentReplicas;
  const pick = rules.selectPolicy === 'Min' ? Math.min : Math.max;
  let result = rules.selectPolicy === 'Min' ? Infinity : -Infinity;
  for (const policy of rules.policies) {
    const periodStart =
      currentReplicas -
      changeInPeriod(state.scaleUpEvents, policy.periodSeconds, now) +
      changeInPeriod(state.scaleDownEvents, policy.periodSeconds, now);
    const proposed = policy.type === 'Pods' ? periodStart + policy.value : Math.ceil(periodStart * (1 + policy.value / 100));
    result = pick(result, proposed);
  }
  return result;
}

/** Lowest count the scale-down policies allow now (calculateScaleDownLimitWithBehaviors). */
export function scaleDownLimit(currentReplicas: number, state: HpaState, rules: ScalingRules, now: number): number {
  if (rules.selectPolicy === 'Disabled') return currentReplicas;
  const pick = rules.selectPolicy === 'Min' ? Math.max : Math.min;
  let result = rules.selectPolicy === 'Min' ? -Infinity : Infinity;
  for (const policy of rules.policies) {
    const periodStart =
      currentReplicas -
      changeInPeriod(state.scaleUpEvents, policy.periodSeconds, now) +
      changeInPeriod(state.scaleDownEvents, policy.periodSeconds, now);
    const proposed = policy.type === 'Pods' ? periodStart - policy.value : Math.trunc(periodStart * (1 - policy.value / 100));
    result = pick(result, proposed);
  }
  return result;
}

/**
 * One HPA reconcile (reconcileAutoscaler with behaviour). `state` is this HPA's memory and is
 * updated in place (recommendation recorded, scale event stored). Returns the new replica
 * count and why; `replicas === currentReplicas` means no change.
 */
export function hpaStep({
  spec,
  state,
  metricValue,
  metricsApiValues = [],
  currentReplicas,
  now,
  tolerance = hpaControllerDefaults.tolerance,
}: {
  spec: ScalingSpec;
  state: HpaState;
  /** The redis trigger's metric (LLEN). */
  metricValue: number;
  /** One value per `spec.metricsApiTriggers` entry, in order (a missing one proposes nothing). */
  metricsApiValues?: readonly number[];
  currentReplicas: number;
  now: number;
  tolerance?: number;
}): { replicas: number; proposal: number; reason: string } {
  const minReplicas = hpaMinReplicas(spec);
  const maxReplicas = spec.maxReplicaCount;
  if (currentReplicas === 0) return { replicas: 0, proposal: 0, reason: 'scaling disabled (0 replicas: KEDA activates)' };
  if (currentReplicas > maxReplicas) return record(maxReplicas, maxReplicas, 'above maxReplicas');
  if (currentReplicas < minReplicas) return record(minReplicas, minReplicas, 'below minReplicas');

  // One proposal per metric, the largest wins (computeReplicasForMetrics).
  const proposal = Math.max(
    hpaMetricReplicas({ metricValue, targetAverageValue: spec.listLength, currentReplicas, tolerance }),
    ...(spec.metricsApiTriggers ?? []).flatMap((trigger, i) => {
      const value = metricsApiValues[i];
      return value === undefined
        ? []
        : [hpaMetricReplicas({ metricValue: value, targetAverageValue: trigger.targetValue, currentReplicas, tolerance })];
    }),
  );

  // Stabilisation: the highest recommendation of the scale-down window and the lowest of the
  // scale-up window bound the result; the raw proposal is recorded for later passes.
  let upRecommendation = proposal;
  let downRecommendation = proposal;
  const upCutoff = now - spec.scaleUp.stabilizationWindowSeconds * 1000;
  const downCutoff = now - spec.scaleDown.stabilizationWindowSeconds * 1000;
  for (const entry of state.recommendations) {
    if (entry.time > upCutoff) upRecommendation = Math.min(upRecommendation, entry.replicas);
    if (entry.time > downCutoff) downRecommendation = Math.max(downRecommendation, entry.replicas);
  }
  const keepFor = Math.max(spec.scaleUp.stabilizationWindowSeconds, spec.scaleDown.stabilizationWindowSeconds) * 1000;
  state.recommendations = state.recommendations.filter((entry) => entry.time > now - keepFor);
  state.recommendations.push({ time: now, replicas: proposal });
  let stabilized = currentReplicas;
  if (stabilized < upRecommendation) stabilized = upRecommendation;
  if (stabilized > downRecommendation) stabilized = downRecommendation;

  // Rate policies (convertDesiredReplicasWithBehaviorRate).
  let replicas = stabilized;
  let reason = stabilized === proposal ? 'metric' : 'stabilization window';
  if (stabilized > currentReplicas) {
    const limit = Math.max(scaleUpLimit(currentReplicas, state, spec.scaleUp, now), currentReplicas);
    const maximumAllowed = Math.min(maxReplicas, limit);
    if (stabilized > maximumAllowed) {
      replicas = maximumAllowed;
      reason = maximumAllowed === maxReplicas ? 'maxReplicaCount' : 'scale-up policy limit';
    }
  } else if (stabilized < currentReplicas) {
    const limit = Math.min(scaleDownLimit(currentReplicas, state, spec.scaleDown, now), currentReplicas);
    const minimumAllowed = Math.max(minReplicas, limit);
    if (stabilized < minimumAllowed) {
      replicas = minimumAllowed;
      reason = minimumAllowed === minReplicas && limit <= minReplicas ? 'minReplicas' : 'scale-down policy limit';
    }
  }
  return record(replicas, proposal, reason);

  function record(newReplicas: number, rawProposal: number, why: string): { replicas: number; proposal: number; reason: string } {
    if (newReplicas > currentReplicas) state.scaleUpEvents.push({ time: now, change: newReplicas - currentReplicas });
    if (newReplicas < currentReplicas) state.scaleDownEvents.push({ time: now, change: currentReplicas - newReplicas });
    const longestPeriod = (rules: ScalingRules) => Math.max(0, ...rules.policies.map((p) => p.periodSeconds)) * 1000;
    state.scaleUpEvents = state.scaleUpEvents.filter((e) => e.time > now - longestPeriod(spec.scaleUp));
    state.scaleDownEvents = state.scaleDownEvents.filter((e) => e.time > now - longestPeriod(spec.scaleDown));
    return { replicas: newReplicas, proposal: rawProposal, reason: why };
  }
}

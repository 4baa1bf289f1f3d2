// The ScaledObject of the tests that watch workers scale: keda/scaledobject.yaml as deployed, read
// with `yaml`, with its periods shortened so a run takes seconds, not minutes, and its size cut to
// a test machine. Everything else (triggers, thresholds, target, authentication) is the real file's,
// so a change there reaches these tests.
import { readFileSync } from 'node:fs';

import { parse, stringify } from 'yaml';

const deployed = new URL('../../../keda/scaledobject.yaml', import.meta.url);

/** What the tests scale against: at most 4 workers, one per 100 queued or pending tasks. */
export const fastScaling = { maxReplicaCount: 4, perReplica: 100 } as const;

/** Options for {@link fastScaledObject}. */
export interface FastScaledObjectOptions {
  /** Keep only these trigger types. @defaultValue every trigger of keda/scaledobject.yaml */
  triggers?: readonly string[];
}

interface Trigger {
  type: string;
  metadata: Record<string, string>;
}

/** keda/scaledobject.yaml with a 1 s polling interval, a 3 s cooldown and 1 s HPA steps, as YAML text. */
export function fastScaledObject(options: FastScaledObjectOptions = {}): string {
  const object = parse(readFileSync(deployed, 'utf8')) as {
    spec: {
      maxReplicaCount: number;
      pollingInterval: number;
      cooldownPeriod: number;
      advanced: { horizontalPodAutoscalerConfig: { behavior: unknown } };
      triggers: Trigger[];
    };
  };
  const { spec } = object;
  spec.pollingInterval = 1;
  spec.cooldownPeriod = 3;
  // Scale out by up to 4 and in to the floor every second, with no stabilisation window.
  spec.advanced.horizontalPodAutoscalerConfig.behavior = {
    scaleUp: { stabilizationWindowSeconds: 0, policies: [{ type: 'Pods', value: 4, periodSeconds: 1 }] },
    scaleDown: { stabilizationWindowSeconds: 0, policies: [{ type: 'Percent', value: 100, periodSeconds: 1 }] },
  };
  spec.maxReplicaCount = fastScaling.maxReplicaCount;
  if (options.triggers) spec.triggers = spec.triggers.filter((trigger) => options.triggers?.includes(trigger.type));
  for (const trigger of spec.triggers) {
    if (trigger.type === 'redis') trigger.metadata.listLength = String(fastScaling.perReplica);
    if (trigger.type === 'metrics-api') trigger.metadata.targetValue = String(fastScaling.perReplica);
  }
  return stringify(object);
}

// Objects point at each other correctly: Services select pods and name their ports, each
// Functions Deployment runs the right functions, and KEDA's ScaledObject targets the
// worker on the list the worker consumes. The edge (Gateway, HTTPRoutes, Ingresses) is
// checked in edge.test.ts.
import { readdirSync } from 'node:fs';
import path from 'node:path';

import { describe, expect, it } from 'vitest';

import { loadConfig } from '../../functions/src/config.js';
import { createFunctionApp } from '../../functions/src/function-app.js';
import { buildRegistrations } from '../../functions/src/registrations.js';
import {
  appNamespace,
  configMaps,
  isFunctionsContainer,
  named,
  overlays,
  renderOverlay,
  repoRoot,
  scaledObjects,
  selectorMatches,
  services,
  triggerAuthentications,
  type Workload,
  workload,
  workloads,
} from './manifests.js';

// Where each function runs is declared once, by its registration (`runsOn`); the manifests
// must agree with it.
const registrations = buildRegistrations(createFunctionApp(loadConfig({})));
const runningOn = (where: 'api' | 'worker') => registrations.filter((r) => r.runsOn === where).map((r) => r.name);

/** Names in AzureFunctionsJobHost__functions__N, in N order (the host runs only these). */
function selectedFunctions(target: Workload): string[] {
  const env = target.pod.containers.filter(isFunctionsContainer).flatMap((c) => c.env ?? []);
  return env
    .flatMap((variable) => {
      const match = /^AzureFunctionsJobHost__functions__(\d+)$/.exec(variable.name);
      return match ? [[Number(match[1]), variable.value ?? ''] as const] : [];
    })
    .sort(([a], [b]) => a - b)
    .map(([, name]) => name);
}

/** The settings ConfigMap the Functions containers load, as the worker sees it. */
function functionsSettings(objects: ReturnType<typeof renderOverlay>, target: Workload): Record<string, string> {
  const names = target.pod.containers.flatMap((c) => (c.envFrom ?? []).map((source) => source.configMapRef?.name));
  const settings = configMaps(objects).filter((map) => names.includes(map.metadata.name));
  return Object.assign({}, ...settings.map((map) => map.data ?? {})) as Record<string, string>;
}

describe.each(overlays)('overlay %s', (overlay) => {
  const objects = renderOverlay(overlay);

  it('every Service selects the pods of exactly one workload and targets a port those pods declare', () => {
    for (const service of services(objects)) {
      const selector = service.spec?.selector ?? {};
      expect(Object.keys(selector).length, `Service ${service.metadata.name} has a selector`).toBeGreaterThan(0);
      const selected = workloads(objects).filter((w) => selectorMatches({ matchLabels: selector }, w.podLabels));
      expect(
        selected.map((w) => w.name),
        `Service ${service.metadata.name}`,
      ).toHaveLength(1);
      const ports = selected[0]!.pod.containers.flatMap((c) => c.ports ?? []);
      for (const port of service.spec?.ports ?? []) {
        const target = port.targetPort ?? port.port;
        const found = ports.some((p) => (typeof target === 'number' ? p.containerPort === target : p.name === target));
        expect(found, `Service ${service.metadata.name} port ${port.port} -> ${String(target)}`).toBe(true);
      }
    }
  });

  it('every workload selector matches its own pod template labels', () => {
    for (const w of workloads(objects)) expect(selectorMatches({ matchLabels: w.selector }, w.podLabels), w.name).toBe(true);
  });

  it('the redis StatefulSet is governed by the headless Service', () => {
    const redis = named<{ spec: { serviceName: string } }>(objects, 'StatefulSet', 'redis');
    const headless = named<{ spec: { clusterIP?: string } }>(objects, 'Service', redis.spec.serviceName);
    expect(headless.spec.clusterIP).toBe('None');
  });

  it('each Deployment runs exactly the functions whose registrations say they run there', () => {
    expect(selectedFunctions(workload(objects, 'api')).sort()).toEqual(runningOn('api').sort());
    expect(selectedFunctions(workload(objects, 'worker')).sort()).toEqual(runningOn('worker').sort());
    // What the registrations say, spelled out once: the list trigger and its liveness probe on the worker.
    expect(runningOn('worker').sort()).toEqual(['fib-worker', 'worker-liveness']);
  });

  it('api and worker run the same Functions image', () => {
    const image = (name: string) => workload(objects, name).pod.containers.find(isFunctionsContainer)?.image;
    expect(image('api')).toBeDefined();
    expect(image('worker')).toBe(image('api'));
  });

  const functionFiles = readdirSync(path.join(repoRoot, 'functions/src/functions'))
    .filter((file) => file.endsWith('.ts'))
    .map((file) => file.replace(/\.ts$/, ''));

  // STYLE: one function per file, registered under the file's name.
  it('api and worker together run every function in functions/src/functions', () => {
    const deployed = [...selectedFunctions(workload(objects, 'api')), ...selectedFunctions(workload(objects, 'worker'))];
    expect(new Set(deployed).size, 'no function runs on both').toBe(deployed.length);
    expect(deployed).toEqual(expect.arrayContaining(functionFiles));
    expect(
      deployed.filter((name) => !functionFiles.includes(name)),
      'every deployed name has its file',
    ).toEqual([]);
  });

  if (overlay.startsWith('aks')) {
    it('the ScaledObject scales the worker Deployment on the list the worker consumes', () => {
      const [scaled, ...others] = scaledObjects(objects);
      expect(others).toEqual([]);
      const target = scaled!.spec.scaleTargetRef;
      expect(target.kind ?? 'Deployment').toBe('Deployment');
      expect(target.name).toBe('worker');
      const worker = workload(objects, target.name);
      const [trigger, ...moreTriggers] = scaled!.spec.triggers;
      expect(moreTriggers.map((t) => t.type)).toEqual(['metrics-api']);
      expect(trigger?.type).toBe('redis');
      expect(trigger?.metadata.listName).toBe(functionsSettings(objects, worker).TASKS_KEY);
    });

    it('the work-in-flight trigger reads pending from the api Service, one batch per replica, active from 1', () => {
      const trigger = scaledObjects(objects)[0]!.spec.triggers.find((t) => t.type === 'metrics-api')!;
      const api = named<{ spec: { ports: { port: number; name?: string }[] } }>(objects, 'Service', 'api');
      const url = new URL(trigger.metadata.url!);
      expect(url.hostname).toBe(`api.${appNamespace}.svc.cluster.local`);
      expect(Number(url.port || 80)).toBe(api.spec.ports.find((p) => p.name === 'http')?.port);
      expect(url.pathname).toBe('/api/stats');
      expect(trigger.metadata.valueLocation).toBe('pending');
      expect(trigger.metadata.activationTargetValue).toBe('0');
      expect(trigger.metadata.targetValue).toBe(functionsSettings(objects, workload(objects, 'worker')).WORKER_MAX_BATCH_SIZE);
    });

    it('KEDA reads the master through the headless Service, fully qualified in the app namespace', () => {
      const trigger = scaledObjects(objects)[0]!.spec.triggers[0]!;
      const redis = named<{ spec: { serviceName: string } }>(objects, 'StatefulSet', 'redis');
      expect(trigger.metadata.address).toBe(`redis-0.${redis.spec.serviceName}.${appNamespace}.svc.cluster.local:6379`);
    });

    it('the trigger sets both listLength and activationListLength and authenticates via a TriggerAuthentication', () => {
      const scaled = scaledObjects(objects)[0]!;
      const trigger = scaled.spec.triggers[0]!;
      expect(Number(trigger.metadata.listLength)).toBeGreaterThan(0);
      // With minReplicaCount 0, any threshold above 0 would strand a small backlog.
      expect(scaled.spec.minReplicaCount).toBe(0);
      expect(trigger.metadata.activationListLength).toBe('0');
      expect(Number(scaled.spec.maxReplicaCount)).toBeGreaterThan(1);
      const auth = triggerAuthentications(objects).find((a) => a.metadata.name === trigger.authenticationRef?.name);
      expect(auth?.spec?.secretTargetRef?.map((ref) => ref.parameter)).toContain('password');
    });

    it('the listLength target equals what one worker pops per poll (WORKER_MAX_BATCH_SIZE)', () => {
      const trigger = scaledObjects(objects)[0]!.spec.triggers[0]!;
      expect(trigger.metadata.listLength).toBe(functionsSettings(objects, workload(objects, 'worker')).WORKER_MAX_BATCH_SIZE);
    });

    it('scale-down is damped by HPA behavior', () => {
      const behavior = scaledObjects(objects)[0]!.spec.advanced?.horizontalPodAutoscalerConfig?.behavior;
      expect(behavior?.scaleDown?.stabilizationWindowSeconds).toBeGreaterThan(0);
      expect(behavior?.scaleDown?.policies?.length).toBeGreaterThan(0);
    });
  }
});

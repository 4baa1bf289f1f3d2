// Trace export on AKS (k8s/components/otel-traces, both AKS overlays): the api's and the worker's
// Functions containers take OTEL_EXPORTER_OTLP_ENDPOINT and OTEL_EXPORTER_OTLP_HEADERS from the
// Secret fib-otel, optionally, so pods start and traces stay off until an operator writes it.
// The environment a container gets is resolved here the way kubelet does (an optional
// secretKeyRef whose Secret or key is missing leaves the variable unset; kubernetes
// pkg/kubelet/kubelet_pods.go, makeEnvironmentVariables) and handed to the app's own test of
// whether to export (functions/src/observability/tracing.ts).
import type { IContainer } from 'kubernetes-models/v1/Container';
import { describe, expect, it } from 'vitest';

import { tracingRequested } from '../../functions/src/observability/tracing.js';
import {
  aksOverlays,
  configMaps,
  documentedSecrets,
  isFunctionsContainer,
  type RenderedObject,
  renderOverlay,
  workload,
  workloads,
} from './manifests.js';

type Secrets = Record<string, Record<string, string>>;

/**
 * The environment kubelet gives `container` with these Secrets in the namespace: its envFrom
 * ConfigMaps, then its env entries; a missing Secret or key throws (the pod cannot start) unless
 * the reference is optional, which leaves the variable out.
 */
function resolvedEnvironment(objects: readonly RenderedObject[], container: IContainer, secrets: Secrets): NodeJS.ProcessEnv {
  const environment: NodeJS.ProcessEnv = {};
  for (const source of container.envFrom ?? []) {
    const map = configMaps(objects).find((m) => m.metadata.name === source.configMapRef?.name);
    for (const [key, value] of Object.entries(map?.data ?? {})) environment[`${source.prefix ?? ''}${key}`] = value;
  }
  for (const variable of container.env ?? []) {
    const reference = variable.valueFrom?.secretKeyRef;
    if (!reference) {
      // Values from the pod (fieldRef) do not matter here.
      environment[variable.name] = variable.value ?? '';
      continue;
    }
    const value = secrets[reference.name ?? '']?.[reference.key];
    if (value !== undefined) environment[variable.name] = value;
    else if (!reference.optional) throw new Error(`${variable.name}: Secret ${reference.name} key ${reference.key} is required`);
  }
  return environment;
}

/** The Secrets every overlay needs anyway (what docs/deploy-aks.md creates), with stand-in values. */
const requiredSecrets: Secrets = Object.fromEntries(
  [...documentedSecrets()]
    .filter(([name]) => name !== 'fib-otel')
    .map(([name, keys]) => [name, Object.fromEntries([...keys].map((key) => [key, `${name}-${key}`]))]),
);

const functionsContainer = (objects: readonly RenderedObject[], name: 'api' | 'worker'): IContainer => {
  const container = workload(objects, name).pod.containers.find(isFunctionsContainer);
  if (!container) throw new Error(`${name} has no Functions container`);
  return container;
};

describe.each(aksOverlays)('overlay %s: trace export from the Secret fib-otel', (overlay) => {
  const objects = renderOverlay(overlay);

  it.each(['api', 'worker'] as const)(
    '%s takes the OTLP endpoint and headers from fib-otel, both references optional',
    (name) => {
      const references = Object.fromEntries(
        (functionsContainer(objects, name).env ?? []).flatMap((v) =>
          v.name.startsWith('OTEL_') ? [[v.name, v.valueFrom?.secretKeyRef]] : [],
        ),
      );
      expect(references).toEqual({
        OTEL_EXPORTER_OTLP_ENDPOINT: { name: 'fib-otel', key: 'otlp-endpoint', optional: true },
        OTEL_EXPORTER_OTLP_HEADERS: { name: 'fib-otel', key: 'otlp-headers', optional: true },
      });
    },
  );

  it('gives no other container anything from fib-otel', () => {
    const others = workloads(objects).flatMap((w) =>
      [...(w.pod.initContainers ?? []), ...w.pod.containers]
        .filter((c) => !isFunctionsContainer(c) && (c.env ?? []).some((v) => v.valueFrom?.secretKeyRef?.name === 'fib-otel'))
        .map((c) => `${w.name}/${c.name}`),
    );
    expect(others).toEqual([]);
  });

  it.each(['api', 'worker'] as const)('%s starts without fib-otel and does not export traces', (name) => {
    const environment = resolvedEnvironment(objects, functionsContainer(objects, name), requiredSecrets);
    expect(environment).not.toHaveProperty('OTEL_EXPORTER_OTLP_ENDPOINT');
    expect(environment).not.toHaveProperty('OTEL_EXPORTER_OTLP_HEADERS');
    expect(tracingRequested(environment)).toBe(false);
  });

  it.each(['api', 'worker'] as const)('%s exports traces to the endpoint fib-otel names, with its headers', (name) => {
    const otel = { 'otlp-endpoint': 'http://otel-collector.observability:4318', 'otlp-headers': 'x-api-key=abc' };
    const environment = resolvedEnvironment(objects, functionsContainer(objects, name), { ...requiredSecrets, 'fib-otel': otel });
    expect(environment.OTEL_EXPORTER_OTLP_ENDPOINT).toBe(otel['otlp-endpoint']);
    expect(environment.OTEL_EXPORTER_OTLP_HEADERS).toBe(otel['otlp-headers']);
    expect(tracingRequested(environment)).toBe(true);
    // An endpoint alone is enough: the headers key is optional too.
    const endpointOnly = resolvedEnvironment(objects, functionsContainer(objects, name), {
      ...requiredSecrets,
      'fib-otel': { 'otlp-endpoint': otel['otlp-endpoint'] },
    });
    expect(endpointOnly).not.toHaveProperty('OTEL_EXPORTER_OTLP_HEADERS');
    expect(tracingRequested(endpointOnly)).toBe(true);
  });

  it('would refuse to start a container whose required Secret is missing (the resolution above is not lenient)', () => {
    expect(() => resolvedEnvironment(objects, functionsContainer(objects, 'api'), {})).toThrow(/is required/);
  });
});

describe('overlay local: no trace export wiring', () => {
  const objects = renderOverlay('local');

  it('references no fib-otel Secret, so a local cluster needs none', () => {
    const references = workloads(objects).flatMap((w) =>
      [...(w.pod.initContainers ?? []), ...w.pod.containers].flatMap((c) =>
        (c.env ?? []).filter((v) => v.valueFrom?.secretKeyRef?.name === 'fib-otel').map((v) => `${w.name}/${v.name}`),
      ),
    );
    expect(references).toEqual([]);
  });

  it.each(['api', 'worker'] as const)('%s does not export traces', (name) => {
    const environment = resolvedEnvironment(objects, functionsContainer(objects, name), requiredSecrets);
    expect(tracingRequested(environment)).toBe(false);
  });
});

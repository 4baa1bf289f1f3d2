// Azure Managed Prometheus (k8s/components/azure-managed-prometheus, both AKS overlays): the
// PodMonitors pass the add-on's CRD schema and would find what they are meant to scrape: the
// Functions PodMonitor selects the api and worker pods and names their metrics port (the one
// METRICS_PORT opens), the KEDA one reaches the operator's metrics port where the add-on and the
// Helm chart run it. The local overlay has no PodMonitor (no ama-metrics there).
import { describe, expect, it } from 'vitest';

import {
  aksOverlays,
  appNamespace,
  configMaps,
  type LabelSelector,
  named,
  ofKind,
  type RenderedObject,
  renderOverlay,
  selectorMatches,
  validateObject,
  type Workload,
  workloads,
} from './manifests.js';

interface PodMonitor {
  spec: {
    selector: LabelSelector;
    namespaceSelector?: { any?: boolean; matchNames?: string[] };
    podMetricsEndpoints: { port?: string; portNumber?: number; path?: string }[];
  };
}

/** Each endpoint of a PodMonitor in the app namespace, with the app's pods it would scrape and on which port number. */
function scrapeTargets(monitor: PodMonitor & RenderedObject, objects: readonly RenderedObject[]) {
  const namespaces = monitor.spec.namespaceSelector?.matchNames ?? [monitor.metadata.namespace ?? appNamespace];
  const selected = namespaces.includes(appNamespace)
    ? workloads(objects).filter((w) => selectorMatches(monitor.spec.selector, w.podLabels))
    : [];
  return monitor.spec.podMetricsEndpoints.map((endpoint) => ({
    path: endpoint.path,
    targets: selected.map((w: Workload) => {
      const ports = w.pod.containers.flatMap((c) => c.ports ?? []);
      const port = ports.find((p) =>
        endpoint.port === undefined ? p.containerPort === endpoint.portNumber : p.name === endpoint.port,
      );
      return { workload: w.name, containerPort: port?.containerPort };
    }),
  }));
}

describe.each(aksOverlays)('overlay %s: scraping by Azure Managed Prometheus', (overlay) => {
  const objects = renderOverlay(overlay);
  const functionsMonitor = named<PodMonitor>(objects, 'PodMonitor', 'fib-functions');
  const kedaMonitor = named<PodMonitor>(objects, 'PodMonitor', 'keda-operator');
  const metricsPort = Number(
    configMaps(objects).find((map) => map.metadata.name.startsWith('functions-settings'))?.data?.METRICS_PORT,
  );

  it('has exactly the two PodMonitors, both of the azmonitoring.coreos.com group the add-on watches, passing its CRD schema', () => {
    const monitors = objects.filter((o) => o.kind === 'PodMonitor');
    expect(monitors.map((o) => o.metadata.name).sort()).toEqual(['fib-functions', 'keda-operator']);
    for (const monitor of monitors) {
      expect(monitor.apiVersion).toBe('azmonitoring.coreos.com/v1');
      expect(() => validateObject(monitor)).not.toThrow();
    }
  });

  it('scrapes /metrics on METRICS_PORT of every api and worker pod, and no other pod', () => {
    expect(metricsPort).toBe(9464);
    const [endpoint, ...others] = scrapeTargets(functionsMonitor, objects);
    expect(others).toEqual([]);
    expect(endpoint?.path).toBe('/metrics');
    expect(endpoint?.targets.map((t) => t.workload).sort()).toEqual(['api', 'worker']);
    for (const target of endpoint?.targets ?? []) expect(target.containerPort, target.workload).toBe(metricsPort);
  });

  it('finds no port on the pods when the endpoint names a port they do not have', () => {
    const misnamed = structuredClone(functionsMonitor);
    misnamed.spec.podMetricsEndpoints = [{ port: 'metric', path: '/metrics' }];
    for (const target of scrapeTargets(misnamed, objects)[0]?.targets ?? []) expect(target.containerPort).toBeUndefined();
  });

  it('selects no pod when the selector does not match the Functions pods', () => {
    const misselected = structuredClone(functionsMonitor);
    misselected.spec.selector = { matchLabels: { 'app.kubernetes.io/component': 'function' } };
    expect(scrapeTargets(misselected, objects)[0]?.targets).toEqual([]);
  });

  it("scrapes the KEDA operator's :8080/metrics in kube-system (AKS add-on) and keda (Helm chart), not the app's pods", () => {
    expect(kedaMonitor.spec.namespaceSelector?.matchNames?.sort()).toEqual(['keda', 'kube-system']);
    expect(kedaMonitor.spec.namespaceSelector?.any).toBeUndefined();
    expect(selectorMatches(kedaMonitor.spec.selector, { app: 'keda-operator' })).toBe(true);
    expect(kedaMonitor.spec.podMetricsEndpoints).toEqual([{ portNumber: 8080, path: '/metrics', interval: '30s' }]);
    expect(scrapeTargets(kedaMonitor, objects).flatMap((endpoint) => endpoint.targets)).toEqual([]);
  });
});

describe('overlay local', () => {
  it('has no PodMonitor (no Azure Managed Prometheus agent on a local cluster)', () => {
    expect(ofKind(renderOverlay('local'), 'PodMonitor')).toEqual([]);
  });
});

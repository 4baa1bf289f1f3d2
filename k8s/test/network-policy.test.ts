// NetworkPolicies, evaluated like a cluster would: which pod may open a TCP connection to
// which pod and port. Only api and worker (and KEDA, and replication) reach Redis, only
// api reaches Postgres, and from outside only web and api are reachable, through the edge
// each overlay uses (the Gateway's proxy pods on aks, the NGINX controller otherwise).
import type { INetworkPolicy } from 'kubernetes-models/networking.k8s.io/v1/NetworkPolicy';
import { describe, expect, it } from 'vitest';

import {
  appNamespace,
  networkPolicies,
  type OverlayName,
  overlays,
  renderOverlay,
  selectorMatches,
  workload,
} from './manifests.js';

interface Pod {
  namespace: string;
  labels: Record<string, string>;
  ports?: { name?: string; containerPort: number }[];
}

const namespaceLabels = (namespace: string) => ({ 'kubernetes.io/metadata.name': namespace });

/** Whether `source` may connect to `destination` on `port` under Kubernetes NetworkPolicy rules. */
function connectionAllowed(policies: INetworkPolicy[], source: Pod, destination: Pod, port: number): boolean {
  const applicable = policies.filter(
    (policy) =>
      (policy.metadata?.namespace ?? appNamespace) === destination.namespace &&
      selectorMatches(policy.spec?.podSelector ?? {}, destination.labels) &&
      (policy.spec?.policyTypes ?? ['Ingress']).includes('Ingress'),
  );
  if (applicable.length === 0) return true;
  const portMatches = (allowed: number | string | undefined) =>
    allowed === undefined ||
    (typeof allowed === 'number'
      ? allowed === port
      : (destination.ports ?? []).some((p) => p.name === allowed && p.containerPort === port));
  return applicable.some((policy) =>
    (policy.spec?.ingress ?? []).some((rule) => {
      const ports = rule.ports ?? [];
      if (ports.length > 0 && !ports.some((p) => portMatches(p.port))) return false;
      const peers = rule.from ?? [];
      if (peers.length === 0) return true;
      return peers.some((peer) => {
        if (peer.ipBlock) return false;
        const namespaceOk = peer.namespaceSelector
          ? selectorMatches(peer.namespaceSelector, namespaceLabels(source.namespace))
          : source.namespace === destination.namespace;
        const podOk = peer.podSelector ? selectorMatches(peer.podSelector, source.labels) : true;
        return namespaceOk && podOk;
      });
    }),
  );
}

/** The Gateway's proxy pods: in the app namespace, labelled by Istio's gateway template. */
const gatewayProxy: Pod = {
  namespace: appNamespace,
  labels: {
    'gateway.networking.k8s.io/gateway-name': 'fib',
    'gateway.networking.k8s.io/gateway-class-name': 'approuting-istio',
    'gateway.istio.io/managed': 'istio.io-gateway-controller',
  },
  ports: [
    { name: 'http', containerPort: 80 },
    { name: 'status-port', containerPort: 15021 },
  ],
};
/** The same proxy pods on upstream Istio (k8s/overlays/local): only the class label differs. */
const localGatewayProxy: Pod = {
  ...gatewayProxy,
  labels: { ...gatewayProxy.labels, 'gateway.networking.k8s.io/gateway-class-name': 'istio' },
};
const nginxController = (namespace: string): Pod => ({ namespace, labels: { app: 'nginx' } });
/** The pod that carries outside traffic into the app in each overlay. */
const edgeProxy: Record<OverlayName, Pod> = {
  aks: gatewayProxy,
  'aks-nginx': nginxController('app-routing-system'),
  local: localGatewayProxy,
};
/** A client on the internet, as the proxy pods see it (no pod selector can match it). */
const outsideClient: Pod = { namespace: '(internet)', labels: {} };

describe.each(overlays)('overlay %s', (overlay) => {
  const objects = renderOverlay(overlay);
  const policies = networkPolicies(objects);
  const pod = (name: string): Pod => {
    const w = workload(objects, name);
    return { namespace: appNamespace, labels: w.podLabels, ports: w.pod.containers.flatMap((c) => c.ports ?? []) };
  };
  const [api, worker, web, redis, postgres] = ['api', 'worker', 'web', 'redis', 'postgres'].map(pod) as [Pod, Pod, Pod, Pod, Pod];
  const ingressController = edgeProxy[overlay];
  const kedaAddOn: Pod = { namespace: 'kube-system', labels: { app: 'keda-operator' } };
  const kedaHelm: Pod = { namespace: 'keda', labels: { app: 'keda-operator' } };
  const impostor: Pod = { namespace: 'default', labels: { app: 'keda-operator', 'app.kubernetes.io/name': 'api' } };
  const unlabelled: Pod = { namespace: appNamespace, labels: {} };
  const allowed = (from: Pod, to: Pod, port: number) => connectionAllowed(policies, from, to, port);

  it('lets api, worker, the other Redis pods and the KEDA operator reach Redis', () => {
    for (const source of [api, worker, redis, kedaAddOn, kedaHelm]) expect(allowed(source, redis, 6379)).toBe(true);
  });

  it('keeps web, postgres, the ingress controller and other namespaces away from Redis', () => {
    for (const source of [web, postgres, ingressController, impostor, unlabelled])
      expect(allowed(source, redis, 6379)).toBe(false);
  });

  it('lets only api reach Postgres', () => {
    expect(allowed(api, postgres, 5432)).toBe(true);
    for (const source of [worker, web, redis, ingressController, kedaAddOn, unlabelled]) {
      expect(allowed(source, postgres, 5432)).toBe(false);
    }
  });

  it('lets the edge proxy reach web and api, and nothing else', () => {
    expect(allowed(ingressController, web, 3000)).toBe(true);
    expect(allowed(ingressController, api, 8080)).toBe(true);
    expect(allowed(ingressController, worker, 8080)).toBe(false);
    expect(allowed(ingressController, postgres, 5432)).toBe(false);
  });

  it('admits nothing from other namespaces to web or api except the edge proxy', () => {
    const outsider: Pod = { namespace: 'default', labels: { app: 'nginx' } };
    expect(allowed(outsider, web, 3000)).toBe(false);
    expect(allowed(outsider, api, 8080)).toBe(false);
    expect(allowed(impostor, api, 8080)).toBe(false);
  });

  it('lets the KEDA operator read /api/stats on the api (its metrics-api trigger), not the worker', () => {
    for (const source of [kedaAddOn, kedaHelm]) expect(allowed(source, api, 8080)).toBe(true);
    for (const source of [kedaAddOn, kedaHelm]) expect(allowed(source, worker, 8080)).toBe(false);
  });

  // The Azure Managed Prometheus agent's collector pods (k8s/components/azure-managed-prometheus).
  const amaMetrics: Pod = {
    namespace: 'kube-system',
    labels: { rsName: 'ama-metrics', 'kubernetes.azure.com/managedby': 'aks' },
  };
  const amaImpostor: Pod = { namespace: 'default', labels: { rsName: 'ama-metrics' } };
  const metricsPort = 9464;

  if (overlay === 'local') {
    it('admits nothing to the metrics port (no Managed Prometheus agent locally)', () => {
      for (const source of [amaMetrics, web, ingressController]) {
        expect(allowed(source, api, metricsPort)).toBe(false);
        expect(allowed(source, worker, metricsPort)).toBe(false);
      }
    });
  } else {
    it('lets the Managed Prometheus agent (kube-system, rsName ama-metrics) scrape api and worker on the metrics port only', () => {
      expect(allowed(amaMetrics, api, metricsPort)).toBe(true);
      expect(allowed(amaMetrics, worker, metricsPort)).toBe(true);
      expect(allowed(amaMetrics, api, 8080)).toBe(false);
      expect(allowed(amaMetrics, redis, 6379)).toBe(false);
      expect(allowed(amaMetrics, postgres, 5432)).toBe(false);
    });

    it('keeps everyone else off the metrics port, whatever labels they copy', () => {
      for (const source of [amaImpostor, web, ingressController, kedaAddOn, unlabelled]) {
        expect(allowed(source, api, metricsPort)).toBe(false);
        expect(allowed(source, worker, metricsPort)).toBe(false);
      }
    });
  }

  it('allows web -> api for server-side calls but nothing -> worker', () => {
    expect(allowed(web, api, 8080)).toBe(true);
    for (const source of [api, web, redis, unlabelled]) expect(allowed(source, worker, 8080)).toBe(false);
  });

  it('allows only the declared ports', () => {
    expect(allowed(api, redis, 5432)).toBe(false);
    expect(allowed(ingressController, web, 8080)).toBe(false);
  });

  it('admits only the edge this overlay uses (the other edge gets nothing)', () => {
    const otherEdge =
      overlay === 'aks-nginx' ? gatewayProxy : nginxController(overlay === 'aks' ? 'app-routing-system' : 'ingress-nginx');
    expect(allowed(otherEdge, web, 3000)).toBe(false);
    expect(allowed(otherEdge, api, 8080)).toBe(false);
  });

  if (overlay !== 'aks-nginx') {
    const proxy = edgeProxy[overlay];
    it('lets clients reach the gateway proxy on its listener (:80) and status port (:15021) only', () => {
      expect(allowed(outsideClient, proxy, 80)).toBe(true);
      expect(allowed(outsideClient, proxy, 15021)).toBe(true);
      expect(allowed(outsideClient, proxy, 15000)).toBe(false);
    });

    it('does not admit a gateway of another class that happens to be named fib', () => {
      const meshGateway: Pod = {
        ...proxy,
        labels: {
          ...proxy.labels,
          'gateway.networking.k8s.io/gateway-class-name': overlay === 'aks' ? 'istio' : 'approuting-istio',
        },
      };
      expect(allowed(meshGateway, web, 3000)).toBe(false);
      expect(allowed(meshGateway, api, 8080)).toBe(false);
    });
  }
});

describe('NetworkPolicy evaluation', () => {
  it('allows everything to a pod no policy selects', () => {
    expect(connectionAllowed([], { namespace: 'a', labels: {} }, { namespace: 'a', labels: {} }, 1)).toBe(true);
  });
});

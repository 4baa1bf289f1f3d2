// The edge: which backend each path reaches, with which limits, through the Gateway API
// (aks: the application routing implementation; local: upstream Istio) and the NGINX
// Ingresses of the unsupported aks-nginx overlay. Paths are resolved the way the
// implementations do (Gateway API: Exact before the longest PathPrefix, prefixes match whole
// segments; Ingress: Exact before the longest Prefix), so a route that sends /api/events to
// web, or a missing events rule, fails here.
import type { IHTTPRoute } from '@kubernetes-models/gateway-api/gateway.networking.k8s.io/v1/HTTPRoute';
import type { IIngress } from 'kubernetes-models/networking.k8s.io/v1/Ingress';
import { describe, expect, it } from 'vitest';

import { configMaps, gateways, httpRoutes, ingresses, named, type RenderedObject, renderOverlay, services } from './manifests.js';

/** The heartbeat interval of GET /api/events (see the README's API table): idle timers must exceed it. */
const eventsHeartbeatSeconds = 15;
/** The largest body the api accepts for POST /api/values (10 KB). */
const apiBodyLimitBytes = 10_000;

/** Seconds in a Gateway API duration ("1h", "15s", "1h30m", "500ms"). */
function durationSeconds(duration: string): number {
  const parts = [...duration.matchAll(/(\d+)(h|ms|m|s)/g)];
  if (parts.length === 0 || parts.map((p) => p[0]).join('') !== duration) throw new Error(`not a duration: ${duration}`);
  const unit = { h: 3600, m: 60, s: 1, ms: 0.001 } as const;
  return parts.reduce((sum, [, value, u]) => sum + Number(value) * unit[u as keyof typeof unit], 0);
}

/** The api's own worst-case answer time: each store's timeout (functions-settings.env). */
function apiAnswerBoundSeconds(objects: readonly RenderedObject[]): number {
  const settings = configMaps(objects).find((m) => m.metadata.name.startsWith('functions-settings'))?.data ?? {};
  return (Number(settings.REDIS_TIMEOUT_MS) + Number(settings.DATABASE_TIMEOUT_MS)) / 1000;
}

interface Resolved {
  service: string;
  port: number | string;
  /** The HTTPRoute rule's `timeouts.request` or the Ingress's annotations. */
  timeoutRequest?: string;
  annotations?: Record<string, string>;
}

/** Which backend a path reaches through HTTPRoutes, per the Gateway API's precedence rules. */
function resolveRoute(routes: IHTTPRoute[], path: string): Resolved | undefined {
  const candidates = routes.flatMap((route) =>
    (route.spec?.rules ?? []).flatMap((rule) =>
      (rule.matches ?? [{ path: { type: 'PathPrefix' as const, value: '/' } }]).flatMap((match) => {
        const type = match.path?.type ?? 'PathPrefix';
        const value = match.path?.value ?? '/';
        const matches =
          type === 'Exact'
            ? path === value
            : type === 'PathPrefix' && (value === '/' || path === value || path.startsWith(`${value.replace(/\/$/, '')}/`));
        const backend = rule.backendRefs?.[0];
        return matches && backend ? [{ exact: type === 'Exact', length: value.length, rule, backend }] : [];
      }),
    ),
  );
  candidates.sort((a, b) => Number(b.exact) - Number(a.exact) || b.length - a.length);
  const best = candidates[0];
  return best && { service: best.backend.name, port: best.backend.port ?? 0, timeoutRequest: best.rule.timeouts?.request };
}

/** Which backend a path reaches through Ingresses (Exact first, then the longest Prefix). */
function resolveIngress(list: (IIngress & RenderedObject)[], path: string): Resolved | undefined {
  const candidates = list.flatMap((ingress) =>
    (ingress.spec?.rules ?? []).flatMap((rule) =>
      (rule.http?.paths ?? []).flatMap((p) => {
        const value = p.path ?? '/';
        const matches =
          p.pathType === 'Exact'
            ? path === value
            : value === '/' || path === value || path.startsWith(`${value.replace(/\/$/, '')}/`);
        return matches ? [{ exact: p.pathType === 'Exact', length: value.length, ingress, p }] : [];
      }),
    ),
  );
  candidates.sort((a, b) => Number(b.exact) - Number(a.exact) || b.length - a.length);
  const best = candidates[0];
  const port = best?.p.backend.service?.port;
  return (
    best && {
      service: best.p.backend.service?.name ?? '',
      port: port?.name ?? port?.number ?? 0,
      annotations: best.ingress.metadata?.annotations ?? {},
    }
  );
}

function expectServicePort(objects: readonly RenderedObject[], resolved: Resolved | undefined, service: string) {
  expect(resolved?.service).toBe(service);
  const ports = named<{ spec: { ports: { name?: string; port: number }[] } }>(objects, 'Service', service).spec.ports;
  expect(ports.some((p) => p.name === resolved?.port || p.port === resolved?.port)).toBe(true);
}

const samplePaths = {
  api: ['/api', '/api/values', '/api/values/12', '/api/health', '/api/worker/live'],
  web: ['/', '/apix', '/_next/static/chunks/app.js', '/local/scaler'],
};

/** The GatewayClass each Gateway API overlay targets: both are Istio, with their own class name. */
const gatewayClassOf = { aks: 'approuting-istio', local: 'istio' } as const;

describe.each(Object.entries(gatewayClassOf) as ['aks' | 'local', string][])(
  'overlay %s: Gateway API edge',
  (overlay, gatewayClass) => {
    const objects = renderOverlay(overlay);
    const [gateway, ...otherGateways] = gateways(objects);
    const routes = httpRoutes(objects);

    it(`has one Gateway of class ${gatewayClass} with one HTTP listener on :80`, () => {
      expect(otherGateways).toEqual([]);
      expect(gateway?.spec.gatewayClassName).toBe(gatewayClass);
      expect(gateway?.spec.listeners.map((l) => [l.name, l.protocol, l.port])).toEqual([['http', 'HTTP', 80]]);
      expect(gateway?.spec.listeners[0]?.allowedRoutes?.namespaces?.from).toBe('Same');
    });

    it('attaches every HTTPRoute to that Gateway listener and points every backend at a Service port', () => {
      expect(routes.length).toBeGreaterThan(0);
      for (const route of routes) {
        for (const parent of route.spec?.parentRefs ?? []) {
          expect(parent.name, route.metadata.name).toBe(gateway?.metadata?.name);
          expect(gateway?.spec.listeners.map((l) => l.name)).toContain(parent.sectionName);
        }
        for (const backend of (route.spec?.rules ?? []).flatMap((rule) => rule.backendRefs ?? [])) {
          const service = services(objects).find((s) => s.metadata.name === backend.name);
          expect(
            service?.spec?.ports?.map((p) => p.port),
            `${route.metadata.name} -> ${backend.name}`,
          ).toContain(backend.port);
        }
      }
    });

    it.each(samplePaths.api)('routes %s to the api Service', (path) => {
      expectServicePort(objects, resolveRoute(routes, path), 'api');
    });

    it.each(samplePaths.web)('routes %s to the web Service', (path) => {
      expectServicePort(objects, resolveRoute(routes, path), 'web');
    });

    it('bounds /api requests above the api’s own worst answer time and well below a minute', () => {
      const timeout = durationSeconds(resolveRoute(routes, '/api/values')?.timeoutRequest ?? '0s');
      expect(timeout).toBeGreaterThan(apiAnswerBoundSeconds(objects));
      expect(timeout).toBeLessThanOrEqual(30);
      expect(durationSeconds(resolveRoute(routes, '/')?.timeoutRequest ?? '0s')).toBeGreaterThan(0);
    });

    it('gives the /api/events stream its own rule: to the api, with a request timeout far above the heartbeat', () => {
      const events = resolveRoute(routes, '/api/events');
      expectServicePort(objects, events, 'api');
      const timeout = durationSeconds(events?.timeoutRequest ?? '0s');
      // "0s" would disable the timeout; a finite bound is chosen, long enough for many heartbeats.
      expect(timeout).toBeGreaterThanOrEqual(60 * eventsHeartbeatSeconds);
      expect(resolveRoute(routes, '/api/events/x')?.timeoutRequest).not.toBe(events?.timeoutRequest);
    });
  },
);

describe('overlay aks-nginx (unsupported since 2026-11-30): NGINX Ingress edge', () => {
  const objects = renderOverlay('aks-nginx');
  const list = ingresses(objects);
  const annotation = (resolved: Resolved | undefined, name: string) =>
    resolved?.annotations?.[`nginx.ingress.kubernetes.io/${name}`];

  it('uses the application routing ingress class on every Ingress', () => {
    for (const ingress of list)
      expect(ingress.spec?.ingressClassName, ingress.metadata.name).toBe('webapprouting.kubernetes.azure.com');
  });

  it.each(samplePaths.api)('routes %s to the api Service', (path) => {
    expectServicePort(objects, resolveIngress(list, path), 'api');
  });

  it.each(samplePaths.web)('routes %s to the web Service', (path) => {
    expectServicePort(objects, resolveIngress(list, path), 'web');
  });

  it('limits request bodies on every path to 64 KiB: above the api’s 10 KB, far below what would load a pod', () => {
    for (const path of [...samplePaths.api, ...samplePaths.web, '/api/events']) {
      const resolved = resolveIngress(list, path);
      expect(annotation(resolved, 'proxy-body-size'), path).toBe('64k');
      expect(annotation(resolved, 'client-body-buffer-size'), path).toBe('64k');
    }
    expect(64 * 1024).toBeGreaterThan(apiBodyLimitBytes);
  });

  it('rate-limits every path per client (requests/s, burst, concurrent connections)', () => {
    for (const path of [...samplePaths.api, ...samplePaths.web, '/api/events']) {
      const resolved = resolveIngress(list, path);
      for (const name of ['limit-rps', 'limit-burst-multiplier', 'limit-connections']) {
        expect(Number(annotation(resolved, name)), `${path} ${name}`).toBeGreaterThan(0);
      }
    }
  });

  it('bounds /api like the Gateway does (same seconds), above the api’s own worst answer time', () => {
    const api = resolveIngress(list, '/api/values');
    const gatewayTimeout = durationSeconds(resolveRoute(httpRoutes(renderOverlay('aks')), '/api/values')?.timeoutRequest ?? '0s');
    expect(Number(annotation(api, 'proxy-read-timeout'))).toBe(gatewayTimeout);
    expect(Number(annotation(api, 'proxy-read-timeout'))).toBeGreaterThan(apiAnswerBoundSeconds(objects));
    expect(annotation(api, 'proxy-buffering')).toBeUndefined();
  });

  it('passes /api/events through unbuffered, to the api, with a read timeout far above the heartbeat', () => {
    const events = resolveIngress(list, '/api/events');
    expectServicePort(objects, events, 'api');
    expect(annotation(events, 'proxy-buffering')).toBe('off');
    expect(Number(annotation(events, 'proxy-read-timeout'))).toBeGreaterThanOrEqual(60 * eventsHeartbeatSeconds);
    expect(Number(annotation(events, 'proxy-send-timeout'))).toBeGreaterThanOrEqual(60 * eventsHeartbeatSeconds);
  });
});

describe('Gateway API durations', () => {
  it('reads h, m, s and ms, and refuses anything else', () => {
    expect(durationSeconds('1h')).toBe(3600);
    expect(durationSeconds('1h30m')).toBe(5400);
    expect(durationSeconds('15s')).toBe(15);
    expect(durationSeconds('500ms')).toBe(0.5);
    expect(() => durationSeconds('1 hour')).toThrow();
  });
});

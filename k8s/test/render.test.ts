// Every overlay renders with `kubectl kustomize`, every object matches its published schema
// (Kubernetes, KEDA, Gateway API), and each overlay holds the objects the design asks for.
import { readFileSync } from 'node:fs';
import path from 'node:path';

import { describe, expect, it } from 'vitest';

import {
  aksOverlays,
  appNamespace,
  imageBaseName,
  named,
  type OverlayName,
  overlays,
  parseManifests,
  persistentVolumeClaims,
  renderKustomization,
  renderOverlay,
  repoRoot,
  validateObject,
  workloads,
} from './manifests.js';

const countByKind = (objects: { kind: string }[]) =>
  Object.fromEntries(
    [...new Set(objects.map((object) => object.kind))]
      .sort()
      .map((kind) => [kind, objects.filter((o) => o.kind === kind).length]),
  );

/** Which edge each overlay uses: the Gateway API, except the unsupported aks-nginx overlay. */
const edgeOf: Record<OverlayName, 'gateway' | 'nginx'> = { aks: 'gateway', 'aks-nginx': 'nginx', local: 'gateway' };

describe.each(overlays)('overlay %s', (overlay) => {
  const objects = renderOverlay(overlay);

  it('renders and every object passes its Kubernetes / KEDA / Gateway API schema', () => {
    expect(objects.length).toBeGreaterThan(0);
    for (const object of objects) expect(() => validateObject(object)).not.toThrow();
  });

  it('puts every namespaced object in the app namespace', () => {
    for (const object of objects.filter((o) => o.kind !== 'Namespace')) {
      expect(object.metadata.namespace, `${object.kind}/${object.metadata.name}`).toBe(appNamespace);
    }
  });

  it('has the design objects: redis StatefulSet of 3, api, worker, web, postgres', () => {
    const kinds = countByKind(objects);
    expect(kinds).toMatchObject({ StatefulSet: 1, Deployment: 4, PersistentVolumeClaim: 1 });
    expect(named<{ spec: { replicas: number } }>(objects, 'StatefulSet', 'redis').spec.replicas).toBe(3);
    expect(
      workloads(objects)
        .map((w) => w.name)
        .sort(),
    ).toEqual(['api', 'postgres', 'redis', 'web', 'worker']);
  });

  it(`has exactly one edge: ${edgeOf[overlay] === 'gateway' ? 'a Gateway and its HTTPRoutes, no Ingress' : 'NGINX Ingresses, no Gateway API objects'}`, () => {
    const kinds = countByKind(objects);
    if (edgeOf[overlay] === 'gateway') {
      expect(kinds).toMatchObject({ Gateway: 1, HTTPRoute: 2 });
      expect(kinds).not.toHaveProperty('Ingress');
    } else {
      expect(kinds).toMatchObject({ Ingress: 3 });
      expect(objects.filter((o) => o.apiVersion.startsWith('gateway.networking.k8s.io/'))).toEqual([]);
    }
  });

  it('pins every image to an explicit tag (never :latest, never untagged)', () => {
    for (const { name, pod } of workloads(objects)) {
      for (const container of [...(pod.initContainers ?? []), ...pod.containers]) {
        const image = container.image ?? '';
        expect(image, `${name}/${container.name}`).toMatch(/^[^@]+:[A-Za-z0-9._-]+$|@sha256:[0-9a-f]{64}$/);
        expect(image, `${name}/${container.name}`).not.toMatch(/:latest$/);
      }
    }
  });

  it('leaves the worker replica count to KEDA (no replicas field)', () => {
    expect(named<{ spec: Record<string, unknown> }>(objects, 'Deployment', 'worker').spec).not.toHaveProperty('replicas');
  });
});

describe.each(aksOverlays)('overlay %s', (overlay) => {
  const objects = renderOverlay(overlay);

  it('includes the KEDA ScaledObject and TriggerAuthentication', () => {
    expect(countByKind(objects)).toMatchObject({ ScaledObject: 1, TriggerAuthentication: 1 });
  });

  it('pulls the app images from Azure Container Registry', () => {
    const appImages = workloads(objects)
      .flatMap((w) => w.pod.containers.map((c) => c.image ?? ''))
      .filter((image) => ['fib-functions', 'fib-web'].includes(imageBaseName(image)));
    expect(appImages.length).toBeGreaterThan(0);
    for (const image of appImages) expect(image).toMatch(/^[a-z0-9]+\.azurecr\.io\//);
  });

  it('puts Redis and Postgres volumes on an Azure disk storage class', () => {
    const redis = named<{ spec: { volumeClaimTemplates: { spec: { storageClassName?: string } }[] } }>(
      objects,
      'StatefulSet',
      'redis',
    );
    expect(redis.spec.volumeClaimTemplates.map((t) => t.spec.storageClassName)).toEqual(['managed-csi-premium']);
    for (const claim of persistentVolumeClaims(objects)) expect(claim.spec?.storageClassName).toBe('managed-csi-premium');
  });
});

describe('the aks overlays differ only in their edge', () => {
  it('aks and aks-nginx render the same objects apart from Gateway API objects, Ingresses and edge NetworkPolicies', () => {
    const isEdge = (o: { kind: string; metadata: { name: string } }) =>
      ['Gateway', 'HTTPRoute', 'Ingress'].includes(o.kind) ||
      (o.kind === 'NetworkPolicy' && /-from-(gateway|ingress-controller|anywhere)$/.test(o.metadata.name));
    const core = (overlay: OverlayName) =>
      renderOverlay(overlay)
        .filter((o) => !isEdge(o))
        .map((o) => JSON.stringify(o))
        .sort();
    expect(core('aks-nginx')).toEqual(core('aks'));
  });
});

describe('overlay local', () => {
  const objects = renderOverlay('local');

  it('uses the default storage class and no KEDA objects (KEDA is optional there)', () => {
    for (const claim of persistentVolumeClaims(objects)) expect(claim.spec?.storageClassName).toBeUndefined();
    expect(objects.filter((o) => o.apiVersion.startsWith('keda.sh/'))).toEqual([]);
  });
});

describe('keda/ on its own', () => {
  it('renders by itself for `kubectl apply -k keda`', () => {
    const objects = renderKustomization('keda');
    expect(objects.map((o) => o.kind).sort()).toEqual(['ScaledObject', 'TriggerAuthentication']);
    for (const object of objects) expect(() => validateObject(object)).not.toThrow();
  });
});

describe('schema validation', () => {
  const fixture = readFileSync(path.join(repoRoot, 'k8s/test/fixtures/broken-objects.yaml'), 'utf8');
  /** The broken value in each fixture object, its field in the error, and the value that repairs it. */
  const breakages = [
    { kind: 'Gateway', broken: 'port: eighty', field: /listeners\/0\/port/, fixed: 'port: 80' },
    { kind: 'HTTPRoute', broken: 'request: 1 hour', field: /timeouts\/request/, fixed: 'request: 1h' },
    { kind: 'ScaledObject', broken: 'minReplicaCount: none', field: /minReplicaCount/, fixed: 'minReplicaCount: 0' },
    { kind: 'Deployment', broken: 'replicas: two', field: /replicas/, fixed: 'replicas: 2' },
    { kind: 'SecretProviderClass', broken: 'secretObject:', field: /secretObject\b/, fixed: 'secretObjects:' },
    { kind: 'PodMonitor', broken: 'portNumber: metrics', field: /portNumber/, fixed: 'portNumber: 9464' },
  ];

  it.each(breakages)('rejects the deliberately broken $kind fixture, naming the field', ({ kind, field }) => {
    const object = parseManifests(fixture).find((o) => o.kind === kind);
    expect(object).toBeDefined();
    expect(() => validateObject(object!)).toThrow(field);
  });

  it.each(breakages)('accepts the $kind fixture once its broken value is fixed', ({ kind, broken, fixed }) => {
    expect(fixture).toContain(broken);
    const object = parseManifests(fixture.replace(broken, fixed)).find((o) => o.kind === kind);
    expect(() => validateObject(object!)).not.toThrow();
  });

  it('rejects a kind it has no schema for', () => {
    const [unknown] = parseManifests('apiVersion: example.com/v1\nkind: Widget\nmetadata: {name: w}\n');
    expect(() => validateObject(unknown!)).toThrow(/no schema/);
  });
});

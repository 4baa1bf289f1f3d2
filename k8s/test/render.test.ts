// Every overlay renders with `kubectl kustomize`, every object matches its schema, and
// each overlay holds the objects the design asks for.
import { describe, expect, it } from 'vitest';

import {
  appNamespace,
  imageBaseName,
  named,
  overlays,
  parseManifests,
  persistentVolumeClaims,
  renderKustomization,
  renderOverlay,
  validateObject,
  workloads,
} from './manifests.js';

const countByKind = (objects: { kind: string }[]) =>
  Object.fromEntries(
    [...new Set(objects.map((object) => object.kind))]
      .sort()
      .map((kind) => [kind, objects.filter((o) => o.kind === kind).length]),
  );

describe.each(overlays)('overlay %s', (overlay) => {
  const objects = renderOverlay(overlay);

  it('renders and every object passes its kubernetes-models / KEDA schema', () => {
    expect(objects.length).toBeGreaterThan(0);
    for (const object of objects) expect(() => validateObject(object)).not.toThrow();
  });

  it('puts every namespaced object in the app namespace', () => {
    for (const object of objects.filter((o) => o.kind !== 'Namespace')) {
      expect(object.metadata.namespace, `${object.kind}/${object.metadata.name}`).toBe(appNamespace);
    }
  });

  it('has the design objects: redis StatefulSet of 3, api of 2, worker, web, postgres, one Ingress', () => {
    const kinds = countByKind(objects);
    expect(kinds).toMatchObject({ StatefulSet: 1, Deployment: 4, Ingress: 1, PersistentVolumeClaim: 1 });
    expect(named<{ spec: { replicas: number } }>(objects, 'StatefulSet', 'redis').spec.replicas).toBe(3);
    expect(
      workloads(objects)
        .map((w) => w.name)
        .sort(),
    ).toEqual(['api', 'postgres', 'redis', 'web', 'worker']);
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

describe('overlay aks', () => {
  const objects = renderOverlay('aks');

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
  it('rejects a Deployment whose replicas is not an integer', () => {
    const [broken] = parseManifests(
      'apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: x}\nspec:\n  replicas: two\n  selector: {matchLabels: {a: b}}\n' +
        '  template: {metadata: {labels: {a: b}}, spec: {containers: [{name: c, image: "i:1"}]}}\n',
    );
    expect(() => validateObject(broken!)).toThrow(/replicas/);
  });

  it('rejects a kind it has no schema for', () => {
    const [unknown] = parseManifests('apiVersion: example.com/v1\nkind: Widget\nmetadata: {name: w}\n');
    expect(() => validateObject(unknown!)).toThrow(/no schema/);
  });
});

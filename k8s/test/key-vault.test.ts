// The Key Vault path (k8s/components/azure-key-vault, both AKS overlays): every Secret key a
// pod or KEDA reads is synced from a Key Vault secret the SecretProviderClass fetches, every
// pod that reads one mounts the vault through the federated service account (the mount is
// what makes the driver sync), and no credential is in the manifests. The local overlay keeps
// plain, hand-made Secrets. The one Secret outside the vault is fib-otel (k8s/components/
// otel-traces), read only through optional references and made by the operator when wanted.
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';

import {
  aksOverlays,
  named,
  ofKind,
  type OverlayName,
  renderOverlay,
  triggerAuthentications,
  validateObject,
  workloads,
} from './manifests.js';

interface SecretProviderClass {
  spec: {
    provider: string;
    parameters: Record<string, string>;
    secretObjects: { secretName: string; type: string; data: { objectName: string; key: string }[] }[];
  };
}

/** Every (Secret, key) a container or KEDA's TriggerAuthentication reads, by the workload reading it. */
function secretReads(overlay: OverlayName) {
  const objects = renderOverlay(overlay);
  const reads: { reader: string; name: string; key: string; optional?: boolean }[] = [];
  for (const w of workloads(objects)) {
    for (const container of [...(w.pod.initContainers ?? []), ...w.pod.containers]) {
      for (const variable of container.env ?? []) {
        const ref = variable.valueFrom?.secretKeyRef;
        if (ref) reads.push({ reader: w.name, name: ref.name ?? '', key: ref.key, optional: ref.optional ?? false });
      }
    }
  }
  for (const auth of triggerAuthentications(objects)) {
    for (const ref of auth.spec?.secretTargetRef ?? []) reads.push({ reader: 'keda', name: ref.name, key: ref.key });
  }
  return reads;
}

describe.each(aksOverlays)('overlay %s: credentials from Azure Key Vault', (overlay) => {
  const objects = renderOverlay(overlay);
  const provider = named<SecretProviderClass>(objects, 'SecretProviderClass', 'fib-stores');
  const fetched = (parse(provider.spec.parameters.objects ?? '') as { array: string[] }).array.map(
    (entry) => parse(entry) as { objectName: string; objectType: string },
  );

  it('passes the SecretProviderClass and ServiceAccount schemas', () => {
    expect(() => validateObject(provider)).not.toThrow();
    expect(() => validateObject(named(objects, 'ServiceAccount', 'fib-secrets'))).not.toThrow();
  });

  it('uses the Azure provider with workload identity, not pod identity', () => {
    expect(provider.spec.provider).toBe('azure');
    expect(provider.spec.parameters.usePodIdentity).toBe('false');
    const account = named<{ metadata: { annotations?: Record<string, string> } }>(objects, 'ServiceAccount', 'fib-secrets');
    expect(account.metadata.annotations?.['azure.workload.identity/client-id']).toBe(provider.spec.parameters.clientID);
  });

  it('syncs every Secret key a pod or KEDA reads, each from a Key Vault secret it fetches', () => {
    const synced = new Map(
      provider.spec.secretObjects.flatMap((secret) =>
        secret.data.map((d) => [`${secret.secretName}/${d.key}`, d.objectName] as const),
      ),
    );
    // fib-otel is the operator's, outside the vault: pods start without it (optional references only).
    const otel = secretReads(overlay).filter((read) => read.name === 'fib-otel');
    expect(otel.length).toBeGreaterThan(0);
    for (const read of otel) expect(read.optional, `${read.reader} reads fib-otel/${read.key}`).toBe(true);
    const reads = secretReads(overlay).filter((read) => read.name !== 'fib-otel');
    expect(reads.length).toBeGreaterThan(0);
    for (const { reader, name, key } of reads)
      expect(synced.get(`${name}/${key}`), `${reader} reads ${name}/${key}`).toBeDefined();
    const fetchedNames = fetched.map((object) => object.objectName);
    for (const objectName of synced.values()) expect(fetchedNames).toContain(objectName);
    for (const object of fetched) expect(object.objectType).toBe('secret');
    // The worker at zero pods must not be the only reader keeping KEDA's Secret alive.
    expect(reads.some((read) => read.reader === 'keda' && read.name === 'redis-auth')).toBe(true);
  });

  it('mounts the vault, read-only, through the federated service account in every pod that reads a synced Secret', () => {
    const readers = new Set(secretReads(overlay).flatMap((read) => (read.reader === 'keda' ? [] : [read.reader])));
    expect([...readers].sort()).toEqual(['api', 'postgres', 'redis', 'worker']);
    for (const w of workloads(objects)) {
      const volume = (w.pod.volumes ?? []).find((v) => v.csi?.volumeAttributes?.secretProviderClass === 'fib-stores');
      if (!readers.has(w.name)) {
        expect(volume, `${w.name} needs no credentials`).toBeUndefined();
        continue;
      }
      expect(w.pod.serviceAccountName, w.name).toBe('fib-secrets');
      expect(w.pod.automountServiceAccountToken, w.name).toBe(false);
      expect(volume?.csi).toMatchObject({ driver: 'secrets-store.csi.k8s.io', readOnly: true });
      const mounts = w.pod.containers.flatMap((c) => c.volumeMounts ?? []).filter((m) => m.name === volume?.name);
      expect(mounts.length, `${w.name} mounts the vault`).toBeGreaterThan(0);
      for (const mount of mounts) expect(mount.readOnly).toBe(true);
    }
  });

  it('keeps the synced Secrets alive while the worker is at zero: always-running pods mount the vault', () => {
    const mounting = workloads(objects)
      .filter((w) => (w.pod.volumes ?? []).some((v) => v.csi?.volumeAttributes?.secretProviderClass === 'fib-stores'))
      .map((w) => w.name);
    for (const name of ['api', 'redis']) expect(mounting).toContain(name);
  });

  it('holds no credential: parameters name the vault, tenant and identity only', () => {
    expect(Object.keys(provider.spec.parameters).sort()).toEqual([
      'clientID',
      'keyvaultName',
      'objects',
      'tenantId',
      'usePodIdentity',
    ]);
    expect(JSON.stringify(provider)).not.toMatch(/password=|postgres:\/\/|clientSecret/i);
    expect(ofKind(objects, 'Secret')).toEqual([]);
  });
});

describe('overlay local: plain Secrets', () => {
  it('has no SecretProviderClass or vault service account (Secrets are created with kubectl)', () => {
    const objects = renderOverlay('local');
    expect(ofKind(objects, 'SecretProviderClass')).toEqual([]);
    expect(ofKind(objects, 'ServiceAccount')).toEqual([]);
    for (const w of workloads(objects)) expect(w.pod.serviceAccountName, w.name).toBeUndefined();
  });
});

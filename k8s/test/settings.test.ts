// Settings and secrets: the Functions containers get only settings the functions' config
// knows (one source of truth: functions/src/config.ts), the ConfigMap uses the names of
// local.settings.json, every secret comes from a Secret the AKS guide creates, and no
// secret value is in any manifest.
import { readFileSync } from 'node:fs';
import path from 'node:path';

import type { IContainer } from 'kubernetes-models/v1/Container';
import { describe, expect, it } from 'vitest';

import { isKnownSettingName, settingsSchema } from '../../functions/src/config.js';
import {
  configMaps,
  documentedSecrets,
  isFunctionsContainer,
  overlays,
  type RenderedObject,
  renderOverlay,
  repoRoot,
  triggerAuthentications,
  workloads,
} from './manifests.js';

/** Settings whose values carry a password, so they must come from a Secret. */
const secretSettings = ['REDIS_MASTER', 'REDIS_REPLICA', 'DATABASE_URL', 'OPERATOR_TOKEN'];
const secretLookingName = /PASSWORD|SECRET|TOKEN|_AUTH$|^AUTH/i;
/** A password in a StackExchange.Redis string, or credentials in a URL. */
const credentialInValue = /password\s*=\s*[^,\s]|:\/\/[^/\s:@]+:[^/\s@]+@/i;

const localSettings = JSON.parse(readFileSync(path.join(repoRoot, 'local.settings.json'), 'utf8')) as {
  Values: Record<string, string>;
};

/** Every environment name a container gets: env entries plus the keys of envFrom ConfigMaps. */
function environmentNames(objects: readonly RenderedObject[], container: IContainer): string[] {
  const fromMaps = (container.envFrom ?? []).flatMap((source) => {
    const map = configMaps(objects).find((m) => m.metadata.name === source.configMapRef?.name);
    if (source.configMapRef && !map) throw new Error(`envFrom names missing ConfigMap ${source.configMapRef.name}`);
    if (source.secretRef) throw new Error('envFrom secretRef hides which names a container gets; use secretKeyRef');
    return Object.keys(map?.data ?? {}).map((key) => `${source.prefix ?? ''}${key}`);
  });
  return [...(container.env ?? []).map((variable) => variable.name), ...fromMaps];
}

/** A setting's literal value in a container: its env entry, else its envFrom ConfigMaps. */
function settingValue(objects: readonly RenderedObject[], container: IContainer, name: string): string | undefined {
  const direct = (container.env ?? []).find((variable) => variable.name === name);
  if (direct) return direct.value;
  for (const source of container.envFrom ?? []) {
    const map = configMaps(objects).find((m) => m.metadata.name === source.configMapRef?.name);
    const value = map?.data?.[name.slice((source.prefix ?? '').length)];
    if (value !== undefined && name.startsWith(source.prefix ?? '')) return value;
  }
  return undefined;
}

const allContainers = (objects: readonly RenderedObject[]) =>
  workloads(objects).flatMap((w) =>
    [...(w.pod.initContainers ?? []), ...w.pod.containers].map((container) => ({ workload: w.name, container })),
  );

describe.each(overlays)('overlay %s', (overlay) => {
  const objects = renderOverlay(overlay);
  const functionsContainers = allContainers(objects).filter(({ container }) => isFunctionsContainer(container));

  it('has Functions containers to check', () => {
    expect(functionsContainers.map((c) => c.workload).sort()).toEqual(['api', 'worker']);
  });

  it('gives Functions containers only environment names the functions config knows', () => {
    for (const { workload, container } of functionsContainers) {
      const unknown = environmentNames(objects, container).filter((name) => !isKnownSettingName(name));
      expect(unknown, `${workload}/${container.name}`).toEqual([]);
    }
  });

  it('gives the api every connection setting and the worker the Redis master', () => {
    const names = (name: string) =>
      functionsContainers.filter((c) => c.workload === name).flatMap(({ container }) => environmentNames(objects, container));
    expect(names('api')).toEqual(expect.arrayContaining(['REDIS_MASTER', 'REDIS_REPLICA', 'DATABASE_URL', 'TASKS_KEY']));
    expect(names('worker')).toEqual(expect.arrayContaining(['REDIS_MASTER', 'TASKS_KEY']));
    // The worker never reaches Postgres (NetworkPolicy), so it must not be configured for it.
    expect(names('worker')).not.toContain('DATABASE_URL');
  });

  it('the settings ConfigMap uses the names of local.settings.json, minus the secret ones', () => {
    const settingsMap = configMaps(objects).find((m) => m.metadata.name.startsWith('functions-settings'));
    const keys = Object.keys(settingsMap?.data ?? {});
    const expected = Object.keys(localSettings.Values).filter(
      (name) => !secretSettings.includes(name) && name !== 'AzureWebJobsStorage',
    );
    expect(keys).toEqual(expect.arrayContaining(expected));
    for (const key of keys) expect(isKnownSettingName(key), key).toBe(true);
    // Every non-secret app setting is stated explicitly, not left to a code default.
    const appSettings = Object.keys(settingsSchema.shape).filter((name) => !secretSettings.includes(name));
    expect(keys).toEqual(expect.arrayContaining(appSettings));
  });

  it('sets the Functions host body limit below its 100 MB default and above what any function reads', () => {
    for (const { workload, container } of functionsContainers) {
      const limit = settingValue(objects, container, 'FUNCTIONS_REQUEST_BODY_SIZE_LIMIT');
      expect(limit, workload).toMatch(/^\d+$/);
      expect(Number(limit), workload).toBeGreaterThanOrEqual(10_000);
      expect(Number(limit), workload).toBeLessThan(104_857_600);
    }
    expect(localSettings.Values.FUNCTIONS_REQUEST_BODY_SIZE_LIMIT).toBe(
      settingValue(objects, functionsContainers[0]!.container, 'FUNCTIONS_REQUEST_BODY_SIZE_LIMIT'),
    );
  });

  it('never sets POD_NAMESPACE (the host would switch to its Kubernetes lock manager) nor more than one Node worker process', () => {
    // azure-functions-host: with KUBERNETES_SERVICE_HOST and POD_NAMESPACE set it counts as
    // Kubernetes-managed hosting (IsKubernetesManagedHosting, src/WebJobs.Script/Environment/EnvironmentExtensions.cs) and registers
    // KubernetesDistributedLockManager (Azure/azure-functions-host
    // src/WebJobs.Script/Host/Kubernetes/KubernetesDistributedLockManager.cs, registered in
    // src/WebJobs.Script/ScriptHostBuilderExtensions.cs), which needs an API the pods cannot reach,
    // and the requeue timer stops running.
    // FUNCTIONS_WORKER_PROCESS_COUNT > 1 would split one pod's invocations over several Node
    // processes, and worker-liveness counts only its own process's.
    for (const { workload, container } of functionsContainers) {
      expect(environmentNames(objects, container), workload).not.toContain('POD_NAMESPACE');
      const processes = settingValue(objects, container, 'FUNCTIONS_WORKER_PROCESS_COUNT');
      if (processes !== undefined) expect(Number(processes), workload).toBeLessThanOrEqual(1);
    }
    expect(Object.keys(localSettings.Values)).not.toContain('POD_NAMESPACE');
  });

  it('takes every secret setting from a secretKeyRef, never a literal', () => {
    for (const { workload, container } of allContainers(objects)) {
      for (const variable of container.env ?? []) {
        if (secretSettings.includes(variable.name) || secretLookingName.test(variable.name)) {
          expect(variable.value, `${workload}/${variable.name}`).toBeUndefined();
          expect(variable.valueFrom?.secretKeyRef, `${workload}/${variable.name}`).toBeDefined();
        }
      }
    }
  });

  it('references only Secrets and keys that docs/deploy-aks.md creates', () => {
    const documented = documentedSecrets();
    const references = [
      ...allContainers(objects).flatMap(({ container }) =>
        (container.env ?? []).flatMap((v) => (v.valueFrom?.secretKeyRef ? [v.valueFrom.secretKeyRef] : [])),
      ),
      ...triggerAuthentications(objects).flatMap((auth) => auth.spec?.secretTargetRef ?? []),
    ];
    expect(references.length).toBeGreaterThan(0);
    for (const { name, key } of references) {
      expect(documented.get(name ?? ''), `Secret ${name} is created in the docs`).toBeDefined();
      expect([...(documented.get(name ?? '') ?? [])], `Secret ${name} key ${key}`).toContain(key);
    }
  });

  it('contains no Secret objects and no credentials in any value', () => {
    expect(objects.filter((o) => o.kind === 'Secret')).toEqual([]);
    const strings: { where: string; value: string }[] = [];
    const collect = (value: unknown, where: string): void => {
      if (typeof value === 'string') strings.push({ where, value });
      else if (Array.isArray(value)) value.forEach((item, i) => collect(item, `${where}[${i}]`));
      else if (value && typeof value === 'object')
        for (const [key, inner] of Object.entries(value)) collect(inner, `${where}.${key}`);
    };
    for (const object of objects) collect(object, `${object.kind}/${object.metadata.name}`);
    const leaks = strings.filter(({ value }) => credentialInValue.test(value));
    expect(leaks).toEqual([]);
  });

  it('KEDA trigger metadata carries no password (it comes through the TriggerAuthentication)', () => {
    for (const scaled of objects.filter((o) => o.kind === 'ScaledObject') as unknown as {
      spec: { triggers: { metadata: Record<string, string> }[] };
    }[]) {
      for (const trigger of scaled.spec.triggers) expect(Object.keys(trigger.metadata)).not.toContain('password');
    }
  });
});

describe('docs secret parsing', () => {
  it('reads names and keys from continued kubectl create secret commands', () => {
    const parsed = documentedSecrets(
      'x\n```sh\nkubectl -n fib create secret generic one \\\n  --from-literal=a="$A" \\\n  --from-literal=b=x\n```\n',
    );
    expect([...parsed.entries()].map(([name, keys]) => [name, [...keys]])).toEqual([['one', ['a', 'b']]]);
  });

  it('finds the credential pattern in a Redis connection string and a URL', () => {
    expect(credentialInValue.test('redis-0:6379,password=abc,ssl=False')).toBe(true);
    expect(credentialInValue.test('postgres://fib:pw@postgres:5432/fib')).toBe(true);
    expect(credentialInValue.test('redis-0:6379,ssl=False')).toBe(false);
  });
});

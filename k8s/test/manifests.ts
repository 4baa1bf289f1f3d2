// Renders the kustomize overlays with `kubectl kustomize`, validates every object against
// its published schema (kubernetes-models; @kubernetes-models/keda for KEDA;
// @kubernetes-models/gateway-api, Gateway API CRDs v1.5.1, for Gateway and HTTPRoute; the
// Secrets Store CSI Driver's own CRD, k8s/test/fixtures/secretproviderclasses.crd.yaml, for
// SecretProviderClass; Azure Managed Prometheus's CRD, k8s/test/fixtures/
// podmonitors.azmonitoring.crd.yaml, for PodMonitor), and offers the lookups the deployment
// tests share.
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

import type { IGateway } from '@kubernetes-models/gateway-api/gateway.networking.k8s.io/v1/Gateway';
import { Gateway } from '@kubernetes-models/gateway-api/gateway.networking.k8s.io/v1/Gateway';
import type { IHTTPRoute } from '@kubernetes-models/gateway-api/gateway.networking.k8s.io/v1/HTTPRoute';
import { HTTPRoute } from '@kubernetes-models/gateway-api/gateway.networking.k8s.io/v1/HTTPRoute';
import type { IScaledObject } from '@kubernetes-models/keda/keda.sh/v1alpha1/ScaledObject';
import { ScaledObject } from '@kubernetes-models/keda/keda.sh/v1alpha1/ScaledObject';
import type { ITriggerAuthentication } from '@kubernetes-models/keda/keda.sh/v1alpha1/TriggerAuthentication';
import { TriggerAuthentication } from '@kubernetes-models/keda/keda.sh/v1alpha1/TriggerAuthentication';
import { Ajv, type AnySchema } from 'ajv';
import type { IDeployment } from 'kubernetes-models/apps/v1/Deployment';
import { Deployment } from 'kubernetes-models/apps/v1/Deployment';
import type { IStatefulSet } from 'kubernetes-models/apps/v1/StatefulSet';
import { StatefulSet } from 'kubernetes-models/apps/v1/StatefulSet';
import type { IIngress } from 'kubernetes-models/networking.k8s.io/v1/Ingress';
import { Ingress } from 'kubernetes-models/networking.k8s.io/v1/Ingress';
import type { INetworkPolicy } from 'kubernetes-models/networking.k8s.io/v1/NetworkPolicy';
import { NetworkPolicy } from 'kubernetes-models/networking.k8s.io/v1/NetworkPolicy';
import { PodDisruptionBudget } from 'kubernetes-models/policy/v1/PodDisruptionBudget';
import type { IConfigMap } from 'kubernetes-models/v1/ConfigMap';
import { ConfigMap } from 'kubernetes-models/v1/ConfigMap';
import type { IContainer } from 'kubernetes-models/v1/Container';
import { Namespace } from 'kubernetes-models/v1/Namespace';
import type { IPersistentVolumeClaim } from 'kubernetes-models/v1/PersistentVolumeClaim';
import { PersistentVolumeClaim } from 'kubernetes-models/v1/PersistentVolumeClaim';
import type { IPodSpec } from 'kubernetes-models/v1/PodSpec';
import type { IService } from 'kubernetes-models/v1/Service';
import { Service } from 'kubernetes-models/v1/Service';
import { ServiceAccount } from 'kubernetes-models/v1/ServiceAccount';
import { parseAllDocuments } from 'yaml';

export const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

/** The overlays a cluster is deployed from; every test runs against each. */
export const overlays = ['aks', 'aks-nginx', 'local'] as const;
export type OverlayName = (typeof overlays)[number];
/** The overlays that deploy to AKS (Key Vault, Managed Prometheus, trace export, KEDA objects). */
export const aksOverlays: OverlayName[] = overlays.filter((overlay) => overlay.startsWith('aks'));

/** The namespace every object is deployed to (k8s/base/kustomization.yaml). */
export const appNamespace = 'fib';

/** The Functions image; its containers get only settings the functions' config knows. */
export const functionsImageName = 'fib-functions';

/** A rendered object: what every Kubernetes object has, the rest checked by its schema. */
export interface RenderedObject {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; labels?: Record<string, string> };
  [field: string]: unknown;
}

interface Validatable {
  validate(): void;
}

/** JSON schema of an object in a CRD's openAPIV3Schema (the parts this file looks at). */
interface CrdSchema {
  type?: string;
  properties?: Record<string, CrdSchema>;
  additionalProperties?: boolean | CrdSchema;
  items?: CrdSchema;
  [keyword: string]: unknown;
}

/**
 * The API server prunes fields a structural CRD schema does not declare, so a misspelt field
 * (`secretObject:`) would vanish silently on apply. Here it is an error instead: every object
 * schema with declared properties gets `additionalProperties: false`.
 */
function rejectUnknownFields(schema: CrdSchema): CrdSchema {
  const copy: CrdSchema = { ...schema };
  if (copy.properties) {
    copy.properties = Object.fromEntries(Object.entries(copy.properties).map(([k, v]) => [k, rejectUnknownFields(v)]));
    copy.additionalProperties ??= false;
  } else if (typeof copy.additionalProperties === 'object') {
    copy.additionalProperties = rejectUnknownFields(copy.additionalProperties);
  }
  if (copy.items) copy.items = rejectUnknownFields(copy.items);
  return copy;
}

/** A validator for one version of a CRD kept as a fixture (for CRDs without an npm model). */
function crdValidator(fixture: string, version: string): (data: never) => Validatable {
  const crd = parseAllDocuments(readFileSync(path.join(repoRoot, 'k8s/test/fixtures', fixture), 'utf8'))
    .map(
      (document) =>
        document.toJS() as { kind?: string; spec?: { versions?: { name: string; schema: { openAPIV3Schema: CrdSchema } }[] } },
    )
    .find((document) => document.kind === 'CustomResourceDefinition');
  const schema = crd?.spec?.versions?.find((candidate) => candidate.name === version)?.schema.openAPIV3Schema;
  if (!schema) throw new Error(`${fixture}: no version ${version}`);
  // strict: false lets the Kubernetes keywords (x-kubernetes-*) through unchecked. The OpenAPI
  // integer formats only size the number (type, minimum and maximum carry the checks).
  const validate = new Ajv({ strict: false, allErrors: true, formats: { int32: true, int64: true } }).compile(
    rejectUnknownFields(schema) as AnySchema,
  );
  return (data) => ({
    validate() {
      if (!validate(data)) {
        throw new Error(
          (validate.errors ?? [])
            .map(
              (e) =>
                `data${e.instancePath} ${e.message ?? ''}${e.params && 'additionalProperty' in e.params ? ` (${String(e.params.additionalProperty)})` : ''}`,
            )
            .join(', '),
        );
      }
    },
  });
}

/** Schema classes for every kind the manifests may contain, by `apiVersion/kind`. */
const schemas: Record<string, (data: never) => Validatable> = {
  'v1/Namespace': (data) => new Namespace(data),
  'v1/ConfigMap': (data) => new ConfigMap(data),
  'v1/ServiceAccount': (data) => new ServiceAccount(data),
  'v1/Service': (data) => new Service(data),
  'v1/PersistentVolumeClaim': (data) => new PersistentVolumeClaim(data),
  'apps/v1/Deployment': (data) => new Deployment(data),
  'apps/v1/StatefulSet': (data) => new StatefulSet(data),
  'networking.k8s.io/v1/Ingress': (data) => new Ingress(data),
  'networking.k8s.io/v1/NetworkPolicy': (data) => new NetworkPolicy(data),
  'policy/v1/PodDisruptionBudget': (data) => new PodDisruptionBudget(data),
  'keda.sh/v1alpha1/ScaledObject': (data) => new ScaledObject(data),
  'keda.sh/v1alpha1/TriggerAuthentication': (data) => new TriggerAuthentication(data),
  'gateway.networking.k8s.io/v1/Gateway': (data) => new Gateway(data),
  'gateway.networking.k8s.io/v1/HTTPRoute': (data) => new HTTPRoute(data),
  'secrets-store.csi.x-k8s.io/v1/SecretProviderClass': crdValidator('secretproviderclasses.crd.yaml', 'v1'),
  'azmonitoring.coreos.com/v1/PodMonitor': crdValidator('podmonitors.azmonitoring.crd.yaml', 'v1'),
};

/** Throws (with the object's kind and name) unless the object matches its schema. */
export function validateObject(object: RenderedObject): void {
  const key = `${object.apiVersion}/${object.kind}`;
  const schema = schemas[key];
  if (!schema) throw new Error(`${key} ${object.metadata.name}: no schema known for this kind`);
  try {
    schema(object as never).validate();
  } catch (error) {
    throw new Error(`${key} ${object.metadata.name}: ${String(error)}`, { cause: error });
  }
}

/** Runs `kubectl kustomize` on a directory (relative to the repo root) and parses the YAML. */
export function renderKustomization(dir: string): RenderedObject[] {
  const text = execFileSync('kubectl', ['kustomize', path.join(repoRoot, dir)], { encoding: 'utf8' });
  return parseManifests(text);
}

function isRenderedObject(value: unknown): value is RenderedObject {
  if (typeof value !== 'object' || value === null) return false;
  const { apiVersion, kind, metadata } = value as Partial<RenderedObject>;
  return typeof apiVersion === 'string' && typeof kind === 'string' && typeof metadata?.name === 'string';
}

/** Parses a multi-document YAML stream; a YAML error is thrown, not skipped. */
export function parseManifests(text: string): RenderedObject[] {
  return parseAllDocuments(text).flatMap((document) => {
    const [error] = document.errors;
    if (error) throw new Error(`invalid YAML: ${error.message}`);
    const value: unknown = document.toJS();
    if (value === null || value === undefined) return [];
    if (!isRenderedObject(value)) throw new Error(`not a Kubernetes object: ${JSON.stringify(value).slice(0, 80)}`);
    return [value];
  });
}

const renderCache = new Map<OverlayName, RenderedObject[]>();

/** The rendered objects of an overlay (rendered once per test file). */
export function renderOverlay(overlay: OverlayName): RenderedObject[] {
  let objects = renderCache.get(overlay);
  if (!objects) {
    objects = renderKustomization(`k8s/overlays/${overlay}`);
    renderCache.set(overlay, objects);
  }
  return objects;
}

export function ofKind<T>(objects: readonly RenderedObject[], kind: string): (T & RenderedObject)[] {
  return objects.filter((object) => object.kind === kind) as (T & RenderedObject)[];
}

export function named<T>(objects: readonly RenderedObject[], kind: string, name: string): T & RenderedObject {
  const found = ofKind<T>(objects, kind).find((object) => object.metadata.name === name);
  if (!found) throw new Error(`no ${kind} named ${name}`);
  return found;
}

export const deployments = (objects: readonly RenderedObject[]) => ofKind<IDeployment>(objects, 'Deployment');
export const statefulSets = (objects: readonly RenderedObject[]) => ofKind<IStatefulSet>(objects, 'StatefulSet');
export const services = (objects: readonly RenderedObject[]) => ofKind<IService>(objects, 'Service');
export const configMaps = (objects: readonly RenderedObject[]) => ofKind<IConfigMap>(objects, 'ConfigMap');
export const ingresses = (objects: readonly RenderedObject[]) => ofKind<IIngress>(objects, 'Ingress');
export const gateways = (objects: readonly RenderedObject[]) => ofKind<IGateway>(objects, 'Gateway');
export const httpRoutes = (objects: readonly RenderedObject[]) => ofKind<IHTTPRoute>(objects, 'HTTPRoute');
export const networkPolicies = (objects: readonly RenderedObject[]) => ofKind<INetworkPolicy>(objects, 'NetworkPolicy');
export const scaledObjects = (objects: readonly RenderedObject[]) => ofKind<IScaledObject>(objects, 'ScaledObject');
export const triggerAuthentications = (objects: readonly RenderedObject[]) =>
  ofKind<ITriggerAuthentication>(objects, 'TriggerAuthentication');
export const persistentVolumeClaims = (objects: readonly RenderedObject[]) =>
  ofKind<IPersistentVolumeClaim>(objects, 'PersistentVolumeClaim');

/** A pod-creating workload with its pod template, as the tests look at it. */
export interface Workload {
  kind: 'Deployment' | 'StatefulSet';
  name: string;
  podLabels: Record<string, string>;
  selector: Record<string, string>;
  pod: IPodSpec;
}

export function workloads(objects: readonly RenderedObject[]): Workload[] {
  return [...deployments(objects), ...statefulSets(objects)].map((workload) => ({
    kind: workload.kind,
    name: workload.metadata.name,
    podLabels: workload.spec?.template.metadata?.labels ?? {},
    selector: workload.spec?.selector.matchLabels ?? {},
    pod: workload.spec?.template.spec ?? { containers: [] },
  }));
}

export function workload(objects: readonly RenderedObject[], name: string): Workload {
  const found = workloads(objects).find((candidate) => candidate.name === name);
  if (!found) throw new Error(`no Deployment or StatefulSet named ${name}`);
  return found;
}

/** Image name without registry path or tag: `x.azurecr.io/fib-web:1.0` -> `fib-web`. */
export function imageBaseName(image: string): string {
  const lastSegment = image.split('/').at(-1) ?? image;
  return lastSegment.split(/[:@]/)[0] ?? lastSegment;
}

export function isFunctionsContainer(container: IContainer): boolean {
  return imageBaseName(container.image ?? '') === functionsImageName;
}

/** Label-selector semantics of Kubernetes (matchLabels AND every matchExpression). */
export interface LabelSelector {
  matchLabels?: Record<string, string>;
  matchExpressions?: { key: string; operator: string; values?: string[] }[];
}

export function selectorMatches(selector: LabelSelector, labels: Record<string, string>): boolean {
  const byLabel = Object.entries(selector.matchLabels ?? {}).every(([key, value]) => labels[key] === value);
  const byExpression = (selector.matchExpressions ?? []).every(({ key, operator, values = [] }) => {
    const value = labels[key];
    switch (operator) {
      case 'In':
        return value !== undefined && values.includes(value);
      case 'NotIn':
        return value === undefined || !values.includes(value);
      case 'Exists':
        return value !== undefined;
      case 'DoesNotExist':
        return value === undefined;
      default:
        throw new Error(`unknown selector operator ${operator}`);
    }
  });
  return byLabel && byExpression;
}

/** The secrets docs/deploy-aks.md tells the reader to create: name -> keys. */
export function documentedSecrets(markdown = readFileSync(path.join(repoRoot, 'docs/deploy-aks.md'), 'utf8')) {
  const secrets = new Map<string, Set<string>>();
  // Join shell line continuations, then read each `kubectl ... create secret generic` line.
  const lines = markdown.replace(/\\\r?\n\s*/g, ' ').split(/\r?\n/);
  for (const line of lines) {
    const command = /\bkubectl\b.*\bcreate secret generic\s+([a-z0-9.-]+)(.*)$/.exec(line);
    if (!command) continue;
    const [, name = '', options = ''] = command;
    const keys = secrets.get(name) ?? new Set<string>();
    for (const literal of options.matchAll(/--from-literal[= ]([A-Za-z0-9._-]+)=/g)) keys.add(literal[1] ?? '');
    secrets.set(name, keys);
  }
  return secrets;
}

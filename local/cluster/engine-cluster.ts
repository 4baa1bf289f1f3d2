// `npm run cluster`'s core: the real engines (built or taken from their cache), the control plane
// on loopback, the project's manifests applied through a generated local overlay, and the
// worker Deployment's spec.replicas as the local runtime's replica source.
import { copyFile, mkdir, readFile, writeFile } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

import { parseAllDocuments } from 'yaml';

import { parseRedisConnectionString } from '../../functions/src/redis/connection-string.js';
import { DataDirectory } from '../runtime/data-dir-lock.js';
import type { ReplicasSource } from '../runtime/local-scaler.js';
import { localTriggerUrl } from '../runtime/metrics-api-trigger.js';
import { type ControlPlane, startControlPlane } from './control-plane.js';
import { type Engines, ensureEngines } from './engines.js';

/** The namespace and Deployment the manifests scale (k8s/base, keda/scaledobject.yaml). */
export const workerDeployment = Object.freeze({ namespace: 'fib', name: 'worker' });

/** Options of {@link startEngineCluster}. */
export interface EngineClusterOptions {
  root: string;
  /** LOCAL_DATA_DIR; the cluster lives in `<dataDir>/cluster`. */
  dataDir: string;
  log: (message: string) => void;
  /** `admission`: no controllers, for the manifest admission test. @defaultValue full */
  mode?: 'full' | 'admission';
  /** @defaultValue 6443 when free */
  apiServerPort?: number;
  /**
   * The ScaledObject to apply instead of keda/scaledobject.yaml (KEDA_SCALEDOBJECT, as for the
   * emulated scaler). @defaultValue keda/scaledobject.yaml
   */
  scaledObjectPath?: string;
  /** The HPA controller's sync period (HPA_SYNC_PERIOD_SECONDS). @defaultValue 15 */
  hpaSyncPeriodSeconds?: number;
  output?: (name: string, line: string) => void;
}

/** A running cluster of real engines. */
export interface EngineCluster {
  engines: Engines;
  controlPlane: ControlPlane;
  dir: string;
  /**
   * Applies the manifests with the local overlay for this Redis and this api (`http://127.0.0.1:<port>`)
   * and returns the replica source the local runtime follows (pass it as `replicasSource` to
   * startLocalRuntime).
   */
  deployApp: (functionsEnv: Readonly<Record<string, string>>, apiUrl: string) => Promise<ReplicasSource>;
  stop: () => Promise<void>;
}

interface DeploymentBody {
  spec?: { replicas?: number };
}

/** The fields of a core/v1 Event this reads. */
export interface ScaleEvent {
  reason?: string;
  message?: string;
  involvedObject?: { kind?: string; name?: string };
  eventTime?: string | null;
  lastTimestamp?: string | null;
  firstTimestamp?: string | null;
}

/**
 * Who set the worker Deployment to `replicas`, from the events the engines record (what
 * `kubectl describe` shows): the HPA controller's `SuccessfulRescale` ("New size: N") on KEDA's
 * HPA, or the KEDA operator's `KEDAScaleTargetActivated` / `KEDAScaleTargetDeactivated`
 * ("… from A to N") on the ScaledObject; the newest such event since `sinceMs`.
 */
export function scaleEventWriter(events: readonly ScaleEvent[], replicas: number, sinceMs: number): string | undefined {
  const candidates = events.flatMap((event) => {
    const time = Date.parse(event.eventTime ?? event.lastTimestamp ?? event.firstTimestamp ?? '');
    if (!Number.isFinite(time) || time < sinceMs) return [];
    const message = event.message ?? '';
    if (event.involvedObject?.kind === 'HorizontalPodAutoscaler' && event.reason === 'SuccessfulRescale') {
      return Number(/New size: (\d+)/.exec(message)?.[1]) === replicas ? [{ time, writer: 'the HPA controller' }] : [];
    }
    if (event.involvedObject?.kind === 'ScaledObject' && /^KEDAScaleTarget(Activated|Deactivated)$/.test(event.reason ?? '')) {
      return Number(/ from \d+ to (\d+)/.exec(message)?.[1]) === replicas ? [{ time, writer: 'the KEDA operator' }] : [];
    }
    return [];
  });
  return candidates.sort((a, b) => a.time - b.time).at(-1)?.writer;
}

/**
 * The JSON patch operations that point a ScaledObject's triggers at this machine: each `redis`
 * trigger's address at the local Redis master, each `metrics-api` trigger's URL at the local api
 * (same path and query, as the emulated scaler asks it: local/runtime/metrics-api-trigger.ts). The
 * manifest's addresses are cluster DNS names (`*.svc.cluster.local`), which do not resolve here:
 * a trigger left on one would fail at every KEDA poll.
 */
export function localTriggerPatches(
  scaledObjectYaml: string,
  local: { redisAddress: string; apiUrl: string },
): { op: 'replace'; path: string; value: string }[] {
  const object = parseAllDocuments(scaledObjectYaml)
    .map(
      (document) => document.toJS() as { kind?: string; spec?: { triggers?: { type?: string; metadata?: { url?: string } }[] } },
    )
    .find((candidate) => candidate?.kind === 'ScaledObject');
  return (object?.spec?.triggers ?? []).flatMap((trigger, i) => {
    if (trigger.type === 'redis')
      return [{ op: 'replace' as const, path: `/spec/triggers/${i}/metadata/address`, value: local.redisAddress }];
    if (trigger.type === 'metrics-api' && trigger.metadata?.url) {
      const url = localTriggerUrl({ url: trigger.metadata.url }, local.apiUrl);
      return [{ op: 'replace' as const, path: `/spec/triggers/${i}/metadata/url`, value: url }];
    }
    return [];
  });
}

/** The generated overlay: the project's `local` overlay and `keda/`, pointed at this machine's Redis and api. */
export function localEngineOverlay(options: {
  root: string;
  overlayDir: string;
  /** The ScaledObject applied (keda/scaledobject.yaml or a copy of another), for its trigger list. */
  scaledObjectYaml: string;
  redisAddress: string;
  redisPassword: string;
  /** The local api's origin, `http://127.0.0.1:<port>`: the metrics-api triggers' URLs point here. */
  apiUrl: string;
  /** Copied next to the overlay: another ScaledObject than keda/'s (kustomize reads files only below the overlay). */
  customScaledObject?: boolean;
}): string {
  const from = (path: string) => relative(options.overlayDir, join(options.root, path));
  const keda = options.customScaledObject ? ['triggerauthentication.yaml', 'scaledobject.yaml'] : [from('keda')];
  const patches = localTriggerPatches(options.scaledObjectYaml, options);
  return `# Generated by npm run cluster (local/cluster/engine-cluster.ts); rewritten at every start.
# The kind/minikube overlay plus the KEDA objects, with the ScaledObject's Redis address, its
# metrics-api URL and the TriggerAuthentication's Secret pointing at the Redis master and the api
# the local runtime started.
apiVersion: kustomize.config.k8s.io/v1beta1
kind: Kustomization
namespace: fib
resources:
  - ${from('k8s/overlays/local')}
${keda.map((resource) => `  - ${resource}`).join('\n')}
secretGenerator:
  - name: redis-auth
    literals:
      - password=${options.redisPassword}
    options:
      disableNameSuffixHash: true
patches:
  - target:
      group: keda.sh
      kind: ScaledObject
      name: worker
    patch: |-
${patches.map((patch) => `      - op: ${patch.op}\n        path: ${patch.path}\n        value: ${patch.value}`).join('\n')}
`;
}

/** Builds (first time) and starts the engines, and installs KEDA and the CRDs. */
export async function startEngineCluster(options: EngineClusterOptions): Promise<EngineCluster> {
  const dir = join(options.dataDir, 'cluster');
  await mkdir(dir, { recursive: true });
  const engines = await ensureEngines({ log: (message) => options.log(`build: ${message}`) });
  for (const line of engines.versions) options.log(line);
  const directory = await DataDirectory.claim(dir, options.log);
  let controlPlane: ControlPlane;
  try {
    controlPlane = await startControlPlane({
      engines,
      dir,
      mode: options.mode ?? 'full',
      log: options.log,
      output: options.output,
      apiServerPort: options.apiServerPort ?? 6443,
      hpaSyncPeriodSeconds: options.hpaSyncPeriodSeconds,
      spawned: (name, pid) => directory.record(name, pid),
      exited: (_name, pid) => directory.forget(pid),
    });
  } catch (error) {
    directory.release();
    throw error;
  }
  const stop = async () => {
    await controlPlane.stop();
    directory.release();
  };

  const deployApp = async (functionsEnv: Readonly<Record<string, string>>, apiUrl: string): Promise<ReplicasSource> => {
    const master = functionsEnv.REDIS_MASTER;
    if (!master) throw new Error('REDIS_MASTER is not set');
    const redis = parseRedisConnectionString(master);
    const overlayDir = join(dir, 'overlay');
    await mkdir(overlayDir, { recursive: true });
    const defaultScaledObject = join(options.root, 'keda', 'scaledobject.yaml');
    const customScaledObject = options.scaledObjectPath !== undefined && options.scaledObjectPath !== defaultScaledObject;
    const scaledObjectYaml = await readFile(customScaledObject ? (options.scaledObjectPath ?? '') : defaultScaledObject, 'utf8');
    if (customScaledObject && options.scaledObjectPath) {
      options.log(`ScaledObject from ${options.scaledObjectPath} (KEDA_SCALEDOBJECT)`);
      await copyFile(options.scaledObjectPath, join(overlayDir, 'scaledobject.yaml'));
      await copyFile(join(options.root, 'keda', 'triggerauthentication.yaml'), join(overlayDir, 'triggerauthentication.yaml'));
    }
    await writeFile(
      join(overlayDir, 'kustomization.yaml'),
      localEngineOverlay({
        root: options.root,
        overlayDir,
        scaledObjectYaml,
        redisAddress: `${redis.host}:${redis.port}`,
        redisPassword: redis.password ?? '',
        apiUrl,
        customScaledObject,
      }),
      { mode: 0o600 },
    );
    options.log(`applying the manifests (${overlayDir})`);
    const rendered = await controlPlane.kubectl(['kustomize', overlayDir]);
    if (rendered.code !== 0) throw new Error(`kubectl kustomize ${overlayDir} failed:\n${rendered.stderr}`);
    const applied = await controlPlane.kubectl(['apply', '--server-side', '--force-conflicts', '-f', '-'], rendered.stdout);
    if (applied.code !== 0) throw new Error(`applying the manifests failed:\n${applied.stderr}`);
    const path = `/apis/apps/v1/namespaces/${workerDeployment.namespace}/deployments/${workerDeployment.name}`;
    const eventsPath = `/api/v1/namespaces/${workerDeployment.namespace}/events`;
    let last: { replicas: number; setBy: string | undefined; seenAt: number } | undefined;
    return {
      describe: `Deployment ${workerDeployment.namespace}/${workerDeployment.name} spec.replicas`,
      // Four GETs a second on loopback: a KEDA activation followed at once by an HPA step is
      // still seen as two changes most of the time.
      periodMs: 250,
      async read() {
        const body = await controlPlane.api.get<DeploymentBody>(path, 3000);
        // The API server defaults an absent spec.replicas to 1.
        const replicas = body.spec?.replicas ?? 1;
        if (last?.replicas === replicas) return { replicas, setBy: last.setBy };
        const seenAt = Date.now();
        if (!last) {
          // The first read is the starting point (often the Deployment's default 1 before KEDA's
          // first pass), not a change to attribute.
          last = { replicas, setBy: undefined, seenAt };
          return { replicas };
        }
        // The engine records its event just after it scales: look a few times. Event
        // times have one-second resolution (lastTimestamp), hence the margin.
        const since = last.seenAt - 2000;
        let setBy: string | undefined;
        // KEDA's recorder (client-go tools/events) sends its events in the background, so
        // allow it a few seconds.
        for (let attempt = 0; attempt < 12 && setBy === undefined; attempt += 1) {
          if (attempt > 0) await sleep(250);
          const events = await controlPlane.api.get<{ items: ScaleEvent[] }>(eventsPath, 3000).catch(() => ({ items: [] }));
          setBy = scaleEventWriter(events.items, replicas, since);
        }
        last = { replicas, setBy, seenAt };
        return { replicas, setBy };
      },
    };
  };
  return { engines, controlPlane, dir, deployApp, stop };
}

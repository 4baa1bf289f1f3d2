// Every overlay admitted by a real kube-apiserver (the pinned engines, local/cluster/): each is
// server-side applied with a server dry run (no controllers run here), so the API server's own
// validation, the CRDs' schemas and CEL rules (KEDA, Gateway API, and the SecretProviderClass and
// Managed Prometheus PodMonitor CRDs of the AKS overlays' components) and KEDA's admission webhook
// (failurePolicy Fail) all look at every object; a broken object fails with the server's words.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { type ControlPlane, startControlPlane } from '../../local/cluster/control-plane.js';
import { enginesAvailability, ensureEngines } from '../../local/cluster/engines.js';
import { appNamespace, overlays, parseManifests, type RenderedObject, repoRoot } from './manifests.js';

const availability = await enginesAvailability();
if (availability === 'no-go' || availability === 'skipped') {
  console.warn(
    availability === 'skipped'
      ? 'NOT RUN: the real API server admission tests (k8s/test/api-server-admission.int.test.ts): REAL_ENGINES=skip.'
      : 'NOT RUN: the real API server admission tests (k8s/test/api-server-admission.int.test.ts) needs Go 1.26+ to build the engines; none was found.',
  );
}

describe.skipIf(availability === 'no-go' || availability === 'skipped')(
  'every overlay on a real kube-apiserver with KEDA and Gateway API CRDs',
  () => {
    let dataDir: string;
    let cluster: ControlPlane;
    const rendered = new Map<string, RenderedObject[]>();

    // JSON, not YAML: a YAML writer leaves strings such as `off` unquoted, which the API
    // server's YAML 1.1 decoder would read as booleans.
    const applyDryRun = (objects: RenderedObject[]) =>
      cluster.kubectl(
        ['apply', '--server-side', '--dry-run=server', '--field-manager=admission-test', '-f', '-'],
        JSON.stringify({ apiVersion: 'v1', kind: 'List', items: objects }),
      );

    beforeAll(async () => {
      // Built once per machine; only a first run on a fresh machine pays the build.
      const engines = await ensureEngines({
        log: (message) => console.log(`[engines] ${message}`),
        // npm test's build step has just tried: a recorded failure fails here at once with its error.
        afterFailedBuild: 'fail',
      });
      dataDir = mkdtempSync(path.join(tmpdir(), 'fib-admission-'));
      cluster = await startControlPlane({ engines, dir: dataDir, mode: 'admission', log: () => undefined });
      // A dry run creates nothing, so the namespace the objects go to must exist for real.
      const namespace = await cluster.kubectl(['create', 'namespace', appNamespace]);
      expect(namespace.stderr).toBe('');
      for (const overlay of overlays) {
        const result = await cluster.kubectl(['kustomize', path.join(repoRoot, 'k8s', 'overlays', overlay)]);
        expect(result.stderr).toBe('');
        rendered.set(overlay, parseManifests(result.stdout));
      }
    }, 60 * 60_000);

    afterAll(async () => {
      await cluster?.stop();
      if (dataDir) rmSync(dataDir, { recursive: true, force: true });
    });

    it.each(overlays)('admits every object of the %s overlay', async (overlay) => {
      const objects = rendered.get(overlay) ?? [];
      const result = await applyDryRun(objects);
      expect(result.stderr).toBe('');
      expect(result.code).toBe(0);
      const admitted = result.stdout.split('\n').filter((line) => line.includes('serverside-applied (server dry run)'));
      expect(admitted).toHaveLength(objects.length);
    });

    const brokenCases: { what: string; overlay: string; change: (objects: RenderedObject[]) => void; message: RegExp }[] = [
      {
        what: "KEDA's CRD rejects a ScaledObject whose minReplicaCount exceeds maxReplicaCount",
        overlay: 'aks',
        change(objects) {
          const so = objects.find((object) => object.kind === 'ScaledObject') as RenderedObject & {
            spec: { minReplicaCount: number };
          };
          so.spec.minReplicaCount = 20;
        },
        message:
          /The ScaledObject "worker" is invalid: spec: Invalid value: minReplicaCount must be less than or equal to maxReplicaCount/,
      },
      {
        what: "KEDA's admission webhook rejects a ScaledObject with two triggers of one name",
        overlay: 'aks',
        change(objects) {
          const so = objects.find((object) => object.kind === 'ScaledObject') as RenderedObject & {
            spec: { triggers: { name?: string }[] };
          };
          const [trigger] = so.spec.triggers;
          if (!trigger) throw new Error('the ScaledObject has no trigger');
          so.spec.triggers = [
            { ...trigger, name: 'tasks' },
            { ...trigger, name: 'tasks' },
          ];
        },
        message: /admission webhook "vscaledobject\.kb\.io" denied the request: triggerName "tasks" is defined multiple times/,
      },
      {
        what: "the Gateway API CRD's validation rejects an HTTPRoute path that does not start with /",
        overlay: 'aks',
        change(objects) {
          const route = objects.find((object) => object.kind === 'HTTPRoute') as RenderedObject & {
            spec: { rules: { matches?: { path?: { value: string } }[] }[] };
          };
          const match = route.spec.rules.flatMap((rule) => rule.matches ?? []).find((candidate) => candidate.path);
          if (!match?.path) throw new Error('the HTTPRoute has no path match to break');
          match.path.value = 'api';
        },
        message: /The HTTPRoute ".+" is invalid: [\s\S]*path: Invalid value: value must be an absolute path and start with '\/'/,
      },
      {
        what: "the PodMonitor CRD's schema rejects a scrape port number above 65535",
        overlay: 'aks',
        change(objects) {
          const monitor = objects.find((object) => object.kind === 'PodMonitor' && object.metadata.name === 'keda-operator') as
            (RenderedObject & { spec: { podMetricsEndpoints: { portNumber?: number }[] } }) | undefined;
          const [endpoint] = monitor?.spec.podMetricsEndpoints ?? [];
          if (!endpoint) throw new Error('the aks overlay has no keda-operator PodMonitor endpoint to break');
          endpoint.portNumber = 80_800;
        },
        message:
          /The PodMonitor "keda-operator" is invalid: [\s\S]*portNumber: Invalid value: 80800: [\s\S]*less than or equal to 65535/,
      },
      {
        what: 'the API server rejects a Deployment container without an image',
        overlay: 'local',
        change(objects) {
          const deployment = objects.find((object) => object.kind === 'Deployment') as RenderedObject & {
            spec: { template: { spec: { containers: { image?: string }[] } } };
          };
          delete deployment.spec.template.spec.containers[0]?.image;
        },
        message: /The Deployment ".+" is invalid: spec\.template\.spec\.containers\[0\]\.image: Required value/,
      },
    ];

    it.each(brokenCases)("$what, with the server's message", async ({ overlay, change, message }) => {
      const objects = structuredClone(rendered.get(overlay) ?? []);
      change(objects);
      const result = await applyDryRun(objects);
      expect(result.code).not.toBe(0);
      expect(result.stderr).toMatch(message);
    });
  },
);

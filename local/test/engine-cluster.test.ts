// The pieces of `npm run cluster` that need no engines: the generated local overlay (rendered by
// kustomize) and who last set the worker Deployment's replicas (its managedFields).
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { afterAll, describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';

import { localEngineOverlay, replicasWriter } from '../cluster/engine-cluster.js';
import { root } from './support/runtime-under-test.js';

describe('the local overlay npm run cluster applies', () => {
  const overlayDir = mkdtempSync(join(tmpdir(), 'fib-overlay-'));
  afterAll(() => rmSync(overlayDir, { recursive: true, force: true }));

  it('is the local overlay plus keda/, with the ScaledObject and its Secret pointing at the local Redis', () => {
    writeFileSync(
      join(overlayDir, 'kustomization.yaml'),
      localEngineOverlay({ root, overlayDir, redisAddress: '127.0.0.1:16380', redisPassword: 's3cret' }),
    );
    const objects = parseAllDocuments(execFileSync('kubectl', ['kustomize', overlayDir], { encoding: 'utf8' })).map(
      (document) => document.toJS() as { kind: string; metadata: { name: string; namespace?: string }; [key: string]: unknown },
    );
    const scaledObject = objects.find((object) => object.kind === 'ScaledObject') as unknown as {
      metadata: { namespace: string };
      spec: { triggers: { metadata: { address: string; listName: string }; authenticationRef: { name: string } }[] };
    };
    expect(scaledObject.metadata.namespace).toBe('fib');
    expect(scaledObject.spec.triggers[0]?.metadata).toMatchObject({ address: '127.0.0.1:16380', listName: 'tasks' });
    const secret = objects.find((object) => object.kind === 'Secret') as unknown as {
      metadata: { name: string; namespace: string };
      data: { password: string };
    };
    expect(secret.metadata).toMatchObject({ name: 'redis-auth', namespace: 'fib' });
    expect(Buffer.from(secret.data.password, 'base64').toString()).toBe('s3cret');
    expect(objects.filter((object) => object.kind === 'TriggerAuthentication')).toHaveLength(1);
    expect(objects.find((object) => object.kind === 'Deployment' && object.metadata.name === 'worker')).toBeDefined();
  });
});

describe('who set the worker Deployment replicas', () => {
  const entry = (manager: string, time: string, replicas: boolean) => ({
    manager,
    time,
    fieldsV1: { 'f:spec': replicas ? { 'f:replicas': {} } : { 'f:template': {} } },
  });

  it('is the manager of the newest managedFields entry that owns spec.replicas, named for a reader', () => {
    const body = {
      metadata: {
        managedFields: [
          entry('kubectl', '2026-12-06T03:00:00Z', false),
          entry('kube-controller-manager', '2026-12-06T03:00:20Z', true),
          entry('keda', '2026-12-06T03:00:10Z', true),
        ],
      },
    };
    expect(replicasWriter(body)).toBe('the HPA controller');
    expect(replicasWriter({ metadata: { managedFields: [entry('keda', '2026-12-06T03:00:10Z', true)] } })).toBe(
      'the KEDA operator',
    );
    expect(replicasWriter({ metadata: { managedFields: [entry('kubectl', '2026-12-06T03:00:00Z', false)] } })).toBeUndefined();
  });
});

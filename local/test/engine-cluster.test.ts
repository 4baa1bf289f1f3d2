// The pieces of `npm run cluster` that need no engines: the generated local overlay (rendered by
// kustomize) and who last set the worker Deployment's replicas (the engines' scale events).
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { afterAll, describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';

import { localEngineOverlay, localTriggerPatches, scaleEventWriter } from '../cluster/engine-cluster.js';
import { realEnginesSkipped } from '../cluster/engines.js';
import { fastScaledObject } from './support/fast-scaled-object.js';
import { root } from './support/runtime-under-test.js';

describe('the local overlay npm run cluster applies', () => {
  const overlayDir = mkdtempSync(join(tmpdir(), 'fib-overlay-'));
  afterAll(() => rmSync(overlayDir, { recursive: true, force: true }));

  it('is the local overlay plus keda/, with both triggers and the Secret pointing at the local Redis and api', () => {
    writeFileSync(
      join(overlayDir, 'kustomization.yaml'),
      localEngineOverlay({
        root,
        overlayDir,
        scaledObjectYaml: readFileSync(join(root, 'keda', 'scaledobject.yaml'), 'utf8'),
        redisAddress: '127.0.0.1:16380',
        redisPassword: 's3cret',
        apiUrl: 'http://127.0.0.1:17071',
      }),
    );
    const objects = parseAllDocuments(execFileSync('kubectl', ['kustomize', overlayDir], { encoding: 'utf8' })).map(
      (document) => document.toJS() as { kind: string; metadata: { name: string; namespace?: string }; [key: string]: unknown },
    );
    const scaledObject = objects.find((object) => object.kind === 'ScaledObject') as unknown as {
      metadata: { namespace: string };
      spec: { triggers: { type: string; metadata: Record<string, string> }[] };
    };
    expect(scaledObject.metadata.namespace).toBe('fib');
    expect(scaledObject.spec.triggers.map((trigger) => trigger.type)).toEqual(['redis', 'metrics-api']);
    expect(scaledObject.spec.triggers[0]?.metadata).toMatchObject({ address: '127.0.0.1:16380', listName: 'tasks' });
    // The api's GET /api/stats on loopback, not the cluster DNS name KEDA could not resolve here.
    expect(scaledObject.spec.triggers[1]?.metadata).toMatchObject({
      url: 'http://127.0.0.1:17071/api/stats',
      valueLocation: 'pending',
    });
    expect(JSON.stringify(scaledObject)).not.toContain('svc.cluster.local');
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

describe('the trigger patches of the local overlay', () => {
  const local = { redisAddress: '127.0.0.1:16380', apiUrl: 'http://127.0.0.1:17071' };

  it('patches each trigger at its own index, whatever the order and number of triggers', () => {
    expect(localTriggerPatches(fastScaledObject(), local)).toEqual([
      { op: 'replace', path: '/spec/triggers/0/metadata/address', value: '127.0.0.1:16380' },
      { op: 'replace', path: '/spec/triggers/1/metadata/url', value: 'http://127.0.0.1:17071/api/stats' },
    ]);
    expect(localTriggerPatches(fastScaledObject({ triggers: ['metrics-api'] }), local)).toEqual([
      { op: 'replace', path: '/spec/triggers/0/metadata/url', value: 'http://127.0.0.1:17071/api/stats' },
    ]);
  });
});

describe('who set the worker Deployment replicas', () => {
  const at = (second: number) => new Date(Date.UTC(2026, 11, 6, 3, 0, second)).toISOString();
  // Shaped like the events the real engines recorded in a run (kubectl get events -o json).
  const events = [
    {
      reason: 'KEDAScaleTargetActivated',
      involvedObject: { kind: 'ScaledObject', name: 'worker' },
      eventTime: at(1),
      message: 'Scaled apps/v1.Deployment fib/worker from 0 to 1, triggered by s0-redis-tasks',
    },
    {
      reason: 'SuccessfulRescale',
      involvedObject: { kind: 'HorizontalPodAutoscaler', name: 'keda-hpa-worker' },
      lastTimestamp: at(6),
      message: 'New size: 4; reason: external metric s0-redis-tasks(…) above target',
    },
    {
      reason: 'SuccessfulRescale',
      involvedObject: { kind: 'HorizontalPodAutoscaler', name: 'keda-hpa-worker' },
      lastTimestamp: at(40),
      message: 'New size: 1; reason: All metrics below target',
    },
    {
      reason: 'KEDAScaleTargetDeactivated',
      involvedObject: { kind: 'ScaledObject', name: 'worker' },
      eventTime: at(50),
      message: 'Deactivated apps/v1.Deployment fib/worker from 1 to 0',
    },
    {
      reason: 'ScalingReplicaSet',
      involvedObject: { kind: 'Deployment', name: 'worker' },
      lastTimestamp: at(51),
      message: 'Scaled down replica set worker-1 from 1 to 0',
    },
  ];

  it('is the engine whose newest scale event since the last change names the new count', () => {
    expect(scaleEventWriter(events, 1, Date.parse(at(0)))).toBe('the HPA controller');
    expect(scaleEventWriter(events.slice(0, 2), 1, Date.parse(at(0)))).toBe('the KEDA operator');
    expect(scaleEventWriter(events, 4, Date.parse(at(2)))).toBe('the HPA controller');
    expect(scaleEventWriter(events, 0, Date.parse(at(45)))).toBe('the KEDA operator');
  });

  it('names nobody when no event since the last change matches (e.g. the Deployment default of 1)', () => {
    expect(scaleEventWriter(events, 4, Date.parse(at(10)))).toBeUndefined();
    expect(scaleEventWriter(events, 7, 0)).toBeUndefined();
  });
});

describe('REAL_ENGINES', () => {
  it('skips the real-engine tests only for "skip", runs them when unset, and refuses anything else by name', () => {
    expect(realEnginesSkipped({ REAL_ENGINES: 'skip' })).toBe(true);
    expect(realEnginesSkipped({})).toBe(false);
    expect(realEnginesSkipped({ REAL_ENGINES: '' })).toBe(false);
    expect(() => realEnginesSkipped({ REAL_ENGINES: 'no' })).toThrow('REAL_ENGINES must be "skip" or unset, got "no"');
  });
});

// The worker's start gate and liveness, as every overlay renders them: the Functions host
// starts only after an init container has had PONG from the Redis master, and the
// liveness probe is the worker-liveness function, with a restart bound that follows from
// its numbers. (The gate script itself runs against real Redis in worker-gate.int.test.ts.)
import { describe, expect, it } from 'vitest';

import { imageBaseName, isFunctionsContainer, named, overlays, renderOverlay, workload } from './manifests.js';

/** Longest a stalled worker may keep answering 503 before the kubelet restarts it (s). */
const maxRestartDelaySeconds = 30;

describe.each(overlays)('overlay %s', (overlay) => {
  const objects = renderOverlay(overlay);
  const worker = workload(objects, 'worker');
  const functions = worker.pod.containers.find(isFunctionsContainer)!;
  const gate = worker.pod.initContainers?.find((c) => c.name === 'wait-for-redis-master');

  it('runs a Redis start gate before the Functions host, with the Redis image the StatefulSet uses', () => {
    expect(worker.pod.initContainers?.map((c) => c.name)).toEqual(['wait-for-redis-master']);
    const redisImage = workload(objects, 'redis').pod.containers[0]?.image;
    expect(imageBaseName(gate?.image ?? '')).toBe('redis');
    expect(gate?.image).toBe(redisImage);
  });

  it('PINGs redis-0 through the headless Service, with the password from the redis-auth Secret', () => {
    const env = Object.fromEntries((gate?.env ?? []).map((v) => [v.name, v]));
    const headless = named<{ spec: { serviceName: string } }>(objects, 'StatefulSet', 'redis').spec.serviceName;
    expect(env.GATE_REDIS_HOST?.value).toBe(`redis-0.${headless}`);
    expect(env.GATE_REDIS_PORT?.value).toBe('6379');
    expect(env.REDISCLI_AUTH?.valueFrom?.secretKeyRef).toEqual({ name: 'redis-auth', key: 'password' });
    const script = gate?.command?.join(' ') ?? '';
    expect(script).toMatch(/timeout \d+ redis-cli .*ping/);
    expect(script).toMatch(/"PONG"/);
  });

  it('probes liveness with GET /api/worker/live on the host port, restarting within the bound', () => {
    const probe = functions.livenessProbe;
    expect(probe?.httpGet?.path).toBe('/api/worker/live');
    const port = functions.ports?.find((p) => p.name === probe?.httpGet?.port || p.containerPort === probe?.httpGet?.port);
    expect(port?.containerPort).toBe(8080);
    const period = probe?.periodSeconds ?? 10;
    const failures = probe?.failureThreshold ?? 3;
    expect(period * failures).toBeLessThanOrEqual(maxRestartDelaySeconds);
    expect(probe?.timeoutSeconds ?? 1).toBeLessThan(period);
    // Liveness only starts once the host listens.
    expect(functions.startupProbe?.tcpSocket?.port).toBe('http');
  });

  it('enables worker-liveness on the worker only', () => {
    const names = (container: typeof functions) =>
      (container.env ?? []).filter((v) => v.name.startsWith('AzureFunctionsJobHost__functions__')).map((v) => v.value);
    expect(names(functions)).toContain('worker-liveness');
    expect(names(workload(objects, 'api').pod.containers.find(isFunctionsContainer)!)).not.toContain('worker-liveness');
  });
});

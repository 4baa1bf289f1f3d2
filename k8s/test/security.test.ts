// Every container runs as non-root without privilege escalation, has requests and limits,
// and is probed where it serves; read-only root filesystems wherever the process allows.
import { describe, expect, it } from 'vitest';

import { overlays, renderOverlay, workload, workloads } from './manifests.js';

/** The Functions host writes under /home and /tmp at run time (see k8s/base/functions/api.yaml). */
const writableRootAllowed = new Set(['api', 'worker']);
/** Workloads that serve other pods or users, so readiness decides whether they get traffic. */
const serving = ['api', 'web', 'redis', 'postgres'];

describe.each(overlays)('overlay %s', (overlay) => {
  const objects = renderOverlay(overlay);
  const containers = workloads(objects).flatMap((w) =>
    [...(w.pod.initContainers ?? []), ...w.pod.containers].map((container) => ({ w, container })),
  );

  it('runs every container as a non-root numeric user without privilege escalation', () => {
    for (const { w, container } of containers) {
      const where = `${w.name}/${container.name}`;
      const runAsNonRoot = container.securityContext?.runAsNonRoot ?? w.pod.securityContext?.runAsNonRoot;
      const runAsUser = container.securityContext?.runAsUser ?? w.pod.securityContext?.runAsUser;
      expect(runAsNonRoot, where).toBe(true);
      expect(runAsUser, where).toBeGreaterThan(0);
      expect(container.securityContext?.allowPrivilegeEscalation, where).toBe(false);
      expect(container.securityContext?.privileged ?? false, where).toBe(false);
      expect(container.securityContext?.capabilities?.drop, where).toContain('ALL');
      expect(container.securityContext?.capabilities?.add ?? [], where).toEqual([]);
    }
  });

  it('uses a read-only root filesystem except for the Functions host', () => {
    for (const { w, container } of containers) {
      if (writableRootAllowed.has(w.name)) continue;
      expect(container.securityContext?.readOnlyRootFilesystem, `${w.name}/${container.name}`).toBe(true);
    }
  });

  it('sets the RuntimeDefault seccomp profile and mounts no service account token', () => {
    for (const w of workloads(objects)) {
      expect(w.pod.securityContext?.seccompProfile?.type, w.name).toBe('RuntimeDefault');
      expect(w.pod.automountServiceAccountToken, w.name).toBe(false);
    }
  });

  it('gives every container cpu and memory requests and limits', () => {
    for (const { w, container } of containers) {
      const where = `${w.name}/${container.name}`;
      expect(Object.keys(container.resources?.requests ?? {}).sort(), where).toEqual(['cpu', 'memory']);
      expect(Object.keys(container.resources?.limits ?? {}).sort(), where).toEqual(['cpu', 'memory']);
    }
  });

  it('probes readiness and liveness on every serving container, liveness on the worker', () => {
    for (const name of serving) {
      for (const container of workload(objects, name).pod.containers) {
        expect(container.readinessProbe, `${name} readiness`).toBeDefined();
        expect(container.livenessProbe, `${name} liveness`).toBeDefined();
      }
    }
    for (const container of workload(objects, 'worker').pod.containers) expect(container.livenessProbe).toBeDefined();
  });

  it('api readiness is /api/health, and no liveness probe depends on Redis or Postgres', () => {
    const api = workload(objects, 'api').pod.containers[0]!;
    expect(api.readinessProbe?.httpGet?.path).toBe('/api/health');
    for (const { w, container } of containers) {
      // /api/health fails when a dependency is down: as liveness it would restart every pod.
      expect(container.livenessProbe?.httpGet?.path ?? '', `${w.name} liveness`).not.toMatch(/health/);
    }
  });
});

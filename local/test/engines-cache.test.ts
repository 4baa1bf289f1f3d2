// The engine cache's reuse rules (local/cluster/engines.ts), on a fake cache: binaries are reused
// only when their stamp matches today's build inputs (wrapper go.mod, ldflags, packages) and Go's
// version; stamps from before inputs were recorded are accepted and completed, not rebuilt; a
// recorded build failure fails at once where asked to. Nothing is built here.
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { afterEach, describe, expect, it } from 'vitest';

import {
  engineBuildLayout,
  enginesBuilt,
  engineVersions,
  ensureEngines,
  findGo,
  recordedBuildFailure,
} from '../cluster/engines.js';

const go = await findGo();
const goVersion = go
  ? execFileSync(go, ['version'], { encoding: 'utf8', env: { ...process.env, GOTOOLCHAIN: 'local' } }).trim()
  : '';

describe('the engine cache', () => {
  let cacheRoot = '';
  afterEach(() => rmSync(cacheRoot, { recursive: true, force: true }));

  /** A cache with every binary (empty files) and stamps shaped by `stamp`. */
  const fakeCache = (stamp: (build: { inputs: string }) => Record<string, unknown>) => {
    cacheRoot = mkdtempSync(join(tmpdir(), 'fib-engines-'));
    for (const build of engineBuildLayout()) {
      mkdirSync(join(cacheRoot, build.key, 'bin'), { recursive: true });
      for (const binary of build.binaries) writeFileSync(join(cacheRoot, build.key, 'bin', binary), '');
      writeFileSync(join(cacheRoot, build.key, 'built.json'), JSON.stringify(stamp(build)));
    }
    // The CRDs come from the module cache, where the builds left the two modules.
    for (const module of [
      `github.com/kedacore/keda/v2@${engineVersions.keda}`,
      `sigs.k8s.io/gateway-api@${engineVersions.gatewayApi}`,
    ]) {
      mkdirSync(join(cacheRoot, 'go', 'mod', module), { recursive: true });
      writeFileSync(join(cacheRoot, 'go', 'mod', module, 'go.mod'), '');
    }
    return cacheRoot;
  };

  it('reuses binaries whose stamp matches the inputs, and not those built from other inputs', () => {
    expect(enginesBuilt(fakeCache((build) => ({ goVersion, inputs: build.inputs })))).toBe(true);
    rmSync(cacheRoot, { recursive: true, force: true });
    expect(enginesBuilt(fakeCache(() => ({ goVersion, inputs: 'another-go.mod' })))).toBe(false);
  });

  it.skipIf(!go)(
    'accepts a stamp written before inputs were recorded and completes it, without building or Go rebuilding',
    async () => {
      const root = fakeCache(() => ({ builtAt: '2026-12-06T08:00:00.000Z', seconds: 2300, goVersion }));
      expect(enginesBuilt(root)).toBe(true);
      const log: string[] = [];
      const engines = await ensureEngines({ cacheRoot: root, log: (message) => log.push(message) });
      expect(engines.kubectl).toBe(join(root, `kubernetes-${engineVersions.kubernetes}`, 'bin', 'kubectl'));
      expect(engines.kedaCrdDir).toBe(
        join(root, 'go', 'mod', `github.com/kedacore/keda/v2@${engineVersions.keda}`, 'config', 'crd', 'bases'),
      );
      expect(log).toEqual([]);
      for (const build of engineBuildLayout()) {
        expect(JSON.parse(readFileSync(join(root, build.key, 'built.json'), 'utf8'))).toMatchObject({
          goVersion,
          inputs: build.inputs,
          seconds: 2300,
        });
      }
    },
  );

  it.skipIf(!go)('fails at once with a recorded build failure when asked not to retry, naming how to build again', async () => {
    const root = fakeCache(() => ({ goVersion, inputs: 'stale' }));
    writeFileSync(
      join(root, 'build-failed.json'),
      JSON.stringify({
        at: '2026-12-06T08:30:00.000Z',
        message: 'keda-v2.21.0: go build github.com/kedacore/keda/v2/cmd/operator failed',
      }),
    );
    expect(recordedBuildFailure(root)?.message).toMatch(/cmd\/operator failed/);
    await expect(ensureEngines({ cacheRoot: root, log: () => undefined, afterFailedBuild: 'fail' })).rejects.toThrow(
      /the engine build failed at 2026-12-06T08:30:00.000Z \(not retried here; fix the cause, then npm run engines builds again\):\nkeda-v2\.21\.0: go build .* failed/,
    );
  });
});

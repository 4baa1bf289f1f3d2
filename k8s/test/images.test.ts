// The images: the Functions image on the official Azure Functions Node base, the web image
// and both build stages on the same Node major, and that major a supported LTS (Node 20
// reached end of life on 2026-04-30; see the Dockerfile for where 24 was checked); the
// third-party images (Redis, Postgres, the Node build images) pinned to exact patch tags,
// each no older than the floor written beside it, in one place each.
import { readFileSync } from 'node:fs';
import path from 'node:path';

import { describe, expect, it } from 'vitest';
import { isMap, isScalar, isSeq, parseDocument } from 'yaml';

import { imageBaseName, overlays, renderOverlay, repoRoot, workloads } from './manifests.js';

/** Default values of the ARGs a Dockerfile declares. */
function buildArgs(dockerfile: string): Record<string, string> {
  const text = readFileSync(path.join(repoRoot, dockerfile), 'utf8');
  const args: Record<string, string> = {};
  for (const [, name = '', value = ''] of text.matchAll(/^ARG (\w+)=(\S+)$/gm)) args[name] = value;
  return args;
}

const nodeMajor = (image: string) => Number(/^node:(\d+)\./.exec(image)?.[1]);

describe('image bases', () => {
  const functions = buildArgs('Dockerfile');
  const web = buildArgs('web/Dockerfile');

  it('runs the functions on the official Azure Functions v4 Node base, pinned to a Node major', () => {
    expect(functions.FUNCTIONS_IMAGE).toMatch(/^mcr\.microsoft\.com\/azure-functions\/node:4-node\d+$/);
  });

  it('builds and runs on one supported Node major everywhere (not the end-of-life Node 20)', () => {
    const runtimeMajor = Number(/4-node(\d+)$/.exec(functions.FUNCTIONS_IMAGE ?? '')?.[1]);
    expect(runtimeMajor).toBeGreaterThanOrEqual(22);
    expect(runtimeMajor % 2, 'an even (LTS) Node line').toBe(0);
    expect(nodeMajor(functions.NODE_IMAGE ?? '')).toBe(runtimeMajor);
    expect(nodeMajor(web.NODE_IMAGE ?? '')).toBe(runtimeMajor);
  });

  it('pins the build image to an exact Node version', () => {
    for (const image of [functions.NODE_IMAGE, web.NODE_IMAGE]) expect(image).toMatch(/^node:\d+\.\d+\.\d+-[a-z]+-slim$/);
  });

  it('ships only the Functions app, not the local host that npm start runs without Core Tools', () => {
    const text = readFileSync(path.join(repoRoot, 'Dockerfile'), 'utf8');
    const copies = [...text.matchAll(/^COPY .*--from=build (\S+) (\S+)$/gm)].map(([, from = '', to = '']) => ({ from, to }));
    expect(copies).toEqual([{ from: '/src/dist/functions', to: './dist/functions' }]);
    const main = (JSON.parse(readFileSync(path.join(repoRoot, 'package.json'), 'utf8')) as { main: string }).main;
    expect(main.startsWith('dist/functions/')).toBe(true);
  });

  it("runs the Functions host itself as PID 1 (exec form), so SIGTERM reaches it, not the base image's bash script", () => {
    const text = readFileSync(path.join(repoRoot, 'Dockerfile'), 'utf8');
    const runtime = text.slice(text.lastIndexOf('\nFROM '));
    const commands = [...runtime.matchAll(/^(CMD|ENTRYPOINT) (.*)$/gm)].map(([, kind = '', value = '']) => ({ kind, value }));
    expect(commands).toEqual([{ kind: 'CMD', value: '["/azure-functions-host/Microsoft.Azure.WebJobs.Script.WebHost"]' }]);
  });
});

/** Compares dotted numeric versions: negative if a < b, 0 if equal, positive if a > b. */
function compareVersions(a: string, b: string): number {
  const left = a.split('.').map(Number);
  const right = b.split('.').map(Number);
  for (let i = 0; i < Math.max(left.length, right.length); i++) {
    const difference = (left[i] ?? 0) - (right[i] ?? 0);
    if (difference !== 0) return difference;
  }
  return 0;
}

/** The version of a tag: `7.2.16-alpine` -> 7.2.16, `16.15-alpine` -> 16.15, `latest` -> undefined. */
function patchVersion(tag: string): string | undefined {
  return /^(\d+\.\d+(?:\.\d+)*)(?:-[a-z0-9.]+)*$/.exec(tag)?.[1];
}

interface PinnedImage {
  name: string;
  tag: string;
  floor: string | undefined;
}

/** The `images:` pins of a kustomization, with the `# floor: X` comment beside each newTag. */
function kustomizationPins(text: string): PinnedImage[] {
  const document = parseDocument(text);
  const images = document.get('images', true);
  if (!isSeq(images)) return [];
  return images.items.flatMap((item) => {
    if (!isMap(item)) return [];
    const name = String(item.get('name'));
    const tag = item.get('newTag', true);
    if (!isScalar(tag)) return [];
    const floor = /floor:\s*(\S+)/.exec(tag.comment ?? '')?.[1];
    return [{ name, tag: String(tag.value), floor }];
  });
}

/** `ARG NODE_IMAGE=node:X-...` with its `# NODE_IMAGE floor: X` line. */
function dockerfileNodePin(dockerfile: string): PinnedImage {
  const text = readFileSync(path.join(repoRoot, dockerfile), 'utf8');
  const image = /^ARG NODE_IMAGE=(\S+)$/m.exec(text)?.[1] ?? '';
  return {
    name: `${dockerfile}: ${image.split(':')[0] ?? ''}`,
    tag: image.split(':')[1] ?? '',
    floor: /^# NODE_IMAGE floor: (\S+)/m.exec(text)?.[1],
  };
}

/** Every violation of "exact patch tag, at or above its floor" (empty when all is well). */
function pinProblems(pins: readonly PinnedImage[]): string[] {
  return pins.flatMap(({ name, tag, floor }) => {
    const version = patchVersion(tag);
    if (!floor) return [`${name}:${tag} has no "# floor:" beside it`];
    // Exact = as many parts as the floor: 7.2.16 for Redis and Node, 16.15 for Postgres
    // (whose minor releases are its patches since 10); `16` or `7.2` would float.
    if (!version || version.split('.').length < floor.split('.').length) return [`${name}:${tag} is not an exact patch tag`];
    if (compareVersions(version, floor) < 0) return [`${name}:${tag} is older than its floor ${floor}`];
    return [];
  });
}

const thirdPartyImages = ['redis', 'postgres'];
const basePins = kustomizationPins(readFileSync(path.join(repoRoot, 'k8s/base/kustomization.yaml'), 'utf8'));

describe('pinned store and build images', () => {
  it('pins Redis and Postgres in k8s/base/kustomization.yaml, each to an exact patch at or above its floor', () => {
    expect(basePins.map((pin) => pin.name)).toEqual(expect.arrayContaining(thirdPartyImages));
    expect(pinProblems(basePins.filter((pin) => thirdPartyImages.includes(pin.name)))).toEqual([]);
  });

  it('pins both Node build images to an exact patch at or above their floor', () => {
    expect(pinProblems(['Dockerfile', 'web/Dockerfile'].map(dockerfileNodePin))).toEqual([]);
  });

  it('stays on the Redis 7.2 line (BSD-licensed) and a supported Postgres major', () => {
    const version = (name: string) => patchVersion(basePins.find((pin) => pin.name === name)?.tag ?? '') ?? '';
    expect(version('redis')).toMatch(/^7\.2\./);
    // 16 is supported until 2028-11, 17 until 2029-11, 18 until 2030-11.
    expect(Number(version('postgres').split('.')[0])).toBeGreaterThanOrEqual(16);
  });

  it('fails on a pin below its floor, a floating tag or a missing floor', () => {
    const pins = kustomizationPins(
      [
        'images:',
        '  - name: redis',
        '    newTag: 7.2.5-alpine # floor: 7.2.16',
        '  - name: postgres',
        '    newTag: 16-alpine # floor: 16.15',
        '  - name: other',
        '    newTag: 1.2.3',
        '  - name: node',
        '    newTag: 24-slim # floor: 24.22.3',
      ].join('\n'),
    );
    expect(pinProblems(pins)).toEqual([
      'redis:7.2.5-alpine is older than its floor 7.2.16',
      'postgres:16-alpine is not an exact patch tag',
      'other:1.2.3 has no "# floor:" beside it',
      'node:24-slim is not an exact patch tag',
    ]);
    expect(compareVersions('7.2.16', '7.2.5')).toBeGreaterThan(0);
    expect(compareVersions('16.15', '16.15')).toBe(0);
  });

  it('names the same tags in docs/deploy-aks.md ("Store versions") and the README ("Versions")', () => {
    const docs = readFileSync(path.join(repoRoot, 'docs/deploy-aks.md'), 'utf8');
    const readme = readFileSync(path.join(repoRoot, 'README.md'), 'utf8');
    for (const name of thirdPartyImages) {
      const pin = basePins.find((candidate) => candidate.name === name);
      expect(docs, `docs: ${name}`).toMatch(
        new RegExp(`^\\| \`${name}\` \\| \`${pin?.tag ?? ''}\` \\| ${pin?.floor ?? ''} \\|`, 'm'),
      );
      expect(readme, `README: ${name}`).toContain(`\`${name}:${pin?.tag ?? ''}\``);
    }
    const node = dockerfileNodePin('Dockerfile');
    expect(readme).toContain(`node:${node.tag}`);
    expect(docs).toContain(`node:${node.tag}`);
  });

  describe.each(overlays)('overlay %s', (overlay) => {
    const containers = workloads(renderOverlay(overlay)).flatMap((w) => [...(w.pod.initContainers ?? []), ...w.pod.containers]);

    it('runs every Redis and Postgres container (init containers too) on the one pinned tag', () => {
      for (const name of thirdPartyImages) {
        const pinned = basePins.find((pin) => pin.name === name)?.tag;
        const images = containers.map((c) => c.image ?? '').filter((image) => imageBaseName(image) === name);
        expect(images.length, `${name} containers`).toBeGreaterThan(0);
        expect(new Set(images)).toEqual(new Set([`${name}:${pinned}`]));
      }
    });

    it('names no image without a tag', () => {
      for (const container of containers) expect(container.image, container.name).toMatch(/:[^/]+$/);
    });
  });
});

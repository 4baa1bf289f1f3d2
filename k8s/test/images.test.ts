// The images' Node: the Functions image on the official Azure Functions Node base, the web
// image and both build stages on the same Node major, and that major a supported LTS
// (Node 20 reached end of life on 2026-04-30; see the Dockerfile for where 24 was checked).
import { readFileSync } from 'node:fs';
import path from 'node:path';

import { describe, expect, it } from 'vitest';

import { repoRoot } from './manifests.js';

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

// host.json as the real host reads it: per-invocation logs off for the worker, failures kept.
import { readFileSync } from 'node:fs';
import path from 'node:path';

import { describe, expect, it } from 'vitest';

import { repoRoot } from './manifests.js';

const levels = ['Trace', 'Debug', 'Information', 'Warning', 'Error', 'Critical', 'None'];
const hostJson = JSON.parse(readFileSync(path.join(repoRoot, 'host.json'), 'utf8')) as {
  logging: { logLevel: Record<string, string> };
};

/** The level the host applies to `category`: the longest configured prefix wins, as in .NET logging filters. */
function levelFor(category: string): string {
  const { logLevel } = hostJson.logging;
  const match = Object.keys(logLevel)
    .filter((prefix) => prefix !== 'default' && (category === prefix || category.startsWith(`${prefix}.`)))
    .sort((a, b) => b.length - a.length)[0];
  return logLevel[match ?? 'default'] ?? 'Information';
}

describe('host.json logging', () => {
  it("drops the worker's two Information lines per invocation (Executing/Executed) but keeps its failures", () => {
    // At the drain rates we measure, "Function": "Information" is ~2,000 lines/s per worker pod.
    const worker = levels.indexOf(levelFor('Function.fib-worker'));
    expect(worker).toBeGreaterThan(levels.indexOf('Information'));
    expect(worker).toBeLessThanOrEqual(levels.indexOf('Error'));
    expect(levels.indexOf(levelFor('Function.fib-worker.User'))).toBeLessThanOrEqual(levels.indexOf('Warning'));
  });
});

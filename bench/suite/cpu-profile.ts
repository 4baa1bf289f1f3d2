// Summarises V8 .cpuprofile files (node --cpu-prof) into self time per function and per
// layer, to say where a benchmark's time goes.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  hitCount?: number;
}
interface CpuProfile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
  startTime: number;
  endTime: number;
}

export interface ProfileSummary {
  file: string;
  totalMs: number;
  /** Share of sampled time by layer (idle, gc, ioredis, pg, app code, node internals, ...). */
  layers: { layer: string; ms: number; share: number }[];
  top: { name: string; ms: number; share: number }[];
}

function layerOf(url: string, functionName: string): string {
  if (functionName === '(idle)') return 'idle';
  if (functionName === '(garbage collector)') return 'garbage collection';
  if (functionName === '(program)') return 'V8/native (program)';
  if (url.includes('node_modules/ioredis') || url.includes('node_modules/@ioredis') || url.includes('redis-parser'))
    return 'ioredis';
  if (url.includes('node_modules/pg')) return 'pg';
  if (url.includes('node_modules/@azure/functions')) return '@azure/functions';
  if (url.includes('node_modules/')) return 'other packages';
  if (url.includes('/dist/functions/src/fib/')) return 'app: fibonacci';
  if (url.includes('/dist/local/host/')) return 'app: local host';
  if (url.includes('/dist/functions/src/')) return 'app: other';
  if (url.startsWith('node:') || url === '') return 'node internals (net, http, timers, ...)';
  return 'other';
}

export function summarizeProfile(file: string, topCount = 12): ProfileSummary {
  const profile = JSON.parse(readFileSync(file, 'utf8')) as CpuProfile;
  const byId = new Map(profile.nodes.map((node) => [node.id, node]));
  const selfTime = new Map<number, number>();
  profile.samples.forEach((id, i) => selfTime.set(id, (selfTime.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0) / 1000));
  const total = [...selfTime.values()].reduce((a, b) => a + b, 0);
  const layers = new Map<string, number>();
  const functions = new Map<string, number>();
  for (const [id, ms] of selfTime) {
    const frame = byId.get(id)?.callFrame;
    if (!frame) continue;
    const layer = layerOf(frame.url, frame.functionName);
    layers.set(layer, (layers.get(layer) ?? 0) + ms);
    const where = frame.url ? `${frame.url.replace(/^.*\/(node_modules|dist)\//, '$1/')}:${frame.lineNumber + 1}` : '';
    const name = `${frame.functionName || '(anonymous)'} ${where}`.trim();
    functions.set(name, (functions.get(name) ?? 0) + ms);
  }
  const sorted = (map: Map<string, number>) => [...map.entries()].sort((a, b) => b[1] - a[1]);
  return {
    file,
    totalMs: total,
    layers: sorted(layers).map(([layer, ms]) => ({ layer, ms, share: ms / total })),
    top: sorted(functions)
      .slice(0, topCount)
      .map(([name, ms]) => ({ name, ms, share: ms / total })),
  };
}

export function summarizeDirectory(directory: string): ProfileSummary[] {
  return readdirSync(directory)
    .filter((name) => name.endsWith('.cpuprofile'))
    .map((name) => summarizeProfile(join(directory, name)));
}

// Which indices a load test submits: a range (distinct random, sequential or random with
// repeats) or an explicit list. Distinct indices make every submission a real task.

/** A parsed `--indices` value. */
export type IndexSpec =
  { kind: 'range'; from: number; to: number; order: 'distinct' | 'seq' | 'random' } | { kind: 'list'; values: number[] };

export function parseIndexSpec(text: string): IndexSpec {
  const range = /^(\d+)-(\d+)(?::(seq|random|distinct))?$/.exec(text.trim());
  if (range) {
    const from = Number(range[1]);
    const to = Number(range[2]);
    if (to < from) throw new Error(`--indices ${text}: the range is empty`);
    return { kind: 'range', from, to, order: (range[3] as 'seq' | 'random' | 'distinct' | undefined) ?? 'distinct' };
  }
  const list = text.split(',').map((part) => part.trim());
  if (list.length > 0 && list.every((part) => /^\d+$/.test(part))) return { kind: 'list', values: list.map(Number) };
  throw new Error(`--indices must be "a-b", "a-b:seq", "a-b:random" or "n,m,...", got "${text}"`);
}

/** A small seeded PRNG (mulberry32), so a run can be repeated. */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * The `count` indices to submit, in order. "distinct" draws without repeats (a partial
 * Fisher-Yates over the range, kept sparse) and falls back to repeats once the range is used up.
 */
export function generateIndices(spec: IndexSpec, count: number, random: () => number = Math.random): number[] {
  if (spec.kind === 'list') return Array.from({ length: count }, (_, i) => spec.values[i % spec.values.length] ?? 0);
  const size = spec.to - spec.from + 1;
  if (spec.order === 'seq') return Array.from({ length: count }, (_, i) => spec.from + (i % size));
  if (spec.order === 'random') return Array.from({ length: count }, () => spec.from + Math.floor(random() * size));
  const swapped = new Map<number, number>();
  const result: number[] = [];
  for (let i = 0; i < count; i += 1) {
    const position = i % size;
    if (position === 0 && i > 0) swapped.clear();
    const pick = position + Math.floor(random() * (size - position));
    const chosen = swapped.get(pick) ?? pick;
    swapped.set(pick, swapped.get(position) ?? position);
    result.push(spec.from + chosen);
  }
  return result;
}

// The replay of a recorded trace (queue length and pending) through the emulated KEDA/HPA rules,
// which the real-engine runs are compared against (bench/loadtest/compare-scalers.ts), and the
// `npm run compare-scalers` command around it.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { afterAll, describe, expect, it } from 'vitest';

import { parseScaledObject } from '../../local/runtime/scaling-rules.js';
import { fastScaledObject } from '../../local/test/support/fast-scaled-object.js';
import { csvColumns } from '../loadtest/chart.js';
import {
  compareScalers,
  compareStructure,
  readTrace,
  replayEmulation,
  staircase,
  type TracePoint,
} from '../loadtest/compare-scalers.js';

const root = join(import.meta.dirname, '..', '..');
// Both triggers of keda/scaledobject.yaml (redis on LLEN, metrics-api on pending), fast periods.
const fastSpec = parseScaledObject(fastScaledObject());

/**
 * 3 s empty, 10 s with 500 queued (and pending), 4 s with the list popped but the batch still in
 * flight (LLEN 0, pending 300), then 10 s with nothing pending; `replicas` filled by the caller.
 */
const queue = [...Array(3).fill(0), ...Array(10).fill(500), ...Array(14).fill(0)] as number[];
const pending = [...Array(3).fill(0), ...Array(10).fill(500), ...Array(4).fill(300), ...Array(10).fill(0)] as number[];
const trace = (replicas: number[], options: { withPending?: boolean } = {}): TracePoint[] =>
  queue.map((queueLength, t) => ({
    t,
    queueLength,
    replicas: replicas[t] ?? 0,
    ...(options.withPending === false ? {} : { pending: pending[t] ?? 0 }),
  }));
const replay = (points: TracePoint[]) => replayEmulation(fastSpec, points, { hpaSyncPeriodSeconds: 1, hpaPhaseSeconds: 0.5 });

describe('replaying a recorded trace through the emulated rules', () => {
  it('activates on the first queued task, scales out to maxReplicaCount, and back to 0 after the cooldown', () => {
    const emulated = replay(trace([]));
    expect(staircase(emulated)).toEqual([0, 1, 4, 3, 1, 0]);
    expect(emulated[2]).toBe(0);
    expect(emulated[3]).toBe(1);
    expect(emulated.at(-1)).toBe(0);
  });

  it("keeps the workers of a popped batch while pending is above 0, as KEDA's metrics-api trigger does", () => {
    const both = replay(trace([]));
    const redisOnly = replay(trace([], { withPending: false }));
    // LLEN is 0 from t = 13 while 300 tasks are still in flight until t = 17: ceil(300 / 100) = 3
    // workers stay on pending; on LLEN alone the HPA goes to 1 and KEDA to 0 mid-batch.
    expect(both.slice(14, 18)).toEqual([3, 3, 3, 3]);
    expect(redisOnly.slice(14, 18)).toEqual([1, 1, 0, 0]);
    // The cooldown (3 s) counts from the last active pass: t = 16 with pending, t = 12 without.
    expect(both.indexOf(0, 4)).toBe(20);
    expect(redisOnly.indexOf(0, 4)).toBe(16);
  });

  it('reports full agreement for a real series equal to the rules, and the difference when it is not', () => {
    const rules = replay(trace([]));
    const same = compareScalers(fastSpec, trace(rules), { hpaSyncPeriodSeconds: 1 });
    expect(same).toMatchObject({ agreement: 1, maxDifference: 0 });
    expect(same.structure.differences).toEqual([]);
    const capped = rules.map((value) => Math.min(value, 2));
    const comparison = compareScalers(fastSpec, trace(capped), { hpaSyncPeriodSeconds: 1, toleranceSeconds: 1 });
    expect(comparison.maxDifference).toBe(2);
    expect(comparison.milestones.real.peak).toBe(2);
    expect(comparison.milestones.emulated.peak).toBe(4);
    expect(comparison.structure.differences.join('\n')).toMatch(/real held 2 from .*the emulation did not reach it/);
  });
});

describe('comparing two replica series by structure', () => {
  const times = Array.from({ length: 40 }, (_, t) => t);
  const series = (steps: [from: number, replicas: number][]) =>
    times.map((t) => steps.reduce((value, [from, replicas]) => (t >= from ? replicas : value), 0));
  const options = { pollingIntervalSeconds: 1, hpaSyncPeriodSeconds: 1, toleranceSeconds: 2 };
  const real = series([
    [3, 1],
    [4, 4],
    [20, 1],
    [25, 0],
  ]);

  it('agrees when every step lands within the window and a transient step is skipped', () => {
    const shifted = series([
      [4, 1],
      [5, 2],
      [6, 4],
      [21, 1],
      [27, 0],
    ]);
    expect(compareStructure(times, real, shifted, options)).toMatchObject({
      windowSeconds: 4,
      transientSeconds: 3,
      differences: [],
      realPlateaus: [
        { replicas: 0, from: 0, to: 3 },
        { replicas: 4, from: 4, to: 20 },
        { replicas: 1, from: 20, to: 25 },
        { replicas: 0, from: 25, to: 39 },
      ],
    });
  });

  it('names a late first worker, a late return to 0 and a plateau the other never reached', () => {
    const late = series([
      [8, 1],
      [9, 3],
      [20, 1],
      [32, 0],
    ]);
    const { differences } = compareStructure(times, real, late, options);
    expect(differences).toContainEqual('first worker: real 3 s, emulated 8 s (allowed: 3 s apart)');
    expect(differences).toContainEqual('back to 0: real 25 s, emulated 32 s (allowed: 3 s apart)');
    expect(differences.join('\n')).toMatch(/real held 4 from 4 s to 20 s; the emulation did not reach it/);
  });
});

describe('npm run compare-scalers', () => {
  const dir = mkdtempSync(join(tmpdir(), 'fib-compare-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const csvPath = join(dir, 'loadtest.csv');
  const scaledObjectPath = join(dir, 'scaledobject.yaml');
  const rules = replay(trace([]));
  const row = (point: TracePoint) =>
    csvColumns
      .map((column) =>
        column === 't'
          ? point.t
          : column === 'queueLength'
            ? point.queueLength
            : column === 'pending'
              ? (point.pending ?? '')
              : column === 'workersDesired'
                ? point.replicas
                : '',
      )
      .join(',');
  writeFileSync(csvPath, [csvColumns.join(','), ...trace(rules).map(row)].join('\n') + '\n');
  writeFileSync(scaledObjectPath, fastScaledObject());

  it("reads the CSV's pending column beside the queue length", () => {
    const points = readTrace(csvPath);
    expect(points).toHaveLength(queue.length);
    expect(points[14]).toEqual({ t: 14, queueLength: 0, pending: 300, replicas: rules[14] });
  });

  it('replays with the ScaledObject and sync period it is given', () => {
    const run = (args: string[]) =>
      execFileSync(process.execPath, ['--import', 'tsx', join(root, 'bench', 'compare-scalers.ts'), ...args], {
        cwd: root,
        encoding: 'utf8',
      });
    const given = run(['--scaledobject', scaledObjectPath, '--sync-period', '1', csvPath]);
    expect(given).toContain(`ScaledObject ${scaledObjectPath}, HPA sync period 1 s`);
    expect(given).toMatch(/same count in 100\.0 % of samples/);
    expect(given).toContain('structure: AGREES');
    // The defaults: keda/scaledobject.yaml (listLength 1000, cooldown 120 s) and a 15 s sync period.
    const defaults = run([csvPath]);
    expect(defaults).toContain(`ScaledObject ${join(root, 'keda', 'scaledobject.yaml')}, HPA sync period 15 s`);
    expect(defaults).toContain('structure: DIFFERS');
    expect(() => run(['--sync-period', '0', csvPath])).toThrow(/--sync-period must be a positive number of seconds, got "0"/);
  }, 60_000);
});

// The replay of a recorded queue through the emulated KEDA/HPA rules, which the real-engine runs
// are compared against (bench/loadtest/compare-scalers.ts).
import { describe, expect, it } from 'vitest';

import { parseScaledObject } from '../../local/runtime/scaling-rules.js';
import { fastScaledObject } from '../../local/test/support/fast-scaled-object.js';
import { compareScalers, replayEmulation, staircase, type TracePoint } from '../loadtest/compare-scalers.js';

// The queue trace below has no `pending` series: the redis trigger alone.
const fastSpec = parseScaledObject(fastScaledObject({ triggers: ['redis'] }));

/** 3 s empty, 10 s with 500 queued, 10 s empty again; `replicas` filled by the caller. */
const queue = [...Array(3).fill(0), ...Array(10).fill(500), ...Array(10).fill(0)] as number[];
const trace = (replicas: number[]): TracePoint[] =>
  queue.map((queueLength, t) => ({ t, queueLength, replicas: replicas[t] ?? 0 }));

describe('replaying a queue trace through the emulated rules', () => {
  it('activates on the first queued task, scales out to maxReplicaCount, and back to 0 after the cooldown', () => {
    const emulated = replayEmulation(fastSpec, trace([]), { hpaSyncPeriodSeconds: 1, hpaPhaseSeconds: 0.5 });
    expect(staircase(emulated)).toEqual([0, 1, 4, 1, 0]);
    expect(emulated[2]).toBe(0);
    expect(emulated[3]).toBe(1);
    // The cooldown counts from the last active pass (t = 12): not before t = 15.
    expect(emulated.slice(13, 16)).not.toContain(0);
    expect(emulated.at(-1)).toBe(0);
  });

  it('reports full agreement for a real series equal to the rules, and the difference when it is not', () => {
    const rules = replayEmulation(fastSpec, trace([]), { hpaSyncPeriodSeconds: 1, hpaPhaseSeconds: 0.5 });
    expect(compareScalers(fastSpec, trace(rules), 1)).toMatchObject({ agreement: 1, maxDifference: 0 });
    const capped = rules.map((value) => Math.min(value, 2));
    const comparison = compareScalers(fastSpec, trace(capped), 1);
    expect(comparison.maxDifference).toBe(2);
    expect(comparison.milestones.real.peak).toBe(2);
    expect(comparison.milestones.emulated.peak).toBe(4);
  });
});

// The scaling panel's samples: one per new /api/stats figure (stream or poll), the last few
// minutes, with completions per second from the change in `done` and the local scaler's state.
'use client';

import { useState } from 'react';

import type { Stats } from '../api/api-types';
import type { ScalerState } from './scaler-state';

/** How much history the chart shows. */
export const scalingWindowMs = 5 * 60_000;

/** One point of the scaling chart. */
export interface ScalingSample {
  /** Server time of the stats (ms since the epoch). */
  time: number;
  queueLength: number;
  pending: number;
  /** Workers with a fresh heartbeat (the API's count; also on AKS). */
  workers: number;
  done: number;
  /** From the change in `done` since the previous sample; null for the first. */
  completionsPerSecond: number | null;
  /** The local scaler's decision, running count and core cap; null where none runs. */
  desired: number | null;
  running: number | null;
  cap: number | null;
}

/** Adds a sample for `stats` unless it is not newer than the last; drops what left the window. */
export function addSample(
  samples: readonly ScalingSample[],
  stats: Stats,
  scaler: ScalerState | null | undefined,
  windowMs = scalingWindowMs,
): readonly ScalingSample[] {
  const last = samples.at(-1);
  if (last && stats.time <= last.time) return samples;
  const seconds = last ? (stats.time - last.time) / 1000 : 0;
  // A gap longer than a few samples (tab hidden, stream down) would average over it: leave a hole.
  const completionsPerSecond = last && seconds > 0 && seconds <= 10 ? Math.max(0, stats.done - last.done) / seconds : null;
  const sample: ScalingSample = {
    time: stats.time,
    queueLength: stats.queueLength,
    pending: stats.pending,
    workers: stats.workers.active,
    done: stats.done,
    completionsPerSecond,
    desired: scaler ? scaler.desired : null,
    running: scaler ? scaler.running : null,
    cap: scaler ? scaler.cap : null,
  };
  const cutoff = stats.time - windowMs;
  const kept = samples[0] && samples[0].time < cutoff ? samples.filter((s) => s.time >= cutoff) : samples;
  return [...kept, sample];
}

/** Collects samples as new stats arrive; `scaler` is attached to each as it stands then. */
export function useScalingHistory(stats: Stats | undefined, scaler: ScalerState | null | undefined): readonly ScalingSample[] {
  const [history, setHistory] = useState<{ stats: Stats | undefined; samples: readonly ScalingSample[] }>({
    stats: undefined,
    samples: [],
  });
  // Only a new stats figure makes a sample; a new scaler answer joins the next one. Taken while
  // rendering (React's "storing information from previous renders"), not in an effect.
  if (stats && stats !== history.stats) setHistory({ stats, samples: addSample(history.samples, stats, scaler) });
  return history.samples;
}

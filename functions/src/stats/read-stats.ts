// The figures of /api/stats, of the `stats` server-sent event and of the metrics gauges: one
// source, so they cannot drift.
import type { Redis } from 'ioredis';

import type { Config } from '../config.js';
import { withDeadline } from '../deadline.js';
import type { Stats } from '../http/api-types.js';
import type { ReadModel } from '../queue/read-model.js';
import { readMemory } from '../redis/memory.js';
import type { ServedRead } from '../redis/read-router.js';

/** What {@link readStats} reads from. */
export interface StatsSources {
  readonly config: Pick<Config, 'maxIndex'>;
  readonly readModel: Pick<ReadModel, 'stats'>;
  /** The Redis master, for its memory figure. */
  readonly master: Redis;
}

/** How long the master's memory figure may take before the stats go without it. */
const memoryDeadlineMs = 250;

/** Queue figures (read model), the `maxIndex` limit, the master's memory when it answers in time, and the time. */
export async function readStats(sources: StatsSources, now: number): Promise<ServedRead<Stats>> {
  const [{ value: figures, servedBy }, memory] = await Promise.all([
    sources.readModel.stats(now),
    // The master's figure is a bonus here: a frozen master must not hold the stats up.
    withDeadline(readMemory(sources.master), memoryDeadlineMs).catch(() => undefined),
  ]);
  const value: Stats = { ...figures, maxIndex: sources.config.maxIndex, time: now };
  if (memory) value.memory = memory;
  return { value, servedBy };
}

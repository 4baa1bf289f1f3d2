// Waiting for the machine to settle between benchmark measurements. A measurement that starts
// while the previous one's aftermath still runs (a database's autovacuum and checkpoint after
// tens of thousands of commits, a server's garbage collection) pays for it, and it is always
// the same target that follows the same one: those figures then measure the order, not the
// server.
import { cpus } from 'node:os';
import { setTimeout as sleep } from 'node:timers/promises';

/** Idle share of all cores over `windowMs` (1 = every core idle the whole time). */
export async function idleShare(windowMs: number): Promise<number> {
  const totals = () =>
    cpus().reduce(
      (sum, cpu) => {
        const t = cpu.times;
        return { idle: sum.idle + t.idle, all: sum.all + t.idle + t.user + t.nice + t.sys + t.irq };
      },
      { idle: 0, all: 0 },
    );
  const before = totals();
  await sleep(windowMs);
  const after = totals();
  const all = after.all - before.all;
  return all > 0 ? (after.idle - before.idle) / all : 1;
}

/**
 * Waits until the cores are at least `minIdleShare` idle over one window, for at most
 * `timeoutMs`; resolves with the last idle share seen and whether it settled (on a machine
 * shared with other work it may never settle: the caller notes that and measures anyway).
 */
export async function waitForQuietCpu(
  options: { minIdleShare?: number; windowMs?: number; timeoutMs?: number } = {},
): Promise<{ idle: number; settled: boolean }> {
  const minIdleShare = options.minIdleShare ?? 0.8;
  const windowMs = options.windowMs ?? 1000;
  const deadline = Date.now() + (options.timeoutMs ?? 20_000);
  for (;;) {
    const idle = await idleShare(windowMs);
    if (idle >= minIdleShare) return { idle, settled: true };
    if (Date.now() >= deadline) return { idle, settled: false };
  }
}

/** Round `round` (from 1) measures the targets in this order: each round starts one further on. */
export function rotated<T>(items: readonly T[], round: number): T[] {
  if (items.length === 0) return [];
  const shift = (round - 1) % items.length;
  return [...items.slice(shift), ...items.slice(0, shift)];
}

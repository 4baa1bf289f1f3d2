// Benchmark: what one stored value costs. Worker time per value as stored now (F(n) in binary)
// against the decimal string the worker used to store; Redis memory per value (MEMORY USAGE on
// a real redis-server run with the StatefulSet's configuration) against the information in
// F(n) (n·log2 φ bits); and what a full read (decimal conversion in the api) costs.
import { Redis } from 'ioredis';

import { fibonacci } from '../../functions/src/fib/bigint-fibonacci.js';
import { DecimalRenderer } from '../../functions/src/fib/decimal-renderer.js';
import { selectFibonacciEngine } from '../../functions/src/fib/fibonacci-engine.js';
import { encodeStoredValue } from '../../functions/src/fib/stored-value.js';
import { startRedisPair } from '../../functions/test/support/redis-pair.js';
import { timings } from './fibonacci-bench.js';

/** Bytes of information in F(n): n·log2(φ)/8. */
export function informationBytes(n: number): number {
  return (n * Math.log2((1 + Math.sqrt(5)) / 2)) / 8;
}

/** Redis memory per stored value may be at most this multiple of its information (issue 18). */
export const bytesGoalRatio = 1.2;

export interface WorkerCostRow {
  engine: string;
  n: number;
  /** F(n) as the worker stores it now (binary, no decimal conversion). */
  storedMs: number;
  storedCpuMs: number;
  /** F(n) with its decimal string (what the worker stored before). */
  decimalMs: number;
  decimalCpuMs: number;
}

/** Worker time per value, each engine, now (binary) and before (decimal string). */
export function runWorkerCostBench(): WorkerCostRow[] {
  const rows: WorkerCostRow[] = [];
  for (const setting of ['auto', 'bigint'] as const) {
    const engine = selectFibonacciEngine(setting, { warn: () => undefined });
    if (setting === 'auto' && engine.name !== 'gmp') continue;
    for (const [n, runs] of [
      [100_000, 31],
      [1_000_000, engine.name === 'gmp' ? 21 : 7],
    ] as const) {
      const stored = timings(() => encodeStoredValue(engine.hex(n), { computedMs: 0, completedAt: 0 }), runs);
      const decimal = timings(() => engine.decimal(n), runs);
      rows.push({
        engine: engine.name,
        n,
        storedMs: stored.medianMs,
        storedCpuMs: stored.cpuMs,
        decimalMs: decimal.medianMs,
        decimalCpuMs: decimal.cpuMs,
      });
    }
  }
  return rows;
}

export interface BytesRow {
  n: number;
  /** MEMORY USAGE of the value key, averaged over the indices measured near n. */
  redisBytes: number;
  informationBytes: number;
  ratio: number;
  /** The decimal string alone, for comparison (what the old layout stored, before metadata). */
  decimalBytes: number;
}

/** Stores values near each n in a real Redis (StatefulSet config) and reads MEMORY USAGE. */
export async function runBytesBench(ns: readonly number[] = [100_000, 500_000, 1_000_000], perN = 8): Promise<BytesRow[]> {
  const pair = await startRedisPair();
  const redis = new Redis({ port: pair.master.port, maxRetriesPerRequest: 1 });
  redis.on('error', () => undefined);
  try {
    const rows: BytesRow[] = [];
    for (const n of ns) {
      let bytes = 0;
      let information = 0;
      let decimal = 0;
      for (let i = 0; i < perN; i += 1) {
        const index = n - i * 37;
        const value = fibonacci(index);
        const key = `bench:fib:value:${index}`;
        await redis.set(
          key,
          encodeStoredValue(value.toString(16), { computedMs: 12.345, completedAt: Date.now() }),
          'PX',
          3_600_000,
        );
        bytes += Number(await redis.call('MEMORY', 'USAGE', key, 'SAMPLES', '0'));
        information += informationBytes(index);
        decimal += Math.floor(index * Math.log10((1 + Math.sqrt(5)) / 2)) + 1;
      }
      rows.push({
        n,
        redisBytes: bytes / perN,
        informationBytes: information / perN,
        ratio: bytes / information,
        decimalBytes: decimal / perN,
      });
    }
    return rows;
  } finally {
    redis.disconnect();
    await pair.stop();
  }
}

/** Time to render F(10^6)'s full decimal string from its stored bytes (the api: BigInt on its conversion thread), first and cached. */
export async function runFullReadBench(n = 1_000_000): Promise<{ firstMs: number; cachedMs: number; chars: number }> {
  const stored = encodeStoredValue(fibonacci(n).toString(16), { computedMs: 0, completedAt: 0 });
  const firsts: number[] = [];
  let chars = 0;
  for (let run = 0; run < 5; run += 1) {
    const renderer = new DecimalRenderer();
    await renderer.render(1, encodeStoredValue('1', { computedMs: 0, completedAt: 0 })); // no thread start in the timing
    await renderer.render(n - 1, stored); // starts the thread
    const started = performance.now();
    chars = (await renderer.render(n, stored))?.length ?? 0;
    firsts.push(performance.now() - started);
    await renderer.close();
  }
  const renderer = new DecimalRenderer();
  await renderer.render(n, stored);
  const started = performance.now();
  for (let i = 0; i < 100; i += 1) await renderer.render(n, stored);
  const cachedMs = (performance.now() - started) / 100;
  await renderer.close();
  firsts.sort((a, b) => a - b);
  return { firstMs: firsts[2] ?? NaN, cachedMs, chars };
}

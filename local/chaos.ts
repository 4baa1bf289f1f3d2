// `npm run chaos`: against a running `npm start`, streams submissions while it kills (SIGKILL)
// and freezes (SIGSTOP, then SIGCONT) each part in turn — a worker, the Redis master, the
// replica, Postgres (PGlite), the API — and stops a worker the way the kubelet does on a
// scale-in (SIGTERM), through the local runtime's process list, waits for the drain and prints
// one row per fault: 202s, 503s and their worst latency, 202s lost (must be 0), indices
// computed, leases that expired (0 for a worker SIGTERM), time to recover, how long a SIGTERMed
// worker took to exit, and API process restarts. It prints numbers; the tests assert the
// behaviour.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { parseArgs } from 'node:util';

import type { RuntimeFile } from './runtime/local-runtime.js';
import { operatorHeaders, readOperatorToken } from './runtime/operator-token.js';
import { loadRuntimeSettings } from './runtime/settings.js';
import type { ProcessStatus } from './runtime/status-server.js';

const root = join(import.meta.dirname, '..');

type Fault = 'kill' | 'freeze' | 'term';
const parts = ['worker', 'redis-master', 'redis-replica', 'pglite', 'api'] as const;
type Part = (typeof parts)[number];
/** Not a process fault: one client floods while another submits (fair use and the memory cap). */
const floodPart = 'flood';

interface Row {
  part: Part | typeof floodPart;
  /** The fault, or for the flood row what the flooding client sent. */
  fault: string;
  accepted: number;
  /** 429s: answers of fair use (the flood row's; a fault row sends as the operator, never metered). */
  tooMany: number;
  unavailable: number;
  other: number;
  worstUnavailableMs: number;
  worstMs: number;
  lost: number;
  computed: number;
  recoverSeconds: number | null;
  leaseExpired: number;
  /** SIGTERM only: seconds from the signal until the process had exited. */
  exitSeconds: number | null;
  apiRestarts: number;
}

function usage(): string {
  return `npm run chaos -- [--rate N] [--freeze-seconds S] [--parts worker,redis-master,...,flood] [--faults kill,freeze,term]
  [--flood-count N]
  term (SIGTERM, a scale-in or rollout) applies to the worker only.
  Needs a running npm start (it reads LOCAL_DATA_DIR/runtime.json, default .local).
  The flood part: one client (no operator token) posts --flood-count distinct indices near
  MAX_INDEX as fast as it can while a second client submits small ones; prints 202s, 429s,
  503s, the Redis master's memory peak against its cap, the second client's submit→done
  p50/p99 (its p99 against the 2 s goal: MET or MISSED, printed, not enforced) and lost
  (must be 0); its totals are also the table's flood row.`;
}

async function processes(runtimeUrl: string): Promise<ProcessStatus[]> {
  return (await (await fetch(`${runtimeUrl}/processes`, { signal: AbortSignal.timeout(5000) })).json()) as ProcessStatus[];
}

/** How often the runtime has restarted the API process so far. */
async function apiRestarts(runtimeUrl: string): Promise<number> {
  return (await processes(runtimeUrl)).find((p) => p.name === 'api')?.restarts ?? 0;
}

function signal(pid: number, name: NodeJS.Signals): void {
  try {
    process.kill(-pid, name);
  } catch {
    process.kill(pid, name);
  }
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      rate: { type: 'string', default: '20' },
      'freeze-seconds': { type: 'string', default: '5' },
      parts: { type: 'string', default: [...parts, floodPart].join(',') },
      faults: { type: 'string', default: 'kill,freeze,term' },
      'drain-timeout': { type: 'string', default: '90' },
      'flood-count': { type: 'string', default: '20000' },
      help: { type: 'boolean', default: false },
    },
  });
  if (values.help) return console.log(usage());
  const rate = Number(values.rate);
  const freezeMs = Number(values['freeze-seconds']) * 1000;
  const drainTimeoutMs = Number(values['drain-timeout']) * 1000;
  if (!(rate > 0) || !(freezeMs > 0) || !(drainTimeoutMs > 0)) throw new Error(`bad option\n${usage()}`);
  const named = values.parts.split(',');
  const flood = named.includes(floodPart);
  const chosenParts = named.filter((part) => part !== floodPart) as Part[];
  const chosenFaults = values.faults.split(',') as Fault[];
  for (const part of chosenParts) if (!parts.includes(part)) throw new Error(`unknown part "${part}"\n${usage()}`);
  const floodCount = Number(values['flood-count']);
  if (!(floodCount > 0)) throw new Error(`bad --flood-count\n${usage()}`);

  // The stack's own settings (LOCAL_DATA_DIR, OPERATOR_TOKEN), under npm start's rules.
  const settings = loadRuntimeSettings(process.env, root);
  const runtimeFile = join(settings.dataDir, 'runtime.json');
  if (!existsSync(runtimeFile)) throw new Error(`no ${runtimeFile}: start the stack with npm start first`);
  const runtime = JSON.parse(readFileSync(runtimeFile, 'utf8')) as RuntimeFile;
  const api = runtime.apiUrl;
  const operator = operatorHeaders(settings.operatorToken ?? readOperatorToken(settings.dataDir));
  let nextIndex = 100_000 + Math.floor(Math.random() * 700_000);

  const rows: Row[] = [];
  const leaseExpiredSoFar = async (): Promise<number> => {
    const response = await fetch(`${api}/api/stats`, { headers: operator, signal: AbortSignal.timeout(5000) }).catch(
      () => undefined,
    );
    const stats = (await response?.json().catch(() => undefined)) as { counters?: { leaseExpired?: number } } | undefined;
    return stats?.counters?.leaseExpired ?? 0;
  };
  const alive = (pid: number): boolean => {
    try {
      process.kill(pid, 0);
      return true;
    } catch {
      return false;
    }
  };

  for (const part of chosenParts) {
    for (const fault of chosenFaults.filter((f) => f !== 'term' || part === 'worker')) {
      process.stderr.write(`[chaos] ${part}: ${fault}…\n`);
      const accepted = new Set<number>();
      const row: Row = {
        part,
        fault,
        accepted: 0,
        tooMany: 0,
        unavailable: 0,
        other: 0,
        worstUnavailableMs: 0,
        worstMs: 0,
        lost: 0,
        computed: 0,
        recoverSeconds: null,
        leaseExpired: 0,
        exitSeconds: null,
        apiRestarts: 0,
      };
      const leaseExpiredBefore = await leaseExpiredSoFar();
      let streaming = true;
      let lastAcceptedAt = 0;
      const inFlight = new Set<Promise<void>>();
      const submitOne = async () => {
        const index = (nextIndex += 1);
        const started = performance.now();
        try {
          const response = await fetch(`${api}/api/values`, {
            method: 'POST',
            headers: { 'content-type': 'application/json', ...operator },
            body: JSON.stringify({ index }),
            signal: AbortSignal.timeout(30_000),
          });
          await response.arrayBuffer();
          const ms = performance.now() - started;
          row.worstMs = Math.max(row.worstMs, ms);
          if (response.status === 202) {
            row.accepted += 1;
            accepted.add(index);
            lastAcceptedAt = Date.now();
          } else if (response.status === 503) {
            row.unavailable += 1;
            row.worstUnavailableMs = Math.max(row.worstUnavailableMs, ms);
          } else row.other += 1;
        } catch {
          row.other += 1;
          row.worstMs = Math.max(row.worstMs, performance.now() - started);
        }
      };
      const stream = (async () => {
        while (streaming) {
          const request = submitOne().finally(() => inFlight.delete(request));
          inFlight.add(request);
          await sleep(1000 / rate);
        }
        await Promise.all(inFlight);
      })();

      // The worker part needs a running worker: the stream activates KEDA.
      const deadline = Date.now() + 60_000;
      let target: ProcessStatus | undefined;
      while (!target && Date.now() < deadline) {
        target = (await processes(runtime.runtimeUrl)).find(
          (p) => (part === 'worker' ? p.name.startsWith('worker-') : p.name === part) && p.state === 'ready' && p.pid !== null,
        );
        if (!target) await sleep(250);
      }
      const apiBefore = await apiRestarts(runtime.runtimeUrl);
      await sleep(2000);
      if (target?.pid) {
        if (fault === 'kill') {
          signal(target.pid, 'SIGKILL');
        } else if (fault === 'term') {
          const signalledAt = Date.now();
          signal(target.pid, 'SIGTERM');
          while (alive(target.pid) && Date.now() - signalledAt < 60_000) await sleep(20);
          if (!alive(target.pid)) row.exitSeconds = (Date.now() - signalledAt) / 1000;
        } else {
          signal(target.pid, 'SIGSTOP');
          await sleep(freezeMs);
          signal(target.pid, 'SIGCONT');
        }
        const restoredAt = Date.now();
        // Recovered: the part is ready again (a new PID after a kill) and a 202 came after that.
        while (Date.now() - restoredAt < 120_000) {
          const now = (await processes(runtime.runtimeUrl).catch(() => [])).find((p) =>
            part === 'worker' ? p.name === target?.name : p.name === part,
          );
          const back = now?.state === 'ready' && (fault === 'freeze' || now.pid !== target.pid);
          // A worker stopped by SIGTERM may also be gone for good (the scaler had no more use for it).
          if ((back || (part === 'worker' && !now)) && lastAcceptedAt > restoredAt) {
            row.recoverSeconds = (Date.now() - restoredAt) / 1000;
            break;
          }
          await sleep(100);
        }
      } else {
        process.stderr.write(`[chaos] ${part}: no running process found; skipped\n`);
      }
      await sleep(3000);
      streaming = false;
      await stream;
      row.apiRestarts = (await apiRestarts(runtime.runtimeUrl)) - apiBefore;

      // Drain: every accepted index must end with a value.
      const waiting = new Set(accepted);
      const drainDeadline = Date.now() + drainTimeoutMs;
      while (waiting.size > 0 && Date.now() < drainDeadline) {
        for (const index of [...waiting].slice(0, 200)) {
          const response = await fetch(`${api}/api/values/${index}`, { headers: operator }).catch(() => undefined);
          const body = (await response?.json().catch(() => undefined)) as { status?: string } | undefined;
          if (body?.status === 'done') waiting.delete(index);
        }
        if (waiting.size > 0) await sleep(500);
      }
      row.lost = waiting.size;
      row.computed = accepted.size - waiting.size;
      row.leaseExpired = (await leaseExpiredSoFar()) - leaseExpiredBefore;
      rows.push(row);
    }
  }

  // The flood runs after the faults and is a row of the same table; its own block follows it.
  const floodBlock = flood ? await floodRow(api, floodCount, drainTimeoutMs, operator, runtime.runtimeUrl) : undefined;
  if (floodBlock) rows.push(floodBlock.row);
  const header = [
    'part',
    'fault',
    '202s',
    '429s',
    '503s',
    'worst 503 ms',
    'worst ms',
    'other',
    'lost',
    'computed',
    'lease expired',
    'recover s',
    'exit s',
    'api restarts',
  ];
  const lines = rows.map((r) => [
    r.part,
    r.fault,
    String(r.accepted),
    String(r.tooMany),
    String(r.unavailable),
    r.unavailable > 0 ? r.worstUnavailableMs.toFixed(0) : '-',
    r.worstMs.toFixed(0),
    String(r.other),
    String(r.lost),
    String(r.computed),
    String(r.leaseExpired),
    r.recoverSeconds === null ? '-' : r.recoverSeconds.toFixed(1),
    r.exitSeconds === null ? '-' : r.exitSeconds.toFixed(2),
    String(r.apiRestarts),
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...lines.map((l) => (l[i] ?? '').length)));
  const format = (cells: string[]) =>
    cells.map((c, i) => (i < 2 ? c.padEnd(widths[i] ?? 0) : c.padStart(widths[i] ?? 0))).join('  ');
  console.log(['', format(header), widths.map((w) => '-'.repeat(w)).join('  '), ...lines.map(format)].join('\n'));
  console.log(
    `\n${rows.every((r) => r.lost === 0) ? 'no accepted submission was lost' : 'LOST accepted submissions: see the lost column'}`,
  );
  if (floodBlock) console.log(floodBlock.lines.join('\n'));
}

interface FloodClient {
  address: string;
  accepted: number[];
  tooMany: number;
  unavailable: number;
  other: number;
}

/**
 * One client floods with `count` distinct indices just below MAX_INDEX (no operator token)
 * while another submits one small index every 200 ms and times each until it is done. Clients
 * are told apart by X-Forwarded-For, which npm start's host takes from the trusted web proxy
 * hop (ASPNETCORE_FORWARDEDHEADERS_ENABLED), as the AKS Gateway's is on AKS.
 */
async function floodRow(
  api: string,
  count: number,
  drainTimeoutMs: number,
  operator: Record<string, string>,
  runtimeUrl: string,
): Promise<{ row: Row; lines: string[] }> {
  const stats = async () =>
    (await (await fetch(`${api}/api/stats`, { headers: operator, signal: AbortSignal.timeout(5000) })).json()) as {
      maxIndex: number;
      memory?: { usedBytes: number; maxBytes: number; evictedValues: number };
      counters?: { leaseExpired?: number };
    };
  process.stderr.write(`[chaos] flood: ${count} POSTs…\n`);
  const apiBefore = await apiRestarts(runtimeUrl);
  const first = await stats();
  let worstMs = 0;
  let worstUnavailableMs = 0;
  const flooder: FloodClient = { address: '203.0.113.10', accepted: [], tooMany: 0, unavailable: 0, other: 0 };
  const neighbour: FloodClient = { address: '198.51.100.20', accepted: [], tooMany: 0, unavailable: 0, other: 0 };
  const post = async (client: FloodClient, index: number): Promise<boolean> => {
    const started = performance.now();
    try {
      const response = await fetch(`${api}/api/values`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-forwarded-for': client.address },
        body: JSON.stringify({ index }),
        signal: AbortSignal.timeout(30_000),
      });
      await response.arrayBuffer();
      const ms = performance.now() - started;
      worstMs = Math.max(worstMs, ms);
      if (response.status === 202) client.accepted.push(index);
      else if (response.status === 429) client.tooMany += 1;
      else if (response.status === 503) {
        client.unavailable += 1;
        worstUnavailableMs = Math.max(worstUnavailableMs, ms);
      } else client.other += 1;
      return response.status === 202;
    } catch {
      client.other += 1;
      return false;
    }
  };
  const statusOf = async (index: number, headers: Record<string, string>) => {
    const response = await fetch(`${api}/api/values/${index}`, { headers, signal: AbortSignal.timeout(10_000) }).catch(
      () => undefined,
    );
    return ((await response?.json().catch(() => undefined)) as { status?: string } | undefined)?.status;
  };
  let peakBytes = first.memory?.usedBytes ?? 0;
  let sampling = true;
  const sampler = (async () => {
    while (sampling) {
      peakBytes = Math.max(peakBytes, (await stats().catch(() => undefined))?.memory?.usedBytes ?? 0);
      await sleep(500);
    }
  })();
  let next = 0;
  const base = first.maxIndex - count - 1 - Math.floor(Math.random() * 1000);
  const flooding = (async () => {
    await Promise.all(
      Array.from({ length: 32 }, async () => {
        while (next < count) await post(flooder, base + next++);
      }),
    );
  })();
  const latencies: number[] = [];
  // Small indices (each costs 1 unit and well under a millisecond to compute), fresh each run.
  let small = 1000 + Math.floor(Math.random() * 8000);
  const neighbours: Promise<void>[] = [];
  const headers = { 'x-forwarded-for': neighbour.address };
  while (next < count) {
    const index = (small += 1);
    neighbours.push(
      (async () => {
        const started = performance.now();
        if (!(await post(neighbour, index))) return;
        while (performance.now() - started < 60_000) {
          if ((await statusOf(index, headers)) === 'done') return void latencies.push(performance.now() - started);
          await sleep(20);
        }
      })(),
    );
    await sleep(200);
  }
  await flooding;
  await Promise.all(neighbours);
  // Lost: accepted but neither computed nor dropped (computed, then evicted under the cap).
  const waiting = new Set([...flooder.accepted, ...neighbour.accepted]);
  const deadline = Date.now() + drainTimeoutMs;
  while (waiting.size > 0 && Date.now() < deadline) {
    for (const index of [...waiting].slice(0, 200)) {
      const status = await statusOf(index, operator);
      if (status === 'done' || status === 'dropped') waiting.delete(index);
    }
    if (waiting.size > 0) await sleep(500);
  }
  sampling = false;
  await sampler;
  const last = await stats();
  const sorted = [...latencies].sort((a, b) => a - b);
  const at = (q: number) =>
    sorted.length === 0 ? NaN : (sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? NaN);
  const mb = (bytes: number) => (bytes / 1024 / 1024).toFixed(0);
  // The issue's goal: while one client floods, another's small index is computed within 2 s.
  // Printed, not enforced: the run's machine decides the figure (README, Bounded by design).
  const goalMs = 2000;
  const goal = Number.isNaN(at(0.99)) ? 'NOT MEASURED (no small index timed)' : at(0.99) <= goalMs ? 'MET' : 'MISSED';
  const clients = [flooder, neighbour];
  const sum = (field: (client: FloodClient) => number) => clients.reduce((total, client) => total + field(client), 0);
  const accepted = sum((c) => c.accepted.length);
  const row: Row = {
    part: floodPart,
    fault: `${count} POSTs`,
    accepted,
    tooMany: sum((c) => c.tooMany),
    unavailable: sum((c) => c.unavailable),
    other: sum((c) => c.other),
    worstUnavailableMs,
    worstMs,
    lost: waiting.size,
    computed: accepted - waiting.size,
    recoverSeconds: null,
    leaseExpired: (last.counters?.leaseExpired ?? 0) - (first.counters?.leaseExpired ?? 0),
    exitSeconds: null,
    apiRestarts: (await apiRestarts(runtimeUrl)) - apiBefore,
  };
  return {
    row,
    lines: [
      '',
      `flood (local host, emulated KEDA): ${count} POSTs near MAX_INDEX from ${flooder.address} while ${neighbour.address} submits small indices`,
      `  flooding client   202: ${flooder.accepted.length}  429: ${flooder.tooMany}  503: ${flooder.unavailable}  other: ${flooder.other}`,
      `  second client     202: ${neighbour.accepted.length}  429: ${neighbour.tooMany}  503: ${neighbour.unavailable}  submit→done p50 ${at(0.5).toFixed(0)} ms, p99 ${at(0.99).toFixed(0)} ms (${latencies.length} timed): p99 ≤ ${goalMs} ms goal ${goal}`,
      `  Redis master memory peak ${mb(peakBytes)} MB of ${last.memory?.maxBytes ? `${mb(last.memory.maxBytes)} MB cap` : 'no cap'}; values evicted ${(last.memory?.evictedValues ?? 0) - (first.memory?.evictedValues ?? 0)}`,
      `  lost ${waiting.size} (must be 0)`,
    ],
  };
}

main().catch((error: unknown) => {
  console.error(`[chaos] ${(error as Error).message}`);
  process.exit(1);
});

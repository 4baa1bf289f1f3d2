// `npm run chaos`: against a running `npm start`, streams submissions while it kills (SIGKILL)
// and freezes (SIGSTOP, then SIGCONT) each part in turn — a worker, the Redis master, the
// replica, Postgres (PGlite), the API — through the local runtime's process list, waits for the
// drain and prints one row per fault: 202s, 503s and their worst latency, 202s lost (must be 0),
// indices computed, time to recover and API process restarts. It prints numbers; the tests
// assert the behaviour.
import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { parseArgs } from 'node:util';

import type { RuntimeFile } from './runtime/local-runtime.js';
import type { ProcessStatus } from './runtime/status-server.js';

const root = join(import.meta.dirname, '..');

type Fault = 'kill' | 'freeze';
const parts = ['worker', 'redis-master', 'redis-replica', 'pglite', 'api'] as const;
type Part = (typeof parts)[number];

interface Row {
  part: Part;
  fault: Fault;
  accepted: number;
  unavailable: number;
  other: number;
  worstUnavailableMs: number;
  worstMs: number;
  lost: number;
  computed: number;
  recoverSeconds: number | null;
  apiRestarts: number;
}

function usage(): string {
  return `npm run chaos -- [--rate N] [--freeze-seconds S] [--parts worker,redis-master,...] [--faults kill,freeze]
  Needs a running npm start (it reads LOCAL_DATA_DIR/runtime.json, default .local).`;
}

async function processes(runtimeUrl: string): Promise<ProcessStatus[]> {
  return (await (await fetch(`${runtimeUrl}/processes`, { signal: AbortSignal.timeout(5000) })).json()) as ProcessStatus[];
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
      parts: { type: 'string', default: parts.join(',') },
      faults: { type: 'string', default: 'kill,freeze' },
      'drain-timeout': { type: 'string', default: '90' },
      help: { type: 'boolean', default: false },
    },
  });
  if (values.help) return console.log(usage());
  const rate = Number(values.rate);
  const freezeMs = Number(values['freeze-seconds']) * 1000;
  const drainTimeoutMs = Number(values['drain-timeout']) * 1000;
  if (!(rate > 0) || !(freezeMs > 0) || !(drainTimeoutMs > 0)) throw new Error(`bad option\n${usage()}`);
  const chosenParts = values.parts.split(',') as Part[];
  const chosenFaults = values.faults.split(',') as Fault[];
  for (const part of chosenParts) if (!parts.includes(part)) throw new Error(`unknown part "${part}"\n${usage()}`);

  const runtimeFile = join(resolve(root, process.env.LOCAL_DATA_DIR ?? '.local'), 'runtime.json');
  if (!existsSync(runtimeFile)) throw new Error(`no ${runtimeFile}: start the stack with npm start first`);
  const runtime = JSON.parse(readFileSync(runtimeFile, 'utf8')) as RuntimeFile;
  const api = runtime.apiUrl;
  let nextIndex = 100_000 + Math.floor(Math.random() * 700_000);

  const rows: Row[] = [];
  for (const part of chosenParts) {
    for (const fault of chosenFaults) {
      process.stderr.write(`[chaos] ${part}: ${fault}…\n`);
      const accepted = new Set<number>();
      const row: Row = {
        part,
        fault,
        accepted: 0,
        unavailable: 0,
        other: 0,
        worstUnavailableMs: 0,
        worstMs: 0,
        lost: 0,
        computed: 0,
        recoverSeconds: null,
        apiRestarts: 0,
      };
      let streaming = true;
      let lastAcceptedAt = 0;
      const inFlight = new Set<Promise<void>>();
      const submitOne = async () => {
        const index = (nextIndex += 1);
        const started = performance.now();
        try {
          const response = await fetch(`${api}/api/values`, {
            method: 'POST',
            headers: { 'content-type': 'application/json' },
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
      const apiBefore = (await processes(runtime.runtimeUrl)).find((p) => p.name === 'api')?.restarts ?? 0;
      await sleep(2000);
      if (target?.pid) {
        if (fault === 'kill') {
          signal(target.pid, 'SIGKILL');
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
      row.apiRestarts = ((await processes(runtime.runtimeUrl)).find((p) => p.name === 'api')?.restarts ?? 0) - apiBefore;

      // Drain: every accepted index must end with a value.
      const waiting = new Set(accepted);
      const drainDeadline = Date.now() + drainTimeoutMs;
      while (waiting.size > 0 && Date.now() < drainDeadline) {
        for (const index of [...waiting].slice(0, 200)) {
          const response = await fetch(`${api}/api/values/${index}`).catch(() => undefined);
          const body = (await response?.json().catch(() => undefined)) as { status?: string } | undefined;
          if (body?.status === 'done') waiting.delete(index);
        }
        if (waiting.size > 0) await sleep(500);
      }
      row.lost = waiting.size;
      row.computed = accepted.size - waiting.size;
      rows.push(row);
    }
  }

  const header = [
    'part',
    'fault',
    '202s',
    '503s',
    'worst 503 ms',
    'worst ms',
    'other',
    'lost',
    'computed',
    'recover s',
    'api restarts',
  ];
  const lines = rows.map((r) => [
    r.part,
    r.fault,
    String(r.accepted),
    String(r.unavailable),
    r.unavailable > 0 ? r.worstUnavailableMs.toFixed(0) : '-',
    r.worstMs.toFixed(0),
    String(r.other),
    String(r.lost),
    String(r.computed),
    r.recoverSeconds === null ? '-' : r.recoverSeconds.toFixed(1),
    String(r.apiRestarts),
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...lines.map((l) => (l[i] ?? '').length)));
  const format = (cells: string[]) =>
    cells.map((c, i) => (i < 2 ? c.padEnd(widths[i] ?? 0) : c.padStart(widths[i] ?? 0))).join('  ');
  console.log(['', format(header), widths.map((w) => '-'.repeat(w)).join('  '), ...lines.map(format)].join('\n'));
  console.log(
    `\n${rows.every((r) => r.lost === 0) ? 'no accepted submission was lost' : 'LOST accepted submissions: see the lost column'}`,
  );
}

main().catch((error: unknown) => {
  console.error(`[chaos] ${(error as Error).message}`);
  process.exit(1);
});

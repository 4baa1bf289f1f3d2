// `npm run bench`: Fibonacci, HTTP (autocannon), end-to-end and drain benchmarks against the
// built app on this machine. Prints a table with the targets beside the figures and writes
// bench/results/bench-<time>.json. Numbers only: it never fails on speed.
import { spawnSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

import { loadConfig } from '../functions/src/config.js';
import { errorMessage } from '../functions/src/errors.js';
import { fullReadCost } from '../functions/src/fair-use/fair-use.js';
import { selectFibonacciEngine } from '../functions/src/fib/fibonacci-engine.js';
import { functionsBuild } from '../local/runtime/functions-processes.js';
import { startBenchStack } from './suite/bench-stack.js';
import { summarizeDirectory } from './suite/cpu-profile.js';
import { millionGoalMs, runEngineBench, runFibonacciBench } from './suite/fibonacci-bench.js';
import { type HttpRow, runAutocannon } from './suite/http-bench.js';
import { runLayers } from './suite/layers-bench.js';
import { emptyStores, runDrain, runEndToEnd } from './suite/pipeline-bench.js';
import { comparePost, type PostComparison, postGoals } from './suite/post-comparison.js';
import { runRebuildBench } from './suite/rebuild-bench.js';
import { bytesGoalRatio, runBytesBench, runFullReadBench, runWorkerCostBench } from './suite/storage-bench.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const log = (message: string) => process.stderr.write(`[bench] ${message}\n`);
const f = (value: number | null | undefined, digits = 2) =>
  value === null || value === undefined || Number.isNaN(value)
    ? '-'
    : value.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits });
const int = (value: number) => Math.round(value).toLocaleString('en-US');

function table(title: string, header: string[], rows: string[][]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]) =>
    cells.map((c, i) => (i === 0 ? c.padEnd(widths[i] ?? 0) : c.padStart(widths[i] ?? 0))).join('  ');
  return [`\n${title}`, line(header), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.map(line)].join('\n');
}

const verdict = (ok: boolean) => (ok ? 'MET' : 'MISSED');

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      only: { type: 'string' },
      seconds: { type: 'string', default: '10' },
      'skip-build': { type: 'boolean', default: false },
      profile: { type: 'boolean', default: false },
      'workshop-dir': { type: 'string' },
      rounds: { type: 'string', default: '1' },
    },
  });
  const only = values.only?.split(',') ?? ['fib', 'storage', 'post', 'http', 'e2e', 'drain', 'layers'];
  const seconds = Number(values.seconds);
  const rounds = Number(values.rounds);
  if (!Number.isInteger(rounds) || rounds < 1) throw new Error(`--rounds must be a whole number >= 1, got "${values.rounds}"`);
  const results: Record<string, unknown> = {
    startedAt: new Date().toISOString(),
    node: process.version,
    cpus: cpus().length,
    cpu: cpus()[0]?.model,
  };
  const output: string[] = [];
  const started = performance.now();

  if (only.includes('fib')) {
    log('1/5 Fibonacci…');
    const rows = runFibonacciBench();
    results.fibonacci = rows;
    const million = rows.find((r) => r.n === 1_000_000);
    output.push(
      table(
        '1. Fibonacci (ms, median; ours = BigInt fast doubling)',
        ['n', 'ours compute', 'ours decimal', 'baseline', 'baseline compute', 'baseline decimal', 'speed-up (compute)'],
        rows.map((r) => [
          int(r.n),
          f(r.computeMs, 4),
          f(r.decimalMs, 4),
          r.baseline,
          f(r.baselineComputeMs, 4),
          f(r.baselineDecimalMs, 4),
          `${int((r.baselineComputeMs ?? 0) / r.computeMs)}x`,
        ]),
      ),
    );
    if (million) {
      const total = million.computeMs + (million.decimalMs ?? 0);
      output.push(`   BigInt F(10^6) compute + decimal string: ${f(total, 1)} ms`);
    }
    const engines = runEngineBench();
    results.fibonacciEngines = engines;
    // The engine the worker would choose from the same environment (FIB_ENGINE, read by config.ts).
    const { fibEngine } = loadConfig();
    const inUse = selectFibonacciEngine(fibEngine).name;
    output.push(
      table(
        `   F(n) with its decimal string per engine (ms of wall time, CPU time beside it; load ${f(loadavg()[0], 1)} on ${cpus().length} CPUs; the worker uses ${inUse}: FIB_ENGINE=${fibEngine})`,
        ['engine', 'n', 'median', 'min', 'CPU (median)', 'runs', 'goal', ''],
        engines.map((r) => {
          const goal = r.n === 1_000_000;
          return [
            r.engine,
            int(r.n),
            r.medianMs === null ? `unavailable: ${r.unavailable ?? '?'}` : f(r.medianMs, 1),
            f(r.minMs, 1),
            f(r.cpuMs, 1),
            String(r.runs),
            goal ? `<= ${millionGoalMs} ms` : '',
            goal
              ? `${verdict(r.medianMs !== null && r.medianMs <= millionGoalMs)} (by CPU time: ${verdict(r.cpuMs !== null && r.cpuMs <= millionGoalMs)})`
              : '',
          ];
        }),
      ),
    );
  }

  if (only.includes('storage')) {
    log('1/5 what a stored value costs (worker time, Redis bytes, full reads)…');
    const workerCost = runWorkerCostBench();
    const bytes = await runBytesBench();
    const fullRead = await runFullReadBench();
    results.storage = { workerCost, bytes, fullRead };
    output.push(
      table(
        `   Worker time per value: stored as bytes (now) vs with its decimal string (before), ms wall / CPU (load ${f(loadavg()[0], 1)})`,
        ['engine', 'n', 'now (bytes)', 'now CPU', 'before (decimal)', 'before CPU', 'goal: less CPU than before', ''],
        workerCost.map((r) => [
          r.engine,
          int(r.n),
          f(r.storedMs, 2),
          f(r.storedCpuMs, 2),
          f(r.decimalMs, 2),
          f(r.decimalCpuMs, 2),
          `${f(r.decimalCpuMs / Math.max(r.storedCpuMs, 0.001), 1)}x less`,
          verdict(r.storedCpuMs < r.decimalCpuMs),
        ]),
      ),
    );
    output.push(
      table(
        `   Redis memory per stored value (MEMORY USAGE on redis-server with the StatefulSet config) against its information, n·log2(φ)/8 bytes`,
        ['n (8 values near)', 'Redis bytes', 'information', 'ratio', `goal <= ${bytesGoalRatio}`, 'decimal string alone'],
        bytes.map((r) => [
          int(r.n),
          int(r.redisBytes),
          int(r.informationBytes),
          f(r.ratio, 3),
          verdict(r.ratio <= bytesGoalRatio),
          int(r.decimalBytes),
        ]),
      ),
    );
    output.push(
      `   Full read of F(10^6) (${int(fullRead.chars)} digits) in the api: ${f(fullRead.firstMs, 1)} ms to render the decimal string from the stored bytes (BigInt, on the api's conversion thread), ${f(fullRead.cachedMs, 3)} ms when cached; charged to the reader's fair-use budget: ${fullReadCost(1_000_000, true)} units for the digits sent, ${fullReadCost(1_000_000, false)} when the api renders them first`,
    );
  }

  if (only.includes('rebuild')) {
    const adminUrl = process.env.BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
    log('rebuild after Redis lost its data (Postgres server)…');
    const rows = await runRebuildBench(
      adminUrl,
      [
        { rows: 5_000_000, distinct: 50_000 },
        { rows: 1_000_000, distinct: 1_000_000 },
      ],
      log,
    );
    results.rebuild = rows;
    output.push(
      table(
        `   Rebuild after a FLUSHALL: the log replay pages through the distinct indices (load ${f(loadavg()[0], 1)})`,
        ['log rows', 'distinct', 'insert s', 'rebuild s (all known again)', 'Postgres bytes/row', 'queued', 'listed dropped'],
        rows.map((r) => [
          int(r.rows),
          int(r.distinct),
          f(r.insertSeconds, 1),
          f(r.rebuildSeconds, 1),
          f(r.bytesPerRow, 1),
          int(r.queued),
          int(r.dropped),
        ]),
      ),
    );
  }

  const needsStack = only.some((name) => ['http', 'e2e', 'drain', 'layers'].includes(name));
  if (!needsStack && !only.includes('post')) return finish();
  const build = functionsBuild(root, values['skip-build']);
  if (build === 'first') log('--skip-build: there is no build in dist/ yet, so building once…');
  if (build !== 'skip') {
    log('building the functions (npm run build)…');
    const build = spawnSync('npm', ['run', '--silent', 'build'], { cwd: root, stdio: 'inherit' });
    if (build.status !== 0) throw new Error('npm run build failed');
  }
  if (only.includes('post')) {
    const comparison = await comparePost(root, log, {
      seconds,
      rounds,
      workshopDir: values['workshop-dir'],
    });
    results.postComparison = comparison;
    output.push(...postComparisonTable(comparison, seconds));
  }
  if (!needsStack) return finish();
  const profileDirectory = values.profile ? join(root, 'bench', 'results', `profiles-${Date.now()}`) : undefined;
  if (profileDirectory) mkdirSync(profileDirectory, { recursive: true });
  const stack = await startBenchStack(root, log, { cpuProfileDirectory: profileDirectory });
  results.database = stack.databaseKind;
  try {
    if (only.includes('http')) {
      log('2/5 HTTP: preparing repeated indices (1 worker computes 1..100)…');
      for (let index = 1; index <= 100; index += 1) {
        await fetch(`${stack.apiUrl}/api/values`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', ...stack.operator },
          body: JSON.stringify({ index }),
        }).then((r) => r.arrayBuffer());
      }
      await stack.startWorkers(1);
      for (let i = 0; i < 200 && (await stack.redis.bitcount('fib:computed')) < 100; i += 1)
        await new Promise((r) => setTimeout(r, 50));
      await stack.stopWorkers();
      const httpRows: HttpRow[] = [];
      let fresh = 200_000;
      const before = Number((await stack.sql.query<{ count: string }>('SELECT count(*) FROM submissions')).rows[0]?.count ?? 0);
      log(`2/5 HTTP: POST fresh indices (${seconds} s, 0 workers: measures the API alone)…`);
      httpRows.push(
        await runAutocannon({
          name: 'POST /api/values (fresh index each)',
          url: `${stack.apiUrl}/api/values`,
          headers: stack.operator,
          method: 'POST',
          body: () => `{"index":${(fresh += 1)}}`,
          durationSeconds: seconds,
        }),
      );
      const after = Number((await stack.sql.query<{ count: string }>('SELECT count(*) FROM submissions')).rows[0]?.count ?? 0);
      const queued = await stack.redis.zcard('fib:queued');
      const listed = await stack.redis.llen('tasks');
      results.postConsistency = {
        accepted202: httpRows[0]?.total2xx,
        rowsAdded: after - before,
        queued,
        tasksListLength: listed,
      };
      let repeated = 0;
      log('2/5 HTTP: POST repeated (already computed) indices…');
      httpRows.push(
        await runAutocannon({
          name: 'POST /api/values (repeated, done)',
          url: `${stack.apiUrl}/api/values`,
          headers: stack.operator,
          method: 'POST',
          body: () => `{"index":${(repeated++ % 100) + 1}}`,
          durationSeconds: seconds,
        }),
      );
      log('2/5 HTTP: GET /api/values/current…');
      httpRows.push(
        await runAutocannon({
          name: 'GET /api/values/current',
          url: `${stack.apiUrl}/api/values/current`,
          durationSeconds: seconds,
        }),
      );
      const rowsNow = Number((await stack.sql.query<{ count: string }>('SELECT count(*) FROM submissions')).rows[0]?.count ?? 0);
      const topUp = Math.max(0, 100_000 - rowsNow);
      await stack.sql.query(
        `INSERT INTO submissions (number, submitted_at) SELECT (g * 7919) % 1000000, now() - make_interval(secs => g) FROM generate_series(1, $1::int) AS g`,
        [topUp],
      );
      await stack.sql.query('ANALYZE submissions');
      const stored = Number((await stack.sql.query<{ count: string }>('SELECT count(*) FROM submissions')).rows[0]?.count ?? 0);
      results.submissionsStored = stored;
      log(`2/5 HTTP: GET /api/values/all with ${stored} submissions stored…`);
      httpRows.push(
        await runAutocannon({
          name: `GET /api/values/all (${int(stored)} rows)`,
          url: `${stack.apiUrl}/api/values/all`,
          durationSeconds: seconds,
        }),
      );
      results.http = httpRows;
      const targets: Record<number, string> = {
        0: '>= 5,000 req/s, p99 <= 20 ms',
        1: '>= 5,000 req/s, p99 <= 20 ms',
        3: 'p99 <= 20 ms',
      };
      const met = (i: number, r: HttpRow) =>
        i <= 1 ? r.requestsPerSecond >= 5000 && r.p99Ms <= 20 : i === 3 ? r.p99Ms <= 20 : undefined;
      output.push(
        table(
          `2. HTTP on the local runtime (autocannon, 50 connections, ${seconds} s; Postgres: ${stack.databaseKind})`,
          ['case', 'req/s', 'p50 ms', 'p99 ms', 'non-2xx', 'errors', 'target', ''],
          httpRows.map((r, i) => {
            const ok = met(i, r);
            return [
              r.name,
              int(r.requestsPerSecond),
              f(r.p50Ms, 0),
              f(r.p99Ms, 0),
              String(r.non2xx),
              String(r.errors),
              targets[i] ?? '-',
              ok === undefined ? '' : verdict(ok),
            ];
          }),
        ),
      );
      const c = results.postConsistency as { accepted202: number; rowsAdded: number; queued: number; tasksListLength: number };
      // autocannon stops counting at the deadline with up to 50 requests in flight; those still commit.
      const consistent =
        c.rowsAdded === c.queued &&
        c.queued === c.tasksListLength &&
        c.rowsAdded >= c.accepted202 &&
        c.rowsAdded - c.accepted202 <= 50;
      output.push(
        `   every 202 committed and queued: 202s counted ${int(c.accepted202)} (+ <= 50 in flight at the deadline), rows added ${int(c.rowsAdded)}, queued ${int(c.queued)}, tasks list ${int(c.tasksListLength)} — ${consistent ? 'consistent' : 'INCONSISTENT'}`,
      );
    }

    if (only.includes('layers')) {
      log('3/5 POST layers alone (where the time goes)…');
      const rows = await runLayers(stack, 4);
      results.postLayers = rows;
      output.push(
        table(
          '   POST /api/values layer by layer (50 concurrent, 4 s each)',
          ['layer', 'ops/s', 'p50 ms', 'p99 ms'],
          rows.map((r) => [r.layer, int(r.operationsPerSecond), f(r.p50Ms, 1), f(r.p99Ms, 1)]),
        ),
      );
    }

    if (only.includes('e2e')) {
      log('4/5 end-to-end (1 worker)…');
      await emptyStores(stack);
      await stack.startWorkers(1);
      try {
        const rows = await runEndToEnd(stack, [10, 100_000, 1_000_000], 5, 1_000_000);
        results.endToEnd = rows;
        output.push(
          table(
            '3. End-to-end: POST -> value visible in /api/values/current (1 idle worker, polling every WORKER_POLLING_INTERVAL_MS; 5 runs on fresh indices)',
            ['n', 'median ms', 'min ms', 'max ms', 'worker compute ms'],
            rows.map((r) => [int(r.n), f(r.medianMs, 1), f(r.minMs, 1), f(r.maxMs, 1), f(r.computeMs, 1)]),
          ),
        );
      } finally {
        await stack.stopWorkers();
      }
    }

    if (only.includes('drain')) {
      const rows = [];
      for (const workers of [1, 2]) {
        log(`5/5 drain: 10,000 small tasks with ${workers} worker(s)…`);
        rows.push(await runDrain(stack, workers, 10_000));
      }
      results.drain = rows;
      output.push(
        table(
          '4. Drain: 10,000 queued small tasks (indices 0..9,999)',
          ['workers', 'seconds', 'tasks/s', 'tasks/s per worker', 'Redis master CPU', 'target', ''],
          rows.map((r) => [
            String(r.workers),
            f(r.seconds, 2),
            int(r.tasksPerSecond),
            int(r.perWorker),
            `${f((r.redisMasterCpuSeconds / r.seconds) * 100, 0)} %`,
            '>= 5,000 per worker',
            verdict(r.perWorker >= 5000),
          ]),
        ),
      );
    }
  } finally {
    await stack.stop();
  }
  if (profileDirectory) {
    const summaries = summarizeDirectory(profileDirectory);
    results.profiles = summaries;
    for (const summary of summaries) {
      output.push(
        table(
          `   CPU profile ${summary.file.replace(/^.*\//, '')} (${f(summary.totalMs / 1000, 1)} s sampled)`,
          ['layer / function (self time)', 'ms', 'share'],
          [
            ...summary.layers.map((l) => [l.layer, int(l.ms), `${f(l.share * 100, 1)} %`]),
            ['--- top functions ---', '', ''],
            ...summary.top.map((t) => [t.name.slice(0, 90), int(t.ms), `${f(t.share * 100, 1)} %`]),
          ],
        ),
      );
    }
  }
  finish();

  function finish(): void {
    const totalSeconds = Math.round((performance.now() - started) / 100) / 10;
    results.totalSeconds = totalSeconds;
    const directory = join(root, 'bench', 'results');
    mkdirSync(directory, { recursive: true });
    const file = join(directory, `bench-${new Date().toISOString().replace(/[:.]/g, '-')}.json`);
    writeFileSync(file, `${JSON.stringify(results, null, 2)}\n`);
    console.log(output.join('\n'));
    console.log(
      `\n${cpus().length} CPUs (${cpus()[0]?.model ?? '?'}), Node ${process.version}; total ${totalSeconds} s; results: ${file}`,
    );
  }
}

function postComparisonTable(comparison: PostComparison, seconds: number): string[] {
  const lines = [
    table(
      `POST /api/values against the workshop server (issue 11 goals; autocannon, 50 connections, ${seconds} s, body {"index":"0".."29"}, no workers)`,
      ['server', 'database', 'req/s', 'p50 ms', 'p99 ms', 'non-2xx', 'errors', 'load (1 min)'],
      comparison.rows.map((r) => [
        r.server,
        r.database,
        int(r.requestsPerSecond),
        f(r.p50Ms, 0),
        f(r.p99Ms, 0),
        String(r.non2xx),
        String(r.errors),
        f(r.loadBefore, 1),
      ]),
    ),
    ...comparison.notes.map((note) => `   note: ${note}`),
  ];
  for (const goal of postGoals(comparison)) {
    lines.push(`   goal: ${goal.goal}: ${goal.figure} — ${goal.met === null ? 'NOT MEASURED' : verdict(goal.met)}`);
  }
  return lines;
}

main().catch((error: unknown) => {
  console.error(`[bench] failed: ${(error instanceof Error && error.stack) || errorMessage(error)}`);
  process.exit(1);
});

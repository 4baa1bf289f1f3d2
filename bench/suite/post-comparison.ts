// POST /api/values side by side with the workshop's Express server, in one run and with the
// same autocannon settings: ours on the default stack (PGlite) and on a Postgres server, the
// workshop's on its own redis-server and a fresh database. Issue 11's goals: >= 1x the
// workshop on the default stack, >= 2x with a Postgres server, p99 <= 50 ms at 50 connections.
import { loadavg } from 'node:os';

import { type BenchStack, startBenchStack } from './bench-stack.js';
import { runAutocannon } from './http-bench.js';
import { rotated, waitForQuietCpu } from './quiet-cpu.js';
import { postgresAnswers, startWorkshopServer, workshopCheckoutHelp } from './workshop-server.js';

/** One server's figures. */
export interface PostRow {
  server: 'workshop (Express)' | 'ours';
  database: 'server' | 'pglite';
  requestsPerSecond: number;
  p50Ms: number;
  p99Ms: number;
  non2xx: number;
  errors: number;
  /** 1-minute load average just before this measurement (2 cores here: above 2 means contention). */
  loadBefore: number;
}

export interface PostComparison {
  /** One row per server: its median round. */
  rows: PostRow[];
  /** Every round of every server (in bench/results JSON). */
  rounds?: PostRow[][];
  notes: string[];
}

export const postGoalsTargets = { defaultStackRatio: 1, serverRatio: 2, p99Ms: 50 } as const;

/** The workshop's client sends the index as a string; 0..29 repeat, as in issue 11. */
function bodies(): () => string {
  let next = 0;
  return () => `{"index":"${next++ % 30}"}`;
}

/**
 * Our POSTs come from many visitors, as on AKS behind the Gateway: each request names one of
 * 65,536 addresses in X-Forwarded-For (the stack trusts one proxy hop, as the api Deployment
 * does), so every POST pays the fair-use check a visitor pays and no visitor nears its budget.
 * Sent from one address, the run would measure 429s after the first 2,000 requests; with the
 * operator token it would skip the check. The workshop's server ignores the header.
 */
function visitors(): () => Record<string, string> {
  let next = 0;
  return () => {
    const n = next++ % 65_536;
    return { 'x-forwarded-for': `10.77.${n >> 8}.${n & 255}` };
  };
}

async function measure(url: string, seconds: number, warmUp: boolean): Promise<Omit<PostRow, 'server' | 'database'>> {
  const request = { url, method: 'POST', body: bodies(), headersFor: visitors() } as const;
  if (warmUp) await runAutocannon({ name: 'warm-up', ...request, durationSeconds: 2 });
  const loadBefore = loadavg()[0] ?? 0;
  const row = await runAutocannon({ name: 'POST', ...request, durationSeconds: seconds });
  return {
    requestsPerSecond: row.requestsPerSecond,
    p50Ms: row.p50Ms,
    p99Ms: row.p99Ms,
    non2xx: row.non2xx,
    errors: row.errors,
    loadBefore,
  };
}

async function startStackOn(kind: 'pglite' | 'server', root: string, log: (m: string) => void): Promise<BenchStack> {
  const stack = await startBenchStack(root, log, { database: kind === 'pglite' ? 'pglite' : 'auto' });
  if (stack.databaseKind !== kind) {
    await stack.stop();
    throw new Error(`asked for a stack on ${kind}, got ${stack.databaseKind} (is the Postgres server at BENCH_DATABASE_URL up?)`);
  }
  return stack;
}

/** A server under test and how to stop it. */
interface Target {
  server: PostRow['server'];
  database: PostRow['database'];
  url: string;
  stop(): Promise<void>;
}

/** The row with the median req/s of one target's rounds. */
export function medianRow(rounds: readonly PostRow[]): PostRow | undefined {
  const sorted = [...rounds].sort((a, b) => a.requestsPerSecond - b.requestsPerSecond);
  return sorted[Math.floor((sorted.length - 1) / 2)];
}

/**
 * Starts the workshop server (when `workshopDir` is given) and ours on PGlite and on the
 * Postgres server, all at once (idle, they cost next to nothing), then measures them in turn
 * for `rounds` rounds, so that a change in the machine's load falls on all of them alike; each
 * server's row is its median round. Each measurement starts once the cores are quiet again.
 */
export async function comparePost(
  root: string,
  log: (message: string) => void,
  options: { seconds: number; rounds?: number; workshopDir?: string; adminUrl?: string },
): Promise<PostComparison> {
  const adminUrl = options.adminUrl ?? process.env.BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
  const rounds = Math.max(1, options.rounds ?? 1);
  const notes: string[] = [];
  const targets: Target[] = [];
  try {
    if (options.workshopDir) {
      log('POST comparison: starting the workshop server…');
      const workshop = await startWorkshopServer(options.workshopDir, root, adminUrl, log);
      targets.push({
        server: 'workshop (Express)',
        database: workshop.databaseKind,
        url: `${workshop.url}/values`,
        stop: () => workshop.stop(),
      });
    } else {
      notes.push(`the workshop server was not run: ${workshopCheckoutHelp}`);
    }
    const serverAnswers = await postgresAnswers(adminUrl);
    if (!serverAnswers) notes.push(`no Postgres server answers at ${adminUrl}: ours ran on PGlite only`);
    for (const kind of serverAnswers ? (['pglite', 'server'] as const) : (['pglite'] as const)) {
      log(`POST comparison: starting ours on ${kind}…`);
      const stack = await startStackOn(kind, root, log);
      targets.push({ server: 'ours', database: kind, url: `${stack.apiUrl}/api/values`, stop: () => stack.stop() });
    }
    const measured = targets.map(() => [] as PostRow[]);
    let unsettled = 0;
    for (let round = 1; round <= rounds; round += 1) {
      // Each round starts with the next target, and each measurement waits (bounded) for the
      // cores to go quiet, so no target always inherits the previous one's aftermath.
      for (const i of rotated([...targets.keys()], round)) {
        const target = targets[i];
        if (!target) continue;
        const quiet = await waitForQuietCpu();
        if (!quiet.settled) unsettled += 1;
        log(
          `POST comparison: round ${round}/${rounds}, ${target.server} on ${target.database} (cores ${Math.round(quiet.idle * 100)} % idle before)…`,
        );
        const figures = await measure(target.url, options.seconds, round === 1);
        measured[i]?.push({ server: target.server, database: target.database, ...figures });
      }
    }
    if (rounds > 1) notes.push(`each row is the median of ${rounds} rounds by req/s; each round starts with the next server`);
    notes.push(
      unsettled === 0
        ? 'every measurement started with the cores at least 80 % idle'
        : `${unsettled} measurement(s) started before the cores were 80 % idle (waited 20 s): the machine is busy with other work`,
    );
    const rows = measured.map(medianRow).filter((row): row is PostRow => row !== undefined);
    return { rows, rounds: measured, notes };
  } finally {
    for (const target of targets.reverse()) await target.stop().catch((error: unknown) => log(`stop failed: ${String(error)}`));
  }
}

/** A goal with its figure; `met` null when a side was not measured. */
export interface PostGoal {
  goal: string;
  figure: string;
  met: boolean | null;
}

export function postGoals(comparison: PostComparison): PostGoal[] {
  const workshop = comparison.rows.find((r) => r.server === 'workshop (Express)');
  const ours = (database: PostRow['database']) => comparison.rows.find((r) => r.server === 'ours' && r.database === database);
  const ratio = (row: PostRow | undefined, goal: string, target: number): PostGoal => {
    if (!row || !workshop) {
      return { goal, figure: !row ? 'ours not measured' : 'workshop not measured (--workshop-dir DIR)', met: null };
    }
    const times = row.requestsPerSecond / Math.max(workshop.requestsPerSecond, 1e-9);
    const spread = roundRatios(row);
    // Answers other than 2xx (a 429 or a 503) are not the work being compared: any of them fails the goal.
    const refused = row.non2xx + workshop.non2xx;
    return {
      goal,
      figure:
        `${times.toFixed(2)}x (${Math.round(row.requestsPerSecond)} vs ${Math.round(workshop.requestsPerSecond)} req/s` +
        (spread.length > 1 ? `; round by round ${Math.min(...spread).toFixed(2)}-${Math.max(...spread).toFixed(2)}x` : '') +
        (refused > 0 ? `; ${refused} non-2xx answers` : '') +
        ')',
      met: times >= target && refused === 0,
    };
  };
  // Round r of ours against round r of the workshop (measured in the same round), to show how
  // far the machine's swings move the ratio.
  const serverRounds = (server: PostRow['server'], database?: PostRow['database']) =>
    comparison.rounds?.find(
      (rounds) => rounds[0]?.server === server && (database === undefined || rounds[0]?.database === database),
    );
  const roundRatios = (row: PostRow): number[] => {
    const theirs = serverRounds('workshop (Express)') ?? [];
    const mine = serverRounds('ours', row.database) ?? [];
    return mine.flatMap((round, i) => {
      const other = theirs[i];
      return other ? [round.requestsPerSecond / Math.max(other.requestsPerSecond, 1e-9)] : [];
    });
  };
  const goals = [
    ratio(
      ours('pglite'),
      `ours on the default stack (PGlite) >= ${postGoalsTargets.defaultStackRatio}x the workshop`,
      postGoalsTargets.defaultStackRatio,
    ),
    ratio(
      ours('server'),
      `ours with a Postgres server >= ${postGoalsTargets.serverRatio}x the workshop`,
      postGoalsTargets.serverRatio,
    ),
  ];
  for (const database of ['pglite', 'server'] as const) {
    const row = ours(database);
    goals.push({
      goal: `ours p99 <= ${postGoalsTargets.p99Ms} ms at 50 connections (${database})`,
      figure: row ? `${row.p99Ms} ms` : 'not measured',
      met: row ? row.p99Ms <= postGoalsTargets.p99Ms : null,
    });
  }
  return goals;
}

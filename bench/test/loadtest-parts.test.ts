// The load test's pure parts: index generation, options, sampling, throughput figures, goals,
// summary and charts.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { afterEach, describe, expect, it } from 'vitest';

import { goalLines, renderHtml, renderRateSvg, renderSvg, summarize, throughputLines, toCsv } from '../loadtest/chart.js';
import { generateIndices, parseIndexSpec, seededRandom } from '../loadtest/indices.js';
import { parseLoadTestOptions } from '../loadtest/options.js';
import { type Sample, Sampler, withCompletionRates } from '../loadtest/sampler.js';
import { capSummary, drainFigures, loadTestGoals, ratesByWorkers } from '../loadtest/throughput.js';

function sample(
  t: number,
  queueLength: number,
  pending: number,
  workersRunning: number | null,
  extra: Partial<Sample> = {},
): Sample {
  return {
    t,
    time: '',
    submitted: 0,
    accepted: 0,
    errors: 0,
    queueLength,
    pending,
    done: 0,
    failed: 0,
    completionsPerSecond: null,
    completionsPerWorker: null,
    workersHeartbeat: null,
    workersDesired: workersRunning,
    workersRunning,
    workersCap: null,
    capReason: null,
    kubeReplicas: null,
    kubeReady: null,
    kubeHpaDesired: null,
    leaseExpired: 0,
    invocationFailed: 0,
    givenBack: 0,
    retried: 0,
    countersReported: false,
    ...extra,
  };
}

/** Samples with their completion rates filled in, as the sampler does. */
function series(samples: Sample[]): Sample[] {
  const out: Sample[] = [];
  for (const s of samples) out.push(withCompletionRates(out.at(-1), s));
  return out;
}

describe('indices', () => {
  it('draws distinct indices from a range until it is used up', () => {
    const indices = generateIndices(parseIndexSpec('10-1009'), 1000, seededRandom(1));
    expect(new Set(indices).size).toBe(1000);
    expect(Math.min(...indices)).toBe(10);
    expect(Math.max(...indices)).toBe(1009);
  });

  it('supports sequential, random-with-repeats and list forms, and rejects nonsense', () => {
    expect(generateIndices(parseIndexSpec('5-7:seq'), 5)).toEqual([5, 6, 7, 5, 6]);
    expect(generateIndices(parseIndexSpec('10,20'), 3)).toEqual([10, 20, 10]);
    expect(generateIndices(parseIndexSpec('1-3:random'), 50, seededRandom(2)).every((i) => i >= 1 && i <= 3)).toBe(true);
    expect(() => parseIndexSpec('9-1')).toThrow(/empty/);
    expect(() => parseIndexSpec('abc')).toThrow(/--indices/);
  });
});

describe('options', () => {
  it('defaults to 20,000 tasks against http://127.0.0.1:7071 when no npm start is running', () => {
    const dir = mkdtempSync(join(tmpdir(), 'fib-opts-'));
    try {
      const options = parseLoadTestOptions([], dir, { LOCAL_DATA_DIR: dir });
      expect(options).toMatchObject({ url: 'http://127.0.0.1:7071', tasks: 20_000, rate: 1000, waitForZero: true });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('finds the API that a running npm start wrote to runtime.json, and ignores a stale one', () => {
    const dir = mkdtempSync(join(tmpdir(), 'fib-opts-'));
    try {
      writeFileSync(
        join(dir, 'runtime.json'),
        JSON.stringify({ apiUrl: 'http://127.0.0.1:45678', pid: process.pid, runtimeUrl: 'http://127.0.0.1:45679' }),
      );
      expect(parseLoadTestOptions([], dir, { LOCAL_DATA_DIR: dir })).toMatchObject({
        url: 'http://127.0.0.1:45678',
        runtimeUrl: 'http://127.0.0.1:45679',
      });
      writeFileSync(
        join(dir, 'runtime.json'),
        JSON.stringify({ apiUrl: 'http://127.0.0.1:45678', runtimeUrl: 'http://127.0.0.1:45679/', pid: process.pid }),
      );
      expect(parseLoadTestOptions([], dir, { LOCAL_DATA_DIR: dir }).runtimeUrl).toBe('http://127.0.0.1:45679');
      writeFileSync(join(dir, 'runtime.json'), JSON.stringify({ apiUrl: 'http://127.0.0.1:45678', pid: 2 ** 22 + 12345 }));
      expect(parseLoadTestOptions([], dir, { LOCAL_DATA_DIR: dir }).url).toBe('http://127.0.0.1:7071');
      expect(parseLoadTestOptions(['--url', 'http://10.0.0.5:80/api/'], dir, { LOCAL_DATA_DIR: dir }).url).toBe(
        'http://10.0.0.5:80',
      );
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('derives tasks from --rate x --duration and the rate from --tasks / --duration', () => {
    expect(parseLoadTestOptions(['--rate', '50', '--duration', '4', '--url', 'http://127.0.0.1:1'], '/').tasks).toBe(200);
    expect(parseLoadTestOptions(['--tasks', '300', '--duration', '10', '--url', 'http://127.0.0.1:1'], '/').rate).toBe(30);
    expect(() => parseLoadTestOptions(['--rate', '-1', '--url', 'http://127.0.0.1:1'], '/')).toThrow(/--rate/);
  });
});

describe('summary and chart', () => {
  const samples = [
    sample(0, 0, 0, 0),
    sample(1, 500, 500, 0),
    sample(2, 3000, 3000, 1),
    sample(3, 800, 1500, 5),
    sample(4, 0, 0, 5),
    sample(5, 0, 0, 2),
    sample(6, 0, 0, 0),
  ];

  it('reports peak workers, drain time and the time workers were back at 0', () => {
    expect(summarize(samples, { tasks: 3000, accepted: 3000, alreadyDone: 0, errors: 0, submitSeconds: 2 })).toMatchObject({
      peakQueue: 3000,
      peakWorkers: 5,
      firstWorkerAt: 2,
      drainedAt: 4,
      zeroAt: 6,
      workerSource: 'scaler',
    });
  });

  it('draws running workers as a step line beside desired and cap, and writes one CSV row per sample', () => {
    const svg = renderSvg(samples, { submitSeconds: 2 });
    expect(svg.match(/<path /g)).toHaveLength(5);
    for (const label of ['queue length (LLEN tasks)', 'workers running', 'workers desired (KEDA/HPA rules)', 'worker cap'])
      expect(svg).toContain(label);
    expect(svg).toMatch(/stroke="#d9480f" stroke-width="2.5"><title>workers running/);
    expect(svg).toMatch(/d="M[^"]*H[^"]*V[^"]*" fill="none" stroke="#d9480f"/); // running workers: step segments
    expect(toCsv(samples).trim().split('\n')).toHaveLength(samples.length + 1);
  });

  it('quotes CSV fields that hold commas (the cap reason)', () => {
    const csv = toCsv([sample(0, 0, 0, 2, { workersCap: 2, capReason: '2 cores, 1 worker each' })]);
    expect(csv).toContain(',"2 cores, 1 worker each",');
  });
});

describe('completions per second', () => {
  it('comes from the change of done between samples, per second and per running worker', () => {
    const rows = series([
      sample(0, 100, 100, 2, { done: 0 }),
      sample(2, 100, 100, 2, { done: 500 }),
      sample(3, 100, 100, 4, { done: 1300 }),
    ]);
    expect(rows.map((r) => r.completionsPerSecond)).toEqual([null, 250, 800]);
    expect(rows.map((r) => r.completionsPerWorker)).toEqual([null, 125, 200]);
  });

  it('gives no rate when done went backwards (Redis reset) and no per-worker rate with 0 workers', () => {
    const rows = series([sample(0, 0, 0, 1, { done: 50 }), sample(1, 0, 0, 1, { done: 10 }), sample(2, 0, 0, 0, { done: 20 })]);
    expect(rows.map((r) => r.completionsPerSecond)).toEqual([null, null, 10]);
    expect(rows[2]?.completionsPerWorker).toBeNull();
  });

  it('are drawn on their own chart, total on the left axis and per worker on the right', () => {
    const svg = renderRateSvg(series([sample(0, 9, 9, 1, { done: 0 }), sample(1, 9, 9, 2, { done: 100 })]));
    expect(svg.match(/<path /g)).toHaveLength(2);
    expect(svg).toContain('completions per second per running worker');
    expect(svg).toMatch(/<path d="M[^"]+" fill="none" stroke="#2b8a3e"/);
  });
});

describe('throughput figures and goals', () => {
  // 1 worker at 1,000/s for 3 s, then 4 workers at 400/s: scaling out made it slower.
  const run = series([
    sample(0, 0, 0, 0, { done: 0 }),
    sample(1, 2000, 2000, 1, { done: 0 }),
    sample(2, 2500, 2500, 1, { done: 1000 }),
    sample(3, 3000, 3000, 1, { done: 2000 }),
    sample(4, 3500, 3500, 1, { done: 3000 }),
    sample(5, 3000, 3100, 4, { done: 3300 }), // count changed: skipped
    sample(6, 2600, 2700, 4, { done: 3700, leaseExpired: 2, invocationFailed: 0, retried: 5 }),
    sample(7, 2200, 2300, 4, { done: 4100, leaseExpired: 3, invocationFailed: 1, retried: 9 }),
    sample(8, 0, 0, 4, { done: 6400, leaseExpired: 3, invocationFailed: 1, retried: 9 }),
  ]);

  it('groups completions by running worker count over backlogged intervals only', () => {
    expect(ratesByWorkers(run)).toEqual([
      { workers: 1, seconds: 3, completed: 3000, tasksPerSecond: 1000, perWorker: 1000 },
      { workers: 4, seconds: 2, completed: 800, tasksPerSecond: 400, perWorker: 100 },
    ]);
  });

  it('measures the drain from the last submission and overall, and the counter deltas', () => {
    expect(drainFigures(run, 5, 8)).toEqual({
      drainSeconds: 3,
      afterSubmitRate: 1033.3, // (6400 - 3300) / 3 s
      overallRate: 800, // 6400 / 8 s
      counters: { leaseExpired: 3, invocationFailed: 1, givenBack: 0, retried: 9 },
      countersReported: false,
    });
    expect(drainFigures(run, 5, null).drainSeconds).toBeNull();
  });

  it('marks each goal MET or MISSED with its figure', () => {
    const goals = loadTestGoals(drainFigures(run, 5, 8), ratesByWorkers(run));
    expect(goals.map((g) => [g.goal, g.met])).toEqual([
      ['0 leaseExpired', false],
      ['0 invocationFailed', false],
      ['drained within 10 s of the last submission', true],
      ['no worker count slower than one worker', false],
    ]);
    expect(goals[3]?.figure).toBe('1: 1000/s, 4: 400/s (slower: 4 workers)');
    expect(goals[0]?.figure).toBe('3 (the API reports no counters: read as 0)');
  });

  it('says NOT MEASURED when no interval ran with exactly one worker, and MISSED when never drained', () => {
    const twoOnly = series([sample(0, 900, 900, 2, { done: 0 }), sample(1, 800, 800, 2, { done: 500 })]);
    const goals = loadTestGoals(drainFigures(twoOnly, 0, null), ratesByWorkers(twoOnly));
    expect(goals[2]).toMatchObject({ figure: 'not drained', met: false });
    expect(goals[3]?.met).toBeNull();
    const summary = summarize(twoOnly, { tasks: 1, accepted: 1, alreadyDone: 0, errors: 0, submitSeconds: 0 });
    expect(goalLines(summary)).toContain(
      'no worker count slower than one worker: no backlogged interval with exactly 1 worker (2: 500/s) — NOT MEASURED',
    );
    expect(goalLines(summary)[0]).toMatch(/— MET$/);
    const oneOnly = series([sample(0, 900, 900, 1, { done: 0 }), sample(1, 800, 800, 1, { done: 300 })]);
    expect(loadTestGoals(drainFigures(oneOnly, 0, null), ratesByWorkers(oneOnly))[3]).toEqual({
      goal: 'no worker count slower than one worker',
      figure: '1: 300/s (no other worker count ran)',
      met: true,
    });
  });

  it('reports what the machine cap held back, and nothing when KEDA asked for no more than the cap', () => {
    const capped = [
      sample(0, 0, 0, 0, { workersDesired: 0, workersCap: 2 }),
      sample(1, 5000, 5000, 2, { workersDesired: 6, workersCap: 2, capReason: '2 cores' }),
      sample(2, 9000, 9000, 2, { workersDesired: 10, workersCap: 2, capReason: '2 cores' }),
      sample(3, 0, 0, 2, { workersDesired: 2, workersCap: 2 }),
    ];
    expect(capSummary(capped)).toEqual({ peakDesired: 10, peakRunning: 2, cap: 2, reason: '2 cores', cappedSeconds: 2 });
    expect(capSummary(capped.slice(0, 1))).toBeNull();
    const summary = summarize(capped, { tasks: 1, accepted: 1, alreadyDone: 0, errors: 0, submitSeconds: 2 });
    expect(throughputLines(summary).at(-1)).toBe(
      "capped: KEDA's rules asked for up to 10 workers, at most 2 ran (cap 2 for 2 s: 2 cores)",
    );
    const html = renderHtml(capped, summary, 'run');
    expect(html).toContain("Workers were capped: KEDA's rules asked for up to 10, the local runtime ran at most 2");
    expect(html.match(/<svg/g)).toHaveLength(2);
    expect(html).toMatch(/<td class="(met|missed|na)">/);
  });
});

describe('sampler', () => {
  let server: Server | undefined;
  afterEach(async () => {
    await new Promise((resolve) => server?.close(resolve) ?? resolve(undefined));
    server = undefined;
  });

  async function serve(routes: Record<string, unknown>): Promise<string> {
    server = createServer((request, response) => {
      const body = routes[request.url ?? ''];
      response.writeHead(body === undefined ? 404 : 200, { 'content-type': 'application/json' });
      response.end(JSON.stringify(body ?? { error: 'not found' }));
    });
    await new Promise<void>((resolve) => server?.listen(0, '127.0.0.1', resolve));
    return `http://127.0.0.1:${(server?.address() as AddressInfo).port}`;
  }

  const totals = { submitted: 10, accepted: 10, errors: 0 };

  it('reads an API without counters (an older deployment) as 0, and no scaler without a runtime', async () => {
    const url = await serve({
      '/api/stats': { queueLength: 40, pending: 50, done: 7, failed: 0, workers: { active: 2 } },
    });
    const got = await new Sampler({ url }).sample(totals);
    expect(got).toMatchObject({
      queueLength: 40,
      done: 7,
      workersHeartbeat: 2,
      workersDesired: null,
      workersRunning: null,
      workersCap: null,
      leaseExpired: 0,
      invocationFailed: 0,
      countersReported: false,
    });
  });

  it('reads the new API: counters in stats and desired / running / cap from the runtime /scaler', async () => {
    const url = await serve({
      '/api/stats': { queueLength: 0, pending: 0, done: 100, failed: 0, workers: { active: 1 }, counters: { leaseExpired: 4 } },
      '/scaler': { mode: 'keda', desired: 10, running: 2, cap: 2, capReason: '2 cores: one worker per core', queueLength: 0 },
    });
    expect(await new Sampler({ url, runtimeUrl: url }).sample(totals)).toMatchObject({
      workersDesired: 10,
      workersRunning: 2,
      workersCap: 2,
      capReason: '2 cores: one worker per core',
      leaseExpired: 4,
      invocationFailed: 0,
      givenBack: 0,
      retried: 0,
      countersReported: true,
      completionsPerSecond: null,
    });
  });
});

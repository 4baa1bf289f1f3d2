// The POST comparison's pure parts: goals from the figures, finding the workshop server in a
// checkout, and the preload that keeps the workshop server on loopback and a free port.
import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { Worker } from 'node:worker_threads';

import { describe, expect, it } from 'vitest';

import { freePort } from '../../local/runtime/ports.js';
import { medianRow, postGoals, type PostRow } from '../suite/post-comparison.js';
import { rotated, waitForQuietCpu } from '../suite/quiet-cpu.js';
import { resolveWorkshopServerDir } from '../suite/workshop-server.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');

function row(server: PostRow['server'], database: PostRow['database'], requestsPerSecond: number, p99Ms: number): PostRow {
  return { server, database, requestsPerSecond, p50Ms: 1, p99Ms, non2xx: 0, errors: 0, loadBefore: 0.5 };
}

describe('POST goals', () => {
  it('compares ours with the workshop: >= 1x on PGlite, >= 2x on a Postgres server, p99 <= 50 ms', () => {
    const goals = postGoals({
      rows: [row('workshop (Express)', 'server', 2000, 40), row('ours', 'pglite', 2100, 45), row('ours', 'server', 3000, 60)],
      notes: [],
    });
    expect(goals.map((g) => [g.figure, g.met])).toEqual([
      ['1.05x (2100 vs 2000 req/s)', true],
      ['1.50x (3000 vs 2000 req/s)', false],
      ['45 ms', true],
      ['60 ms', false],
    ]);
  });

  it('shows the ratio round by round beside the median rows when there were several rounds', () => {
    const workshop = [row('workshop (Express)', 'server', 2000, 40), row('workshop (Express)', 'server', 1000, 40)];
    const server = [row('ours', 'server', 5000, 10), row('ours', 'server', 1900, 10)];
    const goals = postGoals({ rows: [workshop[0]!, server[1]!], rounds: [workshop, server], notes: [] });
    expect(goals[1]?.figure).toBe('0.95x (1900 vs 2000 req/s; round by round 1.90-2.50x)');
  });

  it('says NOT MEASURED (null) for the ratios when the workshop did not run', () => {
    const goals = postGoals({ rows: [row('ours', 'pglite', 900, 30)], notes: [] });
    expect(goals[0]).toMatchObject({ figure: 'workshop not measured (--workshop-dir DIR)', met: null });
    expect(goals[1]).toMatchObject({ figure: 'ours not measured', met: null });
    expect(goals[2]?.met).toBe(true);
  });
});

describe('rounds', () => {
  it("takes each server's median round by req/s", () => {
    const rounds = [row('ours', 'server', 900, 80), row('ours', 'server', 300, 400), row('ours', 'server', 1200, 60)];
    expect(medianRow(rounds)).toBe(rounds[0]);
    expect(medianRow(rounds.slice(0, 2))).toBe(rounds[1]);
    expect(medianRow([])).toBeUndefined();
  });
});

describe('workshop checkout', () => {
  it('finds complex/server in a checkout or accepts that folder itself, and explains how to get one otherwise', () => {
    const dir = mkdtempSync(join(tmpdir(), 'fib-workshop-test-'));
    try {
      const server = join(dir, 'complex', 'server');
      mkdirSync(server, { recursive: true });
      writeFileSync(join(server, 'index.js'), '');
      writeFileSync(join(server, 'package.json'), JSON.stringify({ dependencies: { express: '4', redis: '2', pg: '8' } }));
      expect(resolveWorkshopServerDir(dir)).toBe(server);
      expect(resolveWorkshopServerDir(server)).toBe(server);
      expect(() => resolveWorkshopServerDir(join(dir, 'complex'))).toThrow(/git clone .*fib-calculator/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("moves the workshop server's fixed listen(5000) to 127.0.0.1 and WORKSHOP_PORT", async () => {
    const port = await freePort();
    const program =
      "const s = require('node:http').createServer(); s.listen(5000, () => { console.log(JSON.stringify(s.address())); s.close(); });";
    const { stdout } = await promisify(execFile)(
      process.execPath,
      ['--import', 'tsx', '--import', join(root, 'bench', 'suite', 'workshop-listen.ts'), '-e', program],
      { cwd: root, env: { ...process.env, WORKSHOP_PORT: String(port) }, timeout: 20_000 },
    );
    expect(JSON.parse(stdout.trim())).toMatchObject({ address: '127.0.0.1', port });
  });
});

describe('POST comparison order and settling', () => {
  it('starts each round with the next server, so none always follows the same one', () => {
    expect([1, 2, 3, 4].map((round) => rotated(['workshop', 'pglite', 'server'], round))).toEqual([
      ['workshop', 'pglite', 'server'],
      ['pglite', 'server', 'workshop'],
      ['server', 'workshop', 'pglite'],
      ['workshop', 'pglite', 'server'],
    ]);
  });

  it('waits for the cores to go quiet, and gives up within its bound while a core is kept busy', async () => {
    const busy = new Worker(new URL('data:text/javascript,for(;;){}'));
    try {
      const started = Date.now();
      // One of two (or more) cores spinning: at most ~50 % idle, never the 99 % asked for.
      const result = await waitForQuietCpu({ minIdleShare: 0.99, windowMs: 200, timeoutMs: 600 });
      expect(result.settled).toBe(false);
      expect(Date.now() - started).toBeLessThan(10_000);
    } finally {
      await busy.terminate();
    }
  });
});

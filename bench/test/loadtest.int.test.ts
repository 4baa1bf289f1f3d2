// The load test's sampler, submitter and chart writer on a short real run against the app as
// the local host runs it (real Redis master + replica, PGlite, the list-trigger worker).
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { type DatabaseKind, startDatabase, type TestDatabase } from '../../functions/test/support/database.js';
import { type RedisPair, startRedisPair } from '../../functions/test/support/redis-pair.js';
import { startStack, type TestStack } from '../../functions/test/support/stack.js';
import { csvColumns } from '../loadtest/chart.js';
import { parseIndexSpec } from '../loadtest/indices.js';
import { runLoadTest } from '../loadtest/run-load-test.js';

describe('npm run loadtest against a running stack', () => {
  let redis: RedisPair;
  let database: TestDatabase;
  let stack: TestStack;
  const outDir = mkdtempSync(join(tmpdir(), 'fib-loadtest-'));

  beforeAll(async () => {
    redis = await startRedisPair();
    database = await startDatabase('pglite' satisfies DatabaseKind);
    stack = await startStack({ redis, database, env: { WORKER_POLLING_INTERVAL_MS: '100' } });
  });

  afterAll(async () => {
    await stack?.stop();
    await database?.stop();
    await redis?.stop();
    rmSync(outDir, { recursive: true, force: true });
  });

  it('submits every task, samples each second until drained, and writes a matching CSV and SVG chart', async () => {
    // No worker for the first seconds: the queue must build up, then drain once one starts.
    const starter = setTimeout(() => stack.startWorker(), 2500);
    const result = await runLoadTest(
      {
        url: stack.baseUrl,
        tasks: 400,
        rate: 200,
        indices: parseIndexSpec('1000-20000'),
        kube: false,
        kubeNamespace: undefined,
        sampleSeconds: 1,
        waitForZero: true,
        timeoutSeconds: 20,
        concurrency: 8,
        outDir,
        progress: false,
      },
      process.stderr,
    );
    clearTimeout(starter);

    expect(result.summary).toMatchObject({ tasks: 400, accepted: 400, errors: 0, alreadyDone: 0, workerSource: 'heartbeats' });
    // Without a scaler or kubectl there is no replica count to wait on: it stops when drained.
    expect(result.stoppedBy).toBe('drained');
    expect(result.summary.peakQueue).toBeGreaterThan(0);
    expect(result.summary.peakWorkers).toBe(1);
    expect(result.summary.drainedAt).not.toBeNull();
    const last = result.samples.at(-1);
    expect(last).toMatchObject({ queueLength: 0, pending: 0, done: 400, failed: 0, submitted: 400 });
    // About one sample per second: the sampler's cadence, with slack for a loaded CI machine
    // (a late sample shortens the next gap, so single gaps are not checked).
    const gaps = result.samples.slice(1).map((s, i) => s.t - (result.samples[i]?.t ?? 0));
    const meanGap = gaps.reduce((sum, gap) => sum + gap, 0) / gaps.length;
    expect(meanGap).toBeGreaterThan(0.75);
    expect(meanGap).toBeLessThan(1.75);
    for (const gap of gaps) expect(gap).toBeLessThan(4);

    const csv = readFileSync(result.csvPath, 'utf8').trim().split('\n');
    expect(csv[0]).toBe(csvColumns.join(','));
    expect(csv).toHaveLength(result.samples.length + 1);
    const queueColumn = csvColumns.indexOf('queueLength');
    expect(csv.slice(1).map((line) => Number(line.split(',')[queueColumn]))).toEqual(result.samples.map((s) => s.queueLength));

    const html = readFileSync(result.htmlPath, 'utf8');
    expect(html).toMatch(/^<!doctype html>/);
    expect(html).toContain('<svg');
    expect(html).not.toMatch(/<script|<link|src="http/); // self-contained
    expect(html).toContain('400 (202: 400');
  }, 30_000);
});

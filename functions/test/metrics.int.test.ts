// Metrics as an operator's Prometheus sees them: a real Prometheus (Debian's package) scrapes a
// running stack's metrics endpoint while a known workload runs, and its PromQL answers match it.
import type { Server } from 'node:http';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { exposeMetrics } from '../src/observability/expose-metrics.js';
import { startDatabase, type TestDatabase } from './support/database.js';
import { startPrometheus, type TestPrometheus } from './support/prometheus.js';
import { freePort, type RedisPair, startRedisPair } from './support/redis-pair.js';
import { eventually, startStack, type TestStack } from './support/stack.js';

/** `fib_submissions_total{outcome="202"}` in a Prometheus text exposition (0 when absent). */
const submissions202 = (text: string) => Number(/^fib_submissions_total\{outcome="202"\} (\d+)$/m.exec(text)?.[1] ?? 0);

const small = Array.from({ length: 20 }, (_, i) => i + 1);
/** Costs the whole fair-use burst (101 units), so a visitor's second one is refused. */
const large = 1_000_000;

describe('metrics scraped by Prometheus', () => {
  let redis: RedisPair;
  let database: TestDatabase;
  let stack: TestStack;
  let metricsServer: Server | undefined;
  let prometheus: TestPrometheus;
  /** PromQL answers seen, printed at the end (the README quotes them). */
  const answers: Record<string, unknown> = {};

  beforeAll(async () => {
    [redis, database] = await Promise.all([startRedisPair(), startDatabase('pglite')]);
    const metricsPort = await freePort();
    stack = await startStack({
      redis,
      database,
      env: { METRICS_PORT: String(metricsPort), FAIR_USE_BURST: '101', FAIR_USE_RATE_PER_SECOND: '1' },
    });
    metricsServer = await exposeMetrics(stack.app, { api: true, host: '127.0.0.1' });
    prometheus = await startPrometheus([`127.0.0.1:${metricsPort}`]);
  }, 180_000);

  afterAll(async () => {
    console.log(`PromQL answers after the workload: ${JSON.stringify(answers, null, 1)}`);
    await prometheus?.stop();
    metricsServer?.closeAllConnections();
    await new Promise((resolve) => (metricsServer ? metricsServer.close(resolve) : resolve(undefined)));
    await stack?.stop();
    await Promise.all([redis?.stop(), database?.stop()]);
  });

  /** Waits until `promql` answers `expected` (one series per label value of `by`, or one number). */
  const settlesAt = async (promql: string, expected: number | Record<string, number>, by = 'outcome') => {
    const seen = await eventually(
      async () => {
        const samples = await prometheus.query(promql);
        const answer =
          typeof expected === 'number'
            ? samples[0]?.value
            : Object.fromEntries(samples.map((s) => [s.labels[by] ?? '', s.value]));
        answers[promql] = answer;
        return JSON.stringify(answer) === JSON.stringify(expected) ? answer : undefined;
      },
      60_000,
      `${promql} = ${JSON.stringify(expected)} (last: ${JSON.stringify(answers[promql])})`,
    );
    expect(seen).toEqual(expected);
  };

  it('reports the queue while nothing computes, then what the worker did, by the workload', async () => {
    // The workload: 20 small indices and 3 bad bodies from the operator (not metered), then a
    // visitor's F(1,000,000) twice: the second is over the visitor's budget.
    for (const index of small)
      expect((await stack.post('/api/values', JSON.stringify({ index }), stack.operator)).status).toBe(202);
    for (const body of ['{"index":-1}', '{"index":"1.5"}', 'not json'])
      expect([400, 422]).toContain((await stack.post('/api/values', body, stack.operator)).status);
    expect((await stack.post('/api/values', JSON.stringify({ index: large }))).status).toBe(202);
    expect((await stack.post('/api/values', JSON.stringify({ index: large }))).status).toBe(429);

    await settlesAt('sum by (outcome) (fib_submissions_total)', { '202': 21, '429': 1, '4xx': 3 });
    await settlesAt('sum(fib_submit_duration_seconds_count)', 25);
    // No worker runs yet: everything accepted waits in the list.
    await settlesAt('fib_queue_length', 21);
    await settlesAt('fib_tasks_pending', 21);
    await settlesAt('fib_redis_up', 1);

    stack.startWorker();
    await settlesAt('fib_tasks_completed_total', 21);
    await settlesAt('fib_compute_duration_seconds_count', 21);
    await settlesAt('fib_tasks_failed_total', 0);
    await settlesAt('fib_tasks_pending', 0);
    await settlesAt('fib_queue_length', 0);
    await settlesAt('fib_indices_done', 21);
    await settlesAt('fib_indices_failed', 0);
    await settlesAt('fib_event_streams_open', 0);

    // Redis memory against its budget (the StatefulSet's maxmemory): used below the cap.
    const [used] = await prometheus.query('fib_redis_memory_used_bytes');
    const [fraction] = await prometheus.query('fib_redis_memory_used_bytes / fib_redis_memory_max_bytes');
    answers['fib_redis_memory_used_bytes / fib_redis_memory_max_bytes'] = fraction?.value;
    expect(used?.value).toBeGreaterThan(0);
    expect(fraction?.value).toBeGreaterThan(0);
    expect(fraction?.value).toBeLessThan(1);
    // Compute time was recorded (F(1,000,000) is most of it).
    const slowest = await prometheus.query('max(fib_compute_duration_seconds_sum)');
    answers['max(fib_compute_duration_seconds_sum)'] = slowest[0]?.value;
    expect(slowest[0]?.value).toBeGreaterThan(0);
  }, 240_000);

  it("counts per app: a second app in this process records only its own submissions, not the first one's", async () => {
    const second = await startStack({ redis, database, env: { METRICS_PORT: String(await freePort()) } });
    try {
      expect(second.app.metrics).not.toBe(stack.app.metrics);
      expect((await second.post('/api/values', JSON.stringify({ index: 7 }), second.operator)).status).toBe(202);
      expect(submissions202(await second.app.metrics.text())).toBe(1);
      // The first app's figure (and what Prometheus scrapes from it) is unchanged by the second's submission.
      expect(submissions202(await stack.app.metrics.text())).toBe(21);
      await settlesAt('sum by (outcome) (fib_submissions_total)', { '202': 21, '429': 1, '4xx': 3 });
    } finally {
      await second.stop();
    }
  }, 60_000);
});

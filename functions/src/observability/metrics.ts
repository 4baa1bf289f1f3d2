// The process's Prometheus metrics (prom-client): what each process records as it works, and
// the queue and Redis figures the api reads from Redis when it is scraped.
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';

import { withDeadline } from '../deadline.js';
import type { QueueStats, RedisMemory } from '../http/api-types.js';

/** The outcome label of `fib_submissions_total`: the answer's status, 4xx grouped. */
export type SubmissionOutcome = '202' | '4xx' | '429' | '503' | '500';

/** Maps an HTTP status of POST /api/values to its outcome label. */
export function submissionOutcome(status: number): SubmissionOutcome {
  if (status === 202) return '202';
  if (status === 429) return '429';
  if (status >= 400 && status < 500) return '4xx';
  if (status === 503) return '503';
  return '500';
}

/** The figures the api's queue gauges show, read from Redis once per scrape. */
export interface QueueSnapshot {
  stats: QueueStats;
  /** Undefined when INFO did not answer within the bound. */
  memory?: RedisMemory;
}

/**
 * The metrics of one app (FunctionApp.metrics), in a registry of their own: two apps in one
 * process (tests) count apart, and prom-client's global default registry is never used.
 */
export class AppMetrics {
  readonly registry = new Registry();
  private readonly submissions: Counter<'outcome'>;
  private readonly submitSeconds: Histogram<'outcome'>;
  private readonly completed: Counter;
  private readonly failed: Counter;
  private readonly computeSeconds: Histogram;
  private queueSource: (() => Promise<QueueSnapshot>) | undefined;
  private snapshot: { at: number; value: Promise<QueueSnapshot | undefined> } | undefined;
  private openStreams: () => number = () => 0;

  constructor(options: { defaultMetrics?: boolean } = {}) {
    const registers = [this.registry];
    // Nothing here needs stopping on close(): prom-client 15 reads the default metrics when scraped
    // (no interval timer since v13) and returns no handle; what it leaves running, an
    // unref'd perf_hooks.monitorEventLoopDelay histogram and a GC PerformanceObserver
    // (lib/metrics/eventLoopLag.js, gc.js), keeps no process alive.
    if (options.defaultMetrics ?? true) collectDefaultMetrics({ register: this.registry, prefix: 'fib_process_' });
    this.submissions = new Counter({
      name: 'fib_submissions_total',
      help: 'POST /api/values answers by outcome (202 accepted, 4xx bad input, 429 fair use, 503 a store down, 500 unexpected)',
      labelNames: ['outcome'],
      registers,
    });
    this.submitSeconds = new Histogram({
      name: 'fib_submit_duration_seconds',
      help: 'Time from receiving POST /api/values to its answer (log insert and enqueue included), by outcome',
      labelNames: ['outcome'],
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
      registers,
    });
    this.completed = new Counter({
      name: 'fib_tasks_completed_total',
      help: 'Tasks this worker process computed and stored',
      registers,
    });
    this.failed = new Counter({
      name: 'fib_tasks_failed_total',
      help: 'Worker invocations that failed in this process (the task was given back and counted as an attempt)',
      registers,
    });
    this.computeSeconds = new Histogram({
      name: 'fib_compute_duration_seconds',
      help: 'Time to compute F(n) and its stored form in this worker process',
      buckets: [0.0001, 0.0005, 0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 10],
      registers,
    });
    const countStreams = () => this.openStreams();
    new Gauge({
      name: 'fib_event_streams_open',
      help: 'GET /api/events streams open in this process',
      registers,
      collect() {
        this.set(countStreams());
      },
    });
  }

  /** Records one answer of POST /api/values. */
  observeSubmission(status: number, seconds: number): void {
    const outcome = submissionOutcome(status);
    this.submissions.inc({ outcome });
    this.submitSeconds.observe({ outcome }, seconds);
  }

  /** Records one computed task (`computeSeconds` of work) or one failed invocation. */
  observeTask(outcome: 'computed' | 'failed', computeSeconds?: number): void {
    if (outcome === 'failed') this.failed.inc();
    else this.completed.inc();
    if (computeSeconds !== undefined) this.computeSeconds.observe(computeSeconds);
  }

  /** Where `fib_event_streams_open` reads its figure. */
  countOpenStreams(count: () => number): void {
    this.openStreams = count;
  }

  /**
   * Adds the queue and Redis gauges (the api's), read from `source` when scraped: one read per
   * scrape for all of them, bounded by `timeoutMs`. When Redis does not answer in time the
   * gauges are left out of that scrape (no stale figure) and `fib_redis_up` is 0.
   */
  watchQueue(source: () => Promise<QueueSnapshot>, timeoutMs: number): void {
    if (this.queueSource) {
      this.queueSource = source;
      return;
    }
    this.queueSource = source;
    const read = (): Promise<QueueSnapshot | undefined> => {
      const now = Date.now();
      // All gauges of one scrape share a read; a scrape comes at most every few seconds.
      if (this.snapshot && now - this.snapshot.at < 500) return this.snapshot.value;
      const current = this.queueSource;
      const value = current ? withDeadline(current(), timeoutMs).catch(() => undefined) : Promise.resolve(undefined);
      this.snapshot = { at: now, value };
      return value;
    };
    const registers = [this.registry];
    const gauge = (name: string, help: string, pick: (s: QueueSnapshot | undefined) => number | undefined) =>
      new Gauge({
        name,
        help,
        registers,
        async collect() {
          this.reset();
          const value = pick(await read());
          if (value !== undefined) this.set(value);
        },
      });
    gauge('fib_redis_up', "Whether Redis answered this scrape's reads within the bound (1) or not (0)", (s) => (s ? 1 : 0));
    gauge('fib_queue_length', 'Entries in the tasks list (LLEN), what the KEDA redis trigger sees', (s) => s?.stats.queueLength);
    gauge('fib_tasks_queued', 'Indices queued and not yet claimed by a worker', (s) => s?.stats.queued);
    gauge('fib_tasks_leased', 'Indices claimed by a worker under a lease (being computed)', (s) => s?.stats.computing);
    gauge('fib_tasks_pending', 'Indices not finished: queued + leased', (s) => s?.stats.pending);
    gauge('fib_indices_done', 'Indices whose value was stored at least once (the computed bitmap)', (s) => s?.stats.done);
    gauge(
      'fib_indices_failed',
      'Indices given up on after MAX_ATTEMPTS attempts, expired leases and failed invocations together (status failed)',
      (s) => s?.stats.failed,
    );
    gauge('fib_workers_active', 'Workers with a heartbeat in the last 15 s', (s) => s?.stats.workers.active);
    gauge(
      'fib_leases_expired',
      'Leases that expired since the data began (Redis counter)',
      (s) => s?.stats.counters.leaseExpired,
    );
    gauge('fib_redis_memory_used_bytes', 'Redis master used_memory (INFO memory)', (s) => s?.memory?.usedBytes);
    gauge('fib_redis_memory_max_bytes', 'Redis master maxmemory, the budget (0: none)', (s) => s?.memory?.maxBytes);
    gauge(
      'fib_redis_evicted_keys',
      'Keys (values) Redis dropped under its cap since it started',
      (s) => s?.memory?.evictedValues,
    );
  }

  /** The Prometheus text exposition of every metric. */
  text(): Promise<string> {
    return this.registry.metrics();
  }
}

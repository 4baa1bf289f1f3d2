// The app's lifecycle: everything a Functions process opens is built once at start from the
// validated config, handed to every handler (they close over it), and closed on terminate
// (index.ts registers close() with app.hook.appTerminate; the local host calls it on SIGTERM).
import { setTimeout as sleep } from 'node:timers/promises';

import type { HttpRequest } from '@azure/functions';

import type { Config } from './config.js';
import { clientIdentity } from './fair-use/client-identity.js';
import { type FibonacciEngine, selectFibonacciEngine } from './fib/fibonacci-engine.js';
import { EventHub, type EventHubOptions } from './live/event-hub.js';
import { defaultStreamOptions, type EventStreamOptions } from './live/event-stream-options.js';
import { StallDetector, workerStallBoundMs } from './live/stall-detector.js';
import { StreamSlots } from './live/stream-slots.js';
import { WorkerInvocations } from './live/worker-invocations.js';
import { AppMetrics } from './observability/metrics.js';
import { createServices, type Services } from './services.js';

/**
 * How long the real host lets the Node worker shut down once it sends WorkerTerminate:
 * `WorkerConstants.WorkerTerminateGracePeriodInSeconds = 5` (Azure/azure-functions-host
 * src/WebJobs.Script/Workers/WorkerConstants.cs). `GrpcWorkerChannel.StopWorkerProcess`
 * (src/WebJobs.Script.Grpc/Channel/GrpcWorkerChannel.cs) sends it with that grace and waits that
 * long for the process to exit; then `WorkerProcess.Dispose`
 * (src/WebJobs.Script/Workers/ProcessManagement/WorkerProcess.cs) kills it. The worker runs the
 * appTerminate hooks and exits (Azure/azure-functions-nodejs-worker
 * src/eventHandlers/terminateWorker.ts), so the whole of index.ts's appTerminate must fit inside.
 */
export const workerTerminateGraceMs = 5_000;

/**
 * How long close() waits for the invocations in flight: the grace minus 2 s for what appTerminate
 * does after it (closing Redis clients and the pg pool, the metrics server, the trace flush).
 */
export const inFlightWaitMs = workerTerminateGraceMs - 2_000;

/** Where a function runs: the `api` Deployment (HTTP + timer) or the `worker` one (list trigger). */
export type RunsOn = 'api' | 'worker';

/** Everything the app owns in one process. */
export interface FunctionApp {
  readonly config: Readonly<Config>;
  readonly services: Services;
  /** The process's one live-event source for /api/events; started by its first subscriber. */
  readonly events: EventHub;
  /** Limits of each /api/events stream and client. */
  readonly eventStreams: Readonly<EventStreamOptions>;
  /** The open /api/events streams, by client (MAX_EVENT_STREAMS per process). */
  readonly streamSlots: StreamSlots;
  /** Which client a request comes from, for per-client limits. */
  readonly clientIdentity: ClientIdentity;
  /** The fib-worker invocations this process received. */
  readonly workerInvocations: WorkerInvocations;
  /** The worker-liveness verdicts' memory of the queue head. */
  readonly stallDetector: StallDetector;
  /**
   * The arithmetic FIB_ENGINE chose, built on first use: only the worker uses it (its start step
   * reads it, so FIB_ENGINE=gmp without a loadable binding stops the worker there), so the api
   * never loads the native GMP binding.
   */
  readonly fibonacci: FibonacciEngine;
  /** What this app records for Prometheus (served on METRICS_PORT by observability/expose-metrics.ts). */
  readonly metrics: AppMetrics;
  /** Aborted as shutdown begins: the worker starts no new task and gives back what it has not started. */
  readonly stopping: AbortSignal;
  /** Runs one invocation's work, which close() waits for (bounded) before closing the clients it uses. */
  track<T>(work: () => Promise<T>): Promise<T>;
  /**
   * Shuts down: stops taking work, waits for the invocations in flight (they give back what they
   * have not started, so this is at most one compute) for at most `inFlightWaitMs`, then closes
   * every stream, reader, timer, Redis client and the pg pool. Idempotent.
   */
  close(): Promise<void>;
}

/** Names the client of a request (the same identity as the fair-use budgets). */
export type ClientIdentity = (request: Pick<HttpRequest, 'headers'>) => string;

/** Options for {@link createFunctionApp}; tests shorten timings or bring their own services. */
export interface FunctionAppOptions {
  /** @defaultValue createServices(config, log) */
  services?: Services;
  log?: (message: string) => void;
  eventHub?: Partial<EventHubOptions>;
  eventStreams?: Partial<EventStreamOptions>;
  /** @defaultValue clientIdentity from fair-use/client-identity.ts, as the submission budgets use */
  clientIdentity?: ClientIdentity;
  /** @defaultValue selectFibonacciEngine(config.fibEngine), on first use */
  fibonacci?: FibonacciEngine;
  /** @defaultValue new AppMetrics(): a registry of this app's own, with prom-client's Node defaults */
  metrics?: AppMetrics;
  /**
   * Longest wait of close() for the invocations in flight (tests shorten it).
   * @defaultValue inFlightWaitMs (3000: the host's 5 s terminate grace minus a margin)
   */
  inFlightWaitMs?: number;
}

/** Builds the app for one validated configuration. Nothing connects until first used. */
export function createFunctionApp(config: Readonly<Config>, options: FunctionAppOptions = {}): FunctionApp {
  const services = options.services ?? createServices(config, options.log);
  let events: EventHub | undefined;
  let stallDetector: StallDetector | undefined;
  let metrics = options.metrics;
  let fibonacci = options.fibonacci;
  let closing: Promise<void> | undefined;
  const stopping = new AbortController();
  const inFlight = new Set<Promise<unknown>>();
  const eventStreams = Object.freeze({ ...defaultStreamOptions, ...options.eventStreams });
  const streamSlots = new StreamSlots({ maxStreams: config.maxEventStreams, perClient: eventStreams.maxStreamsPerClient });
  return {
    config,
    services,
    get events() {
      events ??= new EventHub(services, options.eventHub);
      return events;
    },
    eventStreams,
    streamSlots,
    clientIdentity: options.clientIdentity ?? clientIdentity,
    workerInvocations: new WorkerInvocations(),
    get stallDetector() {
      stallDetector ??= new StallDetector(workerStallBoundMs(config));
      return stallDetector;
    },
    get fibonacci() {
      fibonacci ??= selectFibonacciEngine(config.fibEngine);
      return fibonacci;
    },
    // Built on first use: an app that records nothing starts no default-metrics collectors.
    get metrics() {
      metrics ??= new AppMetrics();
      return metrics;
    },
    stopping: stopping.signal,
    track(work) {
      const running = work();
      const settled = running.catch(() => undefined);
      inFlight.add(settled);
      void settled.then(() => inFlight.delete(settled));
      return running;
    },
    close() {
      closing ??= (async () => {
        stopping.abort();
        // Bounded by the host's terminate grace (workerTerminateGraceMs), not by the lease: the
        // real host kills the worker 5 s after WorkerTerminate. What is held is at most
        // LEASE_MS / 4 of compute (the work budget) and the rest gives itself back at once, so a
        // compute still running past the wait is cut off when the clients close or the process is
        // killed: its task keeps its lease, which expires, and the queue-maintenance timer
        // requeues it (counted as leaseExpired).
        const wait = Math.min(options.inFlightWaitMs ?? inFlightWaitMs, config.leaseMs);
        await Promise.race([Promise.all(inFlight), sleep(wait, undefined, { ref: false })]);
        streamSlots.endAll();
        await events?.stop();
        await services.close();
      })();
      return closing;
    },
  };
}

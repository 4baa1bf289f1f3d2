// One trace from submit to stored value: with OTLP export on (the standard OTEL_* variables
// pointing at a local OTLP/HTTP receiver), one submission yields one connected trace holding
// the request, the log insert, the enqueue, and, continued by the worker from the trace context
// carried through Redis, the claim, the compute and the store. Once with the api and the worker
// in this process, once as two local-host processes (as on AKS: an api pod and a worker pod),
// where only Redis carries the context from one to the other.
import { randomBytes } from 'node:crypto';
import { createServer, type Server } from 'node:http';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { functionSelection, planFunctions } from '../../local/runtime/functions-processes.js';
import { type HostProcess, startHostProcess } from '../../local/test/support/host-process.js';
import { flushTracing, startTracing, stopTracing, tracingRequested } from '../src/observability/tracing.js';
import { startDatabase, type TestDatabase } from './support/database.js';
import { freePort, type RedisPair, startRedisPair } from './support/redis-pair.js';
import { eventually, stackEnv, startStack, type TestStack } from './support/stack.js';

interface ReceivedSpan {
  traceId: string;
  spanId: string;
  parentSpanId?: string;
  name: string;
  service: string;
  /** The exporting process, from its resource (`service.instance.id`, `process.pid`). */
  instance: string;
  pid: number;
}

type OtlpAttribute = { key: string; value: { stringValue?: string; intValue?: number | string } };

/** A tiny OTLP/HTTP (JSON) receiver: POST /v1/traces, spans kept in arrival order. */
async function startReceiver(): Promise<{ url: string; spans: ReceivedSpan[]; server: Server }> {
  const spans: ReceivedSpan[] = [];
  const server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      if (request.url === '/v1/traces') {
        const body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as {
          resourceSpans?: {
            resource?: { attributes?: OtlpAttribute[] };
            scopeSpans?: { spans?: Omit<ReceivedSpan, 'service' | 'instance' | 'pid'>[] }[];
          }[];
        };
        for (const resourceSpans of body.resourceSpans ?? []) {
          const attribute = (key: string) => resourceSpans.resource?.attributes?.find((a) => a.key === key)?.value;
          const service = attribute('service.name')?.stringValue ?? '';
          const instance = attribute('service.instance.id')?.stringValue ?? '';
          const pid = Number(attribute('process.pid')?.intValue ?? 0);
          for (const scope of resourceSpans.scopeSpans ?? [])
            for (const span of scope.spans ?? []) spans.push({ ...span, service, instance, pid });
        }
      }
      response.writeHead(200, { 'content-type': 'application/json' }).end('{}');
    });
  });
  const port = await freePort();
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${port}`, spans, server };
}

const request0 = (spans: ReceivedSpan[]) => spans[0]?.traceId ?? '';

describe('tracing a submission from the POST to the stored value', () => {
  let redis: RedisPair;
  let database: TestDatabase;
  let stack: TestStack;
  let receiver: Awaited<ReturnType<typeof startReceiver>>;

  beforeAll(async () => {
    receiver = await startReceiver();
    // Only the standard variables configure the export (protocol: OTLP/HTTP JSON).
    process.env.OTEL_EXPORTER_OTLP_ENDPOINT = receiver.url;
    process.env.OTEL_BSP_SCHEDULE_DELAY = '100';
    expect(startTracing({ serviceName: 'fib-test' })).toBe(true);
    [redis, database] = await Promise.all([startRedisPair(), startDatabase('pglite')]);
    stack = await startStack({ redis, database });
  }, 180_000);

  afterAll(async () => {
    await stack?.stop();
    await stopTracing();
    delete process.env.OTEL_EXPORTER_OTLP_ENDPOINT;
    delete process.env.OTEL_BSP_SCHEDULE_DELAY;
    await Promise.all([redis?.stop(), database?.stop()]);
    receiver?.server.close();
  });

  it('is off by default: without an OTLP endpoint, or with OTEL_SDK_DISABLED / another exporter', () => {
    expect(tracingRequested({})).toBe(false);
    expect(tracingRequested({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://c:4318', OTEL_SDK_DISABLED: 'true' })).toBe(false);
    expect(tracingRequested({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://c:4318', OTEL_TRACES_EXPORTER: 'none' })).toBe(false);
    expect(tracingRequested({ OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'http://c:4318/v1/traces' })).toBe(true);
  });

  it('yields one connected trace: request, log insert, enqueue, then the worker claim, compute and store', async () => {
    const traceparent = '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01';
    const answer = await stack.post('/api/values', JSON.stringify({ index: 4321 }), { ...stack.operator, traceparent });
    expect(answer.status).toBe(202);
    // The context waits in Redis for the worker.
    expect(await stack.redis.hget(stack.services.keys.traceparents, '4321')).toMatch(/^00-0af7651916cd43dd8448eb211c80319c-/);
    stack.startWorker();
    await eventually(
      async () => ((await stack.get('/api/values/4321')).json as { status: string }).status === 'done' || undefined,
      20_000,
      'F(4321) stored',
    );
    await stack.stopWorker();
    // Taken by the worker: nothing is left behind.
    expect(await stack.redis.hexists(stack.services.keys.traceparents, '4321')).toBe(0);

    const names = [
      'POST /api/values',
      'submissions.log',
      'queue.enqueue',
      'fib.task',
      'queue.claim',
      'fib.compute',
      'queue.store',
    ];
    const spans = await eventually(
      async () => {
        await flushTracing();
        const found = receiver.spans.filter((span) => span.traceId === '0af7651916cd43dd8448eb211c80319c');
        return names.every((name) => found.some((span) => span.name === name)) ? found : undefined;
      },
      20_000,
      `every span of the submission at the receiver (got ${receiver.spans.map((span) => span.name).join(', ')})`,
    );
    const byName = (name: string) => spans.find((span) => span.name === name)!;
    const ids = new Map(spans.map((span) => [span.spanId, span.name]));
    console.log(
      `trace ${request0(spans)}:\n${spans.map((span) => `  ${span.name} <- ${ids.get(span.parentSpanId ?? '') ?? span.parentSpanId ?? 'root'}`).join('\n')}`,
    );
    // One trace: it continues the caller's traceparent, and every span hangs from the request.
    const request = byName('POST /api/values');
    expect(request.parentSpanId).toBe('b7ad6b7169203331');
    expect(byName('submissions.log').parentSpanId).toBe(request.spanId);
    expect(byName('queue.enqueue').parentSpanId).toBe(request.spanId);
    expect(byName('fib.task').parentSpanId).toBe(request.spanId);
    for (const step of ['queue.claim', 'fib.compute', 'queue.store'])
      expect(byName(step).parentSpanId).toBe(byName('fib.task').spanId);
    expect(new Set(spans.map((span) => span.service))).toEqual(new Set(['fib-test']));
  }, 60_000);
});

describe('tracing a submission across two processes: the api and a worker, as on AKS', () => {
  let redis: RedisPair;
  let database: TestDatabase;
  let receiver: Awaited<ReturnType<typeof startReceiver>>;
  let api: HostProcess;
  let worker: HostProcess;

  beforeAll(async () => {
    receiver = await startReceiver();
    [redis, database] = await Promise.all([startRedisPair(), startDatabase('pglite')]);
    const prefix = `x${randomBytes(3).toString('hex')}:`;
    const env = {
      ...stackEnv({ redis, database, prefix }),
      // Only the standard variables turn export on, in each process (OTLP/HTTP JSON).
      OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url,
      OTEL_BSP_SCHEDULE_DELAY: '100',
    };
    // The api/worker split `npm start` makes, from each function's runsOn.
    const split = planFunctions(env);
    [api, worker] = await Promise.all([
      startHostProcess({ ...env, ...functionSelection(split.api) }, ['--quiet']),
      startHostProcess({ ...env, ...functionSelection(split.worker) }, ['--quiet']),
    ]);
  }, 180_000);

  afterAll(async () => {
    await Promise.all([api?.stop(), worker?.stop()]);
    await Promise.all([redis?.stop(), database?.stop()]);
    receiver?.server.close();
  });

  it('yields ONE trace whose api spans and worker spans come from the two processes, the worker continuing the request', async () => {
    const traceId = '4bf92f3577b34da6a3ce929d0e0e4736';
    const answer = await fetch(`${api.baseUrl}/api/values`, {
      method: 'POST',
      body: JSON.stringify({ index: 5432 }),
      headers: { 'content-type': 'application/json', traceparent: `00-${traceId}-00f067aa0ba902b7-01` },
    });
    expect(answer.status).toBe(202);
    await eventually(
      async () => ((await api.get('/api/values/5432')).json as { status: string }).status === 'done' || undefined,
      30_000,
      'F(5432) stored by the worker process',
    );

    const apiSpans = ['POST /api/values', 'submissions.log', 'queue.enqueue'];
    const workerSpans = ['fib.task', 'queue.claim', 'fib.compute', 'queue.store'];
    // Each process exports on its own schedule (100 ms batches).
    const spans = await eventually(
      () => {
        const names = receiver.spans.map((span) => span.name);
        const all = [...apiSpans, ...workerSpans].every((name) => names.includes(name));
        return Promise.resolve(all ? [...receiver.spans] : undefined);
      },
      20_000,
      `every span of the submission at the receiver (got ${receiver.spans.map((span) => span.name).join(', ')})`,
    );
    const ids = new Map(spans.map((span) => [span.spanId, span]));
    console.log(
      `trace ${traceId} across processes:\n${spans
        .map(
          (span) =>
            `  [${span.service} pid ${span.pid}] ${span.name} <- ${ids.get(span.parentSpanId ?? '')?.name ?? span.parentSpanId ?? 'root'}`,
        )
        .join('\n')}`,
    );

    // One submission, one trace: every span the two processes sent belongs to the caller's trace.
    expect(new Set(spans.map((span) => span.traceId))).toEqual(new Set([traceId]));
    // From two processes: the api's spans from the api host, the worker's from the worker host.
    const byName = (name: string) => spans.find((span) => span.name === name)!;
    for (const name of apiSpans) expect(byName(name), name).toMatchObject({ service: 'fib-api', pid: api.pid });
    for (const name of workerSpans) expect(byName(name), name).toMatchObject({ service: 'fib-worker', pid: worker.pid });
    expect(api.pid).not.toBe(worker.pid);
    expect(new Set(spans.map((span) => span.instance)).size).toBe(2);
    // Connected: the request continues the caller, the worker's task hangs from the request
    // (its context came through Redis), and every other span's parent is in the trace.
    const request = byName('POST /api/values');
    expect(request.parentSpanId).toBe('00f067aa0ba902b7');
    expect(byName('fib.task').parentSpanId).toBe(request.spanId);
    for (const step of ['queue.claim', 'fib.compute', 'queue.store'])
      expect(byName(step).parentSpanId).toBe(byName('fib.task').spanId);
    for (const span of spans.filter((candidate) => candidate !== request))
      expect(ids.has(span.parentSpanId ?? ''), `${span.name}'s parent is in the trace`).toBe(true);
  }, 90_000);
});

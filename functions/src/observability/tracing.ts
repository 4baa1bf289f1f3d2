// OpenTelemetry traces: off unless the standard OTEL_* variables ask for OTLP export. The W3C
// trace context of a POST travels with its task through Redis (./trace-carrier.ts), so one trace
// holds the request, the log insert, the enqueue, the claim, the compute and the store.
import { randomUUID } from 'node:crypto';

import {
  type Attributes,
  type Context,
  context,
  propagation,
  type Span,
  SpanKind,
  SpanStatusCode,
  trace,
} from '@opentelemetry/api';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { BatchSpanProcessor, NodeTracerProvider } from '@opentelemetry/sdk-trace-node';

import { errorMessage } from '../errors.js';

const tracer = trace.getTracer('fib-calculator');
let provider: NodeTracerProvider | undefined;

/**
 * Whether the OTEL_* variables turn export on: OTLP is chosen (`OTEL_TRACES_EXPORTER` unset or
 * `otlp`) and an endpoint is set (`OTEL_EXPORTER_OTLP_ENDPOINT` or `..._TRACES_ENDPOINT`), and
 * the SDK is not disabled (`OTEL_SDK_DISABLED=true`). Off by default.
 */
export function tracingRequested(env: NodeJS.ProcessEnv = process.env): boolean {
  if (env.OTEL_SDK_DISABLED === 'true') return false;
  const exporters = (env.OTEL_TRACES_EXPORTER ?? 'otlp').split(',').map((name) => name.trim());
  if (!exporters.includes('otlp')) return false;
  return Boolean(env.OTEL_EXPORTER_OTLP_ENDPOINT || env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT);
}

/** Whether this process exports traces (so the trace context is worth carrying through Redis). */
export function tracingEnabled(): boolean {
  return provider !== undefined;
}

/**
 * Registers the tracer provider with an OTLP/HTTP exporter configured by the OTEL_* variables
 * (endpoint, headers, timeout, batch delays), when {@link tracingRequested}. Idempotent. The
 * resource names the service and this process (`service.instance.id`, new at each start, and
 * `process.pid`), so the api's and the worker's spans of one trace tell their replicas apart.
 */
export function startTracing(options: { serviceName: string; env?: NodeJS.ProcessEnv }): boolean {
  if (provider) return true;
  const env = options.env ?? process.env;
  if (!tracingRequested(env)) return false;
  provider = new NodeTracerProvider({
    resource: resourceFromAttributes({
      'service.name': env.OTEL_SERVICE_NAME || options.serviceName,
      'service.instance.id': randomUUID(),
      'process.pid': process.pid,
    }),
    spanProcessors: [new BatchSpanProcessor(new OTLPTraceExporter())],
  });
  // W3C trace context and AsyncLocalStorage context, the SDK's defaults.
  provider.register();
  return true;
}

/** Sends what is buffered and stops exporting (shutdown). */
export async function stopTracing(): Promise<void> {
  const current = provider;
  provider = undefined;
  await current?.shutdown().catch(() => undefined);
}

/** Sends every finished span now (tests). */
export async function flushTracing(): Promise<void> {
  await provider?.forceFlush();
}

/** Runs `fn` in a new span (child of the active one, or of `parent`), ending it when `fn` settles. */
export async function inSpan<T>(
  name: string,
  options: { kind?: SpanKind; attributes?: Attributes; parent?: Context },
  fn: (span: Span) => Promise<T>,
): Promise<T> {
  const parent = options.parent ?? context.active();
  return tracer.startActiveSpan(
    name,
    { kind: options.kind ?? SpanKind.INTERNAL, attributes: options.attributes ?? {} },
    parent,
    async (span) => {
      try {
        return await fn(span);
      } catch (error) {
        span.recordException(error instanceof Error ? error : errorMessage(error));
        span.setStatus({ code: SpanStatusCode.ERROR });
        throw error;
      } finally {
        span.end();
      }
    },
  );
}

/** The W3C `traceparent` of the active span, or undefined when none is recording. */
export function activeTraceparent(): string | undefined {
  const carrier: Record<string, string> = {};
  propagation.inject(context.active(), carrier);
  return carrier.traceparent;
}

/** The context a `traceparent` (and `tracestate`) names, for a span that continues it. */
export function contextFrom(headers: { traceparent?: string | null; tracestate?: string | null }): Context {
  const carrier: Record<string, string> = {};
  if (headers.traceparent) carrier.traceparent = headers.traceparent;
  if (headers.tracestate) carrier.tracestate = headers.tracestate;
  return propagation.extract(context.active(), carrier);
}

/** `message` with the active trace id appended (` trace_id=<32 hex>`), so log lines join their trace. */
export function withTraceId(message: string): string {
  const spanContext = trace.getActiveSpan()?.spanContext();
  return spanContext && trace.isSpanContextValid(spanContext) ? `${message} trace_id=${spanContext.traceId}` : message;
}

export { SpanKind };

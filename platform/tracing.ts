/**
 * OpenTelemetry traces, so an operator can follow one hand-off from the client's mutation through the gateway, the
 * subgraphs, the database, the outbox, the bus, the consumers, the delivery workers and the bridge's call to the desk.
 *
 * Off unless configured by the standard variables: `OTEL_TRACES_EXPORTER=otlp` (or `console`), or an
 * `OTEL_EXPORTER_OTLP_ENDPOINT` / `OTEL_EXPORTER_OTLP_TRACES_ENDPOINT`; `OTEL_TRACES_EXPORTER=none` or
 * `OTEL_SDK_DISABLED=true` keep it off. The exporter, sampler (`OTEL_TRACES_SAMPLER`, default parent-based always-on),
 * batching (`OTEL_BSP_*`) and resource (`OTEL_SERVICE_NAME`, `OTEL_RESOURCE_ATTRIBUTES`) read their own variables.
 * Off, nothing is loaded or registered: `@opentelemetry/api` hands out no-op spans (which is also how the spans
 * `@apollo/gateway` emits cost nothing), and the helpers below return before touching it.
 *
 * What crosses a hop that is not a call: a W3C `traceparent` (and `tracestate`) recorded with the outbox row, the bus
 * event and the delivery row, continued by the span that picks it up. Spans carry ids, types and states — never a
 * case's text, an MPAN, a token or a query's values (pg spans hold the parameterised statement only).
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import {
  type Attributes,
  type Context,
  context,
  DiagLogLevel,
  diag,
  propagation,
  ROOT_CONTEXT,
  type Span,
  SpanKind,
  SpanStatusCode,
  trace,
} from '@opentelemetry/api';
import type { SpanProcessor } from '@opentelemetry/sdk-trace-base';
import type { ExchangeEvent } from './events';
import { logger } from './logger';
import { withCorrelation } from './correlation';

/** How long a shutdown waits for the last spans to be exported. */
const STOP_GRACE_MS = 3000;

export { type Span, SpanKind } from '@opentelemetry/api';

/** A W3C trace context as it is stored with an outbox row, a bus event or a delivery. */
export interface TraceHeaders {
  traceparent?: string;
  tracestate?: string;
}

/** Asked for each span, not kept: a provider registered after this module loaded (or again, by a test) is the one used. */
const tracer = () => trace.getTracer('cpsd');
let running: { shutdown(): Promise<void> } | null = null;
let unregister: (() => void) | null = null;

/** Whether spans are being recorded in this process (the helpers below are no-ops when not). */
export function tracingEnabled(): boolean {
  return running !== null;
}

/** The exporters the environment asks for (empty: tracing off). */
export function traceExporters(env: NodeJS.ProcessEnv = process.env): ('otlp' | 'console')[] {
  if (env.OTEL_SDK_DISABLED?.trim().toLowerCase() === 'true') return [];
  const named = (env.OTEL_TRACES_EXPORTER ?? '')
    .split(',')
    .map((name) => name.trim().toLowerCase())
    .filter(Boolean);
  if (named.includes('none')) return [];
  if (!named.length) return env.OTEL_EXPORTER_OTLP_ENDPOINT || env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT ? ['otlp'] : [];
  const unknown = named.filter((name) => name !== 'otlp' && name !== 'console');
  if (unknown.length) throw new Error(`OTEL_TRACES_EXPORTER: unknown exporter(s) ${unknown.join(', ')} (otlp, console or none)`);
  return named as ('otlp' | 'console')[];
}

export interface StartTracingOptions {
  /** `service.name` unless OTEL_SERVICE_NAME says otherwise (e.g. `cpsd-gateway`). */
  service: string;
  env?: NodeJS.ProcessEnv;
  /** Instead of the environment's exporters (tests: an in-memory exporter). */
  spanProcessors?: SpanProcessor[];
}

/**
 * Registers a tracer provider, the W3C propagator and the undici and pg instrumentations, when the environment (or
 * `spanProcessors`) asks for traces; otherwise does nothing. Call it first, before the product loads `pg`: the pg
 * instrumentation patches the module as it is required. Idempotent.
 */
export async function startTracing(options: StartTracingOptions): Promise<boolean> {
  if (running) return true;
  const env = options.env ?? process.env;
  const exporters = options.spanProcessors ? [] : traceExporters(env);
  if (!options.spanProcessors?.length && !exporters.length) return false;
  const [{ NodeTracerProvider }, base, resources, semconv, { registerInstrumentations }, { UndiciInstrumentation }, { PgInstrumentation }] = await Promise.all([
    import('@opentelemetry/sdk-trace-node'),
    import('@opentelemetry/sdk-trace-base'),
    import('@opentelemetry/resources'),
    import('@opentelemetry/semantic-conventions'),
    import('@opentelemetry/instrumentation'),
    import('@opentelemetry/instrumentation-undici'),
    import('@opentelemetry/instrumentation-pg'),
  ]);
  const processors = [...(options.spanProcessors ?? [])];
  for (const exporter of exporters) {
    if (exporter === 'console') processors.push(new base.BatchSpanProcessor(new base.ConsoleSpanExporter()));
    else {
      const { OTLPTraceExporter } = await import('@opentelemetry/exporter-trace-otlp-http');
      processors.push(new base.BatchSpanProcessor(new OTLPTraceExporter()));
    }
  }
  // OTEL_SERVICE_NAME and OTEL_RESOURCE_ATTRIBUTES (the env detector) win over the service's own name.
  const resource = resources
    .defaultResource()
    .merge(resources.resourceFromAttributes({ [semconv.ATTR_SERVICE_NAME]: options.service }))
    .merge(resources.detectResources({ detectors: [resources.envDetector] }));
  // The SDK's own troubles (an exporter that cannot reach its collector) reach the log, once per occurrence.
  const sdkLog = logger.child({ component: 'opentelemetry' });
  const noop = (): void => undefined;
  diag.setLogger(
    { error: (message) => sdkLog.warn(`traces: ${message}`), warn: (message) => sdkLog.warn(`traces: ${message}`), info: noop, debug: noop, verbose: noop },
    DiagLogLevel.WARN,
  );
  const provider = new NodeTracerProvider({ resource, spanProcessors: processors });
  provider.register();
  unregister = registerInstrumentations({
    tracerProvider: provider,
    instrumentations: [
      // Outbound HTTP: the gateway's subgraph pools, the bridges' webhook and TMF621 calls, the adapters' API calls.
      new UndiciInstrumentation({
        requireParentforSpans: true,
        // A desk's URL may carry a credential in its query: the span keeps the origin and path only.
        startSpanHook: (request) => {
          const path = request.path.split('?', 1)[0] ?? '';
          return { [semconv.ATTR_URL_FULL]: `${request.origin}${path}`, [semconv.ATTR_URL_QUERY]: '' };
        },
      }),
      // Statements without values; only inside a traced operation (the relays', consumers' and workers' polling is not one).
      new PgInstrumentation({ requireParentSpan: true, enhancedDatabaseReporting: false }),
    ],
  });
  running = provider;
  return true;
}

/** Flushes and stops the tracer provider (registered with the lifecycle by the CLI, so spans of a shutdown are sent). */
export async function stopTracing(): Promise<void> {
  const provider = running;
  if (!provider) return;
  running = null;
  unregister?.();
  unregister = null;
  // An unreachable collector must not hold a shutdown up (the exporter retries for its OTEL_EXPORTER_OTLP_TIMEOUT).
  let timer: NodeJS.Timeout | undefined;
  const flushed = await Promise.race([
    provider.shutdown().then(
      () => true,
      (error: unknown) => {
        logger.warn({ err: error }, 'traces: the last spans could not be exported');
        return true;
      },
    ),
    new Promise<false>((resolve) => {
      timer = setTimeout(() => resolve(false), STOP_GRACE_MS);
    }),
  ]);
  clearTimeout(timer);
  if (!flushed) logger.warn({ graceMs: STOP_GRACE_MS }, 'traces: gave up exporting the last spans');
  trace.disable();
  context.disable();
  propagation.disable();
  diag.disable();
}

/** The active span's context as W3C headers, to record with an outbox row or a delivery; empty when tracing is off. */
export function activeTraceHeaders(): TraceHeaders {
  if (!running) return {};
  const carrier: Record<string, string> = {};
  propagation.inject(context.active(), carrier);
  return {
    ...(carrier.traceparent ? { traceparent: carrier.traceparent } : {}),
    ...(carrier.tracestate ? { tracestate: carrier.tracestate } : {}),
  };
}

/** The context recorded by `activeTraceHeaders` (the root context when there is none). */
export function contextFrom(headers: { traceparent?: string | null; tracestate?: string | null }): Context {
  if (!headers.traceparent) return ROOT_CONTEXT;
  return propagation.extract(ROOT_CONTEXT, { traceparent: headers.traceparent, ...(headers.tracestate ? { tracestate: headers.tracestate } : {}) });
}

export interface SpanOptions {
  kind?: SpanKind;
  attributes?: Attributes;
  /** The parent; default the active context. */
  parent?: Context;
}

/**
 * Runs `work` in a new active span, ended when it settles; a throw marks it failed by the error's type only (its
 * message may quote what a client sent). With tracing off, runs `work` with no span.
 */
export function inSpan<T>(name: string, options: SpanOptions, work: (span: Span | undefined) => Promise<T>): Promise<T> {
  if (!running) return work(undefined);
  return tracer().startActiveSpan(
    name,
    { kind: options.kind ?? SpanKind.INTERNAL, attributes: options.attributes ?? {} },
    options.parent ?? context.active(),
    async (span) => {
      try {
        return await work(span);
      } catch (error) {
        failed(span, error);
        throw error;
      } finally {
        span.end();
      }
    },
  );
}

function failed(span: Span, error: unknown): void {
  span.setStatus({ code: SpanStatusCode.ERROR });
  span.setAttribute('error.type', error instanceof Error ? error.name || 'Error' : typeof error);
}

/**
 * The server span of one request to an HTTP front (gateway or subgraph), continuing the caller's `traceparent`. The
 * name is the route, never the raw URL (no query string, no ids in paths); `cpsd.service` tells the fronts apart when
 * one process runs them all (`npm start`).
 */
export function inServerSpan(service: string, req: IncomingMessage, res: ServerResponse, route: string, work: () => Promise<void>): Promise<void> {
  if (!running) return work();
  const method = req.method ?? 'GET';
  const parent = propagation.extract(ROOT_CONTEXT, req.headers);
  return inSpan(
    `${method} ${route}`,
    { kind: SpanKind.SERVER, parent, attributes: { 'http.request.method': method, 'http.route': route, 'url.path': route, 'cpsd.service': service } },
    async (span) => {
      try {
        await work();
      } finally {
        span?.setAttribute('http.response.status_code', res.statusCode);
        if (res.statusCode >= 500) span?.setStatus({ code: SpanStatusCode.ERROR });
      }
    },
  );
}

/**
 * Producer spans for a batch the outbox relay is about to publish: each a child of the context its writer recorded,
 * and each event leaves carrying its producer span's context, which the consumer continues. `end` closes them.
 */
export function publishSpans(events: ExchangeEvent[], source: string): { events: ExchangeEvent[]; end(error?: unknown): void } {
  if (!running) return { events, end: () => undefined };
  const spans: Span[] = [];
  const published = events.map((event) => {
    const span = tracer().startSpan(
      `publish ${event.type}`,
      {
        kind: SpanKind.PRODUCER,
        attributes: {
          'messaging.operation.type': 'send',
          'messaging.destination.name': event.type,
          'messaging.message.id': event.id,
          'cpsd.outbox': source,
        },
      },
      contextFrom(event),
    );
    spans.push(span);
    const carrier: Record<string, string> = {};
    propagation.inject(trace.setSpan(ROOT_CONTEXT, span), carrier);
    const { traceparent: _traceparent, tracestate: _tracestate, ...rest } = event;
    return { ...rest, ...(carrier.traceparent ? { traceparent: carrier.traceparent } : {}), ...(carrier.tracestate ? { tracestate: carrier.tracestate } : {}) };
  });
  return {
    events: published,
    end: (error?: unknown) => {
      for (const span of spans) {
        if (error !== undefined) failed(span, error);
        span.end();
      }
    },
  };
}

/** The consumer span of one event handled by a durable consumer: a child of the event's producer span. */
export function inConsumerSpan<T>(consumer: string, event: ExchangeEvent & { sequence?: string }, work: () => Promise<T>): Promise<T> {
  // The event's id is the correlation id of everything its handling logs, with tracing on or off.
  if (!running) return withCorrelation(event.id, work);
  return withCorrelation(event.id, () => inSpanOfEvent(consumer, event, work));
}

function inSpanOfEvent<T>(consumer: string, event: ExchangeEvent & { sequence?: string }, work: () => Promise<T>): Promise<T> {
  return inSpan(
    `process ${event.type}`,
    {
      kind: SpanKind.CONSUMER,
      parent: contextFrom(event),
      attributes: {
        'messaging.operation.type': 'process',
        'messaging.consumer.group.name': consumer,
        'messaging.destination.name': event.type,
        'messaging.message.id': event.id,
        ...(event.sequence ? { 'cpsd.bus.sequence': event.sequence } : {}),
      },
    },
    () => work(),
  );
}

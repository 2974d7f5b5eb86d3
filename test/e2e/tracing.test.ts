/**
 * Traces an operator can follow: "we never got that hand-off" becomes one trace, from the client's mutation through
 * the gateway, the subgraph and its database, the outbox, the bus, the party's consumer, the delivery intake, the
 * worker's attempt and the bridge's webhook call — which reaches the desk carrying a traceparent of that trace. With
 * tracing off (the default) nothing is recorded, no event carries a trace context and the desk gets no traceparent.
 *
 * The product runs in this process, so the in-memory exporter is registered before the traced product starts (the pg
 * instrumentation patches the module as TypeORM requires it); the untraced product runs first, before anything is.
 */
import { randomBytes } from 'node:crypto';
import { InMemorySpanExporter, type ReadableSpan, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DeliveredEvent } from '../../platform/events';
import { captureLogs, type CapturedLogs } from '../../platform/logger';
import { startTracing, stopTracing, tracingEnabled } from '../../platform/tracing';
import { devWebhookSecret } from '../../adapters/webhook/bridge';
import { makeMpan } from '../../schema/mpan';
import { BUSES, type Bus, busEnv, callers, signIn, startTestProduct, waitFor, type Claims, type TestProduct } from './harness';
import { startWebhookReceiver, type ReceivedWebhook, type WebhookReceiver } from './support/webhook-receiver';

const DESK = 'gridlink-dcp-desk';
const HOOK = '/hooks/gridlink';
const MPAN = makeMpan('12', '0002330596');
const PEOPLE: Record<string, Claims> = {
  supplier: { sub: 'sally@britishgas.example', org: 'british-gas', roles: ['participant'] },
  elexonAgent: { sub: 'eve@elexon.example', org: 'elexon', roles: ['participant', 'desk_agent'], desks: ['elexon-service-desk'] },
};

let t: TestProduct;
let receiver: WebhookReceiver;
const tokens: Record<string, string> = {};
const { ok } = callers(() => t, tokens);

async function startProduct(bus: Bus): Promise<void> {
  t = await startTestProduct({
    ...busEnv(bus),
    DELIVERY_WORKERS: '1',
    DELIVERY_POLL_MS: '100',
    DELIVERY_BACKOFF_BASE_MS: '50',
    DELIVERY_BACKOFF_CAP_MS: '200',
  });
  await signIn(t, PEOPLE, tokens);
  const partners = t.product.subgraphs.find((s) => s.name === 'partners')!.db;
  await partners.query(`UPDATE partners.desk_profiles SET contact_kind = 'WEBHOOK', contact_address = $2, bridge_config = '{}'::jsonb WHERE desk_id = $1`, [
    DESK,
    receiver.url(HOOK),
  ]);
}

const db = (name: string) => t.product.subgraphs.find((s) => s.name === name)!.db;

/**
 * Raises and triages a case (MPAN in its subject), then hands it off to the webhook desk with the client's own
 * `traceparent` when given; resolves once the desk's receiver has the ticket.
 */
async function handOff(traceparent?: string): Promise<{ caseId: string; handoffId: string; webhook: ReceivedWebhook }> {
  const raised = await ok<{ raiseCase: { id: string } }>('supplier', 'mutation($input: RaiseCaseInput!) { raiseCase(input: $input) { id } }', {
    input: {
      deskId: 'elexon-service-desk',
      category: 'MARKET_SYSTEMS',
      subject: `Readings rejected for ${MPAN}`,
      description: `Every reading for MPAN ${MPAN} is rejected.`,
      evidence: { mpans: [MPAN] },
    },
  });
  const caseId = raised.raiseCase.id;
  await ok('elexonAgent', 'mutation($input: TriageCaseInput!) { triageCase(input: $input) { id } }', {
    input: { caseId, type: 'INCIDENT', impact: 'MEDIUM', urgency: 'HIGH' },
  });
  const handed = await t.graphql<{ handOffCase: { handoffs: { id: string; toDesk: { id: string } }[] } }>(
    'mutation($input: HandOffCaseInput!) { handOffCase(input: $input) { handoffs { id toDesk { id } } } }',
    {
      token: tokens.elexonAgent,
      variables: { input: { caseId, toDeskId: DESK, reason: `Their adaptor drops a field for ${MPAN}` } },
      ...(traceparent ? { headers: { traceparent } } : {}),
    },
  );
  expect(handed.errors).toBeUndefined();
  const handoffId = handed.data!.handOffCase.handoffs.find((h) => h.toDesk.id === DESK)!.id;
  const webhook = await waitFor(
    () => receiver.requests.find((r) => r.path === HOOK && r.payload?.data.handoffId === handoffId && r.payload.type === 'ticket.opened'),
    `the ticket of hand-off ${handoffId} at the desk's receiver`,
    20_000,
  );
  return { caseId, handoffId, webhook };
}

beforeAll(async () => {
  receiver = await startWebhookReceiver({ secretFor: () => devWebhookSecret(DESK) });
});

// Each describe stops its own product.
afterAll(async () => {
  await receiver?.close();
  await stopTracing();
});

describe('with tracing off (no OTEL_* variables)', () => {
  let logs: CapturedLogs;

  beforeAll(async () => {
    // What the CLI does first: the environment asks for no exporter, so nothing is registered.
    expect(await startTracing({ service: 'cpsd-e2e', env: {} })).toBe(false);
    expect(await startTracing({ service: 'cpsd-e2e', env: { OTEL_TRACES_EXPORTER: 'none', OTEL_EXPORTER_OTLP_ENDPOINT: 'http://127.0.0.1:1' } })).toBe(false);
    expect(tracingEnabled()).toBe(false);
    // Before the product starts: its child loggers take the level they are made with.
    logs = captureLogs('debug');
    await startProduct('postgres');
  });

  afterAll(async () => {
    logs?.stop();
    await t?.stop();
  });

  it('records nothing: no trace context on the outbox rows, the bus events or the delivery, none sent to the desk, none in the logs', async () => {
    const { caseId, handoffId, webhook } = await handOff();

    // The desk's request has no trace header of ours (nothing injected it).
    expect(webhook.headers.traceparent).toBeUndefined();
    const outbox = (await db('elexon').query(`SELECT traceparent, tracestate FROM elexon.outbox WHERE case_id = $1`, [caseId])) as { traceparent: null }[];
    expect(outbox.length).toBeGreaterThan(0);
    expect(outbox.every((row) => row.traceparent === null)).toBe(true);
    const events = (await db('elexon').query(`SELECT type, traceparent, tracestate FROM cpsd_bus.events WHERE case_id = $1`, [caseId])) as {
      type: string;
      traceparent: null;
    }[];
    expect(events.map((e) => e.type)).toEqual(expect.arrayContaining(['handoff.created', 'ticket.opened']));
    expect(events.every((e) => e.traceparent === null)).toBe(true);
    const delivered = await busEvent(caseId, 'ticket.opened');
    expect(delivered).toBeDefined();
    expect(delivered).not.toHaveProperty('traceparent');
    expect(delivered).not.toHaveProperty('tracestate');
    const [delivery] = (await db('delivery').query(`SELECT traceparent FROM delivery.deliveries WHERE handoff_id = $1`, [handoffId])) as {
      traceparent: null;
    }[];
    expect(delivery).toEqual({ traceparent: null });
    expect(logs.text()).not.toContain('"trace_id"');
  });
});

/** What the bus hands a consumer: the envelope as stored (PostgreSQL columns, or the NATS message's JSON). */
async function busEvent(caseId: string, type: string): Promise<DeliveredEvent | undefined> {
  const events = await t.product.bus.readAfter(null, 10_000, [type]);
  return events.find((e) => e.caseId === caseId);
}

const exporter = new InMemorySpanExporter();

describe.each(BUSES)('with tracing on, on the %s bus: one hand-off, one trace', (bus) => {
  const clientTraceId = randomBytes(16).toString('hex');
  const clientSpanId = randomBytes(8).toString('hex');
  let logs: CapturedLogs;
  let handoff: Awaited<ReturnType<typeof handOff>>;
  let spans: ReadableSpan[];

  const byId = (): Map<string, ReadableSpan> => new Map(spans.map((s) => [s.spanContext().spanId, s]));
  const parentOf = (span: ReadableSpan): ReadableSpan | undefined => (span.parentSpanContext ? byId().get(span.parentSpanContext.spanId) : undefined);
  /** Whether `ancestor` is `span`'s parent, grandparent… */
  const descends = (span: ReadableSpan, ancestor: ReadableSpan): boolean => {
    for (let at = parentOf(span); at; at = parentOf(at)) if (at === ancestor) return true;
    return false;
  };
  const one = (what: string, match: (s: ReadableSpan) => boolean): ReadableSpan => {
    const found = spans.filter(match);
    expect(found, what).toHaveLength(1);
    return found[0]!;
  };

  beforeAll(async () => {
    expect(await startTracing({ service: 'cpsd-e2e', spanProcessors: [new SimpleSpanProcessor(exporter)] })).toBe(true);
    logs = captureLogs('debug');
    await startProduct(bus);
    handoff = await handOff(`00-${clientTraceId}-${clientSpanId}-01`);
    // The attempt's span ends once its outcome is written, just after the receiver answered.
    spans = await waitFor(
      () => {
        const ours = exporter.getFinishedSpans().filter((s) => s.spanContext().traceId === clientTraceId);
        return ours.some((s) => s.name === 'delivery attempt') ? ours : null;
      },
      'the delivery attempt span',
      10_000,
    );
  });

  afterAll(async () => {
    logs?.stop();
    await t?.stop();
  });

  it('continues the client’s traceparent from the gateway to the subgraph and its database', () => {
    const gateway = one('the gateway server span', (s) => s.name === 'POST /graphql' && s.attributes['cpsd.service'] === 'gateway');
    expect(gateway.parentSpanContext?.spanId).toBe(clientSpanId);
    expect(gateway.parentSpanContext?.isRemote).toBe(true);
    // @apollo/gateway's own spans, through the registered provider.
    const request = one('gateway.request', (s) => s.name === 'gateway.request');
    expect(descends(request, gateway)).toBe(true);
    const fetch = spans.find((s) => s.name === 'gateway.fetch' && descends(s, request));
    expect(fetch).toBeDefined();
    // The subgraph's server span continues the undici client span of the gateway's fetch (traceparent over HTTP).
    const elexon = one('the elexon server span', (s) => s.name === 'POST /graphql' && s.attributes['cpsd.service'] === 'elexon');
    const call = parentOf(elexon)!;
    expect(call.name).toBe('POST');
    expect(descends(call, fetch!)).toBe(true);
    // The mutation's statements, as statements (no values).
    const statements = spans.filter((s) => s.name.startsWith('pg.query') && descends(s, elexon));
    expect(statements.length).toBeGreaterThan(0);
    expect(statements.some((s) => String(s.attributes['db.query.text']).includes('outbox'))).toBe(true);
  });

  it('follows the event through the outbox, the bus, the party’s consumer, the delivery intake and the attempt to the desk’s receiver', async () => {
    const elexon = one('the elexon server span', (s) => s.name === 'POST /graphql' && s.attributes['cpsd.service'] === 'elexon');
    // The outbox row holds the mutation's context; the relay publishes it in a producer span of the same trace.
    const [row] = (await db('elexon').query(`SELECT traceparent FROM elexon.outbox WHERE case_id = $1 AND type = 'handoff.created'`, [handoff.caseId])) as {
      traceparent: string;
    }[];
    expect(row?.traceparent).toMatch(new RegExp(`^00-${clientTraceId}-[0-9a-f]{16}-01$`));
    const created = one('publish handoff.created', (s) => s.name === 'publish handoff.created');
    expect(descends(created, elexon)).toBe(true);
    // The party subgraph consumes it (a child span), opens its ticket and writes ticket.opened in that span.
    const partners = one(
      'the partners consumer',
      (s) => s.name === 'process handoff.created' && s.attributes['messaging.consumer.group.name'] === 'partners:external-tickets',
    );
    expect(parentOf(partners)).toBe(created);
    const opened = one('publish ticket.opened', (s) => s.name === 'publish ticket.opened');
    expect(descends(opened, partners)).toBe(true);
    // The bus event carries the producer's context on.
    const event = await busEvent(handoff.caseId, 'ticket.opened');
    expect(event?.traceparent).toBe(`00-${clientTraceId}-${opened.spanContext().spanId}-01`);
    const consumer = one(
      'the intake consumer',
      (s) => s.name === 'process ticket.opened' && s.attributes['messaging.consumer.group.name'] === 'delivery:intake',
    );
    expect(parentOf(consumer)).toBe(opened);
    const intake = one('delivery intake', (s) => s.name === 'delivery intake');
    expect(parentOf(intake)).toBe(consumer);
    expect(spans.some((s) => s.name.startsWith('pg.query') && parentOf(s) === intake)).toBe(true);
    // The attempt, made later by a worker, continues the intake's context kept with the delivery.
    const attempt = one('delivery attempt', (s) => s.name === 'delivery attempt');
    expect(parentOf(attempt)).toBe(intake);
    expect(attempt.attributes['cpsd.delivery.outcome']).toBe('DELIVERED');
    expect(attempt.attributes['cpsd.delivery.id']).toBe(handoff.webhook.webhookId);
    // The bridge's call is the attempt's client span, and the desk received its traceparent.
    const call = one('the webhook call', (s) => s.name === 'POST' && parentOf(s) === attempt);
    expect(call.attributes['url.full']).toBe(receiver.url(HOOK));
    expect(call.attributes['http.response.status_code']).toBe(200);
    expect(handoff.webhook.headers.traceparent).toBe(`00-${clientTraceId}-${call.spanContext().spanId}-01`);
    expect(handoff.webhook.verified).toBe(true);
  });

  it('puts no case text, MPAN or token in any span', () => {
    const recorded = JSON.stringify(spans.map((s) => ({ name: s.name, attributes: s.attributes, events: s.events })));
    expect(recorded).not.toContain(MPAN);
    expect(recorded).not.toContain('Readings rejected');
    expect(recorded).not.toContain('drops a field');
    expect(recorded).not.toContain(tokens.elexonAgent!);
    expect(recorded).not.toMatch(/x-cpsd-identity|authorization/i);
  });

  it('writes the trace and span ids on the log lines of the event’s handling', () => {
    const attempt = spans.find((s) => s.name === 'delivery attempt')!;
    const lines = logs
      .text()
      .split('\n')
      .filter(Boolean)
      .map((line) => JSON.parse(line) as Record<string, unknown>);
    const recorded = lines.find((line) => line.msg === 'delivery attempt made' && line.trace_id === clientTraceId);
    expect(recorded).toMatchObject({ trace_id: clientTraceId, span_id: attempt.spanContext().spanId });
    // Lines outside any operation (the workers' idle loop, the relays) carry none.
    expect(lines.filter((line) => line.trace_id === undefined).length).toBeGreaterThan(0);
    expect(logs.text()).not.toContain(MPAN);
  });
});

/**
 * TMF621 hub notifications through the real product: a supplier's system registers a listener with `POST /hub` on
 * the product's TMF621 API; the delivery engine, from the event bus, sends it one TMF621 v5 event per change of each
 * case it may see — created, attribute value changes (triage, a customer-visible comment), status changes (on hold,
 * resumed, closed), resolved — schema-valid, in order, retried with the same event id when the listener fails; a
 * sibling organisation's listener hears nothing of those cases; the registration and its notifications survive a
 * restart of the product on the same database.
 */
import { randomUUID } from 'node:crypto';
import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hubEndpointId, listenerOf, tmf621Contract, TmfEventType } from '../../adapters/tmf621';
import { makeMpan } from '../../schema/mpan';
import { callers, errorOf, signIn, startTestProduct, waitFor, type TestProduct } from './harness';

const contract = tmf621Contract();
const MPAN = makeMpan('19', '0001234567');
const WORK_NOTE = 'Internal: the DIP adaptor certificate lapsed';

// ---- a partner's TMF621 listener ---------------------------------------------------------------------------------

interface Received {
  /** The first path segment: which registrant's callback. */
  hub: string;
  path: string;
  headers: IncomingHttpHeaders;
  body: Record<string, unknown> & { eventId: string; eventType: string; event: { troubleTicket: Record<string, unknown> & { id: string; status: string } } };
  status: number;
}

interface Listener {
  url(hub: string): string;
  /** Statuses for the next requests to `hub`, in order; then 204. */
  script(hub: string, statuses: number[]): void;
  requests: Received[];
  close(): Promise<void>;
}

async function startListener(): Promise<Listener> {
  const scripts = new Map<string, number[]>();
  const requests: Received[] = [];
  const sockets = new Set<Socket>();
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const path = req.url ?? '/';
      const hub = path.split('/')[1] ?? '';
      const status = scripts.get(hub)?.shift() ?? 204;
      requests.push({ hub, path, headers: req.headers, body: JSON.parse(Buffer.concat(chunks).toString('utf8')) as Received['body'], status });
      res.writeHead(status);
      res.end();
    });
  });
  server.on('connection', (s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: (hub) => `http://127.0.0.1:${port}/${hub}`,
    script: (hub, statuses) => scripts.set(hub, [...statuses]),
    requests,
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}

// ---- the product -------------------------------------------------------------------------------------------------

let t: TestProduct;
let listener: Listener;
const tokens: Record<string, string> = {};
const { as, ok } = callers(() => t, tokens);
const hubs: Record<string, string> = {};

const tmfUrl = (): string => {
  const url = t.product.inbound.tmf621?.url;
  if (!url) throw new Error('the TMF621 API is not running');
  return url;
};

async function call(method: string, path: string, options: { token?: string; body?: unknown } = {}) {
  const response = await fetch(`${tmfUrl()}${path}`, {
    method,
    headers: {
      ...(options.body !== undefined ? { 'content-type': 'application/json' } : {}),
      ...(options.token ? { authorization: `Bearer ${options.token}` } : {}),
    },
    ...(options.body !== undefined ? { body: JSON.stringify(options.body) } : {}),
  });
  const text = await response.text();
  return { status: response.status, body: (text ? JSON.parse(text) : null) as Record<string, unknown> };
}

/** What a registrant's listener accepted (2xx) about a ticket, in the order received. */
const accepted = (hub: string, reference?: string) =>
  listener.requests.filter((r) => r.hub === hub && r.status < 300 && (!reference || r.body.event.troubleTicket.id === reference));
const waitForEvent = (hub: string, reference: string, count: number, what: string) =>
  waitFor(() => accepted(hub, reference)[count - 1], `${hub}: ${what}`, 30_000);

beforeAll(async () => {
  listener = await startListener();
  t = await startTestProduct({
    TMF621_PORT: '0',
    TMF621_PUBLIC_URL: 'https://cpsd.example',
    PUBLIC_URL: 'https://cpsd.example',
    DELIVERY_BACKOFF_BASE_MS: '50',
    DELIVERY_BACKOFF_CAP_MS: '200',
  });
  await signIn(
    t,
    {
      // Two sibling organisations under UK Power Networks: neither may see the other's cases.
      lpn: { sub: 'lpn-servicenow', org: 'ukpn-lpn', roles: ['participant'] },
      epn: { sub: 'epn-servicenow', org: 'ukpn-epn', roles: ['participant'] },
      agent: { sub: 'eve@elexon.example', org: 'elexon', roles: ['participant', 'desk_agent'], desks: ['elexon-service-desk'] },
      admin: { sub: 'ops@elexon.example', org: 'elexon', roles: ['cpsd_admin'] },
    },
    tokens,
  );
});

afterAll(async () => {
  await t?.stop();
  await listener?.close();
});

const raise = (who: string, subject: string) =>
  ok<{ raiseCase: { id: string; reference: string } }>(who, 'mutation($input: RaiseCaseInput!) { raiseCase(input: $input) { id reference } }', {
    input: { deskId: 'elexon-service-desk', category: 'MARKET_SYSTEMS', subject, description: 'Since 09:00', evidence: { mpans: [MPAN] } },
  }).then((d) => d.raiseCase);

const hubDeliveries = (hub: string) =>
  ok<{ deliveries: { edges: { node: { state: string; caseReference: string; attemptCount: number; recipient: string | null } }[] } }>(
    'admin',
    'query($f: DeliveryFilter) { deliveries(first: 50, filter: $f) { edges { node { state caseReference attemptCount recipient } } } }',
    { f: { deskId: hubEndpointId(hub) } },
  ).then((d) => d.deliveries.edges.map((e) => e.node));

describe('registering a listener (POST /hub, kept by the delivery subgraph)', () => {
  it('answers 201 with id, callback and query; refuses a malformed or private callback and an unknown filter', async () => {
    for (const who of ['lpn', 'epn']) {
      const hub = await call('POST', '/hub', { token: tokens[who], body: { callback: listener.url(who), '@type': 'Hub' } });
      expect(hub.status).toBe(201);
      expect(contract.schema('Hub')(hub.body)).toBe(true);
      expect(hub.body).toMatchObject({ callback: listener.url(who), id: expect.any(String) });
      hubs[who] = hub.body.id as string;
    }
    const filtered = await call('POST', '/hub', {
      token: tokens.lpn,
      body: { callback: `${listener.url('lpn-filtered')}`, query: 'eventType=TroubleTicketResolvedEvent', '@type': 'Hub' },
    });
    expect(filtered.status).toBe(201);
    expect(filtered.body.query).toBe('eventType=TroubleTicketResolvedEvent');
    hubs.lpnFiltered = filtered.body.id as string;

    for (const body of [
      { callback: 'http://169.254.169.254/latest/meta-data/' },
      { callback: 'http://10.0.0.7/listener' },
      { callback: 'not a url' },
      { callback: listener.url('x'), query: 'severity=Critical' },
      { callback: listener.url('x'), query: 'eventType=TroubleTicketResolveEvent' },
    ]) {
      const refused = await call('POST', '/hub', { token: tokens.lpn, body: { ...body, '@type': 'Hub' } });
      expect({ body, status: refused.status }).toEqual({ body, status: 400 });
      expect(contract.schema('Error')(refused.body)).toBe(true);
    }
    // The API itself names the field.
    for (const [input, field] of [
      [{ callback: 'http://10.0.0.7/listener' }, 'input.callback'],
      [{ callback: 'ftp://listener.example/' }, 'input.callback'],
      [{ callback: listener.url('x'), query: 'priority=High' }, 'input.query'],
    ] as const) {
      const answer = await as('lpn', 'mutation($input: RegisterTicketHubInput!) { registerTicketHub(input: $input) { id } }', { input });
      expect(errorOf(answer)).toMatchObject({ code: 'BAD_USER_INPUT', field });
    }
    // Each registrant sees its own hubs only; another's is 404, as one that does not exist.
    const own = await ok<{ ticketHubs: { id: string }[] }>('epn', '{ ticketHubs { id callback query } }');
    expect(own.ticketHubs.map((h) => h.id)).toEqual([hubs.epn]);
    expect((await call('DELETE', `/hub/${hubs.epn}`, { token: tokens.lpn })).status).toBe(404);
    expect((await call('DELETE', `/hub/${randomUUID()}`, { token: tokens.lpn })).status).toBe(404);
    expect((await call('DELETE', '/hub/not-an-id', { token: tokens.lpn })).status).toBe(404);
    const removable = await call('POST', '/hub', { token: tokens.lpn, body: { callback: listener.url('gone'), '@type': 'Hub' } });
    expect((await call('DELETE', `/hub/${removable.body.id}`, { token: tokens.lpn })).status).toBe(204);
    const mine = await ok<{ ticketHubs: { id: string }[] }>('lpn', '{ ticketHubs { id } }');
    expect(mine.ticketHubs.map((h) => h.id).sort()).toEqual([hubs.lpn, hubs.lpnFiltered].sort());
  });
});

describe('notifications from the event bus, made by the delivery engine', () => {
  let mine: { id: string; reference: string };

  it('the registrant hears each v5 event of its case, schema-valid and in order; a failed attempt is retried with the same event id', async () => {
    // The listener's first answer is a 500: the engine retries the same delivery.
    listener.script('lpn', [500]);
    mine = await raise('lpn', 'DIP rejecting our messages');
    await waitForEvent('lpn', mine.reference, 1, 'the create event');
    await ok('agent', 'mutation($input: TriageCaseInput!) { triageCase(input: $input) { id } }', {
      input: { caseId: mine.id, type: 'INCIDENT', impact: 'MEDIUM', urgency: 'HIGH' },
    });
    await waitForEvent('lpn', mine.reference, 2, 'the triage event');
    await ok('agent', 'mutation($input: PutCaseOnHoldInput!) { putCaseOnHold(input: $input) { id } }', {
      input: { caseId: mine.id, reason: 'VENDOR', note: 'Waiting on the DIP provider' },
    });
    await waitForEvent('lpn', mine.reference, 3, 'the on-hold event');
    await ok('agent', 'mutation($input: CaseNoteInput!) { resumeCase(input: $input) { id } }', { input: { caseId: mine.id } });
    await waitForEvent('lpn', mine.reference, 4, 'the resumed event');
    await ok('agent', 'mutation($input: AddCommentInput!) { addComment(input: $input) { id } }', {
      input: { caseId: mine.id, body: WORK_NOTE, visibility: 'WORK_NOTE' },
    });
    await ok('agent', 'mutation($input: AddCommentInput!) { addComment(input: $input) { id } }', {
      input: { caseId: mine.id, body: 'The DIP provider is renewing the certificate.', visibility: 'CUSTOMER_VISIBLE' },
    });
    await waitForEvent('lpn', mine.reference, 5, 'the comment event');
    await ok('agent', 'mutation($input: ResolveCaseInput!) { resolveCase(input: $input) { id } }', {
      input: { caseId: mine.id, resolution: 'DIP certificate renewed' },
    });
    await waitForEvent('lpn', mine.reference, 6, 'the resolved event');

    const events = accepted('lpn', mine.reference);
    expect(events.map((e) => [e.body.eventType, e.body.event.troubleTicket.status])).toEqual([
      [TmfEventType.CREATE, 'acknowledged'],
      [TmfEventType.ATTRIBUTE_VALUE_CHANGE, 'inProgress'],
      [TmfEventType.STATUS_CHANGE, 'held'],
      [TmfEventType.STATUS_CHANGE, 'inProgress'],
      [TmfEventType.ATTRIBUTE_VALUE_CHANGE, 'inProgress'],
      [TmfEventType.RESOLVED, 'resolved'],
    ]);
    for (const { body, path, headers } of events) {
      const type = body.eventType as TmfEventType;
      expect(path).toBe(`/lpn/listener/${listenerOf(type)}`);
      expect(contract.checkEvent(listenerOf(type), body)).toEqual([]);
      const validate = contract.schema(type);
      expect(validate(body), JSON.stringify(validate.errors)).toBe(true);
      expect(body).toMatchObject({ '@type': type, domain: 'troubleTicket' });
      expect(Date.parse(body.eventTime as string)).not.toBeNaN();
      const ticket = body.event.troubleTicket;
      expect(contract.schema('TroubleTicket')(ticket)).toBe(true);
      expect(ticket).toMatchObject({ id: mine.reference, href: `https://cpsd.example/tmf-api/troubleTicket/v5/troubleTicket/${mine.reference}` });
      // Never evidence (MPANs), never a work note.
      expect(ticket.relatedEntity).toBeUndefined();
      expect(JSON.stringify(body)).not.toContain(MPAN);
      expect(JSON.stringify(body)).not.toContain(WORK_NOTE);
      expect(headers['idempotency-key']).toMatch(/^[0-9a-f-]{36}$/);
    }
    expect(events[1]?.body.fieldPath).toContain('priority');
    expect(events[1]?.body.event.troubleTicket.priority).toBe('High');
    expect(events[4]?.body.fieldPath).toBe('note');
    expect(events[4]?.body.event.troubleTicket.note).toEqual([expect.objectContaining({ text: 'The DIP provider is renewing the certificate.' })]);
    expect(events[5]?.body.event.troubleTicket.statusChangeReason).toBe('DIP certificate renewed');
    expect(new Set(events.map((e) => e.body.eventId)).size).toBe(6);

    // The failed first attempt and its retry: the same event id and the same delivery id.
    const [failed, retried] = listener.requests.filter((r) => r.hub === 'lpn' && r.body.event.troubleTicket.id === mine.reference);
    expect(failed?.status).toBe(500);
    expect(retried?.status).toBe(204);
    expect(retried?.body.eventId).toBe(failed?.body.eventId);
    expect(retried?.headers['idempotency-key']).toBe(failed?.headers['idempotency-key']);
    // One delivery each, in the engine's record, visible to CPSD admins.
    const deliveries = await hubDeliveries(hubs.lpn as string);
    expect(deliveries).toHaveLength(6);
    expect(deliveries.every((d) => d.state === 'DELIVERED' && d.recipient === hubEndpointId(hubs.lpn as string))).toBe(true);
    expect(deliveries.map((d) => d.attemptCount).sort()).toEqual([1, 1, 1, 1, 1, 2]);

    // The filtered hub took the resolution only.
    await waitForEvent('lpn-filtered', mine.reference, 1, 'the filtered hub’s resolved event');
    expect(accepted('lpn-filtered').map((e) => e.body.eventType)).toEqual([TmfEventType.RESOLVED]);
  });

  it('a sibling organisation’s listener hears nothing of those cases, only of its own', async () => {
    // Raised after every change above: the fan-out handles the bus in order, so once the sibling has heard of its
    // own case every earlier event has been fanned out, and none made a delivery to it.
    const theirs = await raise('epn', 'EPN: meter reads late');
    await waitForEvent('epn', theirs.reference, 1, 'the sibling’s own create event');
    expect(accepted('epn').map((e) => e.body.event.troubleTicket.id)).toEqual([theirs.reference]);
    expect(listener.requests.filter((r) => r.hub === 'epn').every((r) => r.body.event.troubleTicket.id === theirs.reference)).toBe(true);
    expect((await hubDeliveries(hubs.epn as string)).map((d) => d.caseReference)).toEqual([theirs.reference]);
    // Nor does the first registrant hear of the sibling's case.
    expect(accepted('lpn', theirs.reference)).toEqual([]);
  });

  it('after a restart on the same database the registration still exists and the next change is notified', async () => {
    await t.restart();
    const own = await ok<{ ticketHubs: { id: string; callback: string }[] }>('lpn', '{ ticketHubs { id callback } }');
    expect(own.ticketHubs).toContainEqual({ id: hubs.lpn, callback: listener.url('lpn') });
    await ok('lpn', 'mutation($input: CaseNoteInput!) { confirmResolution(input: $input) { id } }', { input: { caseId: mine.id } });
    const closed = await waitForEvent('lpn', mine.reference, 7, 'the closed event after the restart');
    expect(closed.body).toMatchObject({ eventType: TmfEventType.STATUS_CHANGE, event: { troubleTicket: { status: 'closed' } } });
    expect(contract.checkEvent('troubleTicketStatusChangeEvent', closed.body)).toEqual([]);
    // And the restarted TMF621 API removes it: a notification still being retried is parked, and cannot be replayed.
    listener.script(
      'lpn',
      Array.from({ length: 50 }, () => 500),
    );
    const late = await raise('lpn', 'Reads late again');
    await waitFor(() => listener.requests.find((r) => r.hub === 'lpn' && r.body.event.troubleTicket.id === late.reference), 'a failing attempt', 30_000);
    expect((await call('DELETE', `/hub/${hubs.lpn}`, { token: tokens.lpn })).status).toBe(204);
    expect((await ok<{ ticketHubs: { id: string }[] }>('lpn', '{ ticketHubs { id } }')).ticketHubs.map((h) => h.id)).toEqual([hubs.lpnFiltered]);
    const parked = await ok<{ deliveries: { edges: { node: { id: string; state: string; lastError: string } }[] } }>(
      'admin',
      'query($f: DeliveryFilter) { deliveries(first: 5, filter: $f) { edges { node { id state lastError caseReference } } } }',
      { f: { deskId: hubEndpointId(hubs.lpn as string), caseId: late.id } },
    );
    const [row] = parked.deliveries.edges.map((e) => e.node);
    expect(row).toMatchObject({ state: 'DISABLED', lastError: 'the hub was removed' });
    const replay = await as('admin', 'mutation($id: ID!) { retryDelivery(id: $id) { id } }', { id: row?.id });
    expect(errorOf(replay)).toMatchObject({ code: 'BAD_USER_INPUT' });
    const attempts = listener.requests.filter((r) => r.hub === 'lpn' && r.body.event.troubleTicket.id === late.reference).length;
    // Proven by a later notification the other hub of the same registrant does get: the resolution of the late case.
    await ok('agent', 'mutation($input: ResolveCaseInput!) { resolveCase(input: $input) { id } }', { input: { caseId: late.id, resolution: 'Caught up' } });
    await waitForEvent('lpn-filtered', late.reference, 1, 'the filtered hub’s resolved event of the late case');
    expect(listener.requests.filter((r) => r.hub === 'lpn' && r.body.event.troubleTicket.id === late.reference)).toHaveLength(attempts);
  });
});

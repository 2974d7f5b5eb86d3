/**
 * The TMF621 v5 bridge against real HTTP peers on loopback, through the real product:
 * - inbound: a partner's system (ServiceNow, Salesforce…) raises, reads and updates cases over our TMF621 API, with
 *   its OAuth2 client-credentials JWT; what we answer is validated against the published TMF621 document;
 * - outbound: Elexon hands a case off to UK Power Networks, whose desk takes tickets over TMF621; the delivery engine
 *   creates the ticket on the partner's endpoint (a peer that fails with 500s, 429 + Retry-After and a hang before it
 *   answers, and dedupes on Idempotency-Key), and the partner's own events (one delivered twice) acknowledge, update
 *   and resolve its side of the hand-off exactly once each.
 */
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import type { JSONWebKeySet } from 'jose';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTmf621Server, tmf621Contract } from '../../adapters/tmf621';
import { JwtVerifier } from '../../platform/partner-auth';
import { makeMpan } from '../../schema/mpan';
import { callers, signIn, startTestProduct, waitFor, type Claims, type TestProduct } from './harness';

const contract = tmf621Contract();
const MPAN = makeMpan('19', '0001234567');
const PARTNER_DESK = 'ukpn-service-desk';

let t: TestProduct;
let tmf: Awaited<ReturnType<typeof startTmf621Server>>;
let partner: PartnerPeer;
const tokens: Record<string, string> = {};
const { ok } = callers(() => t, tokens);

// ---- a partner's TMF621 system ----------------------------------------------------------------------------------

type Behaviour = 'ok' | 'fail-500' | 'create-then-500' | 'rate-limit' | 'hang';

interface PartnerPeer {
  url: string;
  /** Behaviours for the next POSTs, in order; then 'ok'. */
  script(behaviours: Behaviour[]): void;
  requests: { method: string; url: string; headers: IncomingMessage['headers']; body: string }[];
  /** Tickets by Idempotency-Key. */
  tickets: Map<string, Record<string, unknown> & { id: string }>;
  close(): Promise<void>;
}

async function startPartner(): Promise<PartnerPeer> {
  const queue: Behaviour[] = [];
  const requests: PartnerPeer['requests'] = [];
  const tickets = new Map<string, Record<string, unknown> & { id: string }>();
  const sockets = new Set<Socket>();
  let next = 4711;
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      requests.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers, body });
      const reply = (status: number, payload: unknown, headers: Record<string, string> = {}) => {
        res.writeHead(status, { 'content-type': 'application/json', ...headers });
        res.end(JSON.stringify(payload));
      };
      if (req.method === 'PATCH') return reply(200, { id: req.url?.split('/').at(-1), ...JSON.parse(body || '{}') });
      const behaviour = queue.shift() ?? 'ok';
      if (behaviour === 'hang') return;
      if (behaviour === 'fail-500') return reply(500, { code: '500', reason: 'down' });
      if (behaviour === 'rate-limit') return reply(429, { code: '429', reason: 'slow down' }, { 'retry-after': '1' });
      const key = req.headers['idempotency-key'] as string;
      let ticket = tickets.get(key);
      if (!ticket) {
        ticket = { ...(JSON.parse(body) as Record<string, unknown>), id: `INC00${next++}` };
        tickets.set(key, ticket);
      }
      // Created, but the answer is lost: the sender will retry with the same key.
      if (behaviour === 'create-then-500') return reply(500, { code: '500', reason: 'oops' });
      return reply(201, { ...ticket, href: `http://partner.invalid/troubleTicket/${ticket.id}` });
    });
  });
  server.on('connection', (s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/tmf-api/troubleTicket/v5`,
    script: (b) => queue.push(...b),
    requests,
    tickets,
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}

// ---- helpers ------------------------------------------------------------------------------------------------------

async function call(method: string, path: string, options: { token?: string; body?: unknown; contentType?: string; headers?: Record<string, string> } = {}) {
  const response = await fetch(`${tmf.url}${path}`, {
    method,
    headers: {
      ...(options.body !== undefined ? { 'content-type': options.contentType ?? 'application/json' } : {}),
      ...(options.token ? { authorization: `Bearer ${options.token}` } : {}),
      ...options.headers,
    },
    ...(options.body !== undefined ? { body: typeof options.body === 'string' ? options.body : JSON.stringify(options.body) } : {}),
  });
  const text = await response.text();
  return { status: response.status, headers: response.headers, body: (text ? JSON.parse(text) : null) as Record<string, unknown> & Record<string, never> };
}

function expectTmfError(response: { status: number; body: Record<string, unknown> }, status: number): void {
  expect(response.status).toBe(status);
  const validate = contract.schema('Error');
  expect(validate(response.body), JSON.stringify(validate.errors)).toBe(true);
  expect(response.body.status).toBe(String(status));
}

function expectTicket(body: unknown): void {
  const validate = contract.schema('TroubleTicket');
  expect(validate(body), JSON.stringify(validate.errors)).toBe(true);
}

beforeAll(async () => {
  partner = await startPartner();
  t = await startTestProduct({
    DELIVERY_BACKOFF_BASE_MS: '50',
    DELIVERY_BACKOFF_CAP_MS: '200',
    DELIVERY_TIMEOUT_MS: '1500',
    PUBLIC_URL: 'https://cpsd.example',
  });
  const people: Record<string, Claims> = {
    supplier: { sub: 'servicenow-client@britishgas.example', org: 'british-gas', roles: ['participant'] },
    otherSupplier: { sub: 'olga@eonnext.example', org: 'eon-next', roles: ['participant'] },
    elexonAgent: { sub: 'eve@elexon.example', org: 'elexon', roles: ['participant', 'desk_agent'], desks: ['elexon-service-desk'] },
    // UKPN's ServiceNow, with a client-credentials token for its service desk.
    ukpnSystem: { sub: 'ukpn-servicenow', org: 'ukpn', roles: ['desk_agent'], desks: [PARTNER_DESK] },
    admin: { sub: 'ops@elexon.example', org: 'elexon', roles: ['cpsd_admin'] },
  };
  await signIn(t, people, tokens);
  tmf = await startTmf621Server({
    port: 0,
    publicUrl: 'https://cpsd.example',
    gateway: { url: t.gatewayUrl },
    defaultDeskId: 'elexon-service-desk',
    // Production rules (https), with the loopback listeners these tests run.
    outbound: { httpsOnly: true, allowLoopback: true },
    verifier: new JwtVerifier({
      jwks: { keys: (await t.graphqlJwks()) as unknown as JSONWebKeySet },
      issuer: 'cpsd-dev-issuer',
      audience: 'cpsd-gateway',
      algorithms: ['RS256', 'ES256', 'EdDSA'],
    }),
  });
  // UKPN registers its TMF621 endpoint for its service desk (the desk profile's bridge registration in the mpas subgraph).
  const client = new pg.Client({ connectionString: t.product.databaseUrl });
  await client.connect();
  await client.query(`UPDATE mpas.desk_profiles SET bridge_config = $1 WHERE desk_id = $2`, [JSON.stringify({ url: partner.url }), PARTNER_DESK]);
  await client.end();
});

afterAll(async () => {
  await tmf?.stop();
  await t?.stop();
  await partner?.close();
});

// ---- inbound ------------------------------------------------------------------------------------------------------

describe('inbound: a supplier’s system raises and works a case over TMF621', () => {
  const ticket = {
    '@type': 'TroubleTicket',
    name: 'Settlement run missing our half-hourly reads',
    description: 'Since the 02:00 run, no HH reads for one of our sites appear in settlement.',
    severity: 'Major',
    ticketType: 'Settlement Services',
    relatedParty: [{ id: 'elexon-service-desk', role: 'serviceDesk', '@referredType': 'ServiceDesk', '@type': 'RelatedParty' }],
    relatedEntity: [{ id: MPAN, role: 'meteringPoint', '@referredType': 'MeteringPoint', '@type': 'RelatedEntity' }],
    externalIdentifier: [{ owner: 'ServiceNow', externalIdentifierType: 'Incident', id: 'INC0099123', '@type': 'ExternalIdentifier' }],
    note: [{ id: 'sn-note-1', text: 'Raised from our ServiceNow.', '@type': 'Note' }],
  };
  let created: Record<string, unknown> & { id: string };

  it('refuses an unauthenticated request (401) and an invalid body (400), with TMF Error bodies', async () => {
    const anonymous = await call('POST', '/troubleTicket', { body: ticket });
    expectTmfError(anonymous, 401);
    expect(anonymous.headers.get('www-authenticate')).toBe('Bearer');
    const forged = await call('POST', '/troubleTicket', { body: ticket, token: `${tokens.supplier!.slice(0, -4)}AAAA` });
    expectTmfError(forged, 401);
    const { severity: _s, ...withoutSeverity } = ticket;
    const invalid = await call('POST', '/troubleTicket', { body: withoutSeverity, token: tokens.supplier });
    expectTmfError(invalid, 400);
    expect(invalid.body.message).toContain('/severity is required');
    expectTmfError(await call('POST', '/troubleTicket', { body: { ...ticket, id: 'mine' }, token: tokens.supplier }), 400);
    expectTmfError(await call('POST', '/troubleTicket', { body: { ...ticket, ticketType: 'incident' }, token: tokens.supplier }), 400);
    expectTmfError(await call('POST', '/troubleTicket', { body: 'not json', token: tokens.supplier }), 400);
  });

  it('creates a case as the caller; the ticket is schema-valid and keeps both sides’ references', async () => {
    const response = await call('POST', '/troubleTicket', { body: ticket, token: tokens.supplier, headers: { 'idempotency-key': 'sn-create-1' } });
    expect(response.status).toBe(201);
    expectTicket(response.body);
    created = response.body as unknown as typeof created;
    expect(created.id).toMatch(/^CPSD-\d{6}$/);
    expect(response.headers.get('location')).toBe(`https://cpsd.example/tmf-api/troubleTicket/v5/troubleTicket/${created.id}`);
    expect(created).toMatchObject({
      status: 'acknowledged',
      severity: 'Major',
      ticketType: 'Settlement Services',
      description: ticket.description,
      name: ticket.name,
    });
    expect(created.externalIdentifier).toEqual([
      { owner: 'CPSD', externalIdentifierType: 'Case', id: created.id, '@type': 'ExternalIdentifier' },
      { owner: 'ServiceNow', externalIdentifierType: 'TroubleTicket', id: 'INC0099123', '@type': 'ExternalIdentifier' },
    ]);
    expect(created.note).toEqual([expect.objectContaining({ text: 'Raised from our ServiceNow.' })]);
    // Through the gateway: the supplier's case at the Elexon desk, with its evidence; the desk sees it too.
    const { caseByReference } = await ok<{ caseByReference: { state: string; raisedBy: string; desk: { id: string }; evidence: { mpans: string[] } } }>(
      'supplier',
      'query($r: String!) { caseByReference(reference: $r) { state raisedBy desk { id } evidence { mpans } } }',
      { r: created.id },
    );
    expect(caseByReference).toEqual({
      state: 'NEW',
      raisedBy: 'servicenow-client@britishgas.example',
      desk: { id: 'elexon-service-desk' },
      evidence: { mpans: [MPAN] },
    });
    const desk = await ok<{ caseByReference: { id: string } | null }>('elexonAgent', 'query($r: String!) { caseByReference(reference: $r) { id } }', {
      r: created.id,
    });
    expect(desk.caseByReference).not.toBeNull();
    // A retried POST is the same ticket.
    const again = await call('POST', '/troubleTicket', { body: ticket, token: tokens.supplier, headers: { 'idempotency-key': 'sn-create-1' } });
    expect(again.body.id).toBe(created.id);
  });

  it('GET by id and as a list, schema-valid; another organisation’s system gets 404', async () => {
    const one = await call('GET', `/troubleTicket/${created.id}`, { token: tokens.supplier });
    expect(one.status).toBe(200);
    expectTicket(one.body);
    const list = await call('GET', '/troubleTicket?limit=5', { token: tokens.supplier });
    expect(list.status).toBe(200);
    const collection = contract.schema('TroubleTicket');
    for (const item of list.body as unknown as unknown[]) expect(collection(item)).toBe(true);
    expect((list.body as unknown as { id: string }[]).map((x) => x.id)).toContain(created.id);
    expect(list.headers.get('x-result-count')).toBe(String((list.body as unknown as unknown[]).length));
    const fields = await call('GET', '/troubleTicket?fields=name,status', { token: tokens.supplier });
    expect(Object.keys((fields.body as unknown as Record<string, unknown>[])[0]!).sort()).toEqual(['@type', 'href', 'id', 'name', 'status']);
    expectTmfError(await call('GET', `/troubleTicket/${created.id}`, { token: tokens.otherSupplier }), 404);
    expectTmfError(await call('GET', '/troubleTicket?limit=1000', { token: tokens.supplier }), 400);
  });

  it('PATCH adds a note (a customer-visible comment); status changes map onto what the caller’s role allows', async () => {
    const patched = await call('PATCH', `/troubleTicket/${created.id}`, {
      token: tokens.supplier,
      contentType: 'application/merge-patch+json',
      body: { note: [{ text: 'The site is MPAN-registered since March.', '@type': 'Note' }] },
    });
    expect(patched.status).toBe(200);
    expectTicket(patched.body);
    expect((patched.body.note as { text: string }[]).map((n) => n.text)).toEqual(['Raised from our ServiceNow.', 'The site is MPAN-registered since March.']);
    const { caseByReference } = await ok<{ caseByReference: { comments: { body: string; visibility: string }[] } }>(
      'elexonAgent',
      'query($r: String!) { caseByReference(reference: $r) { comments { body visibility } } }',
      { r: created.id },
    );
    expect(caseByReference.comments).toContainEqual({ body: 'The site is MPAN-registered since March.', visibility: 'CUSTOMER_VISIBLE' });
    // A work note written by the desk never becomes a TMF note.
    await ok('elexonAgent', 'mutation($input: AddCommentInput!) { addComment(input: $input) { id } }', {
      input: {
        caseId: (
          await ok<{ caseByReference: { id: string } }>('elexonAgent', 'query($r: String!) { caseByReference(reference: $r) { id } }', { r: created.id })
        ).caseByReference.id,
        body: 'internal: check the DC',
        visibility: 'WORK_NOTE',
      },
    });
    const asDesk = await call('GET', `/troubleTicket/${created.id}`, { token: tokens.elexonAgent });
    expect(JSON.stringify(asDesk.body.note)).not.toContain('internal: check the DC');

    expectTmfError(await call('PATCH', `/troubleTicket/${created.id}`, { token: tokens.supplier, body: { creationDate: '2025-01-01T00:00:00Z' } }), 400);
    expectTmfError(await call('PATCH', `/troubleTicket/${created.id}`, { token: tokens.supplier, body: { severity: 'Critical' } }), 400);
    expectTmfError(
      await call('PATCH', `/troubleTicket/${created.id}`, {
        token: tokens.supplier,
        contentType: 'application/json-patch+json',
        body: [{ op: 'replace', path: '/status', value: 'closed' }],
      }),
      415,
    );
    // The raiser may not resolve (the desk does), and a cancellation needs a reason.
    expectTmfError(
      await call('PATCH', `/troubleTicket/${created.id}`, { token: tokens.supplier, body: { status: 'resolved', statusChangeReason: 'fixed itself' } }),
      403,
    );
    expectTmfError(await call('PATCH', `/troubleTicket/${created.id}`, { token: tokens.supplier, body: { status: 'cancelled' } }), 400);
    const cancelled = await call('PATCH', `/troubleTicket/${created.id}`, {
      token: tokens.supplier,
      body: { status: 'cancelled', statusChangeReason: 'Raised twice by mistake' },
    });
    expect(cancelled.status).toBe(200);
    expect(cancelled.body.status).toBe('cancelled');
    // A status the cancelled case cannot take is 409 ILLEGAL_TRANSITION, whether the bridge or the API refuses it.
    const resumed = await call('PATCH', `/troubleTicket/${created.id}`, {
      token: tokens.supplier,
      body: { status: 'inProgress', statusChangeReason: 'Not a duplicate after all' },
    });
    expectTmfError(resumed, 409);
    expect(resumed.body.code).toBe('ILLEGAL_TRANSITION');
    const resolved = await call('PATCH', `/troubleTicket/${created.id}`, {
      token: tokens.elexonAgent,
      body: { status: 'resolved', statusChangeReason: 'Fixed' },
    });
    expectTmfError(resolved, 409);
    expect(resolved.body).toMatchObject({ code: 'ILLEGAL_TRANSITION', reason: expect.stringContaining('Cannot RESOLVE') });
    expectTmfError(await call('DELETE', `/troubleTicket/${created.id}`, { token: tokens.supplier }), 405);
  });

  it('hub registration: POST /hub registers a listener, DELETE removes it (only its owner)', async () => {
    const hub = await call('POST', '/hub', {
      token: tokens.supplier,
      body: { callback: 'https://servicenow.britishgas.example/tmf/listener', '@type': 'Hub' },
    });
    expect(hub.status).toBe(201);
    expect(contract.schema('Hub')(hub.body)).toBe(true);
    expectTmfError(await call('POST', '/hub', { token: tokens.supplier, body: { callback: 'http://plain.example/listener', '@type': 'Hub' } }), 400);
    expectTmfError(await call('POST', '/hub', { token: tokens.supplier, body: { '@type': 'Hub' } }), 400);
    expectTmfError(await call('DELETE', `/hub/${hub.body.id}`, { token: tokens.otherSupplier }), 404);
    expect((await call('DELETE', `/hub/${hub.body.id}`, { token: tokens.supplier })).status).toBe(204);
  });
});

// Hub notifications (every event type, visibility, retries, a restart) are test/e2e/tmf621-hub-events.test.ts.

// ---- outbound and the partner's events ---------------------------------------------------------------------------

describe('outbound: a hand-off to UK Power Networks, whose desk takes tickets over TMF621', () => {
  let caseId: string;
  let reference: string;
  let handoffId: string;
  let partnerTicket: Record<string, unknown> & { id: string };

  it('the engine creates one ticket on the partner’s endpoint through 500s, a 429 with Retry-After and a timeout', async () => {
    const { raiseCase } = await ok<{ raiseCase: { id: string; reference: string } }>(
      'supplier',
      'mutation($input: RaiseCaseInput!) { raiseCase(input: $input) { id reference } }',
      {
        input: {
          deskId: 'elexon-service-desk',
          category: 'MARKET_SYSTEMS',
          subject: `Network outage affecting ${MPAN}`,
          description: `Meter ${MPAN} off supply since 06:00.`,
          evidence: { mpans: [MPAN] },
        },
      },
    );
    ({ id: caseId, reference } = raiseCase);
    await ok('elexonAgent', 'mutation($input: TriageCaseInput!) { triageCase(input: $input) { id } }', {
      input: { caseId, type: 'INCIDENT', impact: 'MEDIUM', urgency: 'HIGH' },
    });
    partner.script(['fail-500', 'create-then-500', 'rate-limit', 'hang']);
    const { handOffCase } = await ok<{ handOffCase: { handoffs: { id: string }[] } }>(
      'elexonAgent',
      'mutation($input: HandOffCaseInput!) { handOffCase(input: $input) { handoffs { id } } }',
      {
        input: { caseId, toDeskId: PARTNER_DESK, reason: `Feeder fault suspected near ${MPAN}` },
      },
    );
    handoffId = handOffCase.handoffs[0]!.id;

    type DeliveryView = {
      id: string;
      state: string;
      externalReference: string | null;
      attempts: { outcome: string; httpStatus: number | null; retryAfterMs: number | null }[];
    };
    const delivery = await waitFor(
      async () => {
        const { deliveries } = await ok<{ deliveries: { edges: { node: DeliveryView }[] } }>(
          'admin',
          `query($filter: DeliveryFilter) { deliveries(filter: $filter, first: 10) { edges { node { id state externalReference attempts { outcome httpStatus retryAfterMs } } } } }`,
          { filter: { deskId: PARTNER_DESK } },
        );
        const found = deliveries.edges.map((e) => e.node).find((d) => d.state === 'DELIVERED');
        return found ?? null;
      },
      'the delivered ticket',
      30_000,
    );
    expect(delivery.attempts.map((a) => [a.outcome, a.httpStatus])).toEqual([
      ['RETRY', 500],
      ['RETRY', 500],
      ['RETRY', 429],
      ['RETRY', null],
      ['DELIVERED', 201],
    ]);
    expect(delivery.attempts[2]!.retryAfterMs).toBe(1000);
    // One ticket at the partner, however many attempts: every request carried the delivery id as Idempotency-Key.
    const posts = partner.requests.filter((r) => r.method === 'POST');
    expect(posts).toHaveLength(5);
    expect(new Set(posts.map((r) => r.headers['idempotency-key']))).toEqual(new Set([delivery.id]));
    expect(partner.tickets.size).toBe(1);
    partnerTicket = partner.tickets.get(delivery.id)!;
    expect(delivery.externalReference).toBe(partnerTicket.id);
    expect(contract.checkCreate(JSON.parse(posts[0]!.body))).toEqual([]);
    expect(partnerTicket).toMatchObject({
      status: 'acknowledged',
      externalIdentifier: expect.arrayContaining([{ owner: 'CPSD', externalIdentifierType: 'Case', id: reference, '@type': 'ExternalIdentifier' }]),
    });
  });

  /** The partner posts an event to our listener, as its own system does (its client-credentials token). */
  async function partnerEvent(eventType: 'TroubleTicketStatusChangeEvent' | 'TroubleTicketResolvedEvent', eventId: string, status: string, reason: string) {
    const event = {
      '@type': eventType,
      eventId,
      eventTime: new Date().toISOString(),
      eventType,
      event: {
        troubleTicket: {
          ...partnerTicket,
          href: `http://partner.invalid/troubleTicket/${partnerTicket.id}`,
          '@type': 'TroubleTicket',
          status,
          statusChangeReason: reason,
        },
      },
    };
    // What the partner sends is a conformant event, full ticket included.
    const validate = contract.schema(eventType);
    expect(validate(event), JSON.stringify(validate.errors)).toBe(true);
    const name = eventType.charAt(0).toLowerCase() + eventType.slice(1);
    return call('POST', `/listener/${name}`, { token: tokens.ukpnSystem, body: event });
  }

  it('the partner’s events acknowledge, update and resolve its side exactly once each, duplicates ignored', async () => {
    expect((await partnerEvent('TroubleTicketStatusChangeEvent', 'ev-1', 'acknowledged', 'Assigned to network control')).status).toBe(204);
    expect((await partnerEvent('TroubleTicketStatusChangeEvent', 'ev-2', 'inProgress', 'Crew dispatched to the substation')).status).toBe(204);
    expect((await partnerEvent('TroubleTicketStatusChangeEvent', 'ev-2', 'inProgress', 'Crew dispatched to the substation')).status).toBe(204);
    // The same event at a listener with no memory of it (another replica, or after a restart): the API's
    // idempotency key for (event, operation) still applies it once.
    const restarted = await startTmf621Server({
      port: 0,
      gateway: { url: t.gatewayUrl },
      verifier: new JwtVerifier({
        jwks: { keys: (await t.graphqlJwks()) as unknown as JSONWebKeySet },
        issuer: 'cpsd-dev-issuer',
        audience: 'cpsd-gateway',
        algorithms: ['RS256', 'ES256', 'EdDSA'],
      }),
    });
    const ev2 = {
      '@type': 'TroubleTicketStatusChangeEvent',
      eventId: 'ev-2',
      eventTime: new Date().toISOString(),
      eventType: 'TroubleTicketStatusChangeEvent',
      event: {
        troubleTicket: {
          ...partnerTicket,
          href: `http://partner.invalid/troubleTicket/${partnerTicket.id}`,
          '@type': 'TroubleTicket',
          status: 'inProgress',
          statusChangeReason: 'Crew dispatched to the substation',
        },
      },
    };
    const replayed = await fetch(`${restarted.url}/listener/troubleTicketStatusChangeEvent`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${tokens.ukpnSystem}` },
      body: JSON.stringify(ev2),
    });
    expect(replayed.status).toBe(204);
    await restarted.stop();
    expect((await partnerEvent('TroubleTicketResolvedEvent', 'ev-3', 'resolved', 'Feeder repaired, supply restored')).status).toBe(204);
    expect((await partnerEvent('TroubleTicketResolvedEvent', 'ev-3', 'resolved', 'Feeder repaired, supply restored')).status).toBe(204);
    // Unauthenticated, or from a system whose desk has no hand-off on the case: refused.
    expectTmfError(await call('POST', '/listener/troubleTicketStatusChangeEvent', { body: { eventId: 'x' } }), 401);
    expectTmfError(await call('POST', '/listener/troubleTicketStatusChangeEvent', { token: tokens.ukpnSystem, body: { eventId: 'x' } }), 400);

    const { case: seen } = await ok<{
      case: { handoffs: { id: string; state: string; externalReference: string; resolution: string }[]; timeline: { action: string }[] };
    }>('elexonAgent', 'query($id: ID!) { case(id: $id) { handoffs { id state externalReference resolution } timeline { action } } }', { id: caseId });
    expect(seen.handoffs).toEqual([{ id: handoffId, state: 'RESOLVED', externalReference: partnerTicket.id, resolution: 'Feeder repaired, supply restored' }]);
    const actions = seen.timeline.map((e) => e.action);
    for (const action of ['HANDOFF_ACKNOWLEDGED', 'HANDOFF_UPDATED', 'HANDOFF_RESOLVED'])
      expect(
        actions.filter((a) => a === action),
        action,
      ).toHaveLength(1);
    // The CPSD tells the partner's system what changed on its side: a PATCH at the partner's own ticket id.
    await waitFor(
      () =>
        partner.requests.find((r) => r.method === 'PATCH' && r.url.endsWith(`/troubleTicket/${partnerTicket.id}`) && JSON.parse(r.body).status === 'resolved'),
      'the PATCH to resolved',
      30_000,
    );
    for (const patch of partner.requests.filter((r) => r.method === 'PATCH')) expect(contract.checkPatch(JSON.parse(patch.body))).toEqual([]);
  });

  it('no MPAN ever reached the partner: every request it received is checked', () => {
    expect(partner.requests.length).toBeGreaterThan(5);
    for (const request of partner.requests) {
      const text = `${request.url}\n${JSON.stringify(request.headers)}\n${request.body}`;
      expect(text).not.toContain(MPAN);
      expect(text).not.toContain(MPAN.slice(2));
    }
  });
});

/**
 * Federated subscriptions through the gateway over graphql-ws: events hydrated as the subscriber (fields from any
 * subgraph, a query's visibility), resume with `after`, authentication and expiry, limits, and two gateway replicas.
 */
import { createClient, type Client } from 'graphql-ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { configurePartnerAuth } from '../../gateway/auth';
import { startGateway, type RunningGateway } from '../../gateway/server';
import { loadConfig } from '../../platform/config';
import { BUSES, busEnv, callers, signIn, startTestProduct, waitFor, type TestProduct } from './harness';

let t: TestProduct;
const tokens: Record<string, string> = {};
const { ok } = callers(() => t, tokens);
const clients: Client[] = [];

function wsUrl(httpUrl: string): string {
  return httpUrl.replace(/^http/, 'ws');
}

function connect(token: string | undefined, url = wsUrl(t.gatewayUrl), onClose?: (code: number) => void): Client {
  const client = createClient({
    url,
    webSocketImpl: WebSocket,
    retryAttempts: 0,
    lazy: true,
    connectionParams: token ? { authorization: `Bearer ${token}` } : {},
    on: { closed: (event) => onClose?.((event as { code: number }).code) },
  });
  clients.push(client);
  return client;
}

interface Received {
  events: Record<string, unknown>[];
  errors: unknown[];
  done: boolean;
}

function subscribe(client: Client, query: string, variables: Record<string, unknown>): { received: Received; stop: () => void } {
  const received: Received = { events: [], errors: [], done: false };
  const stop = client.subscribe(
    { query, variables },
    {
      next: (result) => {
        if (result.errors) received.errors.push(...result.errors);
        if (result.data) received.events.push(result.data);
      },
      error: (error) => {
        received.errors.push(error);
        received.done = true;
      },
      complete: () => {
        received.done = true;
      },
    },
  );
  return { received, stop };
}

async function raiseCase(who = 'supplier'): Promise<{ id: string; reference: string }> {
  const data = await ok<{ raiseCase: { id: string; reference: string } }>(
    who,
    'mutation($input: RaiseCaseInput!) { raiseCase(input: $input) { id reference } }',
    { input: { deskId: 'elexon-service-desk', category: 'MARKET_SYSTEMS', subject: 'DIP rejecting messages', description: 'Since 09:00' } },
  );
  return data.raiseCase;
}

function triage(caseId: string) {
  return ok('elexonAgent', 'mutation($input: TriageCaseInput!) { triageCase(input: $input) { id } }', {
    input: { caseId, type: 'INCIDENT', impact: 'MEDIUM', urgency: 'HIGH' },
  });
}

function comment(who: string, caseId: string, body: string, visibility = 'CUSTOMER_VISIBLE') {
  return ok(who, 'mutation($input: AddCommentInput!) { addComment(input: $input) { id } }', { input: { caseId, body, visibility } });
}

const CASE_EVENTS = `subscription($caseId: ID!, $after: String) {
  caseEvents(caseId: $caseId, after: $after) {
    sequence type
    case { reference state priority
      handoffs { state toDesk { id profile { __typename ... on DccDeskProfile { hours { alwaysOpen } } } } } }
  }
}`;

describe.each(BUSES)('subscriptions over the %s bus', (bus) => {
  beforeAll(async () => {
    t = await startTestProduct(busEnv(bus));
    await signIn(
      t,
      {
        supplier: { sub: 'sally', org: 'british-gas' },
        otherSupplier: { sub: 'olga', org: 'eon-next' },
        sibling: { sub: 'sid', org: 'british-gas-business' },
        elexonAgent: { sub: 'eve', org: 'elexon', roles: ['participant', 'desk_agent'], desks: ['elexon-service-desk'] },
      },
      tokens,
    );
  });

  afterAll(async () => {
    await Promise.all(clients.splice(0).map((c) => c.dispose()));
    await t?.stop();
  });

  describe('caseEvents', () => {
    it('the raiser receives each change hydrated as it sees the case, with fields from another subgraph', async () => {
      const c = await raiseCase();
      const before = t.product.gateway.subscriptions.count();
      const { received } = subscribe(connect(tokens.supplier), CASE_EVENTS, { caseId: c.id });
      await waitFor(() => t.product.gateway.subscriptions.count() > before, 'the subscription');
      await triage(c.id);
      await ok('elexonAgent', 'mutation($input: HandOffCaseInput!) { handOffCase(input: $input) { id } }', {
        input: { caseId: c.id, toDeskId: 'dcc-service-desk', reason: 'DCC adaptor' },
      });
      await comment('elexonAgent', c.id, 'internal: DCC adaptor misbehaving', 'WORK_NOTE');
      await comment('elexonAgent', c.id, 'We are on it');
      // The raise happened before subscribing; under load its event may still be on its way through the relay.
      const after = () =>
        received.events.map((e) => e.caseEvents as { sequence: string; type: string; case: Record<string, unknown> }).filter((e) => e.type !== 'case.raised');
      await waitFor(() => after().length >= 3, 'three events');
      const events = after();
      expect(events.map((e) => e.type)).toEqual(['case.triaged', 'handoff.created', 'case.commented']);
      expect(events[0].case).toMatchObject({ reference: c.reference, state: 'IN_PROGRESS', priority: 'P2' });
      // The DCC desk's profile comes from the dcc subgraph.
      expect(events[1].case.handoffs).toEqual([
        { state: 'REQUESTED', toDesk: { id: 'dcc-service-desk', profile: { __typename: 'DccDeskProfile', hours: { alwaysOpen: true } } } },
      ]);
      const sequences = events.map((e) => BigInt(e.sequence));
      expect([...sequences].sort((a, b) => (a < b ? -1 : 1))).toEqual(sequences);
      // The work note's event never reached the raiser.
      expect(events.map((e) => e.type)).not.toContain('case.work_note_added');
      expect(received.errors).toEqual([]);
    });

    it('a subscriber who may not see the case is refused, exactly as if it did not exist', async () => {
      const c = await raiseCase();
      const { received } = subscribe(connect(tokens.otherSupplier), CASE_EVENTS, { caseId: c.id });
      await waitFor(() => received.done, 'the refusal');
      expect(JSON.stringify(received.errors)).toContain('Case not found');
    });

    it('reconnecting with `after` replays exactly what was missed, then goes live', async () => {
      const c = await raiseCase();
      const before = t.product.gateway.subscriptions.count();
      const first = subscribe(connect(tokens.supplier), CASE_EVENTS, { caseId: c.id });
      await waitFor(() => t.product.gateway.subscriptions.count() > before, 'the subscription');
      await triage(c.id);
      const triaged = () => first.received.events.map((e) => e.caseEvents as { sequence: string; type: string }).find((e) => e.type === 'case.triaged');
      await waitFor(() => triaged() !== undefined, 'the triage event');
      const last = triaged()!.sequence;
      first.stop();
      await comment('elexonAgent', c.id, 'missed one');
      await comment('elexonAgent', c.id, 'missed two');
      const second = subscribe(connect(tokens.supplier), CASE_EVENTS, { caseId: c.id, after: last });
      await waitFor(() => second.received.events.length === 2, 'the replay');
      await comment('elexonAgent', c.id, 'live three');
      await waitFor(() => second.received.events.length === 3, 'the live event');
      const types = second.received.events.map((e) => (e.caseEvents as { type: string }).type);
      expect(types).toEqual(['case.commented', 'case.commented', 'case.commented']);
      const seqs = second.received.events.map((e) => BigInt((e.caseEvents as { sequence: string }).sequence));
      expect(seqs[0]).toBeGreaterThan(BigInt(last));
      expect(new Set(seqs).size).toBe(3);
    });
  });

  describe('the WebSocket is authenticated and limited like HTTP', () => {
    it('a connection without a valid token is closed with 4403', async () => {
      let code = 0;
      const client = connect('not-a-token', undefined, (c) => (code = c));
      const { received } = subscribe(client, CASE_EVENTS, { caseId: '00000000-0000-0000-0000-000000000000' });
      await waitFor(() => received.done, 'the close');
      expect(code).toBe(4403);
    });

    it('the socket closes when the token expires', async () => {
      let code = 0;
      const shortLived = await t.token({ sub: 'sally', org: 'british-gas', ttlSeconds: 2 });
      const c = await raiseCase();
      const { received } = subscribe(
        connect(shortLived, undefined, (x) => (code = x)),
        CASE_EVENTS,
        { caseId: c.id },
      );
      await waitFor(() => received.done, 'the expiry close', 8_000);
      expect(code).toBe(4401);
    });

    it('operation limits apply to subscription documents', async () => {
      const deep = `subscription($caseId: ID!) { caseEvents(caseId: $caseId) { case { parent { parent { parent { parent { parent { parent { parent { parent { parent { parent { parent { id } } } } } } } } } } } } } }`;
      const { received } = subscribe(connect(tokens.supplier), deep, { caseId: '00000000-0000-0000-0000-000000000000' });
      await waitFor(() => received.done, 'the refusal');
      expect(JSON.stringify(received.errors)).toMatch(/depth/i);
    });

    it('queries are refused over the socket, and a connection holds at most 20 subscriptions', async () => {
      const client = connect(tokens.supplier);
      const query = subscribe(client, '{ me { subject } }', {});
      await waitFor(() => query.received.done, 'the refusal');
      expect(JSON.stringify(query.received.errors)).toMatch(/over HTTP/);
      const c = await raiseCase();
      const subs = Array.from({ length: 21 }, () => subscribe(client, CASE_EVENTS, { caseId: c.id }));
      await waitFor(() => subs[20].received.done, 'the 21st refusal');
      expect(JSON.stringify(subs[20].received.errors)).toMatch(/At most 20/);
      for (const s of subs) s.stop();
    });

    it('a browser origin that is not allowed cannot open a socket', async () => {
      const socket = new WebSocket(wsUrl(t.gatewayUrl), 'graphql-transport-ws', { headers: { origin: 'https://evil.example' } });
      const status = await new Promise<number>((resolve) => {
        socket.on('unexpected-response', (_req, res) => resolve(res.statusCode ?? 0));
        socket.on('open', () => resolve(101));
        socket.on('error', () => resolve(-1));
      });
      expect(status).toBe(403);
    });
  });

  describe('every gateway replica consumes the bus', () => {
    let second: RunningGateway;

    beforeAll(async () => {
      const config = loadConfig({ ...process.env, CPSD_DATA_DIR: t.dataDir, DATABASE_URL: 'unused' });
      const { jwtVerifier } = await configurePartnerAuth(config);
      second = await startGateway({
        host: '127.0.0.1',
        port: 0,
        supergraphPath: config.supergraphPath,
        subgraphUrls: Object.fromEntries(t.product.subgraphs.map((s) => [s.name, s.url])),
        jwtVerifier,
        signer: t.product.signer,
        limits: config.limits,
        dev: true,
        lifecycle: t.product.lifecycle,
        bus: t.product.bus,
        allowedOrigins: [],
      });
    });

    it('a subscriber on each of two gateways receives the same update', async () => {
      const c = await raiseCase();
      const before = t.product.gateway.subscriptions.count();
      const one = subscribe(connect(tokens.supplier), CASE_EVENTS, { caseId: c.id });
      const two = subscribe(connect(tokens.supplier, wsUrl(second.url)), CASE_EVENTS, { caseId: c.id });
      await waitFor(() => t.product.gateway.subscriptions.count() > before && second.subscriptions.count() > 0, 'both subscriptions');
      await triage(c.id);
      const triaged = (r: Received) => r.events.filter((e) => (e.caseEvents as { type: string }).type === 'case.triaged');
      await waitFor(() => triaged(one.received).length === 1 && triaged(two.received).length === 1, 'both deliveries');
      expect(triaged(one.received)).toEqual(triaged(two.received));
    });
  });

  describe('majorIncidentUpdates: a DIP outage followed live by dashboards', () => {
    const MI_EVENTS = `subscription($services: [Service!], $after: String) {
      majorIncidentUpdates(services: $services, after: $after) {
        sequence type
        majorIncident { reference title state services lead { name } leadDesk { profile { contactMethod { kind } } }
          updates { kind body } linkedCases { id raisedByOrganisation { id } } }
      }
    }`;

    it('promotion, updates and resolution reach the subscribers of the service; each sees only the linked cases it may', async () => {
      tokens.mim = await t.token({ sub: 'mim', org: 'elexon', roles: ['participant', 'major_incident_manager'] });
      const before = t.product.gateway.subscriptions.count();
      const bg = subscribe(connect(tokens.supplier), MI_EVENTS, { services: ['DIP'] });
      const bgb = subscribe(connect(tokens.sibling), MI_EVENTS, { services: ['DIP'] });
      const css = subscribe(connect(tokens.supplier), MI_EVENTS, { services: ['CSS'] });
      await waitFor(() => t.product.gateway.subscriptions.count() >= before + 3, 'three subscriptions');

      const parent = await raiseCase('otherSupplier');
      const bgCase = await raiseCase('supplier');
      const bgbCase = await raiseCase('sibling');
      await triage(parent.id);
      for (const child of [bgCase, bgbCase]) {
        await ok('elexonAgent', 'mutation($input: LinkChildCaseInput!) { linkChildCase(input: $input) { id } }', {
          input: { parentId: parent.id, childId: child.id },
        });
      }
      const proposed = await ok<{ proposeMajorIncident: { id: string } }>(
        'elexonAgent',
        'mutation($caseId: ID!, $input: ProposeMajorIncidentInput!) { proposeMajorIncident(caseId: $caseId, input: $input) { id } }',
        {
          caseId: parent.id,
          input: {
            title: 'DIP message delivery outage',
            services: ['DIP'],
            validityChecks: ['SERVICE_DISRUPTION'],
            thresholds: { participantImpact: true, duration: false, complianceRisk: false, securityBreach: false },
          },
        },
      );
      const id = proposed.proposeMajorIncident.id;
      await ok('mim', 'mutation($id: ID!, $input: ReviewMajorIncidentInput) { reviewMajorIncident(id: $id, decision: PROMOTE, input: $input) { id } }', {
        id,
        input: { initialUpdate: { body: 'The DIP is not delivering messages.', statusPage: true } },
      });
      await ok('mim', 'mutation($id: ID!, $input: MajorIncidentUpdateInput!) { postMajorIncidentUpdate(id: $id, input: $input) { id } }', {
        id,
        input: { body: 'Messages are queued, not lost.' },
      });
      await ok('mim', 'mutation($id: ID!, $resolution: String!) { resolveMajorIncident(id: $id, resolution: $resolution) { id } }', {
        id,
        resolution: 'Load balancer replaced; queued messages delivered.',
      });
      await waitFor(() => bg.received.events.length >= 3 && bgb.received.events.length >= 3, 'the promotion, the update and the resolution');
      type MiEvent = {
        type: string;
        majorIncident: {
          state: string;
          lead: { name: string };
          leadDesk: { profile: { contactMethod: { kind: string } } };
          updates: { kind: string }[];
          linkedCases: { id: string }[];
        };
      };
      const seen = (r: Received) => r.events.map((e) => e.majorIncidentUpdates as MiEvent);
      expect(seen(bg.received).map((e) => e.type)).toEqual(['major_incident.promoted', 'major_incident.updated', 'major_incident.resolved']);
      const last = seen(bg.received)[2].majorIncident;
      expect(last.state).toBe('RESOLVED');
      expect(last.lead.name).toBe('Elexon');
      // The lead desk's profile is resolved by the hub's own profile type; linked cases follow case visibility.
      expect(last.leadDesk.profile.contactMethod.kind).toBeTruthy();
      // Each raiser sees its own linked case and not the other brand's, though both are children of the same MI.
      expect(last.linkedCases.map((c) => c.id)).toEqual([bgCase.id]);
      expect(seen(bgb.received)[2].majorIncident.linkedCases.map((c) => c.id)).toEqual([bgbCase.id]);
      // Another service's subscribers heard nothing, and the candidate stage was never broadcast.
      expect(css.received.events).toEqual([]);
      expect(seen(bg.received).map((e) => e.type)).not.toContain('major_incident.proposed');
    });
  });
});

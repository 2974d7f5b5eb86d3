/**
 * Case exchange as the desks run it, through the gateway on real PostgreSQL: raise, triage, hand off, resolve,
 * confirm — and at every step what each party can and cannot see. All of it on each event bus: the PostgreSQL outbox
 * bus and NATS JetStream (the elexon outbox relays the hand-off to the bus, the dcc subgraph's durable consumer opens
 * exactly one external ticket from it).
 */
import { randomUUID } from 'node:crypto';
import { Client } from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeMpan } from '../../schema/mpan';
import { caseService } from '../../subgraphs/elexon/cases/case.runtime';
import { BUSES, busEnv, callers, signIn, startTestProduct, waitFor, type Claims, type TestProduct } from './harness';

let t: TestProduct;
const tokens: Record<string, string> = {};
const { as, ok } = callers(() => t, tokens);

const LONDON_MPAN = makeMpan('12', '0002330596');

const CASE_FIELDS = `id reference state type priority impact urgency category subject holdReason resolution raisedBy
  desk { id } raisedByOrganisation { id }
  sla { responseDueAt resolutionDueAt paused breached elapsedMinutes calendar }
  evidence { mpans dipMessageIds }
  comments { body visibility author }
  timeline { action field from to note actor }
  handoffs { id state reason externalReference resolution toDesk { id } }
  parent { id } children { id state resolution }`;

interface CaseView {
  id: string;
  reference: string;
  state: string;
  type: string | null;
  priority: string | null;
  resolution: string | null;
  holdReason: string | null;
  desk: { id: string };
  sla: { responseDueAt: string; resolutionDueAt: string | null; paused: boolean; breached: boolean; elapsedMinutes: number; calendar: string };
  evidence: { mpans: string[]; dipMessageIds: string[] };
  comments: { body: string; visibility: string; author: string }[];
  timeline: { action: string; field: string | null; from: string | null; to: string | null; note: string | null; actor: string }[];
  handoffs: { id: string; state: string; reason: string | null; externalReference: string | null; resolution: string | null; toDesk: { id: string } }[];
  parent: { id: string } | null;
  children: { id: string; state: string; resolution: string | null }[];
}

async function viewCase(who: string, id: string): Promise<CaseView | null> {
  const { data } = await as<{ case: CaseView | null }>(who, `query($id: ID!) { case(id: $id) { ${CASE_FIELDS} } }`, { id });
  return data?.case ?? null;
}

async function raise(who: string, input: Record<string, unknown>): Promise<CaseView> {
  const data = await ok<{ raiseCase: CaseView }>(who, `mutation($input: RaiseCaseInput!) { raiseCase(input: $input) { ${CASE_FIELDS} } }`, { input });
  return data.raiseCase;
}

async function triage(who: string, caseId: string, impact = 'MEDIUM', urgency = 'HIGH', type = 'INCIDENT'): Promise<CaseView> {
  const data = await ok<{ triageCase: CaseView }>(who, `mutation($input: TriageCaseInput!) { triageCase(input: $input) { ${CASE_FIELDS} } }`, {
    input: { caseId, type, impact, urgency },
  });
  return data.triageCase;
}

describe.each(BUSES)('case exchange over the %s bus', (bus) => {
  beforeAll(async () => {
    t = await startTestProduct(busEnv(bus));
    const people: Record<string, Claims> = {
      supplier: { sub: 'sally@britishgas.example', org: 'british-gas', roles: ['participant'] },
      supplierParent: { sub: 'pat@centrica.example', org: 'centrica', roles: ['participant'] },
      supplierSibling: { sub: 'sid@bgb.example', org: 'british-gas-business', roles: ['participant'] },
      otherSupplier: { sub: 'olga@eonnext.example', org: 'eon-next', roles: ['participant'] },
      elexonAgent: { sub: 'eve@elexon.example', org: 'elexon', roles: ['participant', 'desk_agent'], desks: ['elexon-service-desk'] },
      dccAgent: { sub: 'dan@dcc.example', org: 'dcc', roles: ['participant', 'desk_agent'], desks: ['dcc-service-desk'] },
      dccParticipant: { sub: 'dora@dcc.example', org: 'dcc', roles: ['participant'] },
    };
    await signIn(t, people, tokens);
  });

  afterAll(async () => {
    await t?.stop();
  });

  it(`the product runs on the ${bus} bus: PostgreSQL bus tables only with the PostgreSQL bus`, async () => {
    const client = new Client({ connectionString: t.product.databaseUrl });
    await client.connect();
    try {
      const { rowCount } = await client.query("SELECT 1 FROM information_schema.schemata WHERE schema_name = 'cpsd_bus'");
      expect(rowCount).toBe(bus === 'postgres' ? 1 : 0);
    } finally {
      await client.end();
    }
  });

  describe('a supplier raises a DIP incident with Elexon, Elexon finds the cause at DCC and hands it off', () => {
    let incident: CaseView;
    let handoffId: string;

    it('the supplier raises it with evidence; it is New, with a 15-minute triage clock and no priority yet', async () => {
      incident = await raise('supplier', {
        deskId: 'elexon-service-desk',
        category: 'MARKET_SYSTEMS',
        subject: 'DIP rejecting our consumption messages',
        description: 'Since 09:00 every MHHS consumption message we send is rejected with a schema error.',
        evidence: { mpans: [LONDON_MPAN], dipMessageIds: ['DIP-7f3a-0001'], errorCodes: ['E-SCHEMA-400'] },
        idempotencyKey: 'raise-dip-1',
      });
      expect(incident.reference).toMatch(/^CPSD-\d{6}$/);
      expect(incident).toMatchObject({ state: 'NEW', priority: null, type: null, desk: { id: 'elexon-service-desk' }, raisedBy: 'sally@britishgas.example' });
      expect(incident.evidence).toEqual({ mpans: [LONDON_MPAN], dipMessageIds: ['DIP-7f3a-0001'] });
      expect(incident.sla.calendar).toBe('24x7');
      expect(incident.sla.resolutionDueAt).toBeNull();
      const minutesToTriage = (Date.parse(incident.sla.responseDueAt) - Date.now()) / 60_000;
      expect(minutesToTriage).toBeGreaterThan(13);
      expect(minutesToTriage).toBeLessThanOrEqual(15);
      expect(incident.timeline.map((e) => e.action)).toEqual(['RAISED']);
    });

    it('retrying the raise with the same idempotency key returns the same case; reusing the key for another case is refused', async () => {
      const again = await raise('supplier', {
        deskId: 'elexon-service-desk',
        category: 'MARKET_SYSTEMS',
        subject: 'DIP rejecting our consumption messages',
        description: 'Since 09:00 every MHHS consumption message we send is rejected with a schema error.',
        evidence: { mpans: [LONDON_MPAN], dipMessageIds: ['DIP-7f3a-0001'], errorCodes: ['E-SCHEMA-400'] },
        idempotencyKey: 'raise-dip-1',
      });
      expect(again.id).toBe(incident.id);
      const reused = await as('supplier', 'mutation($input: RaiseCaseInput!) { raiseCase(input: $input) { id } }', {
        input: { deskId: 'elexon-service-desk', category: 'MARKET_SYSTEMS', subject: 'Another', description: 'Different', idempotencyKey: 'raise-dip-1' },
      });
      expect(reused.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'idempotencyKey' });
    });

    it('only the desk triages: the raiser cannot set priority', async () => {
      const attempt = await as('supplier', 'mutation($input: TriageCaseInput!) { triageCase(input: $input) { id } }', {
        input: { caseId: incident.id, type: 'INCIDENT', impact: 'HIGH', urgency: 'HIGH' },
      });
      expect(attempt.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    });

    it('Elexon triages it P2 (medium impact, high urgency); the resolution clock starts', async () => {
      incident = await triage('elexonAgent', incident.id, 'MEDIUM', 'HIGH');
      expect(incident).toMatchObject({ state: 'IN_PROGRESS', priority: 'P2', type: 'INCIDENT' });
      expect(incident.sla.resolutionDueAt).not.toBeNull();
      expect(incident.timeline).toContainEqual(expect.objectContaining({ action: 'TRIAGED', field: 'priority', from: null, to: 'P2' }));
      // The stored due time the queue's `breached` filter reads is the clock's.
      const elexon = t.product.subgraphs.find((s) => s.name === 'elexon')!;
      const [stored] = (await elexon.db.query('SELECT resolution_due_at AS due FROM elexon.cases WHERE id = $1', [incident.id])) as { due: Date | null }[];
      expect(stored.due?.toISOString()).toBe(new Date(incident.sla.resolutionDueAt!).toISOString());
    });

    it('work notes stay between resolvers; customer-visible comments reach the raiser', async () => {
      await ok('elexonAgent', 'mutation($input: AddCommentInput!) { addComment(input: $input) { id } }', {
        input: { caseId: incident.id, body: 'Looks like the DCC adaptor dropped a field: checking with DCC.', visibility: 'WORK_NOTE' },
      });
      await ok('elexonAgent', 'mutation($input: AddCommentInput!) { addComment(input: $input) { id } }', {
        input: { caseId: incident.id, body: 'We are investigating with a service provider.', visibility: 'CUSTOMER_VISIBLE' },
      });
      const supplierView = (await viewCase('supplier', incident.id))!;
      expect(supplierView.comments.map((c) => c.body)).toEqual(['We are investigating with a service provider.']);
      expect(supplierView.timeline.map((e) => e.action)).not.toContain('WORK_NOTE_ADDED');
      const agentView = (await viewCase('elexonAgent', incident.id))!;
      expect(agentView.comments.map((c) => c.visibility)).toEqual(['WORK_NOTE', 'CUSTOMER_VISIBLE']);
      // A raiser cannot write work notes.
      const note = await as('supplier', 'mutation($input: AddCommentInput!) { addComment(input: $input) { id } }', {
        input: { caseId: incident.id, body: 'psst', visibility: 'WORK_NOTE' },
      });
      expect(note.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'visibility' });
    });

    it('Elexon hands it off to the DCC Service Desk; the dcc subgraph opens exactly one ticket from the event', async () => {
      const data = await ok<{ handOffCase: CaseView }>('elexonAgent', `mutation($input: HandOffCaseInput!) { handOffCase(input: $input) { ${CASE_FIELDS} } }`, {
        input: { caseId: incident.id, toDeskId: 'dcc-service-desk', reason: 'Adaptor at DCC drops the read type field', idempotencyKey: 'handoff-1' },
      });
      expect(data.handOffCase.handoffs).toEqual([
        expect.objectContaining({ state: 'REQUESTED', toDesk: { id: 'dcc-service-desk' }, reason: 'Adaptor at DCC drops the read type field' }),
      ]);
      handoffId = data.handOffCase.handoffs[0].id;
      const tickets = await waitFor(async () => {
        const { data: q } = await as<{ dccExternalTickets: { handoffId: string; caseReference: string; state: string }[] }>(
          'dccAgent',
          '{ dccExternalTickets { handoffId caseReference state subject } }',
        );
        return q?.dccExternalTickets.length ? q.dccExternalTickets : null;
      }, 'the DCC ticket');
      expect(tickets).toEqual([expect.objectContaining({ handoffId, caseReference: incident.reference, state: 'OPEN' })]);
    });

    it('a redelivered hand-off event (same id, and a new id) never makes a second ticket', async () => {
      const [created] = await t.product.bus.readAfter(null, 1000, ['handoff.created']);
      expect(created.payload.handoffId).toBe(handoffId);
      expect(created.sequence).toMatch(/^\d+$/);
      // The same event again (bus dedupe), and the same hand-off under a new event id (a replay from another path).
      const replay = { ...created, id: randomUUID() };
      await t.product.bus.publish([created, replay]);
      // The same id is dropped by the bus; the new id is stored once, after the original.
      const after = await t.product.bus.readAfter(created.sequence, 10, ['handoff.created']);
      expect(after.map((e) => e.id)).toEqual([replay.id]);
      // Wait until the dcc subgraph's durable consumer has acknowledged the replay (handled, not merely stored).
      await t.waitForConsumer('dcc:external-tickets', after[0].sequence);
      const { data } = await as<{ dccExternalTickets: { handoffId: string }[] }>('dccAgent', '{ dccExternalTickets { handoffId } }');
      expect(data?.dccExternalTickets).toEqual([{ handoffId }]);
    });

    it('the DCC agent sees the case it was handed; a DCC participant without the desk does not', async () => {
      expect((await viewCase('dccAgent', incident.id))?.reference).toBe(incident.reference);
      expect(await viewCase('dccParticipant', incident.id)).toBeNull();
    });

    it('the case stays open with the raiser while the hand-off is open', async () => {
      const attempt = await as('elexonAgent', 'mutation($input: ResolveCaseInput!) { resolveCase(input: $input) { id } }', {
        input: { caseId: incident.id, resolution: 'Fixed' },
      });
      expect(attempt.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', openHandoffs: 1 });
    });

    it('only the receiving desk acts on the hand-off', async () => {
      const attempt = await as('elexonAgent', 'mutation($input: AcknowledgeHandoffInput!) { acknowledgeHandoff(input: $input) { id } }', {
        input: { handoffId, externalReference: 'X' },
      });
      expect(attempt.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    });

    it('DCC acknowledges with its own reference and resolves; the resolution reaches the case timeline', async () => {
      const ack = await ok<{ acknowledgeHandoff: { state: string; externalReference: string } }>(
        'dccAgent',
        'mutation($input: AcknowledgeHandoffInput!) { acknowledgeHandoff(input: $input) { state externalReference } }',
        { input: { handoffId, externalReference: 'DCC-INC-42' } },
      );
      expect(ack.acknowledgeHandoff).toEqual({ state: 'ACKNOWLEDGED', externalReference: 'DCC-INC-42' });
      const resolved = await ok<{ resolveHandoff: { state: string; resolution: string; case: { reference: string } } }>(
        'dccAgent',
        'mutation($input: ResolveHandoffInput!) { resolveHandoff(input: $input) { state resolution case { reference } } }',
        { input: { handoffId, resolution: 'Adaptor patched; rejected messages replayed.' } },
      );
      expect(resolved.resolveHandoff).toEqual({
        state: 'RESOLVED',
        resolution: 'Adaptor patched; rejected messages replayed.',
        case: { reference: incident.reference },
      });
      const agentView = (await viewCase('elexonAgent', incident.id))!;
      expect(agentView.timeline).toContainEqual(
        expect.objectContaining({ action: 'HANDOFF_RESOLVED_DETAIL', note: 'Adaptor patched; rejected messages replayed.', actor: 'dan@dcc.example' }),
      );
      const ticket = await waitFor(async () => {
        const { data } = await as<{ dccExternalTickets: { state: string; externalReference: string | null }[] }>(
          'dccAgent',
          '{ dccExternalTickets { state externalReference } }',
        );
        return data?.dccExternalTickets[0]?.state === 'RESOLVED' ? data.dccExternalTickets[0] : null;
      }, 'the DCC ticket to follow the hand-off');
      expect(ticket.externalReference).toBe('DCC-INC-42');
    });

    it('the raiser sees that DCC resolved its part, but not DCC’s notes, the reason or DCC’s reference', async () => {
      const supplierView = (await viewCase('supplier', incident.id))!;
      expect(supplierView.timeline.map((e) => e.action)).toEqual(expect.arrayContaining(['HANDED_OFF', 'HANDOFF_ACKNOWLEDGED', 'HANDOFF_RESOLVED']));
      expect(supplierView.timeline.map((e) => e.action)).not.toContain('HANDOFF_RESOLVED_DETAIL');
      expect(supplierView.timeline.map((e) => e.action)).not.toContain('HANDOFF_REASON');
      expect(supplierView.handoffs).toEqual([
        { id: handoffId, state: 'RESOLVED', reason: null, externalReference: null, resolution: null, toDesk: { id: 'dcc-service-desk' } },
      ]);
    });

    it('Elexon resolves, and the supplier confirms: the case closes', async () => {
      const resolved = await ok<{ resolveCase: CaseView }>(
        'elexonAgent',
        `mutation($input: ResolveCaseInput!) { resolveCase(input: $input) { ${CASE_FIELDS} } }`,
        {
          input: { caseId: incident.id, resolution: 'DCC patched the adaptor; please resend anything still rejected.' },
        },
      );
      expect(resolved.resolveCase.state).toBe('RESOLVED');
      const confirmed = await ok<{ confirmResolution: CaseView }>(
        'supplier',
        `mutation($input: CaseNoteInput!) { confirmResolution(input: $input) { ${CASE_FIELDS} } }`,
        {
          input: { caseId: incident.id, note: 'All good now' },
        },
      );
      expect(confirmed.confirmResolution.state).toBe('CLOSED');
    });

    it('the supplier’s parent account sees the case; a sibling brand and another supplier do not, not even by reference', async () => {
      expect((await viewCase('supplierParent', incident.id))?.id).toBe(incident.id);
      for (const who of ['supplierSibling', 'otherSupplier']) {
        expect(await viewCase(who, incident.id)).toBeNull();
        const { data } = await as<{ caseByReference: unknown; cases: { edges: { node: { id: string } }[] } }>(
          who,
          'query($ref: String!) { caseByReference(reference: $ref) { id } cases(first: 100) { edges { node { id } } } }',
          { ref: incident.reference },
        );
        expect(data?.caseByReference).toBeNull();
        expect(data?.cases.edges.map((e) => e.node.id)).not.toContain(incident.id);
        const write = await as(who, 'mutation($input: AddCommentInput!) { addComment(input: $input) { id } }', {
          input: { caseId: incident.id, body: 'hello?' },
        });
        expect(write.errors?.[0]?.extensions?.code).toBe('NOT_FOUND');
        const missing = await as(who, 'mutation($input: AddCommentInput!) { addComment(input: $input) { id } }', {
          input: { caseId: randomUUID(), body: 'hello?' },
        });
        expect(missing.errors?.[0]?.message).toBe(write.errors?.[0]?.message);
      }
    });
  });

  describe('a misrouted MPAN query is closed with direction to the right LDSO', () => {
    it('the MPAN suggests UKPN London’s MPAS help desk, and closing as misrouted names it', async () => {
      const query = await raise('supplier', {
        deskId: 'elexon-service-desk',
        category: 'PARTICIPANT_ISSUES',
        subject: 'Wrong address held for a supply point',
        description: 'The address held in MPAS for this MPAN is not the customer’s.',
        evidence: { mpans: [LONDON_MPAN] },
      });
      const { data } = await as<{ case: { routingSuggestions: { basis: string; desk: { id: string } }[] } }>(
        'elexonAgent',
        'query($id: ID!) { case(id: $id) { routingSuggestions { basis desk { id } } } }',
        { id: query.id },
      );
      expect(data?.case.routingSuggestions[0]).toEqual({ basis: 'MPAN_DISTRIBUTOR', desk: { id: 'ukpn-lpn-mpas' } });
      const closed = await ok<{ closeAsMisrouted: CaseView & { misroutedTo: { id: string; name: string } } }>(
        'elexonAgent',
        `mutation($input: CloseAsMisroutedInput!) { closeAsMisrouted(input: $input) { ${CASE_FIELDS} misroutedTo { id name } } }`,
        { input: { caseId: query.id, guidance: 'Supply point data is held by the LDSO’s MPAS.' } },
      );
      expect(closed.closeAsMisrouted).toMatchObject({ state: 'RESOLVED', misroutedTo: { id: 'ukpn-lpn-mpas' } });
      const supplierView = (await viewCase('supplier', query.id))!;
      expect(supplierView.resolution).toContain(closed.closeAsMisrouted.misroutedTo.name);
      expect(supplierView.timeline).toContainEqual(expect.objectContaining({ action: 'CLOSED_AS_MISROUTED', to: 'RESOLVED' }));
    });
  });

  describe('routing to another desk keeps the history and tells the raiser', () => {
    it('routeCase moves the case to the right desk for a new triage', async () => {
      const c = await raise('supplier', {
        deskId: 'elexon-service-desk',
        category: 'MARKET_SYSTEMS',
        subject: 'Switch stuck',
        description: 'A CSS registration has not completed',
      });
      const routed = await ok<{ routeCase: CaseView }>('elexonAgent', `mutation($input: RouteCaseInput!) { routeCase(input: $input) { ${CASE_FIELDS} } }`, {
        input: { caseId: c.id, toDeskId: 'dcc-switching', reason: 'CSS registrations are the Switching Service Desk’s' },
      });
      expect(routed.routeCase).toMatchObject({ state: 'NEW', desk: { id: 'dcc-switching' } });
      const view = (await viewCase('supplier', c.id))!;
      expect(view.timeline).toContainEqual(expect.objectContaining({ action: 'ROUTED', from: 'elexon-service-desk', to: 'dcc-switching' }));
      // The Elexon agent no longer works it.
      expect(await viewCase('elexonAgent', c.id)).toBeNull();
    });
  });

  describe('On Hold pauses the SLA clock', () => {
    it('the resolution due time moves by the time spent on hold', async () => {
      const c = await raise('supplier', {
        deskId: 'elexon-service-desk',
        category: 'SETTLEMENT_SERVICES',
        subject: 'Missing settlement run',
        description: 'SF run missing',
      });
      const triaged = await triage('elexonAgent', c.id, 'HIGH', 'HIGH');
      expect(triaged.priority).toBe('P1'); // 6 clock hours at the 24/7 Elexon desk
      const held = await ok<{ putCaseOnHold: CaseView }>(
        'elexonAgent',
        `mutation($input: PutCaseOnHoldInput!) { putCaseOnHold(input: $input) { ${CASE_FIELDS} } }`,
        {
          input: { caseId: c.id, reason: 'AWAITING_CALLER', note: 'Need the run date' },
        },
      );
      expect(held.putCaseOnHold).toMatchObject({ state: 'ON_HOLD', holdReason: 'AWAITING_CALLER', sla: expect.objectContaining({ paused: true }) });
      // As if it was raised 4 hours ago and has waited 3 hours for the raiser's answer.
      const elexon = t.product.subgraphs.find((s) => s.name === 'elexon')!;
      await elexon.db.query(
        `UPDATE elexon.cases SET raised_at = raised_at - interval '4 hours', responded_at = responded_at - interval '4 hours' WHERE id = $1`,
        [c.id],
      );
      await elexon.db.query(`UPDATE elexon.case_holds SET started_at = started_at - interval '3 hours' WHERE case_id = $1`, [c.id]);
      const resumed = await ok<{ resumeCase: CaseView & { raisedAt: string } }>(
        'elexonAgent',
        `mutation($input: CaseNoteInput!) { resumeCase(input: $input) { ${CASE_FIELDS} raisedAt } }`,
        { input: { caseId: c.id } },
      );
      expect(resumed.resumeCase).toMatchObject({ state: 'IN_PROGRESS', holdReason: null, sla: expect.objectContaining({ paused: false, elapsedMinutes: 60 }) });
      const withoutHold = Date.parse(resumed.resumeCase.raisedAt) + 6 * 3_600_000;
      const shiftHours = (Date.parse(resumed.resumeCase.sla.resolutionDueAt!) - withoutHold) / 3_600_000;
      expect(shiftHours).toBeGreaterThan(2.95);
      expect(shiftHours).toBeLessThan(3.05);
    });

    it('a New case cannot go on hold: the error names the state and what it allows', async () => {
      const c = await raise('supplier', { deskId: 'elexon-service-desk', category: 'SECURITY', subject: 'Cert expiring', description: 'Our DIP cert' });
      const attempt = await as('elexonAgent', 'mutation($input: PutCaseOnHoldInput!) { putCaseOnHold(input: $input) { id } }', {
        input: { caseId: c.id, reason: 'VENDOR' },
      });
      expect(attempt.errors?.[0]?.extensions).toMatchObject({
        code: 'BAD_USER_INPUT',
        field: 'caseId',
        action: 'HOLD',
        currentState: 'NEW',
        allowed: ['TRIAGE', 'RESOLVE', 'CANCEL', 'ROUTE'],
      });
      expect(attempt.errors?.[0]?.message).toContain('Cannot HOLD a case that is NEW');
    });

    it('routing a closed case names the action attempted (ROUTE), not another', async () => {
      const c = await raise('supplier', { deskId: 'elexon-service-desk', category: 'SECURITY', subject: 'Cert expiring', description: 'Our DIP cert' });
      const cancelled = await as('supplier', 'mutation($input: CaseReasonInput!) { cancelCase(input: $input) { state } }', {
        input: { caseId: c.id, comment: 'Raised twice' },
      });
      expect(cancelled.errors).toBeUndefined();
      const attempt = await as('elexonAgent', 'mutation($input: RouteCaseInput!) { routeCase(input: $input) { id } }', {
        input: { caseId: c.id, toDeskId: 'dcc-service-desk', reason: 'Belongs to DCC' },
      });
      expect(attempt.errors?.[0]?.extensions).toMatchObject({
        code: 'BAD_USER_INPUT',
        field: 'caseId',
        action: 'ROUTE',
        currentState: 'CANCELLED',
        allowed: [],
      });
      expect(attempt.errors?.[0]?.message).toContain('Cannot ROUTE a case that is CANCELLED');
    });
  });

  describe('parent and child cases', () => {
    it('many raisers, one outage: resolving the parent resolves its open children and tells each raiser', async () => {
      const parent = await raise('supplier', {
        deskId: 'elexon-service-desk',
        category: 'MARKET_SYSTEMS',
        subject: 'DIP outage',
        description: 'No messages flow',
      });
      const child1 = await raise('otherSupplier', { deskId: 'elexon-service-desk', category: 'MARKET_SYSTEMS', subject: 'DIP down?', description: 'Timeouts' });
      const child2 = await raise('supplierSibling', {
        deskId: 'elexon-service-desk',
        category: 'MARKET_SYSTEMS',
        subject: 'Cannot send',
        description: 'Connection refused',
      });
      await triage('elexonAgent', parent.id, 'HIGH', 'HIGH');
      const link = (parentId: string, childId: string) =>
        as<{ linkChildCase: { children: { id: string }[] } }>(
          'elexonAgent',
          'mutation($input: LinkChildCaseInput!) { linkChildCase(input: $input) { children { id } } }',
          {
            input: { parentId, childId },
          },
        );
      expect((await link(parent.id, child1.id)).errors).toBeUndefined();
      const linked = await link(parent.id, child2.id);
      expect(linked.data?.linkChildCase.children.map((c) => c.id).sort()).toEqual([child1.id, child2.id].sort());

      expect((await link(parent.id, parent.id)).errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'childId' });
      await triage('elexonAgent', child1.id);
      expect((await link(child1.id, parent.id)).errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'childId' });
      const other = await raise('supplier', { deskId: 'elexon-service-desk', category: 'MARKET_SYSTEMS', subject: 'Other', description: 'x' });
      await triage('elexonAgent', other.id);
      expect((await link(other.id, child1.id)).errors?.[0]?.message).toMatch(/already has a parent/);

      // A raiser sees its own child case linked, but not the parent it may not see.
      const siblingView = (await viewCase('supplierSibling', child2.id))!;
      expect(siblingView.parent).toBeNull();

      const resolved = await ok<{ resolveCase: CaseView }>(
        'elexonAgent',
        `mutation($input: ResolveCaseInput!) { resolveCase(input: $input) { ${CASE_FIELDS} } }`,
        {
          input: { caseId: parent.id, resolution: 'DIP load balancer replaced' },
        },
      );
      expect(resolved.resolveCase.children.map((c) => c.state)).toEqual(['RESOLVED', 'RESOLVED']);
      for (const [who, child] of [
        ['otherSupplier', child1],
        ['supplierSibling', child2],
      ] as const) {
        const view = (await viewCase(who, child.id))!;
        expect(view.state).toBe('RESOLVED');
        expect(view.resolution).toBe(`Resolved with ${parent.reference}: DIP load balancer replaced`);
        expect(view.timeline).toContainEqual(expect.objectContaining({ action: 'RESOLVED_WITH_PARENT' }));
      }
    });
  });

  describe('a child account is blind to its parent’s cases', () => {
    it('a licence area (UKPN London) does not see UK Power Networks’ own case; the group sees the area’s', async () => {
      tokens.ukpn = await t.token({ sub: 'uma@ukpn.example', org: 'ukpn' });
      tokens.lpn = await t.token({ sub: 'liam@lpn.example', org: 'ukpn-lpn' });
      const groupCase = await raise('ukpn', {
        deskId: 'elexon-service-desk',
        category: 'DATA_SUBMISSION',
        subject: 'Group-wide file issue',
        description: 'All areas',
      });
      const areaCase = await raise('lpn', {
        deskId: 'elexon-service-desk',
        category: 'DATA_SUBMISSION',
        subject: 'London file issue',
        description: 'London only',
      });
      expect(await viewCase('lpn', groupCase.id)).toBeNull();
      expect((await viewCase('ukpn', areaCase.id))?.id).toBe(areaCase.id);
      const { data } = await as<{ cases: { edges: { node: { id: string; raisedByOrganisation: { id: string } } }[] } }>(
        'ukpn',
        '{ cases(first: 50) { edges { node { id raisedByOrganisation { id } } } } }',
      );
      expect(data?.cases.edges.map((e) => e.node.raisedByOrganisation.id).sort()).toEqual(['ukpn', 'ukpn-lpn']);
    });
  });

  describe('closing, reopening and auto-close', () => {
    it('a resolved case auto-closes after 5 days without an answer; reopening later than the window means a new case that references it', async () => {
      const c = await raise('supplier', {
        deskId: 'elexon-service-desk',
        category: 'COMMUNICATIONS',
        subject: 'Circular missing',
        description: 'Did not receive the circular',
      });
      await triage('elexonAgent', c.id, 'LOW', 'LOW');
      await ok('elexonAgent', 'mutation($input: ResolveCaseInput!) { resolveCase(input: $input) { id } }', { input: { caseId: c.id, resolution: 'Re-sent' } });
      const elexon = t.product.subgraphs.find((s) => s.name === 'elexon')!;
      const service = caseService(elexon.db);
      expect(await service.autoCloseResolved(new Date(Date.now() + 4 * 24 * 3600_000))).toBe(0);
      expect((await viewCase('supplier', c.id))!.state).toBe('RESOLVED');
      expect(await service.autoCloseResolved(new Date(Date.now() + 5 * 24 * 3600_000 + 60_000))).toBeGreaterThanOrEqual(1);
      const closed = (await viewCase('supplier', c.id))!;
      expect(closed.state).toBe('CLOSED');
      expect(closed.timeline).toContainEqual(expect.objectContaining({ action: 'AUTO_CLOSED', actor: 'cpsd-auto-close' }));

      // Within the window a closed case reopens with a comment.
      const reopened = await ok<{ reopenCase: CaseView }>('supplier', `mutation($input: CaseReasonInput!) { reopenCase(input: $input) { ${CASE_FIELDS} } }`, {
        input: { caseId: c.id, comment: 'Still not received' },
      });
      expect(reopened.reopenCase.state).toBe('IN_PROGRESS');
      expect(reopened.reopenCase.comments.map((x) => x.body)).toContain('Still not received');

      // Past the window it cannot, and a new case references it instead.
      await ok('elexonAgent', 'mutation($input: ResolveCaseInput!) { resolveCase(input: $input) { id } }', {
        input: { caseId: c.id, resolution: 'Re-sent again' },
      });
      await ok('supplier', 'mutation($input: CaseNoteInput!) { confirmResolution(input: $input) { id } }', { input: { caseId: c.id } });
      await elexon.db.query(`UPDATE elexon.cases SET closed_at = closed_at - interval '11 days' WHERE id = $1`, [c.id]);
      const late = await as('supplier', 'mutation($input: CaseReasonInput!) { reopenCase(input: $input) { id } }', {
        input: { caseId: c.id, comment: 'Again' },
      });
      expect(late.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', reason: 'REOPEN_WINDOW_EXPIRED' });
      const followUp = await ok<{ raiseCase: { referencesCase: { id: string } } }>(
        'supplier',
        'mutation($input: RaiseCaseInput!) { raiseCase(input: $input) { referencesCase { id } } }',
        {
          input: {
            deskId: 'elexon-service-desk',
            category: 'COMMUNICATIONS',
            subject: 'Circular still missing',
            description: 'See previous',
            referencesCaseId: c.id,
          },
        },
      );
      expect(followUp.raiseCase.referencesCase.id).toBe(c.id);
    });

    it('reopening needs a comment', async () => {
      const c = await raise('supplier', { deskId: 'elexon-service-desk', category: 'COMMUNICATIONS', subject: 'x', description: 'y' });
      const attempt = await as('supplier', 'mutation($input: CaseReasonInput!) { reopenCase(input: $input) { id } }', {
        input: { caseId: c.id, comment: '   ' },
      });
      expect(attempt.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'comment' });
    });
  });

  describe('bad input gets a clear error and writes nothing', () => {
    it.each([
      ['an empty subject', { subject: '  ' }, 'subject'],
      ['an empty description', { description: '' }, 'description'],
      ['an unknown desk', { deskId: 'no-such-desk' }, 'deskId'],
      [
        'an MPAN with a wrong check digit',
        { evidence: { mpans: [LONDON_MPAN.slice(0, 12) + String((Number(LONDON_MPAN[12]) + 1) % 10)] } },
        'evidence.mpans[0]',
      ],
      ['a URL that is not http(s)', { evidence: { urls: ['javascript:alert(1)'] } }, 'evidence.urls[0]'],
      ['an over-long subject', { subject: 'x'.repeat(201) }, 'subject'],
    ])('raising with %s is BAD_USER_INPUT on %s', async (_label, change, field) => {
      const before = await t.product.subgraphs.find((s) => s.name === 'elexon')!.db.query('SELECT count(*)::int AS n FROM elexon.cases');
      const attempt = await as('supplier', 'mutation($input: RaiseCaseInput!) { raiseCase(input: $input) { id } }', {
        input: { deskId: 'elexon-service-desk', category: 'MARKET_SYSTEMS', subject: 'Subject', description: 'Description', ...change },
      });
      expect(attempt.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field });
      const after = await t.product.subgraphs.find((s) => s.name === 'elexon')!.db.query('SELECT count(*)::int AS n FROM elexon.cases');
      expect(after).toEqual(before);
    });

    it('a missing mandatory field is refused by the schema', async () => {
      const attempt = await as('supplier', 'mutation { raiseCase(input: { deskId: "elexon-service-desk", subject: "s", description: "d" }) { id } }');
      expect(attempt.errors?.[0]?.message).toMatch(/category/);
    });

    it('a page size beyond the limit is refused', async () => {
      const attempt = await as('supplier', '{ cases(first: 1000) { edges { cursor } } }');
      expect(attempt.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'first' });
    });
  });

  describe('the desk queue', () => {
    it('pages through a desk’s cases newest first with cursors, filtered by state and priority', async () => {
      for (let i = 0; i < 5; i++) {
        const c = await raise('otherSupplier', {
          deskId: 'elexon-service-desk',
          category: 'DATA_AGGREGATION_AND_REPORTING',
          subject: `Queue case ${i}`,
          description: 'queue',
        });
        if (i % 2 === 0) await triage('elexonAgent', c.id, 'HIGH', 'HIGH');
      }
      const page = (after?: string) =>
        as<{ cases: { edges: { cursor: string; node: { subject: string; priority: string } }[]; pageInfo: { hasNextPage: boolean; endCursor: string } } }>(
          'elexonAgent',
          'query($after: String) { cases(first: 2, after: $after, filter: { deskIds: ["elexon-service-desk"], priorities: [P1], text: "queue" }) { edges { cursor node { subject priority } } pageInfo { hasNextPage endCursor } } }',
          after ? { after } : {},
        );
      const first = (await page()).data!.cases;
      expect(first.edges.map((e) => e.node.subject)).toEqual(['Queue case 4', 'Queue case 2']);
      expect(first.pageInfo.hasNextPage).toBe(true);
      const second = (await page(first.pageInfo.endCursor)).data!.cases;
      expect(second.edges.map((e) => e.node.subject)).toEqual(['Queue case 0']);
      expect(second.pageInfo.hasNextPage).toBe(false);
    });
  });
});

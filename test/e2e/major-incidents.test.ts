/**
 * Industry-wide major incidents as the desks run them, through the gateway on real PostgreSQL: a DIP outage led by
 * Elexon (candidate, review, comms cadence, linked raisers, resolution, PIR, problem record), a CSS outage led by DCC,
 * the MI comms list, and the public status feed — and at every step who may see and do what.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { IDENTITY_HEADER } from '../../platform/identity-token';
import type { DeliveredEvent } from '../../platform/events';
import { makeMpan } from '../../schema/mpan';
import { BUSES, busEnv, callers, errorOf, signIn, startTestProduct, waitFor, type Claims, type TestProduct } from './harness';

let t: TestProduct;
const tokens: Record<string, string> = {};
const { as, ok } = callers(() => t, tokens);

const MPAN = makeMpan('12', '0002330596');
const WORK_NOTE = 'Work note: the DIP broker node dip-brk-07 has a full disk, restarting the consumer group';
const SECRET_DESCRIPTION = 'Our CSS gateway at 10.20.30.40 returns HTTP 503 for every registration since 07:55';
const ADDRESSES = ['ops.mi@britishgas.example', 'mi-desk@eonnext.example'];

const MI_FIELDS = `id reference title state services validityChecks triggeredCriteria reviewNote proposedBy reviewedBy leadSlaPolicy
  thresholds { participantImpact duration complianceRisk securityBreach }
  promotedAt nextUpdateDueAt updateOverdue resolvedAt resolution pirDueAt pirOverdue
  lead { id centralServiceProvider } leadDesk { id } impactedParties { id }
  updates { kind body services nextUpdateDueAt industryCircular statusPage postedAt }
  case { id state } linkedCases { id state raisedByOrganisation { id } }
  pir { rootCause affectedServices affectedUsers timeline { at event comments } actions { owner action dueAt } processReview }
  problemCase { id type state desk { id } referencesCase { id } }`;

interface MiView {
  id: string;
  reference: string;
  title: string;
  state: string;
  services: string[];
  validityChecks: string[];
  triggeredCriteria: string[];
  reviewNote: string | null;
  proposedBy: string | null;
  reviewedBy: string | null;
  leadSlaPolicy: string | null;
  thresholds: Record<string, boolean>;
  promotedAt: string | null;
  nextUpdateDueAt: string | null;
  updateOverdue: boolean;
  resolvedAt: string | null;
  resolution: string | null;
  pirDueAt: string | null;
  pirOverdue: boolean;
  lead: { id: string; centralServiceProvider: boolean } | null;
  leadDesk: { id: string } | null;
  impactedParties: { id: string }[];
  updates: {
    kind: string;
    body: string;
    services: string[];
    nextUpdateDueAt: string | null;
    industryCircular: boolean;
    statusPage: boolean;
    postedAt: string;
  }[];
  case: { id: string; state: string } | null;
  linkedCases: { id: string; state: string; raisedByOrganisation: { id: string } }[];
  pir: {
    rootCause: string;
    affectedServices: string[];
    affectedUsers: string;
    timeline: { at: string; event: string; comments: string | null }[];
    actions: { owner: string; action: string; dueAt: string }[];
    processReview: string;
  } | null;
  problemCase: { id: string; type: string; state: string; desk: { id: string }; referencesCase: { id: string } | null } | null;
}

async function raise(who: string, input: Record<string, unknown>): Promise<{ id: string; reference: string }> {
  const data = await ok<{ raiseCase: { id: string; reference: string } }>(
    who,
    'mutation($input: RaiseCaseInput!) { raiseCase(input: $input) { id reference } }',
    { input },
  );
  return data.raiseCase;
}

async function triage(who: string, caseId: string, impact = 'HIGH', urgency = 'HIGH'): Promise<{ priority: string }> {
  const data = await ok<{ triageCase: { priority: string } }>(who, 'mutation($input: TriageCaseInput!) { triageCase(input: $input) { priority } }', {
    input: { caseId, type: 'INCIDENT', impact, urgency },
  });
  return data.triageCase;
}

async function viewMi(who: string, id: string): Promise<MiView | null> {
  const { data, errors } = await as<{ majorIncident: MiView | null }>(who, `query($id: ID!) { majorIncident(id: $id) { ${MI_FIELDS} } }`, { id });
  expect(errors, JSON.stringify(errors)).toBeUndefined();
  return data?.majorIncident ?? null;
}

function propose(who: string, caseId: string, input: Record<string, unknown>) {
  return as<{ proposeMajorIncident: MiView }>(
    who,
    `mutation($caseId: ID!, $input: ProposeMajorIncidentInput!) { proposeMajorIncident(caseId: $caseId, input: $input) { ${MI_FIELDS} } }`,
    {
      caseId,
      input,
    },
  );
}

function review(who: string, id: string, decision: 'PROMOTE' | 'REJECT', input?: Record<string, unknown>) {
  return as<{ reviewMajorIncident: MiView }>(
    who,
    `mutation($id: ID!, $decision: MajorIncidentDecision!, $input: ReviewMajorIncidentInput) { reviewMajorIncident(id: $id, decision: $decision, input: $input) { ${MI_FIELDS} } }`,
    { id, decision, ...(input ? { input } : {}) },
  );
}

function postUpdate(who: string, id: string, input: Record<string, unknown>) {
  return as<{ postMajorIncidentUpdate: MiView }>(
    who,
    `mutation($id: ID!, $input: MajorIncidentUpdateInput!) { postMajorIncidentUpdate(id: $id, input: $input) { ${MI_FIELDS} } }`,
    {
      id,
      input,
    },
  );
}

const minutesFromNow = (minutes: number): string => new Date(Date.now() + minutes * 60_000).toISOString();

function elexonDb() {
  return t.product.subgraphs.find((s) => s.name === 'elexon')!.db;
}

const THRESHOLDS = { participantImpact: true, duration: false, complianceRisk: true, securityBreach: false };

describe.each(BUSES)('major incidents over the %s bus', (bus) => {
  beforeAll(async () => {
    t = await startTestProduct(busEnv(bus));
    const people: Record<string, Claims> = {
      britishGas: { sub: 'bella@britishgas.example', org: 'british-gas' },
      eonNext: { sub: 'ed@eonnext.example', org: 'eon-next' },
      npower: { sub: 'nia@npower.example', org: 'npower-business-solutions' },
      eonGroup: { sub: 'gus@eon.example', org: 'eon-uk' },
      elexonAgent: { sub: 'eve@elexon.example', org: 'elexon', roles: ['participant', 'desk_agent'], desks: ['elexon-service-desk'] },
      elexonParticipant: { sub: 'paul@elexon.example', org: 'elexon' },
      elexonMim: { sub: 'mim@elexon.example', org: 'elexon', roles: ['participant', 'major_incident_manager'] },
      dccSwitchingAgent: { sub: 'sam@dcc.example', org: 'dcc', roles: ['participant', 'desk_agent'], desks: ['dcc-switching'] },
      dccMim: { sub: 'mim@dcc.example', org: 'dcc', roles: ['participant', 'major_incident_manager'] },
      gridlinkAgent: { sub: 'gina@gridlink.example', org: 'gridlink', roles: ['participant', 'desk_agent'], desks: ['gridlink-dcp-desk'] },
      admin: { sub: 'ada@cpsd.example', org: 'elexon', roles: ['participant', 'cpsd_admin'] },
    };
    await signIn(t, people, tokens);
  });

  afterAll(async () => {
    await t?.stop();
  });

  describe('the MI comms list: organisations opt people in per service', () => {
    const ENTRY = 'id services address name organisation { id }';
    let britishGasEntry: string;

    it('a participant subscribes its own people; subscribing the same address again updates it', async () => {
      const first = await ok<{
        subscribeToMajorIncidentComms: { id: string; services: string[]; address: string; name: string; organisation: { id: string } };
      }>('britishGas', `mutation($input: MajorIncidentCommsSubscriptionInput!) { subscribeToMajorIncidentComms(input: $input) { ${ENTRY} } }`, {
        input: { services: ['DIP'], address: ' ops.mi@BritishGas.EXAMPLE ', name: 'MI duty manager' },
      });
      expect(first.subscribeToMajorIncidentComms).toMatchObject({
        services: ['DIP'],
        address: ADDRESSES[0],
        name: 'MI duty manager',
        organisation: { id: 'british-gas' },
      });
      britishGasEntry = first.subscribeToMajorIncidentComms.id;
      const again = await ok<{ subscribeToMajorIncidentComms: { id: string; services: string[] } }>(
        'britishGas',
        `mutation($input: MajorIncidentCommsSubscriptionInput!) { subscribeToMajorIncidentComms(input: $input) { ${ENTRY} } }`,
        { input: { services: ['DIP', 'CSS', 'DIP'], address: ADDRESSES[0], name: 'MI duty manager' } },
      );
      expect(again.subscribeToMajorIncidentComms).toMatchObject({ id: britishGasEntry, services: ['DIP', 'CSS'] });
      await ok('britishGas', `mutation($input: MajorIncidentCommsSubscriptionInput!) { subscribeToMajorIncidentComms(input: $input) { id } }`, {
        input: { services: ['CSS'], address: 'switching.team@britishgas.example' },
      });
      await ok('eonNext', `mutation($input: MajorIncidentCommsSubscriptionInput!) { subscribeToMajorIncidentComms(input: $input) { id } }`, {
        input: { services: ['DIP'], address: ADDRESSES[1] },
      });
    });

    it.each([
      ['not an e-mail address', { services: ['DIP'], address: 'ops at britishgas' }, 'address'],
      ['two @ signs', { services: ['DIP'], address: 'a@b@britishgas.example' }, 'address'],
      ['no domain dot', { services: ['DIP'], address: 'ops@localhost' }, 'address'],
      ['no services', { services: [], address: 'ops2@britishgas.example' }, 'services'],
    ])('subscribing with %s is BAD_USER_INPUT', async (_label, input, field) => {
      const attempt = await as('britishGas', 'mutation($input: MajorIncidentCommsSubscriptionInput!) { subscribeToMajorIncidentComms(input: $input) { id } }', {
        input,
      });
      expect(errorOf(attempt)).toMatchObject({ code: 'BAD_USER_INPUT', field });
    });

    it('an organisation sees only its own entries and cannot remove another’s', async () => {
      const own = (who: string) =>
        ok<{ majorIncidentCommsEntries: { address: string; organisation: { id: string } }[] }>(who, `{ majorIncidentCommsEntries { ${ENTRY} } }`);
      expect((await own('britishGas')).majorIncidentCommsEntries.map((e) => e.address)).toEqual([ADDRESSES[0], 'switching.team@britishgas.example']);
      expect((await own('eonNext')).majorIncidentCommsEntries.map((e) => e.address)).toEqual([ADDRESSES[1]]);
      expect((await own('npower')).majorIncidentCommsEntries).toEqual([]);
      const stolen = await as('eonNext', 'mutation($id: ID!) { unsubscribeFromMajorIncidentComms(id: $id) }', { id: britishGasEntry });
      expect(errorOf(stolen)?.code).toBe('NOT_FOUND');
    });

    it('the comms bridges read the list for a service with a service identity (or a CPSD admin); participants cannot', async () => {
      const refused = await as('britishGas', '{ majorIncidentCommsList(service: DIP) { address } }');
      expect(errorOf(refused)?.code).toBe('FORBIDDEN');
      const admin = await ok<{ majorIncidentCommsList: { address: string; organisation: { id: string } }[] }>(
        'admin',
        '{ majorIncidentCommsList(service: DIP) { address organisation { id } } }',
      );
      expect(admin.majorIncidentCommsList.map((e) => e.address).sort()).toEqual([...ADDRESSES].sort());
      const elexon = t.product.subgraphs.find((s) => s.name === 'elexon')!;
      const bridgeIdentity = await t.product.signer.sign(
        { subject: 'email-bridge', organisationId: 'elexon', visibleOrganisationIds: [], roles: [], deskIds: [], kind: 'SERVICE' },
        'elexon',
      );
      const bridge = await t.graphql<{ majorIncidentCommsList: { address: string }[] }>('{ majorIncidentCommsList(service: CSS) { address } }', {
        url: elexon.url,
        headers: { [IDENTITY_HEADER]: bridgeIdentity },
      });
      expect(bridge.errors).toBeUndefined();
      expect(bridge.data?.majorIncidentCommsList.map((e) => e.address).sort()).toEqual([ADDRESSES[0], 'switching.team@britishgas.example']);
    });

    it('a participant unsubscribes its own entry', async () => {
      const removed = await ok<{ unsubscribeFromMajorIncidentComms: boolean }>(
        'britishGas',
        'mutation($id: ID!) { unsubscribeFromMajorIncidentComms(id: $id) }',
        { id: britishGasEntry },
      );
      expect(removed.unsubscribeFromMajorIncidentComms).toBe(true);
      const { majorIncidentCommsEntries } = await ok<{ majorIncidentCommsEntries: { address: string }[] }>(
        'britishGas',
        '{ majorIncidentCommsEntries { address } }',
      );
      expect(majorIncidentCommsEntries.map((e) => e.address)).toEqual(['switching.team@britishgas.example']);
      // Back on the list for the rest of the scenario (events must never carry it).
      await ok('britishGas', `mutation($input: MajorIncidentCommsSubscriptionInput!) { subscribeToMajorIncidentComms(input: $input) { id } }`, {
        input: { services: ['DIP', 'CSS'], address: ADDRESSES[0] },
      });
    });
  });

  describe('a DIP outage: three suppliers raise incidents, Elexon runs the major incident', () => {
    const cases: Record<'britishGas' | 'eonNext' | 'npower', { id: string; reference: string }> = {} as never;
    let mi: MiView;

    it('three suppliers raise incidents with the Elexon Service Desk; Elexon triages one P1', async () => {
      cases.britishGas = await raise('britishGas', {
        deskId: 'elexon-service-desk',
        category: 'MARKET_SYSTEMS',
        subject: 'DIP not delivering our messages',
        description: 'Since 08:10 no acknowledgements from the DIP for any of our consumption messages.',
        evidence: { mpans: [MPAN], dipMessageIds: ['DIP-0001'] },
      });
      cases.eonNext = await raise('eonNext', {
        deskId: 'elexon-service-desk',
        category: 'MARKET_SYSTEMS',
        subject: 'DIP timeouts',
        description: 'Every call to the DIP times out.',
      });
      cases.npower = await raise('npower', {
        deskId: 'elexon-service-desk',
        category: 'MARKET_SYSTEMS',
        subject: 'Cannot publish to DIP',
        description: 'Publishing fails with 502.',
      });
      expect((await triage('elexonAgent', cases.britishGas.id)).priority).toBe('P1');
    });

    it('proposing needs an open incident, the validity checks, threshold answers and business language', async () => {
      const valid = {
        title: 'DIP message delivery outage',
        services: ['DIP'],
        validityChecks: ['SETTLEMENT_IMPACT', 'SCOPE_AND_SCALE', 'SERVICE_DISRUPTION'],
        thresholds: THRESHOLDS,
      };
      // Not yet triaged as an incident.
      expect(errorOf(await propose('elexonAgent', cases.eonNext.id, valid))).toMatchObject({ code: 'BAD_USER_INPUT', field: 'caseId' });
      expect(errorOf(await propose('elexonAgent', cases.britishGas.id, { ...valid, validityChecks: [] }))).toMatchObject({
        code: 'BAD_USER_INPUT',
        field: 'validityChecks',
      });
      expect(errorOf(await propose('elexonAgent', cases.britishGas.id, { ...valid, services: [] }))).toMatchObject({
        code: 'BAD_USER_INPUT',
        field: 'services',
      });
      expect(errorOf(await propose('elexonAgent', cases.britishGas.id, { ...valid, title: `Outage affecting ${MPAN}` }))).toMatchObject({
        code: 'BAD_USER_INPUT',
        field: 'title',
      });
      // The raiser may see its case but does not propose; another supplier cannot even see it.
      expect(errorOf(await propose('britishGas', cases.britishGas.id, valid))?.code).toBe('FORBIDDEN');
      expect(errorOf(await propose('eonNext', cases.britishGas.id, valid))).toMatchObject({ code: 'NOT_FOUND', field: 'caseId' });
    });

    it('the Elexon desk agent proposes the P1 as a candidate with threshold answers', async () => {
      const response = await propose('elexonAgent', cases.britishGas.id, {
        title: 'DIP message delivery outage',
        services: ['DIP'],
        validityChecks: ['SETTLEMENT_IMPACT', 'SCOPE_AND_SCALE', 'SERVICE_DISRUPTION', 'SETTLEMENT_IMPACT'],
        thresholds: THRESHOLDS,
        idempotencyKey: 'propose-dip-1',
      });
      expect(response.errors, JSON.stringify(response.errors)).toBeUndefined();
      mi = response.data!.proposeMajorIncident;
      expect(mi.reference).toMatch(/^MI-\d{6}$/);
      expect(mi).toMatchObject({
        state: 'CANDIDATE',
        services: ['DIP'],
        validityChecks: ['SETTLEMENT_IMPACT', 'SCOPE_AND_SCALE', 'SERVICE_DISRUPTION'],
        thresholds: THRESHOLDS,
        triggeredCriteria: [],
        lead: null,
        proposedBy: 'eve@elexon.example',
        case: { id: cases.britishGas.id },
      });
      // A retry returns the same candidate; a second proposal for the same case is refused.
      const retry = await propose('elexonAgent', cases.britishGas.id, {
        title: 'DIP message delivery outage',
        services: ['DIP'],
        validityChecks: ['SETTLEMENT_IMPACT', 'SCOPE_AND_SCALE', 'SERVICE_DISRUPTION', 'SETTLEMENT_IMPACT'],
        thresholds: THRESHOLDS,
        idempotencyKey: 'propose-dip-1',
      });
      expect(retry.data?.proposeMajorIncident.id).toBe(mi.id);
      const twice = await propose('elexonAgent', cases.britishGas.id, {
        title: 'Again',
        services: ['DIP'],
        validityChecks: ['SECURITY'],
        thresholds: THRESHOLDS,
      });
      expect(errorOf(twice)).toMatchObject({ code: 'BAD_USER_INPUT', field: 'caseId', majorIncidentId: mi.id });
    });

    it('a candidate is seen only by the MI team', async () => {
      expect(await viewMi('eonNext', mi.id)).toBeNull();
      expect(await viewMi('britishGas', mi.id)).toBeNull();
      expect(await viewMi('elexonParticipant', mi.id)).toBeNull();
      expect((await viewMi('elexonMim', mi.id))?.state).toBe('CANDIDATE');
      const { data } = await as<{ majorIncidents: { id: string }[] }>('eonNext', '{ majorIncidents { id } }');
      expect(data?.majorIncidents.map((m) => m.id)).not.toContain(mi.id);
      const managerList = await ok<{ majorIncidents: { id: string }[] }>('elexonMim', '{ majorIncidents(state: CANDIDATE) { id } }');
      expect(managerList.majorIncidents.map((m) => m.id)).toContain(mi.id);
    });

    it('only a Major Incident Manager reviews: the desk agent is FORBIDDEN, a supplier does not even find it', async () => {
      expect(errorOf(await review('elexonAgent', mi.id, 'PROMOTE'))?.code).toBe('FORBIDDEN');
      // Another provider's manager has no jurisdiction over a candidate on Elexon's desk (OM §5.24, §18.1).
      expect(errorOf(await review('dccMim', mi.id, 'PROMOTE'))?.code).toBe('FORBIDDEN');
      expect(errorOf(await review('dccMim', mi.id, 'REJECT', { note: 'Not ours' }))?.code).toBe('FORBIDDEN');
      expect(errorOf(await review('britishGas', mi.id, 'PROMOTE'))?.code).toBe('NOT_FOUND');
    });

    it('the Major Incident Manager promotes it: criteria recorded, Elexon leads on its desk’s SLAs, the initial notification goes out', async () => {
      const response = await review('elexonMim', mi.id, 'PROMOTE', {
        note: 'DIP down for all publishers; month-end settlement at risk',
        initialUpdate: {
          body: 'The Data Integration Platform is not delivering messages. Market participants cannot exchange MHHS messages. Please hold resubmissions until further notice.',
          statusPage: true,
          industryCircular: true,
        },
        idempotencyKey: 'promote-dip-1',
      });
      expect(response.errors, JSON.stringify(response.errors)).toBeUndefined();
      mi = response.data!.reviewMajorIncident;
      expect(mi).toMatchObject({
        state: 'PROMOTED',
        triggeredCriteria: ['PARTICIPANT_IMPACT', 'COMPLIANCE_RISK'],
        reviewNote: 'DIP down for all publishers; month-end settlement at risk',
        reviewedBy: 'mim@elexon.example',
        lead: { id: 'elexon', centralServiceProvider: true },
        leadDesk: { id: 'elexon-service-desk' },
        leadSlaPolicy: 'STANDARD',
        impactedParties: [],
        updateOverdue: false,
      });
      expect(mi.updates).toEqual([expect.objectContaining({ kind: 'INITIAL', services: ['DIP'], statusPage: true, industryCircular: true })]);
      const minutesToNext = (Date.parse(mi.nextUpdateDueAt!) - Date.now()) / 60_000;
      expect(minutesToNext).toBeGreaterThan(28);
      expect(minutesToNext).toBeLessThanOrEqual(30);
      // Reviewing twice is refused: it is no longer a candidate.
      expect(errorOf(await review('elexonMim', mi.id, 'REJECT', { note: 'changed my mind' }))).toMatchObject({
        code: 'BAD_USER_INPUT',
        currentState: 'PROMOTED',
      });
    });

    it('the other two suppliers’ incidents are linked under it as children', async () => {
      for (const child of [cases.eonNext, cases.npower]) {
        await ok('elexonAgent', 'mutation($input: LinkChildCaseInput!) { linkChildCase(input: $input) { id } }', {
          input: { parentId: cases.britishGas.id, childId: child.id },
        });
      }
      const view = (await viewMi('elexonMim', mi.id))!;
      // The lead's manager works no desk but oversees the resolution (OM §5.7): it sees the MI's case and the raisers' cases.
      expect(view.case?.id).toBe(cases.britishGas.id);
      expect(view.linkedCases.map((c) => c.id)).toEqual([cases.eonNext.id, cases.npower.id]);
      // Another provider's manager does not.
      const dccView = (await viewMi('dccMim', mi.id))!;
      expect(dccView.case).toBeNull();
      expect(dccView.linkedCases).toEqual([]);
      const agentView = (await viewMi('elexonAgent', mi.id))!;
      expect(agentView.linkedCases.map((c) => c.id)).toEqual([cases.eonNext.id, cases.npower.id]);
      // A linked case cannot be proposed on its own.
      await triage('elexonAgent', cases.eonNext.id);
      const separate = await propose('elexonAgent', cases.eonNext.id, {
        title: 'DIP',
        services: ['DIP'],
        validityChecks: ['SECURITY'],
        thresholds: THRESHOLDS,
      });
      expect(errorOf(separate)).toMatchObject({ code: 'BAD_USER_INPUT', field: 'caseId', majorIncidentId: mi.id });
    });

    it.each([
      ['a next update 5 hours ahead', { body: 'Still investigating.', nextUpdateDueAt: minutesFromNow(300) }, 'nextUpdateDueAt'],
      ['a next update 5 minutes ahead', { body: 'Still investigating.', nextUpdateDueAt: minutesFromNow(5) }, 'nextUpdateDueAt'],
      ['a next update 15 minutes ahead (OM §5.19.1: 30–60)', { body: 'Still investigating.', nextUpdateDueAt: minutesFromNow(15) }, 'nextUpdateDueAt'],
      ['an empty body', { body: '   ' }, 'body'],
      ['an over-long body', { body: 'x'.repeat(2001) }, 'body'],
      ['an MPAN in the body', { body: `Supply ${MPAN} is affected` }, 'body'],
      ['a second initial notification', { body: 'Initial again', kind: 'INITIAL' }, 'kind'],
      ['resolution comms outside resolution', { body: 'Fixed', kind: 'RESOLUTION' }, 'kind'],
    ])('an update with %s is BAD_USER_INPUT', async (_label, input, field) => {
      expect(errorOf(await postUpdate('elexonMim', mi.id, input))).toMatchObject({ code: 'BAD_USER_INPUT', field });
    });

    it('only the lead’s Major Incident Manager sends comms', async () => {
      expect(errorOf(await postUpdate('dccMim', mi.id, { body: 'Hello' }))?.code).toBe('FORBIDDEN');
      expect(errorOf(await postUpdate('elexonAgent', mi.id, { body: 'Hello' }))?.code).toBe('FORBIDDEN');
      expect(errorOf(await postUpdate('eonNext', mi.id, { body: 'Hello' }))?.code).toBe('FORBIDDEN');
    });

    it('the manager posts an update with the next one due 45 minutes ahead; the affected services grow', async () => {
      const response = await postUpdate('elexonMim', mi.id, {
        body: 'Messages are queued, not lost. Settlement runs are delayed; no action needed from participants.',
        services: ['DIP', 'SETTLEMENT_OPERATIONS'],
        nextUpdateDueAt: minutesFromNow(45),
        statusPage: true,
        idempotencyKey: 'update-dip-1',
      });
      expect(response.errors, JSON.stringify(response.errors)).toBeUndefined();
      mi = response.data!.postMajorIncidentUpdate;
      expect(mi.services).toEqual(['DIP', 'SETTLEMENT_OPERATIONS']);
      expect(mi.updates.map((u) => u.kind)).toEqual(['INITIAL', 'UPDATE']);
      expect(Math.round((Date.parse(mi.nextUpdateDueAt!) - Date.now()) / 60_000)).toBe(45);
    });

    it('the update shows as overdue once its due time has passed, until the next update', async () => {
      await elexonDb().query(`UPDATE elexon.major_incidents SET next_update_due_at = now() - interval '1 minute' WHERE id = $1`, [mi.id]);
      expect((await viewMi('eonNext', mi.id))!.updateOverdue).toBe(true);
      const { data } = await as<{ majorIncidents: { id: string; updateOverdue: boolean }[] }>(
        'britishGas',
        '{ majorIncidents(state: PROMOTED) { id updateOverdue } }',
      );
      expect(data?.majorIncidents).toContainEqual({ id: mi.id, updateOverdue: true });
      mi = (await postUpdate('elexonMim', mi.id, { body: 'The platform supplier has identified the failing component and is replacing it.' })).data!
        .postMajorIncidentUpdate;
      expect(mi.updateOverdue).toBe(false);
    });

    it('an escalation notice goes out at once', async () => {
      const response = await postUpdate('elexonMim', mi.id, {
        kind: 'ESCALATION',
        body: 'Escalated to the DIP service provider’s executive team; recovery expected within two hours.',
        industryCircular: true,
      });
      expect(response.errors, JSON.stringify(response.errors)).toBeUndefined();
      expect(response.data!.postMajorIncidentUpdate.updates.at(-1)).toMatchObject({ kind: 'ESCALATION', industryCircular: true, statusPage: false });
    });

    it('a supplier sees the major incident and its updates, but only its own linked case, and no MI team detail', async () => {
      for (const [who, own] of [
        ['eonNext', cases.eonNext],
        ['npower', cases.npower],
      ] as const) {
        const view = (await viewMi(who, mi.id))!;
        expect(view).toMatchObject({ state: 'PROMOTED', title: 'DIP message delivery outage', reviewNote: null, proposedBy: null, reviewedBy: null });
        expect(view.updates.map((u) => u.kind)).toEqual(['INITIAL', 'UPDATE', 'UPDATE', 'ESCALATION']);
        expect(view.linkedCases.map((c) => c.id)).toEqual([own.id]);
        // The MI's case is British Gas's.
        expect(view.case).toBeNull();
      }
      // The group account sees both its brands' cases; British Gas sees its own case as the MI's case.
      expect((await viewMi('eonGroup', mi.id))!.linkedCases.map((c) => c.id)).toEqual([cases.eonNext.id, cases.npower.id]);
      const britishGasView = (await viewMi('britishGas', mi.id))!;
      expect(britishGasView.case?.id).toBe(cases.britishGas.id);
      expect(britishGasView.linkedCases).toEqual([]);
    });

    it('resolving the major incident resolves its case and every linked case, with resolution comms', async () => {
      expect(errorOf(await as('elexonAgent', 'mutation($id: ID!) { resolveMajorIncident(id: $id, resolution: "Fixed") { id } }', { id: mi.id }))?.code).toBe(
        'FORBIDDEN',
      );
      const response = await as<{ resolveMajorIncident: MiView }>(
        'elexonMim',
        `mutation($id: ID!, $resolution: String!, $input: ResolveMajorIncidentInput) { resolveMajorIncident(id: $id, resolution: $resolution, input: $input) { ${MI_FIELDS} } }`,
        {
          id: mi.id,
          resolution: 'The DIP is delivering messages again and the queue has been cleared. Settlement runs have resumed.',
          input: { statusPage: true, industryCircular: true },
        },
      );
      expect(response.errors, JSON.stringify(response.errors)).toBeUndefined();
      mi = response.data!.resolveMajorIncident;
      expect(mi).toMatchObject({ state: 'RESOLVED', nextUpdateDueAt: null, updateOverdue: false, pirOverdue: false });
      expect(mi.updates.at(-1)).toMatchObject({ kind: 'RESOLUTION', statusPage: true, nextUpdateDueAt: null });
      expect(Date.parse(mi.pirDueAt!) - Date.parse(mi.resolvedAt!)).toBe(24 * 3_600_000);
      const states = await elexonDb().query('SELECT id, state, resolution FROM elexon.cases WHERE id = ANY($1::uuid[]) ORDER BY reference', [
        Object.values(cases).map((c) => c.id),
      ]);
      expect(states.map((c: { state: string }) => c.state)).toEqual(['RESOLVED', 'RESOLVED', 'RESOLVED']);
      const eonCase = await ok<{ case: { state: string; resolution: string } }>('eonNext', 'query($id: ID!) { case(id: $id) { state resolution } }', {
        id: cases.eonNext.id,
      });
      expect(eonCase.case).toEqual({ state: 'RESOLVED', resolution: `Resolved with ${cases.britishGas.reference}: ${mi.resolution}` });
      expect(errorOf(await postUpdate('elexonMim', mi.id, { body: 'After the fact' }))).toMatchObject({ code: 'BAD_USER_INPUT', currentState: 'RESOLVED' });
    });

    it('the PIR is due within 24 hours of resolution; a problem record waits for it', async () => {
      expect(errorOf(await as('elexonMim', 'mutation($id: ID!) { raiseProblemFromPir(id: $id) { id } }', { id: mi.id }))).toMatchObject({
        code: 'BAD_USER_INPUT',
        field: 'id',
      });
      await elexonDb().query(`UPDATE elexon.major_incidents SET resolved_at = resolved_at - interval '25 hours' WHERE id = $1`, [mi.id]);
      expect((await viewMi('britishGas', mi.id))!.pirOverdue).toBe(true);
    });

    const PIR = {
      reportReference: 'MIR-2026-014',
      serviceImpactedAt: new Date(Date.now() - 4 * 3_600_000).toISOString(),
      serviceRestoredAt: new Date(Date.now() - 3_600_000).toISOString(),
      incidentManagers: ['Elexon Major Incident Manager'],
      description: 'The DIP stopped delivering messages to all subscribers.',
      businessImpact: 'All MHHS message flows were delayed by three hours; settlement runs were postponed.',
      summary: 'Detected by participant reports; promoted within 15 minutes; the supplier replaced a failed component.',
      resolution: 'Component replaced and queued messages delivered.',
      affectedServices: ['DIP', 'SETTLEMENT_OPERATIONS'],
      affectedUsers: 'All suppliers and data services publishing to the DIP (about 120 organisations).',
      timeline: [
        { at: new Date(Date.now() - 4 * 3_600_000).toISOString(), event: 'First participant reports', comments: null },
        { at: new Date(Date.now() - 3_600_000).toISOString(), event: 'Service restored', comments: 'Queue drained' },
      ],
      rootCause: 'A storage volume of the message broker filled up and the broker stopped accepting messages.',
      actions: [
        { owner: 'DIP service provider', action: 'Alert on broker storage at 70%', dueAt: new Date(Date.now() + 7 * 24 * 3_600_000).toISOString() },
        { owner: 'Elexon Service Management', action: 'Review the comms cadence', dueAt: new Date(Date.now() + 14 * 24 * 3_600_000).toISOString() },
      ],
      processReview: 'Comms went out on time; linking raisers took too long.',
    };

    it('a PIR with the App. E fields is validated and recorded; it is no longer overdue', async () => {
      const bad = await as('elexonMim', 'mutation($id: ID!, $input: PostIncidentReviewInput!) { recordPostIncidentReview(id: $id, input: $input) { id } }', {
        id: mi.id,
        input: { ...PIR, serviceRestoredAt: new Date(Date.now() - 5 * 3_600_000).toISOString() },
      });
      expect(errorOf(bad)).toMatchObject({ code: 'BAD_USER_INPUT', field: 'serviceRestoredAt' });
      const noTimeline = await as(
        'elexonMim',
        'mutation($id: ID!, $input: PostIncidentReviewInput!) { recordPostIncidentReview(id: $id, input: $input) { id } }',
        {
          id: mi.id,
          input: { ...PIR, timeline: [] },
        },
      );
      expect(errorOf(noTimeline)).toMatchObject({ code: 'BAD_USER_INPUT', field: 'timeline' });
      const forbidden = await as('dccMim', 'mutation($id: ID!, $input: PostIncidentReviewInput!) { recordPostIncidentReview(id: $id, input: $input) { id } }', {
        id: mi.id,
        input: PIR,
      });
      expect(errorOf(forbidden)?.code).toBe('FORBIDDEN');
      const recorded = await ok<{ recordPostIncidentReview: MiView }>(
        'elexonMim',
        `mutation($id: ID!, $input: PostIncidentReviewInput!) { recordPostIncidentReview(id: $id, input: $input) { ${MI_FIELDS} } }`,
        { id: mi.id, input: PIR },
      );
      mi = recorded.recordPostIncidentReview;
      expect(mi.pirOverdue).toBe(false);
      expect(mi.pir).toMatchObject({ rootCause: PIR.rootCause, affectedServices: ['DIP', 'SETTLEMENT_OPERATIONS'], processReview: PIR.processReview });
      expect(mi.pir!.actions).toEqual(PIR.actions.map((a) => ({ ...a, dueAt: new Date(a.dueAt).toISOString() })));
      expect(mi.pir!.timeline.map((e) => e.event)).toEqual(['First participant reports', 'Service restored']);
      // Every participant may read the review: it is shared with stakeholders.
      expect((await viewMi('npower', mi.id))!.pir?.rootCause).toBe(PIR.rootCause);
    });

    it('a problem record is raised from the PIR: a PROBLEM case at the lead desk, once', async () => {
      const raised = await ok<{ raiseProblemFromPir: MiView }>('elexonMim', `mutation($id: ID!) { raiseProblemFromPir(id: $id) { ${MI_FIELDS} } }`, {
        id: mi.id,
      });
      // The manager's organisation raised it, so the manager sees it, and (as the lead's manager) the MI's case it follows on from.
      expect(raised.raiseProblemFromPir.problemCase).toMatchObject({
        type: 'PROBLEM',
        state: 'NEW',
        desk: { id: 'elexon-service-desk' },
        referencesCase: { id: cases.britishGas.id },
      });
      const problemId = raised.raiseProblemFromPir.problemCase!.id;
      const again = await ok<{ raiseProblemFromPir: MiView }>('elexonMim', `mutation($id: ID!) { raiseProblemFromPir(id: $id) { ${MI_FIELDS} } }`, {
        id: mi.id,
      });
      expect(again.raiseProblemFromPir.problemCase?.id).toBe(problemId);
      const agentView = await ok<{ case: { description: string; subject: string; referencesCase: { id: string } } }>(
        'elexonAgent',
        'query($id: ID!) { case(id: $id) { subject description referencesCase { id } } }',
        { id: problemId },
      );
      expect(agentView.case.referencesCase).toEqual({ id: cases.britishGas.id });
      expect(agentView.case.subject).toBe(`Problem from ${mi.reference}: DIP message delivery outage`);
      expect(agentView.case.description).toContain(PIR.rootCause);
      // Suppliers do not see Elexon's problem record.
      expect((await viewMi('eonNext', mi.id))!.problemCase).toBeNull();
    });

    it('every step wrote its event: thin, business language, keyed by the major incident, never an MPAN or an address', async () => {
      const types = [
        'major_incident.proposed',
        'major_incident.promoted',
        'major_incident.rejected',
        'major_incident.updated',
        'major_incident.escalated',
        'major_incident.resolved',
        'major_incident.pir_recorded',
      ];
      const events = await waitFor(async () => {
        const all = (await t.product.bus.readAfter(null, 1000, types)).filter((e) => e.entity.id === mi.id);
        return all.some((e) => e.type === 'major_incident.pir_recorded') ? all : null;
      }, 'the major incident events');
      expect(events.map((e) => e.type)).toEqual([
        'major_incident.proposed',
        'major_incident.promoted',
        'major_incident.updated',
        'major_incident.updated',
        'major_incident.escalated',
        'major_incident.resolved',
        'major_incident.pir_recorded',
      ]);
      for (const event of events) {
        expect(event.entity).toEqual({ __typename: 'MajorIncident', id: mi.id });
        expect(event.caseId).toBe(cases.britishGas.id);
        expect(event.payload).toMatchObject({ reference: mi.reference });
        expect(
          Object.keys(event.payload).every((k) =>
            ['reference', 'state', 'services', 'leadOrganisationId', 'kind', 'nextUpdateDueAt', 'industryCircular', 'statusPage'].includes(k),
          ),
        ).toBe(true);
        const raw = JSON.stringify(event);
        expect(raw).not.toContain(MPAN);
        expect(raw).not.toContain('@');
      }
      const promoted: DeliveredEvent = events[1];
      expect(promoted.payload).toMatchObject({
        state: 'PROMOTED',
        services: ['DIP'],
        leadOrganisationId: 'elexon',
        kind: 'INITIAL',
        industryCircular: true,
        statusPage: true,
      });
      expect(typeof promoted.payload.nextUpdateDueAt).toBe('string');
      expect(events[2].payload).toMatchObject({ kind: 'UPDATE', services: ['DIP', 'SETTLEMENT_OPERATIONS'] });
      expect(events[4].payload).toMatchObject({ kind: 'ESCALATION', state: 'PROMOTED' });
      expect(events[5].payload).toMatchObject({ kind: 'RESOLUTION', state: 'RESOLVED' });
      // Resolution reached the linked cases through their own events.
      const resolvedCases = await waitFor(async () => {
        const all = (await t.product.bus.readAfter(null, 1000, ['case.resolved'])).filter((e) => Object.values(cases).some((c) => c.id === e.caseId));
        return all.length === 3 ? all : null;
      }, 'the case.resolved events');
      expect(resolvedCases.filter((e) => e.payload.parentReference === cases.britishGas.reference)).toHaveLength(2);
    });
  });

  describe('a CSS outage led by DCC: Elexon is an impacted party', () => {
    let cssCase: { id: string; reference: string };
    let mi: MiView;

    it('a supplier raises a CSS incident with the Switching Service Desk, which proposes it', async () => {
      cssCase = await raise('britishGas', {
        deskId: 'dcc-switching',
        category: 'MARKET_SYSTEMS',
        subject: 'CSS registrations failing',
        description: SECRET_DESCRIPTION,
        evidence: { mpans: [MPAN] },
      });
      await triage('dccSwitchingAgent', cssCase.id);
      await ok('dccSwitchingAgent', 'mutation($input: AddCommentInput!) { addComment(input: $input) { id } }', {
        input: { caseId: cssCase.id, body: WORK_NOTE, visibility: 'WORK_NOTE' },
      });
      const response = await propose('dccSwitchingAgent', cssCase.id, {
        title: 'CSS switching outage: registrations & objections delayed <all suppliers>',
        services: ['CSS'],
        validityChecks: ['SCOPE_AND_SCALE', 'SERVICE_DISRUPTION'],
        thresholds: { participantImpact: true, duration: true, complianceRisk: false, securityBreach: false },
      });
      expect(response.errors, JSON.stringify(response.errors)).toBeUndefined();
      mi = response.data!.proposeMajorIncident;
    });

    it('a non-CSP lead is refused, and an unknown one', async () => {
      expect(errorOf(await review('dccMim', mi.id, 'PROMOTE', { leadOrganisationId: 'british-gas' }))).toMatchObject({
        code: 'BAD_USER_INPUT',
        field: 'leadOrganisationId',
      });
      expect(errorOf(await review('dccMim', mi.id, 'PROMOTE', { leadOrganisationId: 'no-such-org' }))).toMatchObject({
        code: 'BAD_USER_INPUT',
        field: 'leadOrganisationId',
      });
      expect(errorOf(await review('dccMim', mi.id, 'PROMOTE', { leadDeskId: 'elexon-service-desk' }))).toMatchObject({
        code: 'BAD_USER_INPUT',
        field: 'leadDeskId',
      });
      expect(
        errorOf(
          await review('dccMim', mi.id, 'PROMOTE', { thresholds: { participantImpact: false, duration: false, complianceRisk: false, securityBreach: false } }),
        ),
      ).toMatchObject({
        code: 'BAD_USER_INPUT',
        field: 'thresholds',
      });
    });

    it('DCC’s Major Incident Manager promotes it: DCC leads on the Switching desk’s SLAs; Elexon is impacted', async () => {
      const response = await review('dccMim', mi.id, 'PROMOTE', {
        note: 'CSS unavailable for all suppliers',
        initialUpdate: {
          body: 'The Central Switching Service is unavailable. Switches will be processed once it is restored.',
          statusPage: true,
          nextUpdateDueAt: minutesFromNow(60),
        },
      });
      expect(response.errors, JSON.stringify(response.errors)).toBeUndefined();
      mi = response.data!.reviewMajorIncident;
      expect(mi).toMatchObject({
        state: 'PROMOTED',
        lead: { id: 'dcc' },
        leadDesk: { id: 'dcc-switching' },
        leadSlaPolicy: 'STANDARD',
        triggeredCriteria: ['PARTICIPANT_IMPACT', 'DURATION'],
      });
      expect(mi.impactedParties.map((o) => o.id)).toEqual(['elexon']);
      // Elexon sees it as an impacted party, but DCC's managers run it.
      expect((await viewMi('elexonParticipant', mi.id))?.lead?.id).toBe('dcc');
      expect(errorOf(await postUpdate('elexonMim', mi.id, { body: 'Elexon here' }))?.code).toBe('FORBIDDEN');
    });

    it('DCC posts a published update and an internal one', async () => {
      expect(
        (
          await postUpdate('dccMim', mi.id, {
            body: 'Registrations are queued & will be replayed; no resubmission needed.',
            statusPage: true,
            nextUpdateDueAt: minutesFromNow(30),
          })
        ).errors,
      ).toBeUndefined();
      expect((await postUpdate('dccMim', mi.id, { body: 'Not for the status page: recovery ETA 14:00 for the MI list only.' })).errors).toBeUndefined();
    });

    it('a case at a desk that is no Central Service Provider’s needs a named lead; the manager may reject', async () => {
      const dcpCase = await raise('eonNext', {
        deskId: 'gridlink-dcp-desk',
        category: 'MARKET_SYSTEMS',
        subject: 'DCP connection down',
        description: 'No traffic through Gridlink',
      });
      await triage('gridlinkAgent', dcpCase.id);
      const candidate = (
        await propose('gridlinkAgent', dcpCase.id, {
          title: 'Gridlink DIP connection outage',
          services: ['DIP_CONNECTION'],
          validityChecks: ['SERVICE_DISRUPTION'],
          thresholds: THRESHOLDS,
        })
      ).data!.proposeMajorIncident;
      expect(errorOf(await review('elexonMim', candidate.id, 'PROMOTE'))).toMatchObject({ code: 'BAD_USER_INPUT', field: 'leadOrganisationId' });
      expect(errorOf(await review('elexonMim', candidate.id, 'REJECT'))).toMatchObject({ code: 'BAD_USER_INPUT', field: 'note' });
      const rejected = (await review('elexonMim', candidate.id, 'REJECT', { note: 'One DCP’s customers only: an incident, not industry-wide' })).data!
        .reviewMajorIncident;
      expect(rejected).toMatchObject({ state: 'REJECTED', reviewNote: 'One DCP’s customers only: an incident, not industry-wide' });
      // Rejected ones stay with the MI team.
      expect(await viewMi('eonNext', candidate.id)).toBeNull();
      expect((await viewMi('gridlinkAgent', candidate.id))?.state).toBe('REJECTED');
    });
  });

  describe('the public status feed', () => {
    it('/status.json and /status.atom need no token and carry only published business language', async () => {
      const base = t.product.gateway.http.url;
      const json = await fetch(`${base}/status.json`);
      expect(json.status).toBe(200);
      expect(json.headers.get('cache-control')).toBe('public, max-age=10');
      expect(json.headers.get('content-type')).toMatch(/^application\/json/);
      const jsonBody = await json.text();
      const feed = JSON.parse(jsonBody) as {
        generatedAt: string;
        incidents: {
          reference: string;
          title: string;
          state: string;
          services: string[];
          leadName: string;
          latestUpdate: string | null;
          nextUpdateDueAt: string | null;
        }[];
      };
      expect(Number.isNaN(Date.parse(feed.generatedAt))).toBe(false);
      // The live CSS outage; the DIP outage was resolved more than 24 hours ago (moved back above).
      expect(feed.incidents).toHaveLength(1);
      expect(feed.incidents[0]).toMatchObject({
        title: 'CSS switching outage: registrations & objections delayed <all suppliers>',
        state: 'PROMOTED',
        services: ['CSS'],
        leadName: 'Data Communications Company (DCC)',
        latestUpdate: 'Registrations are queued & will be replayed; no resubmission needed.',
      });
      expect(feed.incidents[0].nextUpdateDueAt).not.toBeNull();

      const atom = await fetch(`${base}/status.atom`);
      expect(atom.status).toBe(200);
      expect(atom.headers.get('content-type')).toMatch(/^application\/atom\+xml/);
      expect(atom.headers.get('cache-control')).toBe('public, max-age=10');
      const atomBody = await atom.text();
      expect(atomBody).toMatch(/^<\?xml version="1.0" encoding="utf-8"\?>\n<feed xmlns="http:\/\/www.w3.org\/2005\/Atom">/);
      expect(atomBody.match(/<entry>/g)).toHaveLength(1);
      expect(atomBody).toContain('CSS switching outage: registrations &amp; objections delayed &lt;all suppliers&gt;');
      expect(atomBody).toContain('<summary type="text">Registrations are queued &amp; will be replayed; no resubmission needed.</summary>');
      const updatedAt = /<entry>[\s\S]*?<updated>([^<]+)<\/updated>/.exec(atomBody)?.[1];
      expect(updatedAt).toBe((feed.incidents[0] as unknown as { latestUpdateAt: string }).latestUpdateAt);
      expect(atomBody).not.toMatch(/<[^>]*<|&(?!amp;|lt;|gt;|quot;|apos;)/);

      for (const body of [jsonBody, atomBody]) {
        expect(body).not.toContain(WORK_NOTE);
        expect(body).not.toContain(SECRET_DESCRIPTION);
        expect(body).not.toContain('CSS registrations failing'); // the raiser's case subject
        expect(body).not.toContain(MPAN);
        expect(body).not.toContain('Not for the status page');
        expect(body).not.toContain('CSS unavailable for all suppliers'); // the reviewer's note
        for (const address of [...ADDRESSES, 'switching.team@britishgas.example']) expect(body).not.toContain(address);
        expect(body).not.toContain('@');
      }
    });

    it('only GET and HEAD', async () => {
      const response = await fetch(`${t.product.gateway.http.url}/status.json`, { method: 'POST', body: '{}' });
      expect(response.status).toBe(405);
      const head = await fetch(`${t.product.gateway.http.url}/status.atom`, { method: 'HEAD' });
      expect(head.status).toBe(200);
    });

    it('the feed query itself is readable by any authenticated caller and names no case', async () => {
      const { data, errors } = await as<{ majorIncidentStatusFeed: { reference: string }[] }>(
        'npower',
        '{ majorIncidentStatusFeed { reference title latestUpdate } }',
      );
      expect(errors).toBeUndefined();
      expect(data?.majorIncidentStatusFeed).toHaveLength(1);
    });
  });
});

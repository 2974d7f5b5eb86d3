/**
 * Claims vs the directory: a token asks for roles and desks; only what the directory grants its organisation counts.
 * Each case is an attack and the exact answer it must get.
 */
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { DEMO_PERSONAS } from '../../demo/personas';
import { DirectoryScope } from '../../gateway/directory-scope';
import { Role } from '../../schema/enums';
import { logger } from '../../platform/logger';
import { COMMS_IDENTITY } from '../../subgraphs/delivery/comms';
import { deskServiceIdentity } from '../../adapters/gateway-api';
import { startTestProduct, type TestProduct } from '../e2e/harness';

let t: TestProduct;
const tokens: Record<string, string> = {};
let elexonCaseId = '';
let britishGasCaseId = '';
let dcpCandidateId = '';

const CASE = 'query($id: ID!) { case(id: $id) { id subject } }';
const MISSING = '00000000-0000-4000-8000-000000000000';
const TRIAGE = 'mutation($input: TriageCaseInput!) { triageCase(input: $input) { id priority } }';
const REVIEW = `mutation($id: ID!, $input: ReviewMajorIncidentInput) {
  reviewMajorIncident(id: $id, decision: PROMOTE, input: $input) { id state } }`;

beforeAll(async () => {
  t = await startTestProduct();
  tokens.supplier = await t.token({ sub: 'sam', org: 'british-gas', roles: ['participant'] });
  tokens.eon = await t.token({ sub: 'erin', org: 'eon-next', roles: ['participant'] });
  // The attacks: a supplier's token claiming Elexon's desk, cpsd_admin, and Major Incident Manager.
  tokens.fakeAgent = await t.token({ sub: 'mallory', org: 'eon-next', roles: ['participant', 'desk_agent'], desks: ['elexon-service-desk'] });
  tokens.fakeAdmin = await t.token({ sub: 'mallory', org: 'eon-next', roles: ['participant', 'cpsd_admin'] });
  tokens.fakeMim = await t.token({ sub: 'mallory', org: 'eon-next', roles: ['participant', 'major_incident_manager'] });
  tokens.realAgent = await t.token({ sub: 'eve', org: 'elexon', roles: ['participant', 'desk_agent'], desks: ['elexon-service-desk'] });
  const raise = 'mutation($input: RaiseCaseInput!) { raiseCase(input: $input) { id } }';
  const a = await t.graphql<{ raiseCase: { id: string } }>(raise, {
    token: tokens.supplier,
    variables: { input: { deskId: 'elexon-service-desk', category: 'MARKET_SYSTEMS', subject: 'DIP rejecting our messages', description: 'Since 09:00' } },
  });
  elexonCaseId = a.data!.raiseCase.id;
  britishGasCaseId = elexonCaseId;
  const b = await t.graphql<{ raiseCase: { id: string } }>(raise, {
    token: tokens.eon,
    variables: { input: { deskId: 'elexon-service-desk', category: 'MARKET_SYSTEMS', subject: 'Our own case', description: 'Ours' } },
  });
  expect(b.data?.raiseCase.id).toBeTruthy();
  // A candidate on a DCP's desk (no Central Service Provider's): any real Major Incident Manager could review it.
  tokens.gridlinkAgent = await t.token({ sub: 'gina', org: 'gridlink', roles: ['participant', 'desk_agent'], desks: ['gridlink-dcp-desk'] });
  tokens.elexonMim = await t.token({ sub: 'max', org: 'elexon', roles: ['participant', 'major_incident_manager'] });
  const dcpCase = await t.graphql<{ raiseCase: { id: string } }>(raise, {
    token: tokens.eon,
    variables: { input: { deskId: 'gridlink-dcp-desk', category: 'MARKET_SYSTEMS', subject: 'DCP connection down', description: 'No traffic' } },
  });
  const dcpCaseId = dcpCase.data!.raiseCase.id;
  expect(
    (await t.graphql(TRIAGE, { token: tokens.gridlinkAgent, variables: { input: { caseId: dcpCaseId, type: 'INCIDENT', impact: 'HIGH', urgency: 'HIGH' } } }))
      .errors,
  ).toBeUndefined();
  const proposed = await t.graphql<{ proposeMajorIncident: { id: string } }>(
    'mutation($caseId: ID!, $input: ProposeMajorIncidentInput!) { proposeMajorIncident(caseId: $caseId, input: $input) { id } }',
    {
      token: tokens.gridlinkAgent,
      variables: {
        caseId: dcpCaseId,
        input: {
          title: 'Gridlink DIP connection outage',
          services: ['DIP_CONNECTION'],
          validityChecks: ['SERVICE_DISRUPTION'],
          thresholds: { participantImpact: true, duration: false, complianceRisk: false, securityBreach: false },
        },
      },
    },
  );
  expect(proposed.errors, JSON.stringify(proposed.errors)).toBeUndefined();
  dcpCandidateId = proposed.data!.proposeMajorIncident.id;
});

afterAll(async () => {
  await t?.stop();
});

describe("a supplier's token claiming desk_agent at Elexon's desk", () => {
  it('is told the case does not exist, exactly as for a missing id', async () => {
    const attack = await t.graphql(CASE, { token: tokens.fakeAgent, variables: { id: britishGasCaseId } });
    const missing = await t.graphql(CASE, { token: tokens.fakeAgent, variables: { id: MISSING } });
    expect(attack.data).toEqual({ case: null });
    expect(attack.data).toEqual(missing.data);
    expect(attack.errors).toEqual(missing.errors);
  });

  it('cannot triage the case: NOT_FOUND exactly as for a missing case, and it stays untriaged', async () => {
    const triage = (caseId: string) =>
      t.graphql(TRIAGE, { token: tokens.fakeAgent, variables: { input: { caseId, type: 'INCIDENT', impact: 'HIGH', urgency: 'HIGH' } } });
    const attack = await triage(elexonCaseId);
    const missing = await triage(MISSING);
    expect(attack.data?.triageCase ?? null).toBeNull();
    expect(attack.errors?.[0]?.extensions?.code).toBe('NOT_FOUND');
    expect({ data: attack.data, errors: attack.errors }).toEqual({ data: missing.data, errors: missing.errors });
    const real = await t.graphql<{ case: { priority: string | null; state: string } }>('query($id: ID!) { case(id: $id) { priority state } }', {
      token: tokens.realAgent,
      variables: { id: elexonCaseId },
    });
    expect(real.data?.case).toEqual({ priority: null, state: 'NEW' });
  });

  it("the desk's queue shows it nothing of Elexon's desk", async () => {
    const queue = await t.graphql<{ cases: { edges: { node: { id: string } }[] } }>(
      'query { cases(filter: { deskIds: ["elexon-service-desk"] }, first: 50) { edges { node { id } } } }',
      { token: tokens.fakeAgent },
    );
    const ids = (queue.data?.cases.edges ?? []).map((e) => e.node.id);
    expect(ids).not.toContain(britishGasCaseId);
  });

  it('keeps what the directory does grant: the token still answers me, with the desk dropped', async () => {
    const me = await t.graphql<{ me: { subject: string; roles: string[]; desks: { id: string }[] } }>('{ me { subject roles desks { id } } }', {
      token: tokens.fakeAgent,
    });
    expect(me.data?.me).toEqual({ subject: 'mallory', roles: ['PARTICIPANT', 'DESK_AGENT'], desks: [] });
  });
});

describe("a supplier's token claiming cpsd_admin", () => {
  it("sees only its own organisation's cases, not every organisation's", async () => {
    const list = await t.graphql<{ cases: { edges: { node: { id: string; subject: string } }[] } }>(
      'query { cases(first: 100) { edges { node { id subject } } } }',
      {
        token: tokens.fakeAdmin,
      },
    );
    const subjects = (list.data?.cases.edges ?? []).map((e) => e.node.subject);
    expect(subjects).toContain('Our own case');
    expect(subjects).not.toContain('DIP rejecting our messages');
    const direct = await t.graphql(CASE, { token: tokens.fakeAdmin, variables: { id: britishGasCaseId } });
    expect(direct.data).toEqual({ case: null });
  });

  it('is not an admin for deliveries either', async () => {
    const me = await t.graphql<{ me: { roles: string[] } }>('{ me { roles } }', { token: tokens.fakeAdmin });
    expect(me.data?.me.roles).toEqual(['PARTICIPANT']);
  });
});

describe("a supplier's token claiming major_incident_manager", () => {
  it('holds no MI manager role', async () => {
    const me = await t.graphql<{ me: { roles: string[] } }>('{ me { roles } }', { token: tokens.fakeMim });
    expect(me.data?.me.roles).toEqual(['PARTICIPANT']);
  });

  it('cannot see or review a candidate: NOT_FOUND exactly as for a missing major incident, and it stays a candidate', async () => {
    const view = await t.graphql('query($id: ID!) { majorIncident(id: $id) { id } }', { token: tokens.fakeMim, variables: { id: dcpCandidateId } });
    expect(view.data).toEqual({ majorIncident: null });
    const attack = await t.graphql(REVIEW, { token: tokens.fakeMim, variables: { id: dcpCandidateId, input: { leadOrganisationId: 'eon-next' } } });
    const missing = await t.graphql(REVIEW, { token: tokens.fakeMim, variables: { id: MISSING, input: { leadOrganisationId: 'eon-next' } } });
    expect(attack.errors?.[0]?.extensions?.code).toBe('NOT_FOUND');
    expect({ data: attack.data, errors: attack.errors }).toEqual({ data: missing.data, errors: missing.errors });
    const list = await t.graphql<{ majorIncidents: { id: string }[] }>('{ majorIncidents(first: 50) { id } }', { token: tokens.fakeMim });
    expect(list.errors).toBeUndefined();
    expect(list.data!.majorIncidents.map((mi) => mi.id)).not.toContain(dcpCandidateId);
    const seenByManager = await t.graphql<{ majorIncidents: { id: string }[] }>('{ majorIncidents(first: 50) { id } }', { token: tokens.elexonMim });
    expect(seenByManager.data!.majorIncidents.map((mi) => mi.id)).toContain(dcpCandidateId);
    const real = await t.graphql<{ majorIncident: { state: string } }>('query($id: ID!) { majorIncident(id: $id) { state } }', {
      token: tokens.elexonMim,
      variables: { id: dcpCandidateId },
    });
    expect(real.data?.majorIncident).toEqual({ state: 'CANDIDATE' });
  });
});

describe('what the directory does grant keeps working', () => {
  it('every demo sign-in user keeps every role and desk it claims', async () => {
    for (const persona of DEMO_PERSONAS) {
      const token = await t.token({ sub: persona.sub, org: persona.org, roles: persona.roles, desks: persona.desks });
      const me = await t.graphql<{ me: { roles: string[]; desks: { id: string }[] } }>('{ me { roles desks { id } } }', { token });
      expect({ persona: persona.id, ...me.data?.me }).toEqual({
        persona: persona.id,
        roles: persona.roles.map((r) => r.toUpperCase()),
        desks: persona.desks.map((id) => ({ id })),
      });
    }
  });

  it("the bridges' service identities are granted by the directory: the comms identity is Elexon's cpsd_admin, a desk bridge works its desk", async () => {
    const comms = await t.token({
      sub: COMMS_IDENTITY.subject,
      org: COMMS_IDENTITY.organisationId,
      roles: COMMS_IDENTITY.roles as never,
      desks: COMMS_IDENTITY.deskIds,
    });
    const commsView = await t.graphql<{ case: { id: string } | null }>(CASE, { token: comms, variables: { id: britishGasCaseId } });
    expect(commsView.data?.case?.id).toBe(britishGasCaseId);
    const bridge = deskServiceIdentity('email', 'elexon-service-desk', 'elexon');
    const desk = await t.token({ sub: bridge.subject, org: bridge.organisationId, roles: bridge.roles as never, desks: bridge.deskIds });
    const me = await t.graphql<{ me: { roles: string[]; desks: { id: string }[] } }>('{ me { roles desks { id } } }', { token: desk });
    expect(me.data?.me).toEqual({ roles: ['DESK_AGENT'], desks: [{ id: 'elexon-service-desk' }] });
    expect((await t.graphql(CASE, { token: desk, variables: { id: britishGasCaseId } })).data).toEqual({
      case: { id: britishGasCaseId, subject: 'DIP rejecting our messages' },
    });
  });

  it('a token for an organisation the directory does not know is the bare 401', async () => {
    const token = await t.token({ sub: 'ghost', org: 'no-such-org', roles: ['participant'] });
    const response = await t.graphql('{ me { subject } }', { token });
    expect({ status: response.status, errors: response.errors }).toEqual({
      status: 401,
      errors: [{ message: 'Unauthenticated', extensions: { code: 'UNAUTHENTICATED' } }],
    });
  });
});

describe('the directory says who may hold what', () => {
  it('publishes each organisation its granted roles: cpsd_admin only for Elexon, MI managers only in CSPs', async () => {
    const orgs = await t.graphql<{ organisations: { id: string; centralServiceProvider: boolean; grantedRoles: string[] }[] }>(
      '{ organisations { id centralServiceProvider grantedRoles } }',
      { token: tokens.supplier },
    );
    const list = orgs.data!.organisations;
    expect(list.filter((o) => o.grantedRoles.includes('CPSD_ADMIN')).map((o) => o.id)).toEqual(['elexon']);
    for (const o of list) expect(o.grantedRoles.includes('MAJOR_INCIDENT_MANAGER')).toBe(o.centralServiceProvider);
  });

  it('an operator changes the grants in the directory; Major Incident Managers cannot be granted outside a CSP', async () => {
    const db = new pg.Client({ connectionString: t.product.databaseUrl });
    await db.connect();
    try {
      await expect(
        db.query(`UPDATE elexon.organisations SET granted_roles = granted_roles || '{major_incident_manager}' WHERE id = 'eon-next'`),
      ).rejects.toThrow(/organisations_mi_managers_only_in_csps/);
      await db.query(`UPDATE elexon.organisations SET granted_roles = '{participant}' WHERE id = 'eon-next'`);
      // A fresh look-up (the gateway's own refreshes within its 30 s TTL) sees the narrower grant.
      const scope = new DirectoryScope(t.product.subgraphs.find((sg) => sg.name === 'elexon')!.url, t.product.signer);
      const principal = await scope.principalFor({ subject: 'erin', organisationId: 'eon-next', roles: [Role.PARTICIPANT, Role.DESK_AGENT], deskIds: [] });
      expect(principal?.roles).toEqual([Role.PARTICIPANT]);
    } finally {
      await db.query(`UPDATE elexon.organisations SET granted_roles = '{participant,desk_agent}' WHERE id = 'eon-next'`);
      await db.end();
    }
  });
});

describe('a refused claim is logged once, without the token', () => {
  it('logs the organisation, subject and refused claim once, however often the token is used', async () => {
    const warn = vi.spyOn(logger, 'warn');
    try {
      const token = await t.token({ sub: 'trudy', org: 'eon-next', roles: ['participant', 'cpsd_admin'] });
      for (let i = 0; i < 3; i++) expect((await t.graphql('{ me { subject } }', { token })).status).toBe(200);
      const refusals = warn.mock.calls.filter(([fields]) => (fields as { subject?: string }).subject === 'trudy');
      expect(refusals).toEqual([
        [{ organisationId: 'eon-next', subject: 'trudy', claim: 'roles', value: 'cpsd_admin' }, 'token claim not granted by the directory: ignored'],
      ]);
      expect(JSON.stringify(warn.mock.calls)).not.toContain(token);
    } finally {
      warn.mockRestore();
    }
  });
});

/**
 * Major-incident jurisdiction is each provider's own (OM §5.24, §18.1), through the gateway on real PostgreSQL: a
 * switching incident on DCC's Switching Service Desk is reviewed and led by DCC's Major Incident Managers only; they
 * oversee its case and linked cases without being desk agents (OM §5.7); nobody else gains sight of them; and the
 * comms cadence is 30–60 minutes (OM §5.19.1).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { callers, errorOf, signIn, startTestProduct, type Claims, type TestProduct } from '../e2e/harness';

let t: TestProduct;
const tokens: Record<string, string> = {};
const { as, ok } = callers(() => t, tokens);

const MI_FIELDS = `id reference state reviewedBy lead { id } leadDesk { id } nextUpdateDueAt updates { kind body }
  case { id } linkedCases { id }`;

interface MiView {
  id: string;
  reference: string;
  state: string;
  reviewedBy: string | null;
  lead: { id: string } | null;
  leadDesk: { id: string } | null;
  nextUpdateDueAt: string | null;
  updates: { kind: string; body: string }[];
  case: { id: string } | null;
  linkedCases: { id: string }[];
}

const minutesFromNow = (minutes: number): string => new Date(Date.now() + minutes * 60_000).toISOString();

async function raise(who: string, input: Record<string, unknown>): Promise<{ id: string }> {
  return (await ok<{ raiseCase: { id: string } }>(who, 'mutation($input: RaiseCaseInput!) { raiseCase(input: $input) { id } }', { input })).raiseCase;
}

async function viewMi(who: string, id: string): Promise<MiView | null> {
  return (await ok<{ majorIncident: MiView | null }>(who, `query($id: ID!) { majorIncident(id: $id) { ${MI_FIELDS} } }`, { id })).majorIncident;
}

async function viewCase(who: string, id: string): Promise<{ id: string } | null> {
  return (await ok<{ case: { id: string } | null }>(who, 'query($id: ID!) { case(id: $id) { id } }', { id })).case;
}

async function listedCases(who: string): Promise<string[]> {
  const data = await ok<{ cases: { edges: { node: { id: string } }[] } }>(who, '{ cases(first: 100) { edges { node { id } } } }');
  return data.cases.edges.map((e) => e.node.id);
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

beforeAll(async () => {
  t = await startTestProduct();
  const people: Record<string, Claims> = {
    britishGas: { sub: 'bella@britishgas.example', org: 'british-gas' },
    eonNext: { sub: 'ed@eonnext.example', org: 'eon-next' },
    npower: { sub: 'nia@npower.example', org: 'npower-business-solutions' },
    elexonMim: { sub: 'mim', org: 'elexon', roles: ['participant', 'major_incident_manager'] },
    dccMim: { sub: 'mim@dcc.example', org: 'dcc', roles: ['participant', 'major_incident_manager'] },
    dccSwitchingAgent: { sub: 'sam@dcc.example', org: 'dcc', roles: ['participant', 'desk_agent'], desks: ['dcc-switching'] },
    gridlinkAgent: { sub: 'gina@gridlink.example', org: 'gridlink', roles: ['participant', 'desk_agent'], desks: ['gridlink-dcp-desk'] },
  };
  await signIn(t, people, tokens);
});

afterAll(async () => {
  await t?.stop();
});

describe('a switching incident on DCC’s Switching Service Desk is DCC’s to run', () => {
  let cssCase: { id: string };
  let linkedCase: { id: string };
  let mi: MiView;

  it('DCC’s desk agent proposes a CSS incident with a linked raiser’s case', async () => {
    cssCase = await raise('britishGas', {
      deskId: 'dcc-switching',
      category: 'MARKET_SYSTEMS',
      subject: 'CSS registrations failing',
      description: 'Every registration is rejected.',
    });
    linkedCase = await raise('eonNext', {
      deskId: 'dcc-switching',
      category: 'MARKET_SYSTEMS',
      subject: 'CSS down',
      description: 'No switch requests accepted.',
    });
    for (const id of [cssCase.id, linkedCase.id]) {
      await ok('dccSwitchingAgent', 'mutation($input: TriageCaseInput!) { triageCase(input: $input) { id } }', {
        input: { caseId: id, type: 'INCIDENT', impact: 'HIGH', urgency: 'HIGH' },
      });
    }
    await ok('dccSwitchingAgent', 'mutation($input: LinkChildCaseInput!) { linkChildCase(input: $input) { id } }', {
      input: { parentId: cssCase.id, childId: linkedCase.id },
    });
    const proposed = await ok<{ proposeMajorIncident: MiView }>(
      'dccSwitchingAgent',
      `mutation($caseId: ID!, $input: ProposeMajorIncidentInput!) { proposeMajorIncident(caseId: $caseId, input: $input) { ${MI_FIELDS} } }`,
      {
        caseId: cssCase.id,
        input: {
          title: 'CSS switching outage',
          services: ['CSS'],
          validityChecks: ['SCOPE_AND_SCALE', 'SERVICE_DISRUPTION'],
          thresholds: { participantImpact: true, duration: true, complianceRisk: false, securityBreach: false },
        },
      },
    );
    mi = proposed.proposeMajorIncident;
    expect(mi.state).toBe('CANDIDATE');
  });

  it('Elexon’s Major Incident Manager cannot promote or reject it, nor take the lead, and nothing changes', async () => {
    expect(errorOf(await review('elexonMim', mi.id, 'PROMOTE'))?.code).toBe('FORBIDDEN');
    expect(errorOf(await review('elexonMim', mi.id, 'PROMOTE', { leadOrganisationId: 'elexon' }))?.code).toBe('FORBIDDEN');
    expect(errorOf(await review('elexonMim', mi.id, 'REJECT', { note: 'Not ours' }))?.code).toBe('FORBIDDEN');
    // Nor can DCC's manager hand the lead to another provider.
    expect(errorOf(await review('dccMim', mi.id, 'PROMOTE', { leadOrganisationId: 'elexon' }))).toMatchObject({
      code: 'BAD_USER_INPUT',
      field: 'leadOrganisationId',
    });
    expect(await viewMi('dccMim', mi.id)).toMatchObject({ state: 'CANDIDATE', reviewedBy: null, lead: null, updates: [] });
  });

  it('DCC’s Major Incident Manager promotes it and DCC leads on its Switching desk', async () => {
    const response = await review('dccMim', mi.id, 'PROMOTE', {
      initialUpdate: { body: 'The Central Switching Service is unavailable.', nextUpdateDueAt: minutesFromNow(30) },
    });
    expect(response.errors, JSON.stringify(response.errors)).toBeUndefined();
    mi = response.data!.reviewMajorIncident;
    expect(mi).toMatchObject({ state: 'PROMOTED', reviewedBy: 'mim@dcc.example', lead: { id: 'dcc' }, leadDesk: { id: 'dcc-switching' } });
  });

  it('DCC’s Major Incident Manager sees the MI’s case and its linked case without being a desk agent', async () => {
    const view = (await viewMi('dccMim', mi.id))!;
    expect(view.case?.id).toBe(cssCase.id);
    expect(view.linkedCases.map((c) => c.id)).toEqual([linkedCase.id]);
    expect(await viewCase('dccMim', cssCase.id)).toEqual({ id: cssCase.id });
    expect(await viewCase('dccMim', linkedCase.id)).toEqual({ id: linkedCase.id });
    const listed = await listedCases('dccMim');
    expect(listed).toEqual(expect.arrayContaining([cssCase.id, linkedCase.id]));
  });

  it('the grant is read only: the lead’s manager does not work the cases', async () => {
    const comment = await as('dccMim', 'mutation($input: AddCommentInput!) { addComment(input: $input) { id } }', {
      input: { caseId: linkedCase.id, body: 'Hello', visibility: 'CUSTOMER_VISIBLE' },
    });
    expect(errorOf(comment)?.code).toMatch(/^(NOT_FOUND|FORBIDDEN)$/);
  });

  it('an unrelated supplier and Elexon’s manager still cannot see the cases', async () => {
    for (const who of ['npower', 'elexonMim']) {
      const view = (await viewMi(who, mi.id))!;
      expect(view.state).toBe('PROMOTED');
      expect(view.case).toBeNull();
      expect(view.linkedCases).toEqual([]);
      expect(await viewCase(who, cssCase.id)).toBeNull();
      expect(await viewCase(who, linkedCase.id)).toBeNull();
      const listed = await listedCases(who);
      expect(listed).not.toContain(cssCase.id);
      expect(listed).not.toContain(linkedCase.id);
    }
  });

  it('Elexon’s Major Incident Manager cannot post updates or resolve DCC’s major incident', async () => {
    expect(errorOf(await postUpdate('elexonMim', mi.id, { body: 'Elexon here' }))?.code).toBe('FORBIDDEN');
    expect(errorOf(await as('elexonMim', 'mutation($id: ID!) { resolveMajorIncident(id: $id, resolution: "Fixed") { id } }', { id: mi.id }))?.code).toBe(
      'FORBIDDEN',
    );
    // Proven by DCC's next update: Elexon's attempt left no trace.
    const after = (await postUpdate('dccMim', mi.id, { body: 'Registrations are queued and will be replayed.', nextUpdateDueAt: minutesFromNow(45) })).data!
      .postMajorIncidentUpdate;
    expect(after.updates.map((u) => u.body)).toEqual(['The Central Switching Service is unavailable.', 'Registrations are queued and will be replayed.']);
    expect(after.state).toBe('PROMOTED');
  });

  it('the next update is due 30–60 minutes ahead (OM §5.19.1)', async () => {
    for (const minutes of [20, 61]) {
      expect(errorOf(await postUpdate('dccMim', mi.id, { body: `Update due in ${minutes}`, nextUpdateDueAt: minutesFromNow(minutes) }))).toMatchObject({
        code: 'BAD_USER_INPUT',
        field: 'nextUpdateDueAt',
      });
    }
    for (const minutes of [30, 60]) {
      const response = await postUpdate('dccMim', mi.id, { body: `Update due in ${minutes}`, nextUpdateDueAt: minutesFromNow(minutes) });
      expect(response.errors, JSON.stringify(response.errors)).toBeUndefined();
      expect(Math.round((Date.parse(response.data!.postMajorIncidentUpdate.nextUpdateDueAt!) - Date.now()) / 60_000)).toBe(minutes);
    }
    const bodies = (await viewMi('dccMim', mi.id))!.updates.map((u) => u.body);
    expect(bodies).not.toContain('Update due in 20');
    expect(bodies).not.toContain('Update due in 61');
    expect(bodies.slice(-2)).toEqual(['Update due in 30', 'Update due in 60']);
  });
});

describe('a candidate on a desk of no Central Service Provider is led by the reviewer’s own organisation', () => {
  let candidate: MiView;

  it('a DCP’s desk agent proposes one', async () => {
    const dcpCase = await raise('eonNext', {
      deskId: 'gridlink-dcp-desk',
      category: 'MARKET_SYSTEMS',
      subject: 'DCP connection down',
      description: 'No traffic through Gridlink',
    });
    await ok('gridlinkAgent', 'mutation($input: TriageCaseInput!) { triageCase(input: $input) { id } }', {
      input: { caseId: dcpCase.id, type: 'INCIDENT', impact: 'HIGH', urgency: 'HIGH' },
    });
    candidate = (
      await ok<{ proposeMajorIncident: MiView }>(
        'gridlinkAgent',
        `mutation($caseId: ID!, $input: ProposeMajorIncidentInput!) { proposeMajorIncident(caseId: $caseId, input: $input) { ${MI_FIELDS} } }`,
        {
          caseId: dcpCase.id,
          input: {
            title: 'Gridlink DIP connection outage',
            services: ['DIP_CONNECTION'],
            validityChecks: ['SERVICE_DISRUPTION'],
            thresholds: { participantImpact: true, duration: false, complianceRisk: false, securityBreach: false },
          },
        },
      )
    ).proposeMajorIncident;
  });

  it('Elexon’s manager cannot make DCC lead it, nor DCC’s make Elexon lead it, and nothing changes', async () => {
    expect(errorOf(await review('elexonMim', candidate.id, 'PROMOTE', { leadOrganisationId: 'dcc' }))).toMatchObject({
      code: 'BAD_USER_INPUT',
      field: 'leadOrganisationId',
    });
    expect(errorOf(await review('dccMim', candidate.id, 'PROMOTE', { leadOrganisationId: 'elexon' }))).toMatchObject({
      code: 'BAD_USER_INPUT',
      field: 'leadOrganisationId',
    });
    expect(await viewMi('elexonMim', candidate.id)).toMatchObject({ state: 'CANDIDATE', reviewedBy: null, lead: null });
  });

  it('Elexon’s manager promotes it with Elexon leading', async () => {
    const response = await review('elexonMim', candidate.id, 'PROMOTE', { leadOrganisationId: 'elexon' });
    expect(response.errors, JSON.stringify(response.errors)).toBeUndefined();
    expect(response.data!.reviewMajorIncident).toMatchObject({ state: 'PROMOTED', reviewedBy: 'mim', lead: { id: 'elexon' } });
  });
});

/**
 * Each desk runs on its own service levels (CA §2a; OM §3.10 is Elexon's; Hypercare §5.2): a cpsd_admin sets a
 * policy and assigns it to DCC's desk, DCC's cases are triaged under it, a later change of the policy leaves them as
 * they were triaged, and a Hypercare window puts the desk's newly triaged cases on Hypercare terms until it ends.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { calendarOf } from '../../schema/calendar';
import { callers, errorOf, signIn, startTestProduct, type Claims, type TestProduct } from './harness';

let t: TestProduct;
const tokens: Record<string, string> = {};
const { as, ok } = callers(() => t, tokens);

const DCC_DESK = 'dcc-service-desk';
const HOUR = 3600_000;

const SET_POLICY = 'mutation($input: SetSlaPolicyInput!) { setSlaPolicy(input: $input) { name resolutionTargets { priority amount unit } } }';
const ASSIGN = 'mutation($input: AssignSlaPolicyInput!) { assignSlaPolicy(input: $input) { id slaPolicy } }';
const SCHEDULE = 'mutation($input: ScheduleHypercareInput!) { scheduleHypercare(input: $input) { id startsAt endsAt desk { id } } }';

function targets(p2Hours: number) {
  return [
    { priority: 'P1', amount: 2, unit: 'CLOCK_HOURS' },
    { priority: 'P2', amount: p2Hours, unit: 'CLOCK_HOURS' },
    { priority: 'P3', amount: 3, unit: 'BUSINESS_DAYS' },
    { priority: 'P4', amount: 10, unit: 'BUSINESS_DAYS' },
  ];
}

interface Clocked {
  id: string;
  raisedAt: string;
  priority: string;
  sla: { policy: string; resolutionDueAt: string };
}

const CLOCKED = 'id raisedAt priority sla { policy resolutionDueAt }';

/** A P2 (medium impact, high urgency) incident at DCC's desk, raised and triaged now. */
async function triagedAtDcc(subject: string): Promise<Clocked> {
  const raised = await ok<{ raiseCase: { id: string } }>('supplier', 'mutation($input: RaiseCaseInput!) { raiseCase(input: $input) { id } }', {
    input: { deskId: DCC_DESK, category: 'MARKET_SYSTEMS', subject, description: `${subject}: the smart meter readings stopped.` },
  });
  const triaged = await ok<{ triageCase: Clocked }>('dccAgent', `mutation($input: TriageCaseInput!) { triageCase(input: $input) { ${CLOCKED} } }`, {
    input: { caseId: raised.raiseCase.id, type: 'INCIDENT', impact: 'MEDIUM', urgency: 'HIGH' },
  });
  return triaged.triageCase;
}

const hoursToResolve = (c: Clocked) => (Date.parse(c.sla.resolutionDueAt) - Date.parse(c.raisedAt)) / HOUR;

async function viewCase(id: string): Promise<Clocked> {
  const data = await ok<{ case: Clocked }>('dccAgent', `query($id: ID!) { case(id: $id) { ${CLOCKED} } }`, { id });
  return data.case;
}

describe('per-desk service levels and Hypercare', () => {
  beforeAll(async () => {
    t = await startTestProduct();
    const people: Record<string, Claims> = {
      admin: { sub: 'ada@elexon.example', org: 'elexon', roles: ['participant', 'cpsd_admin'] },
      supplier: { sub: 'sally@britishgas.example', org: 'british-gas', roles: ['participant'] },
      dccAgent: { sub: 'dan@dcc.example', org: 'dcc', roles: ['participant', 'desk_agent'], desks: [DCC_DESK] },
    };
    await signIn(t, people, tokens);
  });

  afterAll(async () => {
    await t?.stop();
  });

  let first: Clocked;

  it('OM §3.10 is the default: STANDARD and HYPERCARE are there, and every desk starts on STANDARD', async () => {
    const data = await ok<{ slaPolicies: { name: string; resolutionTargets: { priority: string; amount: number; unit: string }[] }[] }>(
      'dccAgent',
      '{ slaPolicies { name resolutionTargets { priority amount unit } } }',
    );
    expect(data.slaPolicies.map((p) => p.name)).toEqual(['HYPERCARE', 'STANDARD']);
    expect(data.slaPolicies.find((p) => p.name === 'HYPERCARE')?.resolutionTargets).toContainEqual({ priority: 'P2', amount: 10, unit: 'BUSINESS_HOURS' });
    const desk = await ok<{ desk: { slaPolicy: string } }>('dccAgent', `{ desk(id: "${DCC_DESK}") { slaPolicy } }`);
    expect(desk.desk.slaPolicy).toBe('STANDARD');
  });

  it('only cpsd_admin changes service levels', async () => {
    const refused = await as('dccAgent', SET_POLICY, { input: { name: 'DCC_OWN', resolutionTargets: targets(4) } });
    expect(errorOf(refused)).toMatchObject({ code: 'FORBIDDEN' });
    const assign = await as('dccAgent', ASSIGN, { input: { deskId: DCC_DESK, policy: 'HYPERCARE' } });
    expect(errorOf(assign)).toMatchObject({ code: 'FORBIDDEN' });
    const now = Date.now();
    const window = { deskIds: [DCC_DESK], startsAt: new Date(now).toISOString(), endsAt: new Date(now + HOUR).toISOString() };
    expect(errorOf(await as('dccAgent', SCHEDULE, { input: window }))).toMatchObject({ code: 'FORBIDDEN' });
    expect(errorOf(await as('supplier', 'mutation($id: ID!) { endHypercare(id: $id) }', { id: '00000000-0000-4000-8000-000000000000' }))).toMatchObject({
      code: 'FORBIDDEN',
    });
  });

  it('bad policies, desks and windows are refused on the field, and nothing changes', async () => {
    const missing = await as('admin', SET_POLICY, { input: { name: 'DCC_SWITCHING', resolutionTargets: targets(4).slice(0, 3) } });
    expect(errorOf(missing)).toMatchObject({ code: 'BAD_USER_INPUT', field: 'input.resolutionTargets' });
    const negative = await as('admin', SET_POLICY, { input: { name: 'DCC_SWITCHING', resolutionTargets: targets(-4) } });
    expect(errorOf(negative)).toMatchObject({ code: 'BAD_USER_INPUT', field: 'input.resolutionTargets[1].amount' });
    const badName = await as('admin', SET_POLICY, { input: { name: 'dcc switching', resolutionTargets: targets(4) } });
    expect(errorOf(badName)).toMatchObject({ code: 'BAD_USER_INPUT', field: 'input.name' });
    const unknownPolicy = await as('admin', ASSIGN, { input: { deskId: DCC_DESK, policy: 'DCC_SWITCHING' } });
    expect(errorOf(unknownPolicy)).toMatchObject({ code: 'BAD_USER_INPUT', field: 'input.policy' });
    const now = Date.now();
    const reversed = await as('admin', SCHEDULE, {
      input: { deskIds: [DCC_DESK], startsAt: new Date(now + HOUR).toISOString(), endsAt: new Date(now).toISOString() },
    });
    expect(errorOf(reversed)).toMatchObject({ code: 'BAD_USER_INPUT', field: 'input.endsAt' });
    const unknownDesk = await as('admin', SCHEDULE, {
      input: { deskIds: [DCC_DESK, 'no-such-desk'], startsAt: new Date(now).toISOString(), endsAt: new Date(now + HOUR).toISOString() },
    });
    expect(errorOf(unknownDesk)).toMatchObject({ code: 'BAD_USER_INPUT', field: 'input.deskIds' });
    const windows = await ok<{ hypercareWindows: unknown[] }>('admin', `{ hypercareWindows(deskId: "${DCC_DESK}") { id } }`);
    expect(windows.hypercareWindows).toEqual([]);
    const policies = await ok<{ slaPolicies: { name: string }[] }>('admin', '{ slaPolicies { name } }');
    expect(policies.slaPolicies.map((p) => p.name)).toEqual(['HYPERCARE', 'STANDARD']);
  });

  it('DCC’s desk runs on its own policy: a P2 triaged there is due 4 hours after it was raised', async () => {
    const set = await ok<{ setSlaPolicy: { name: string } }>('admin', SET_POLICY, { input: { name: 'DCC_SWITCHING', resolutionTargets: targets(4) } });
    expect(set.setSlaPolicy.name).toBe('DCC_SWITCHING');
    const assigned = await ok<{ assignSlaPolicy: { slaPolicy: string } }>('admin', ASSIGN, { input: { deskId: DCC_DESK, policy: 'DCC_SWITCHING' } });
    expect(assigned.assignSlaPolicy.slaPolicy).toBe('DCC_SWITCHING');
    first = await triagedAtDcc('Readings stopped at DCC');
    expect(first).toMatchObject({ priority: 'P2', sla: { policy: 'DCC_SWITCHING' } });
    expect(hoursToResolve(first)).toBe(4);
  });

  it('changing the policy never rewrites a case already triaged; the next case gets the new targets', async () => {
    await ok('admin', SET_POLICY, { input: { name: 'DCC_SWITCHING', resolutionTargets: targets(8) } });
    expect(hoursToResolve(await viewCase(first.id))).toBe(4);
    const next = await triagedAtDcc('Readings stopped again');
    expect(hoursToResolve(next)).toBe(8);
  });

  it('a Hypercare window puts newly triaged cases on Hypercare terms; ending it puts the desk back on its own', async () => {
    const now = Date.now();
    const schedule = { deskIds: [DCC_DESK], startsAt: new Date(now - 60_000).toISOString(), endsAt: new Date(now + HOUR).toISOString() };
    const scheduled = await ok<{ scheduleHypercare: { id: string; desk: { id: string } }[] }>('admin', SCHEDULE, { input: schedule });
    expect(scheduled.scheduleHypercare).toHaveLength(1);
    // The same window again is the same window (a retry is safe).
    const again = await ok<{ scheduleHypercare: { id: string }[] }>('admin', SCHEDULE, { input: schedule });
    expect(again.scheduleHypercare.map((w) => w.id)).toEqual(scheduled.scheduleHypercare.map((w) => w.id));
    const inHypercare = await triagedAtDcc('Readings stopped in Hypercare');
    expect(inHypercare.sla.policy).toBe('HYPERCARE');
    expect(hoursToResolve(await viewCase(first.id))).toBe(4);
    await ok('admin', 'mutation($id: ID!) { endHypercare(id: $id) }', { id: scheduled.scheduleHypercare[0]?.id });
    // An ended window is not there to end again.
    expect(errorOf(await as('admin', 'mutation($id: ID!) { endHypercare(id: $id) }', { id: scheduled.scheduleHypercare[0]?.id }))).toMatchObject({
      code: 'NOT_FOUND',
    });
    const after = await triagedAtDcc('Readings stopped after Hypercare');
    expect(after.sla.policy).toBe('DCC_SWITCHING');
    expect((await viewCase(inHypercare.id)).sla.policy).toBe('HYPERCARE');
  });

  it('each desk’s clock runs on the hours it publishes: NGED West Midlands counts from its 09:00 opening, not core hours', async () => {
    const raised = await ok<{ raiseCase: { raisedAt: string; sla: { calendar: string; responseDueAt: string } } }>(
      'supplier',
      'mutation($input: RaiseCaseInput!) { raiseCase(input: $input) { raisedAt sla { calendar responseDueAt } } }',
      { input: { deskId: 'nged-west-midlands-mpas', category: 'DATA_SUBMISSION', subject: 'MPAN query', description: 'Which supplier holds this MPAN?' } },
    );
    const { raisedAt, sla } = raised.raiseCase;
    expect(sla.calendar).toBe('WEEKDAYS 09:00-17:00');
    // Triage is due 15 minutes into the desk's own hours (a P1 raised at 04:56 is due at 09:15, not 08:45).
    expect(sla.responseDueAt).toBe(calendarOf('WEEKDAYS 09:00-17:00').addMinutes(new Date(raisedAt), 15).toISOString());
    const desk = await ok<{ desk: { profile: { hours: { opens: string; closes: string } } } }>(
      'supplier',
      '{ desk(id: "nged-west-midlands-mpas") { profile { hours { opens closes } } } }',
    );
    expect(desk.desk.profile.hours).toEqual({ opens: '09:00', closes: '17:00' });
  });

  it('a service request is triaged Standard or High priority (OM §7.2); the class is only for service requests', async () => {
    const raised = await ok<{ raiseCase: { id: string } }>('supplier', 'mutation($input: RaiseCaseInput!) { raiseCase(input: $input) { id } }', {
      input: { deskId: DCC_DESK, category: 'MARKET_SYSTEMS', subject: 'New user access', description: 'Please give our new analyst portal access.' },
    });
    const TRIAGE = `mutation($input: TriageCaseInput!) { triageCase(input: $input) { type serviceRequestClass priority sla { calendar resolutionDueAt } respondedAt } }`;
    const wrong = await as('dccAgent', TRIAGE, {
      input: { caseId: raised.raiseCase.id, type: 'INCIDENT', impact: 'LOW', urgency: 'LOW', serviceRequestClass: 'HIGH_PRIORITY' },
    });
    expect(errorOf(wrong)).toMatchObject({ code: 'BAD_USER_INPUT', field: 'serviceRequestClass' });
    const triaged = await ok<{ triageCase: { type: string; serviceRequestClass: string; priority: string; sla: { resolutionDueAt: string } } }>(
      'dccAgent',
      TRIAGE,
      { input: { caseId: raised.raiseCase.id, type: 'SERVICE_REQUEST', impact: 'LOW', urgency: 'LOW', serviceRequestClass: 'HIGH_PRIORITY' } },
    );
    expect(triaged.triageCase).toMatchObject({ type: 'SERVICE_REQUEST', serviceRequestClass: 'HIGH_PRIORITY', priority: 'P4' });
    const view = await ok<{ case: { raisedAt: string } }>('dccAgent', `query($id: ID!) { case(id: $id) { raisedAt } }`, { id: raised.raiseCase.id });
    // High priority: 2 business days (9 business hours each) in core hours from when it was raised.
    expect(triaged.triageCase.sla.resolutionDueAt).toBe(
      calendarOf('BUSINESS')
        .addMinutes(new Date(view.case.raisedAt), 2 * 9 * 60)
        .toISOString(),
    );
  });
});

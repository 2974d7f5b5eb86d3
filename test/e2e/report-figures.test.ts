/**
 * The case report's figures on a fixture of known cases, hand-computed (OM App. D; Hypercare §5): the cases are
 * raised, triaged, held, handed off, reopened and resolved through the product's own case service at chosen past
 * instants around the start of British Summer Time (Sunday 29 March 2026) and the Easter bank holidays (Good Friday
 * 3 April, Easter Monday 6 April 2026), at the Elexon Service Desk (24x7; P2–P4 counted in core hours 08:30–17:30)
 * and at the DCC Switching Service Desk (its own hours, Mon–Fri 07:30–18:00). The report is then read through the
 * gateway by each kind of caller. Every expected number below is worked out by hand in the comment beside it.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CaseType, HoldReason, Impact, Role, Urgency } from '../../schema/enums';
import type { Principal } from '../../schema/identity';
import { CaseService } from '../../subgraphs/elexon/cases/case.service';
import { elexonOutbox } from '../../subgraphs/elexon/cases/case.runtime';
import { callers, signIn, startTestProduct, type Claims, type TestProduct } from './harness';

let t: TestProduct;
const tokens: Record<string, string> = {};
const { ok } = callers(() => t, tokens);

const ELEXON = 'elexon-service-desk';
const SWITCHING = 'dcc-switching';
const PERIOD = { from: '2026-03-23T00:00:00.000Z', to: '2026-04-13T00:00:00.000Z' };

const person = (subject: string, organisationId: string, roles: Role[], deskIds: string[] = []): Principal => ({
  subject,
  organisationId,
  visibleOrganisationIds: [organisationId],
  roles,
  deskIds,
  kind: 'USER',
});
const supplier = person('sally@britishgas.example', 'british-gas', [Role.PARTICIPANT]);
const otherSupplier = person('olga@eonnext.example', 'eon-next', [Role.PARTICIPANT]);
const elexonAgent = person('eve@elexon.example', 'elexon', [Role.PARTICIPANT, Role.DESK_AGENT], [ELEXON]);
const switchingAgent = person('sam@dcc.example', 'dcc', [Role.PARTICIPANT, Role.DESK_AGENT], [SWITCHING]);
const dccAgent = person('dan@dcc.example', 'dcc', [Role.PARTICIPANT, Role.DESK_AGENT], ['dcc-service-desk']);

const REPORT = `query($period: ReportPeriod!) { caseReport(period: $period) {
  openByDeskAndPriority { deskId priority count } resolvedByDesk { deskId count } ageing { bucket count }
  raisedByCategory { category count } openServiceRequests { serviceRequestClass count }
  slaByPriority { priority resolved resolutionMet resolutionBreached resolutionNearBreach responseMet responseBreached achievementPercent meanMinutesToResolve }
  openSlaByPriority { priority open breached nearBreach }
  resolved reopened reopenRatePercent firstTimeResolved firstTimeResolutionPercent } }`;
const TREND = `query($period: ReportPeriod!, $interval: TrendInterval) { caseTrend(period: $period, interval: $interval) {
  start priority resolved resolutionMet achievementPercent meanMinutesToResolve } }`;

type Report = Record<string, unknown> & { slaByPriority: unknown[] };

beforeAll(async () => {
  t = await startTestProduct();
  const people: Record<string, Claims> = {
    supplier: { sub: supplier.subject, org: 'british-gas', roles: ['participant'] },
    parent: { sub: 'pat@centrica.example', org: 'centrica', roles: ['participant'] },
    otherSupplier: { sub: otherSupplier.subject, org: 'eon-next', roles: ['participant'] },
    elexonAgent: { sub: elexonAgent.subject, org: 'elexon', roles: ['participant', 'desk_agent'], desks: [ELEXON] },
    switchingAgent: { sub: switchingAgent.subject, org: 'dcc', roles: ['participant', 'desk_agent'], desks: [SWITCHING] },
    admin: { sub: 'ada@cpsd.example', org: 'elexon', roles: ['participant', 'cpsd_admin'] },
  };
  await signIn(t, people, tokens);

  let now = new Date(0);
  const db = t.product.subgraphs.find((s) => s.name === 'elexon')!.db;
  const cases = new CaseService(db, elexonOutbox, () => now);
  const at = (iso: string) => {
    now = new Date(iso);
  };
  const raise = async (who: Principal, deskId: string, category: string, when: string) => {
    at(when);
    const c = await cases.raiseCase(who, { deskId, category: category as never, subject: `Fixture ${category}`, description: 'A fixture case.' });
    return c.id;
  };
  const triage = async (caseId: string, when: string, impact: Impact, urgency: Urgency, agent = elexonAgent) => {
    at(when);
    await cases.triageCase(agent, { caseId, type: CaseType.INCIDENT, impact, urgency });
  };
  const resolve = async (caseId: string, when: string, agent = elexonAgent) => {
    at(when);
    await cases.resolveCase(agent, { caseId, resolution: 'Fixed.' });
  };

  // A — Elexon desk, P2 (1 business day = 540 core minutes) over Good Friday and Easter Monday. Raised Thu 2 Apr
  // 16:30 BST: 60 minutes that day, none on Fri 3 (bank holiday), Sat, Sun, Mon 6 (bank holiday), 480 on Tue 7 from
  // 08:30 → due Tue 7 Apr 16:30 BST. 75 % (405 min) is reached Tue 7 at 14:15. Resolved Tue 7 at 16:00 BST: met, but
  // after the near-breach instant. Raised → resolved: 2 Apr 15:30Z → 7 Apr 15:00Z = 119.5 h = 7,170 min.
  const a = await raise(supplier, ELEXON, 'SETTLEMENT_SERVICES', '2026-04-02T15:30:00Z');
  await triage(a, '2026-04-02T15:35:00Z', Impact.MEDIUM, Urgency.HIGH);
  await resolve(a, '2026-04-07T15:00:00Z');

  // B — Elexon desk, P2 over the GMT → BST change. Raised Fri 27 Mar 15:00 GMT: 150 minutes that day, then Mon 30 Mar
  // from 08:30 BST (07:30Z) 390 more → due 15:00 BST (14:00Z). Resolved 15:30 BST: breached. (Counting Monday in GMT
  // would make the due time 15:00Z and this case "met".) 27 Mar 15:00Z → 30 Mar 14:30Z = 71.5 h = 4,290 min.
  const b = await raise(supplier, ELEXON, 'DATA_SUBMISSION', '2026-03-27T15:00:00Z');
  await triage(b, '2026-03-27T15:05:00Z', Impact.MEDIUM, Urgency.HIGH);
  await resolve(b, '2026-03-30T14:30:00Z');

  // C — Elexon desk, P3 (5 business days = 2,700 core minutes) resolved after hours past its due instant. Raised Mon
  // 23 Mar 17:30 GMT (core hours over): counting starts Tue 24 08:30; Tue–Fri and Mon 30 are five days → due Mon 30
  // 17:30 BST. Resolved Mon 30 at 18:00 BST: no core time passed after 17:30, so the clock says met (a comparison of
  // the instants would call it breached). Past 75 % → near breach. 23 Mar 17:30Z → 30 Mar 17:00Z = 10,050 min.
  const c = await raise(supplier, ELEXON, 'MARKET_SYSTEMS', '2026-03-23T17:30:00Z');
  await triage(c, '2026-03-23T17:35:00Z', Impact.LOW, Urgency.HIGH);
  await resolve(c, '2026-03-30T17:00:00Z');

  // D — DCC Switching desk (Mon–Fri 07:30–18:00, every target in those hours), P1 = 6 h = 360 minutes, with a hold.
  // Raised Wed 1 Apr 16:00 BST by E.ON Next: 120 minutes that day; Thu 2 from 07:30: 60 minutes to 08:30, on hold
  // 08:30–10:30 (paused), 180 more → due 13:30 BST. 75 % (270 min) at 12:00 BST. Resolved 13:00 BST: met, near
  // breach. 1 Apr 15:00Z → 2 Apr 12:00Z = 1,260 min.
  const d = await raise(otherSupplier, SWITCHING, 'MARKET_SYSTEMS', '2026-04-01T15:00:00Z');
  await triage(d, '2026-04-01T15:05:00Z', Impact.HIGH, Urgency.HIGH, switchingAgent);
  at('2026-04-02T07:30:00Z');
  await cases.putCaseOnHold(switchingAgent, { caseId: d, reason: HoldReason.VENDOR, note: 'Waiting for the CSS provider' });
  at('2026-04-02T09:30:00Z');
  await cases.resumeCase(switchingAgent, { caseId: d });
  await resolve(d, '2026-04-02T12:00:00Z', switchingAgent);

  // E — Elexon desk, P3, resolved, reopened by the raiser, resolved again: 450 + 150 = 600 core minutes of 2,700, not
  // near breach. Raised 24 Mar 10:00Z → finally resolved 25 Mar 11:00Z = 1,500 min. Not a first-time resolution.
  const e = await raise(supplier, ELEXON, 'MARKET_SYSTEMS', '2026-03-24T10:00:00Z');
  await triage(e, '2026-03-24T10:05:00Z', Impact.LOW, Urgency.HIGH);
  await resolve(e, '2026-03-24T12:00:00Z');
  at('2026-03-25T09:00:00Z');
  await cases.reopenCase(supplier, { caseId: e, comment: 'Still failing this morning.' });
  await resolve(e, '2026-03-25T11:00:00Z');

  // F — Elexon desk, P4 (20 business days), handed off to the DCC Service Desk, then resolved: met, not near, not a
  // first-time resolution (a hand-off). 24 Mar 09:00Z → 25 Mar 10:00Z = 1,500 min.
  const f = await raise(supplier, ELEXON, 'THIRD_PARTY_SERVICES', '2026-03-24T09:00:00Z');
  await triage(f, '2026-03-24T09:05:00Z', Impact.LOW, Urgency.MEDIUM);
  at('2026-03-24T09:10:00Z');
  await cases.handOffCase(elexonAgent, { caseId: f, toDeskId: 'dcc-service-desk', reason: 'Smart meter comms fault' });
  const [handoff] = (await db.query('SELECT id FROM elexon.handoffs WHERE case_id = $1', [f])) as { id: string }[];
  at('2026-03-24T09:20:00Z');
  await cases.updateHandoffState(dccAgent, 'acknowledgeHandoff', { handoffId: handoff!.id, externalReference: 'DCC-1' });
  at('2026-03-25T09:30:00Z');
  await cases.updateHandoffState(dccAgent, 'resolveHandoff', { handoffId: handoff!.id, resolution: 'Comms hub replaced.' });
  await resolve(f, '2026-03-25T10:00:00Z');

  // G — open P1 raised Fri 10 Apr 09:00 BST, 6 clock hours → due 15:00 BST: breached by the end of the period.
  const g = await raise(supplier, ELEXON, 'MARKET_SYSTEMS', '2026-04-10T08:00:00Z');
  await triage(g, '2026-04-10T08:05:00Z', Impact.HIGH, Urgency.HIGH);
  // H — open P3 raised Tue 7 Apr 09:00 BST: 510 + 540 + 540 + 540 = 2,130 core minutes by Fri 10 Apr 17:30 (79 %):
  // near breach at the end of the period (75 % = 2,025 was reached Fri 10 at 15:45), due Tue 14 Apr 09:00.
  const h = await raise(supplier, ELEXON, 'SETTLEMENT_SERVICES', '2026-04-07T08:00:00Z');
  await triage(h, '2026-04-07T08:05:00Z', Impact.LOW, Urgency.HIGH);
  // I — open P4 raised Fri 10 Apr 10:00Z: 20 business days, on time.
  const i = await raise(supplier, ELEXON, 'PARTICIPANT_ISSUES', '2026-04-10T10:00:00Z');
  await triage(i, '2026-04-10T10:05:00Z', Impact.LOW, Urgency.LOW);
  // K — an MHHS Service Request (OM §7.1) raised Sun 12 Apr 20:00Z, triaged High priority: open, 0 days old.
  const k = await raise(supplier, ELEXON, 'MHHS_SERVICE_REQUEST', '2026-04-12T20:00:00Z');
  at('2026-04-12T20:05:00Z');
  await cases.triageCase(elexonAgent, {
    caseId: k,
    type: CaseType.SERVICE_REQUEST,
    impact: Impact.LOW,
    urgency: Urgency.LOW,
    serviceRequestClass: 'HIGH_PRIORITY',
  });
  // J — E.ON Next at the Elexon desk, not triaged yet.
  await raise(otherSupplier, ELEXON, 'SETTLEMENT_SERVICES', '2026-04-08T09:00:00Z');
}, 120_000);

afterAll(async () => {
  await t?.stop();
});

const report = async (who: string) => (await ok<{ caseReport: Report }>(who, REPORT, { period: PERIOD })).caseReport;

describe('the case report on a fixture of known cases', () => {
  it('British Gas: SLA by priority counted on the desk’s calendar across the bank holidays and the clock change', async () => {
    const r = await report('supplier');
    expect(r.slaByPriority).toEqual([
      // A met (near breach), B breached. Mean (7,170 + 4,290) / 2.
      {
        priority: 'P2',
        resolved: 2,
        resolutionMet: 1,
        resolutionBreached: 1,
        resolutionNearBreach: 1,
        responseMet: 2,
        responseBreached: 0,
        achievementPercent: 50,
        meanMinutesToResolve: 5730,
      },
      // C met (near breach), E met. Mean (10,050 + 1,500) / 2.
      {
        priority: 'P3',
        resolved: 2,
        resolutionMet: 2,
        resolutionBreached: 0,
        resolutionNearBreach: 1,
        responseMet: 2,
        responseBreached: 0,
        achievementPercent: 100,
        meanMinutesToResolve: 5775,
      },
      {
        priority: 'P4',
        resolved: 1,
        resolutionMet: 1,
        resolutionBreached: 0,
        resolutionNearBreach: 0,
        responseMet: 1,
        responseBreached: 0,
        achievementPercent: 100,
        meanMinutesToResolve: 1500,
      },
    ]);
    // A, B, C, E, F resolved; E reopened; F handed off: A, B and C are first-time resolutions.
    expect(r).toMatchObject({ resolved: 5, reopened: 1, reopenRatePercent: 20, firstTimeResolved: 3, firstTimeResolutionPercent: 60 });
    expect(r.resolvedByDesk).toEqual([{ deskId: ELEXON, count: 5 }]);
  });

  it('British Gas: what is open at the end of the period, breached, near breach, by age, and the open service request', async () => {
    const r = await report('supplier');
    expect(r.openSlaByPriority).toEqual([
      { priority: 'P1', open: 1, breached: 1, nearBreach: 0 }, // G
      { priority: 'P3', open: 1, breached: 0, nearBreach: 1 }, // H
      { priority: 'P4', open: 2, breached: 0, nearBreach: 0 }, // I, K
    ]);
    expect(r.openByDeskAndPriority).toEqual([
      { deskId: ELEXON, priority: 'P1', count: 1 },
      { deskId: ELEXON, priority: 'P3', count: 1 },
      { deskId: ELEXON, priority: 'P4', count: 2 },
    ]);
    // At 13 Apr 00:00Z: K 4 h old (0-1); G 2.7 days, H 5.7 days, I 2.6 days (2-5, whole days 2, 5, 2).
    expect(r.ageing).toEqual([
      { bucket: '0-1', count: 1 },
      { bucket: '2-5', count: 3 },
      { bucket: '6-10', count: 0 },
      { bucket: '11-30', count: 0 },
      { bucket: '>30', count: 0 },
    ]);
    expect(r.openServiceRequests).toEqual([{ serviceRequestClass: 'HIGH_PRIORITY', count: 1 }]);
    expect(r.raisedByCategory).toEqual([
      { category: 'DATA_SUBMISSION', count: 1 },
      { category: 'MARKET_SYSTEMS', count: 3 },
      { category: 'MHHS_SERVICE_REQUEST', count: 1 },
      { category: 'PARTICIPANT_ISSUES', count: 1 },
      { category: 'SETTLEMENT_SERVICES', count: 2 },
      { category: 'THIRD_PARTY_SERVICES', count: 1 },
    ]);
  });

  it('the parent account reads its child’s figures; E.ON Next only its own', async () => {
    const parent = await report('parent');
    const own = await report('supplier');
    expect(parent).toEqual(own);
    const other = await report('otherSupplier');
    // D resolved at the Switching desk (met, near breach, first time); J open, not triaged.
    expect(other).toMatchObject({ resolved: 1, reopened: 0, firstTimeResolved: 1, firstTimeResolutionPercent: 100 });
    expect(other.openByDeskAndPriority).toEqual([{ deskId: ELEXON, priority: null, count: 1 }]);
  });

  it('the DCC Switching desk: its own hours and the hold drive the clock of its case', async () => {
    const r = await report('switchingAgent');
    expect(r.slaByPriority).toEqual([
      {
        priority: 'P1',
        resolved: 1,
        resolutionMet: 1,
        resolutionBreached: 0,
        resolutionNearBreach: 1,
        responseMet: 1,
        responseBreached: 0,
        achievementPercent: 100,
        meanMinutesToResolve: 1260,
      },
    ]);
    expect(r.resolvedByDesk).toEqual([{ deskId: SWITCHING, count: 1 }]);
  });

  it('Elexon service management sees every case', async () => {
    const r = await report('admin');
    expect(r).toMatchObject({ resolved: 6, reopened: 1, firstTimeResolved: 4, firstTimeResolutionPercent: 66.7 });
    expect(r.resolvedByDesk).toEqual([
      { deskId: SWITCHING, count: 1 },
      { deskId: ELEXON, count: 5 },
    ]);
  });

  it('the trend buckets by UK week and month: the week after the clock change starts at 23:00Z', async () => {
    const weeks = (await ok<{ caseTrend: unknown[] }>('supplier', TREND, { period: PERIOD, interval: 'WEEK' })).caseTrend;
    expect(weeks).toEqual([
      { start: '2026-03-23T00:00:00.000Z', priority: 'P3', resolved: 1, resolutionMet: 1, achievementPercent: 100, meanMinutesToResolve: 1500 }, // E
      { start: '2026-03-23T00:00:00.000Z', priority: 'P4', resolved: 1, resolutionMet: 1, achievementPercent: 100, meanMinutesToResolve: 1500 }, // F
      { start: '2026-03-29T23:00:00.000Z', priority: 'P2', resolved: 1, resolutionMet: 0, achievementPercent: 0, meanMinutesToResolve: 4290 }, // B
      { start: '2026-03-29T23:00:00.000Z', priority: 'P3', resolved: 1, resolutionMet: 1, achievementPercent: 100, meanMinutesToResolve: 10050 }, // C
      { start: '2026-04-05T23:00:00.000Z', priority: 'P2', resolved: 1, resolutionMet: 1, achievementPercent: 100, meanMinutesToResolve: 7170 }, // A
    ]);
    const months = (await ok<{ caseTrend: { start: string; priority: string; resolved: number }[] }>('supplier', TREND, { period: PERIOD })).caseTrend;
    expect(months.map((m) => [m.start, m.priority, m.resolved])).toEqual([
      ['2026-03-01T00:00:00.000Z', 'P2', 1],
      ['2026-03-01T00:00:00.000Z', 'P3', 2],
      ['2026-03-01T00:00:00.000Z', 'P4', 1],
      ['2026-03-31T23:00:00.000Z', 'P2', 1],
    ]);
  });
});

/**
 * The case report for a period (OM App. D): figures on a fixture of known cases match hand-computed values, and every
 * figure counts only the cases the caller may see (a supplier its own, its parent account its descendants', the desk
 * its desk's).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { callers, errorOf, signIn, startTestProduct, type Claims, type TestProduct } from './harness';

let t: TestProduct;
const tokens: Record<string, string> = {};
const { as, ok } = callers(() => t, tokens);

const REPORT = `query($period: ReportPeriod!) { caseReport(period: $period) {
  openByDeskAndPriority { deskId priority count } resolvedByDesk { deskId count } ageing { bucket count }
  raisedByCategory { category count }
  slaByPriority { priority resolved resolutionMet resolutionBreached responseMet responseBreached achievementPercent meanMinutesToResolve }
  resolved reopened reopenRatePercent } }`;

interface Report {
  openByDeskAndPriority: { deskId: string; priority: string | null; count: number }[];
  resolvedByDesk: { deskId: string; count: number }[];
  ageing: { bucket: string; count: number }[];
  raisedByCategory: { category: string; count: number }[];
  slaByPriority: {
    priority: string;
    resolved: number;
    resolutionMet: number;
    resolutionBreached: number;
    responseMet: number;
    responseBreached: number;
    achievementPercent: number | null;
    meanMinutesToResolve: number | null;
  }[];
  resolved: number;
  reopened: number;
  reopenRatePercent: number | null;
}

const DESK = 'elexon-service-desk';

async function raise(who: string, category: string, subject: string): Promise<string> {
  const data = await ok<{ raiseCase: { id: string } }>(who, 'mutation($input: RaiseCaseInput!) { raiseCase(input: $input) { id } }', {
    input: { deskId: DESK, category, subject, description: `${subject}: details.` },
  });
  return data.raiseCase.id;
}

const triage = (caseId: string, impact: string, urgency: string) =>
  ok('elexonAgent', 'mutation($input: TriageCaseInput!) { triageCase(input: $input) { id } }', { input: { caseId, type: 'INCIDENT', impact, urgency } });
const resolve = (caseId: string) =>
  ok('elexonAgent', 'mutation($input: ResolveCaseInput!) { resolveCase(input: $input) { id } }', { input: { caseId, resolution: 'Fixed.' } });

describe('the case report', () => {
  let period: { from: string; to: string };

  beforeAll(async () => {
    t = await startTestProduct();
    const people: Record<string, Claims> = {
      supplier: { sub: 'sally@britishgas.example', org: 'british-gas', roles: ['participant'] },
      parent: { sub: 'pat@centrica.example', org: 'centrica', roles: ['participant'] },
      otherSupplier: { sub: 'olga@eonnext.example', org: 'eon-next', roles: ['participant'] },
      elexonAgent: { sub: 'eve@elexon.example', org: 'elexon', roles: ['participant', 'desk_agent'], desks: [DESK] },
    };
    await signIn(t, people, tokens);
    const from = new Date(Date.now() - 1000).toISOString();
    // British Gas: A (settlement) resolved, reopened and resolved again as a P2; B (market systems) open as a P3.
    const a = await raise('supplier', 'SETTLEMENT_SERVICES', 'Settlement run late');
    const b = await raise('supplier', 'MARKET_SYSTEMS', 'Portal slow');
    // E.ON Next: C (settlement) open, not triaged.
    await raise('otherSupplier', 'SETTLEMENT_SERVICES', 'Settlement question');
    await triage(a, 'MEDIUM', 'HIGH');
    await triage(b, 'MEDIUM', 'MEDIUM');
    await resolve(a);
    await ok('supplier', 'mutation($input: CaseReasonInput!) { reopenCase(input: $input) { id } }', { input: { caseId: a, comment: 'Still late today.' } });
    await resolve(a);
    period = { from, to: new Date(Date.now() + 60_000).toISOString() };
  });

  afterAll(async () => {
    await t?.stop();
  });

  it('gives a supplier the figures of its own cases only', async () => {
    const { caseReport } = await ok<{ caseReport: Report }>('supplier', REPORT, { period });
    expect(caseReport.openByDeskAndPriority).toEqual([{ deskId: DESK, priority: 'P3', count: 1 }]);
    expect(caseReport.resolvedByDesk).toEqual([{ deskId: DESK, count: 1 }]);
    expect(caseReport.raisedByCategory).toEqual([
      { category: 'MARKET_SYSTEMS', count: 1 },
      { category: 'SETTLEMENT_SERVICES', count: 1 },
    ]);
    expect(caseReport.ageing).toEqual([
      { bucket: '0-1', count: 1 },
      { bucket: '2-5', count: 0 },
      { bucket: '6-10', count: 0 },
      { bucket: '11-30', count: 0 },
      { bucket: '>30', count: 0 },
    ]);
    expect(caseReport.slaByPriority).toEqual([
      {
        priority: 'P2',
        resolved: 1,
        resolutionMet: 1,
        resolutionBreached: 0,
        responseMet: 1,
        responseBreached: 0,
        achievementPercent: 100,
        meanMinutesToResolve: expect.any(Number),
      },
    ]);
    // Raised and resolved within this test: well under the minute the period allows.
    expect(caseReport.slaByPriority[0]?.meanMinutesToResolve).toBeLessThan(1);
    expect(caseReport).toMatchObject({ resolved: 1, reopened: 1, reopenRatePercent: 100 });
  });

  it('gives the parent account its descendants’ figures, and the desk every case at the desk', async () => {
    const parent = await ok<{ caseReport: Report }>('parent', REPORT, { period });
    expect(parent.caseReport.raisedByCategory).toEqual([
      { category: 'MARKET_SYSTEMS', count: 1 },
      { category: 'SETTLEMENT_SERVICES', count: 1 },
    ]);
    const desk = await ok<{ caseReport: Report }>('elexonAgent', REPORT, { period });
    expect(desk.caseReport.raisedByCategory).toEqual([
      { category: 'MARKET_SYSTEMS', count: 1 },
      { category: 'SETTLEMENT_SERVICES', count: 2 },
    ]);
    expect(desk.caseReport.openByDeskAndPriority).toEqual([
      { deskId: DESK, priority: null, count: 1 },
      { deskId: DESK, priority: 'P3', count: 1 },
    ]);
    const other = await ok<{ caseReport: Report }>('otherSupplier', REPORT, { period });
    expect(other.caseReport).toMatchObject({ resolved: 0, reopened: 0, reopenRatePercent: null, resolvedByDesk: [], slaByPriority: [] });
  });

  it('counts a period, not all time: a period before the cases has nothing raised or resolved', async () => {
    const before = { from: new Date(Date.parse(period.from) - 86_400_000).toISOString(), to: period.from };
    const { caseReport } = await ok<{ caseReport: Report }>('elexonAgent', REPORT, { period: before });
    expect(caseReport).toMatchObject({ raisedByCategory: [], resolvedByDesk: [], openByDeskAndPriority: [], resolved: 0 });
  });

  it('refuses a reversed or overlong period on the field', async () => {
    const reversed = await as('supplier', REPORT, { period: { from: period.to, to: period.from } });
    expect(errorOf(reversed)).toMatchObject({ code: 'BAD_USER_INPUT', field: 'period.to' });
    const long = await as('supplier', REPORT, { period: { from: '2020-01-01T00:00:00Z', to: '2026-01-01T00:00:00Z' } });
    expect(errorOf(long)).toMatchObject({ code: 'BAD_USER_INPUT', field: 'period.to' });
  });
});

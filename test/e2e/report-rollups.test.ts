/**
 * The case report served from its rollups (migration 1763900011000, reports/rollups.ts) equals the raw scan of the
 * cases: a mix of case writes — raise, triage, hold, resume, hand-off, transfer, resolve, reopen, cancel, auto-close —
 * driven through the product's own case service at chosen instants either side of the end of British Summer Time
 * (Sunday 25 October 2026, a 25-hour UK day), then the report read both ways for periods with partial edge days,
 * whole days only, a period inside one day, ends on and off the hour, and for each kind of caller; the SLA trend the
 * same way, by UK day, week and month.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Category, CaseType, HoldReason, Impact, Role, Urgency } from '../../schema/enums';
import type { Principal } from '../../schema/identity';
import { CaseService } from '../../subgraphs/elexon/cases/case.service';
import { elexonOutbox } from '../../subgraphs/elexon/cases/case.runtime';
import { REPORT_ROLLUPS_BACKFILL } from '../../subgraphs/elexon/migrations/1763900011000-report-rollups';
import { caseReportOf, caseTrendOf, TrendInterval } from '../../subgraphs/elexon/reports/case-report';
import { callers, signIn, startTestProduct, type TestProduct } from './harness';

let t: TestProduct;
const tokens: Record<string, string> = {};
const { ok } = callers(() => t, tokens);

const ELEXON = 'elexon-service-desk';
const DCC = 'dcc-service-desk';
const person = (subject: string, organisationId: string, roles: Role[], deskIds: string[] = [], visible = [organisationId]): Principal => ({
  subject,
  organisationId,
  visibleOrganisationIds: visible,
  roles,
  deskIds,
  kind: 'USER',
});
const britishGas = person('sally@britishgas.example', 'british-gas', [Role.PARTICIPANT]);
const eon = person('olga@eonnext.example', 'eon-next', [Role.PARTICIPANT]);
const elexonAgent = person('eve@elexon.example', 'elexon', [Role.PARTICIPANT, Role.DESK_AGENT], [ELEXON]);
const dccAgent = person('dan@dcc.example', 'dcc', [Role.PARTICIPANT, Role.DESK_AGENT], [DCC]);
const admin = person('ada@cpsd.example', 'elexon', [Role.PARTICIPANT, Role.CPSD_ADMIN]);
const parent = person('pat@centrica.example', 'centrica', [Role.PARTICIPANT], [], ['centrica', 'british-gas', 'british-gas-business']);

const CATEGORIES = [Category.SETTLEMENT_SERVICES, Category.MARKET_SYSTEMS, Category.DATA_SUBMISSION, Category.MHHS_SERVICE_REQUEST];
const IMPACTS = [Impact.HIGH, Impact.MEDIUM, Impact.LOW];
const URGENCIES = [Urgency.HIGH, Urgency.MEDIUM, Urgency.LOW];
const MINUTE = 60_000;

/** Periods [from, to): partial edge days, the 25-hour day alone, inside one day, ends on and off the hour. */
const PERIODS: [string, string][] = [
  ['2026-10-22T00:00:00Z', '2026-10-28T00:00:00Z'],
  ['2026-10-24T23:00:00Z', '2026-10-26T00:00:00Z'],
  ['2026-10-20T13:17:00Z', '2026-10-29T08:45:30.250Z'],
  ['2026-10-23T05:00:00Z', '2026-10-23T18:00:00Z'],
  ['2026-10-25T00:30:00Z', '2026-10-27T10:00:00Z'],
  ['2026-10-01T00:00:00Z', '2026-11-20T00:00:00Z'],
];

let db: TestProduct['product']['subgraphs'][number]['db'];

beforeAll(async () => {
  t = await startTestProduct();
  await signIn(t, { admin: { sub: admin.subject, org: 'elexon', roles: ['participant', 'cpsd_admin'] } }, tokens);
  db = t.product.subgraphs.find((s) => s.name === 'elexon')!.db;
  let now = new Date(0);
  const cases = new CaseService(db, elexonOutbox, () => now);
  let seed = 20261025;
  const random = () => {
    seed = (seed * 1103515245 + 12345) % 2147483648;
    return seed / 2147483648;
  };
  const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)]!;
  // 48 cases raised over 20–29 October, each taken through its own chosen steps, minutes to days apart.
  for (let n = 0; n < 48; n++) {
    let at = Date.parse('2026-10-20T00:00:00Z') + random() * 9 * 24 * 60 * MINUTE;
    const step = (minutes: number) => {
      at += minutes * MINUTE;
      now = new Date(at);
    };
    step(0);
    const raiser = random() < 0.6 ? britishGas : eon;
    const category = pick(CATEGORIES);
    const c = await cases.raiseCase(raiser, { deskId: ELEXON, category, subject: `Rollup fixture ${n}`, description: 'A fixture case.' });
    const roll = random();
    if (roll < 0.1) continue; // stays new, untriaged
    step(5 + random() * 600);
    const service = category === Category.MHHS_SERVICE_REQUEST;
    await cases.triageCase(elexonAgent, {
      caseId: c.id,
      type: service ? CaseType.SERVICE_REQUEST : pick([CaseType.INCIDENT, CaseType.PROBLEM]),
      impact: pick(IMPACTS),
      urgency: pick(URGENCIES),
      ...(service ? { serviceRequestClass: random() < 0.5 ? ('HIGH_PRIORITY' as const) : ('STANDARD' as const) } : {}),
    });
    let agent = elexonAgent;
    if (roll < 0.2) {
      step(30 + random() * 300);
      await cases.routeCase(elexonAgent, { caseId: c.id, toDeskId: DCC, reason: 'Smart meter comms: the DCC’s' });
      agent = dccAgent;
    } else if (roll < 0.3) {
      step(10 + random() * 120);
      await cases.handOffCase(elexonAgent, { caseId: c.id, toDeskId: DCC, reason: 'Comms hub fault' });
      const [handoff] = (await db.query('SELECT id FROM elexon.handoffs WHERE case_id = $1', [c.id])) as { id: string }[];
      step(10);
      await cases.updateHandoffState(dccAgent, 'acknowledgeHandoff', { handoffId: handoff!.id, externalReference: `DCC-${n}` });
      step(60 + random() * 600);
      await cases.updateHandoffState(dccAgent, 'resolveHandoff', { handoffId: handoff!.id, resolution: 'Comms hub replaced.' });
    }
    if (random() < 0.35) {
      step(20 + random() * 900);
      await cases.putCaseOnHold(agent, { caseId: c.id, reason: pick([HoldReason.VENDOR, HoldReason.AWAITING_CALLER]), note: 'Waiting' });
      if (random() < 0.6) {
        step(30 + random() * 2000);
        await cases.resumeCase(agent, { caseId: c.id });
      } else continue; // stays on hold
    }
    const fate = random();
    if (fate < 0.15) continue; // stays in progress
    if (fate < 0.25) {
      step(10 + random() * 600);
      await cases.cancelCase(raiser, { caseId: c.id, comment: 'No longer needed' });
      continue;
    }
    step(60 + random() * 3000);
    await cases.resolveCase(agent, { caseId: c.id, resolution: 'Fixed.' });
    if (fate < 0.45) {
      step(30 + random() * 1500);
      await cases.reopenCase(raiser, { caseId: c.id, comment: 'Still failing.' });
      if (fate < 0.4) {
        step(30 + random() * 1500);
        await cases.resolveCase(agent, { caseId: c.id, resolution: 'Fixed again.' });
      }
    }
  }
  // The auto-close of cases resolved more than five days before 2 November.
  now = new Date('2026-11-02T09:00:00Z');
  await cases.autoCloseResolved(now);
}, 240_000);

afterAll(async () => {
  await t?.stop();
});

describe('the case report from its rollups', () => {
  it('the triggers kept every rollup equal to a rebuild from the cases', async () => {
    const read = async () => ({
      resolved: await db.query('SELECT * FROM elexon.report_resolved_daily WHERE resolved <> 0 ORDER BY day, desk_id, priority'),
      raised: await db.query('SELECT * FROM elexon.report_raised_daily WHERE raised <> 0 ORDER BY day, category'),
      desk: await db.query('SELECT * FROM elexon.report_open_by_desk WHERE open <> 0 ORDER BY desk_id, priority, request_class'),
      hours: await db.query('SELECT * FROM elexon.report_open_by_raised_hour WHERE open <> 0 ORDER BY raised_hour'),
      due: await db.query('SELECT * FROM elexon.report_open_by_due_hour WHERE open <> 0 ORDER BY priority, due_hour, near_hour'),
    });
    const kept = await read();
    expect(kept.resolved.length).toBeGreaterThan(5);
    expect(kept.desk.length).toBeGreaterThan(2);
    const runner = db.createQueryRunner();
    await runner.startTransaction();
    try {
      for (const statement of REPORT_ROLLUPS_BACKFILL) await runner.query(statement);
      const rebuilt = {
        resolved: await runner.query('SELECT * FROM elexon.report_resolved_daily WHERE resolved <> 0 ORDER BY day, desk_id, priority'),
        raised: await runner.query('SELECT * FROM elexon.report_raised_daily WHERE raised <> 0 ORDER BY day, category'),
        desk: await runner.query('SELECT * FROM elexon.report_open_by_desk WHERE open <> 0 ORDER BY desk_id, priority, request_class'),
        hours: await runner.query('SELECT * FROM elexon.report_open_by_raised_hour WHERE open <> 0 ORDER BY raised_hour'),
        due: await runner.query('SELECT * FROM elexon.report_open_by_due_hour WHERE open <> 0 ORDER BY priority, due_hour, near_hour'),
      };
      expect(kept).toEqual(rebuilt);
    } finally {
      await runner.rollbackTransaction();
      await runner.release();
    }
  });

  it('Elexon service management: the rollups and the open-case summary give the raw scan’s figures for every period', async () => {
    for (const [from, to] of PERIODS) {
      const raw = await caseReportOf(db, admin, new Date(from), new Date(to), { raw: true });
      // The open-case summary forced for a past end too: its corrections then carry every case finished or raised since.
      const served = await caseReportOf(db, admin, new Date(from), new Date(to), { openSummaryFrom: new Date(0) });
      expect(served, `${from} – ${to}`).toEqual(raw);
    }
    const raw = await caseReportOf(db, admin, new Date(PERIODS[5]![0]), new Date(PERIODS[5]![1]), { raw: true });
    expect(raw.resolved).toBeGreaterThan(10);
    expect(raw.openByDeskAndPriority.length).toBeGreaterThan(2);
  });

  it('a period ending now, through the gateway, from the summary', async () => {
    const to = new Date();
    const from = new Date('2026-10-18T00:00:00Z');
    const report = (
      await ok<{ caseReport: Record<string, unknown> }>(
        'admin',
        `query($period: ReportPeriod!) { caseReport(period: $period) { resolved reopened firstTimeResolved
         openByDeskAndPriority { deskId priority count } ageing { bucket count } openSlaByPriority { priority open breached nearBreach }
         openServiceRequests { serviceRequestClass count } raisedByCategory { category count } resolvedByDesk { deskId count } } }`,
        { period: { from: from.toISOString(), to: to.toISOString() } },
      )
    ).caseReport;
    const raw = await caseReportOf(db, admin, from, to, { raw: true });
    expect(report).toEqual({
      resolved: raw.resolved,
      reopened: raw.reopened,
      firstTimeResolved: raw.firstTimeResolved,
      openByDeskAndPriority: raw.openByDeskAndPriority.map((c) => ({ ...c })),
      ageing: raw.ageing.map((c) => ({ ...c })),
      openSlaByPriority: raw.openSlaByPriority.map((c) => ({ ...c })),
      openServiceRequests: raw.openServiceRequests.map((c) => ({ ...c })),
      raisedByCategory: raw.raisedByCategory.map((c) => ({ ...c })),
      resolvedByDesk: raw.resolvedByDesk.map((c) => ({ ...c })),
    });
  });

  it('Elexon service management: the SLA trend from the daily rollups gives the raw scan’s points for every period and interval', async () => {
    const read: string[] = [];
    const recording = {
      query: (sql: string, params?: unknown[]) => {
        read.push(sql);
        return db.query(sql, params);
      },
    };
    // And two months with a week either side: month buckets of whole days, and weeks across the month ends.
    for (const [from, to] of [...PERIODS, ['2026-09-24T07:30:00Z', '2026-12-02T00:00:00Z'] as [string, string]]) {
      for (const interval of [TrendInterval.DAY, TrendInterval.WEEK, TrendInterval.MONTH]) {
        const raw = await caseTrendOf(db, admin, new Date(from), new Date(to), interval, { raw: true });
        const served = await caseTrendOf(recording, admin, new Date(from), new Date(to), interval);
        expect(served, `${interval} ${from} – ${to}`).toEqual(raw);
      }
    }
    expect(read.every((sql) => sql.includes('elexon.report_resolved_daily'))).toBe(true);
    // Buckets start at UK midnight either side of the end of BST: Monday 19 October 00:00 BST, Monday 26 October 00:00 GMT.
    const weeks = await caseTrendOf(db, admin, new Date(PERIODS[5]![0]), new Date(PERIODS[5]![1]), TrendInterval.WEEK, { raw: true });
    expect(new Set(weeks.map((point) => point.start.toISOString()))).toEqual(new Set(['2026-10-18T23:00:00.000Z', '2026-10-26T00:00:00.000Z']));
    const months = await caseTrendOf(db, admin, new Date(PERIODS[5]![0]), new Date(PERIODS[5]![1]), TrendInterval.MONTH, { raw: true });
    expect(months.map((point) => point.start.toISOString())).toContain('2026-09-30T23:00:00.000Z');
    expect(months.reduce((sum, point) => sum + point.resolved, 0)).toBeGreaterThan(10);
  });

  it('a parent account and a desk agent are served from the cases, restricted to what they may see', async () => {
    for (const who of [parent, elexonAgent, dccAgent]) {
      for (const [from, to] of PERIODS) {
        const served = await caseReportOf(db, who, new Date(from), new Date(to), { openSummaryFrom: new Date(0) });
        const raw = await caseReportOf(db, who, new Date(from), new Date(to), { raw: true });
        expect(served, `${who.subject} ${from} – ${to}`).toEqual(raw);
        const trend = await caseTrendOf(db, who, new Date(from), new Date(to), TrendInterval.DAY);
        expect(trend, `${who.subject} trend ${from} – ${to}`).toEqual(
          await caseTrendOf(db, who, new Date(from), new Date(to), TrendInterval.DAY, { raw: true }),
        );
      }
    }
    // The parent account sees British Gas’s cases only: fewer than Elexon service management.
    const [p, a] = await Promise.all([parent, admin].map((who) => caseReportOf(db, who, new Date(PERIODS[5]![0]), new Date(PERIODS[5]![1]))));
    expect(p!.resolved).toBeLessThan(a!.resolved);
  });
});

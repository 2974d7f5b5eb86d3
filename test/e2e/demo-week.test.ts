/**
 * The demo week (demo/week.ts, played by cli/demo-week.ts) on a fresh test database: every seeded case is checked
 * against the state machine and the SLA rules as they stand in schema/, every scenario the demo promises is there,
 * the demo personas see it through the API, and seeding again adds nothing.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { DataSource } from 'typeorm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CaseAction, nextState } from '../../schema/case-state';
import type { CalendarKind } from '../../schema/calendar';
import { CaseState, CaseType, type Priority } from '../../schema/enums';
import { SERVICE_REQUEST_SLAS, TRIAGE_RESPONSE_TARGET, type SlaTarget } from '../../schema/priority';
import { calendarForTarget, computeSlaClock, serviceRequestTerms, type SlaTerms } from '../../schema/sla';
import { DEMO_PERSONAS } from '../../demo/personas';
import { DEMO_WEEK } from '../../demo/week';
import { DEMO_WEEK_MARKER, seedDemoWeek, seedDemoWeekOnce } from '../../cli/demo-week';
import { startTestProduct, type TestProduct } from './harness';

let t: TestProduct;
let db: DataSource;
let seededAt: Date;

interface CaseRow {
  id: string;
  reference: string;
  deskId: string;
  type: CaseType | null;
  priority: Priority | null;
  state: CaseState;
  holdReason: string | null;
  raisedByOrg: string;
  parentId: string | null;
  misroutedTo: string | null;
  slaPolicy: string;
  slaCalendar: string;
  slaTarget: SlaTarget | null;
  srClass: 'STANDARD' | 'HIGH_PRIORITY' | null;
  raisedAt: Date;
  respondedAt: Date | null;
  resolvedAt: Date | null;
  closedAt: Date | null;
  holdStartedAt: Date | null;
  updatedAt: Date;
  responseDueAt: Date;
  resolutionDueAt: Date | null;
  nearBreachAt: Date | null;
}

const CASES_SQL = `SELECT id, reference, desk_id AS "deskId", type, priority, state, hold_reason AS "holdReason", raised_by_org AS "raisedByOrg",
  parent_id AS "parentId", misrouted_to_desk_id AS "misroutedTo", sla_policy AS "slaPolicy", sla_calendar AS "slaCalendar",
  sla_resolution_target AS "slaTarget", service_request_class AS "srClass", raised_at AS "raisedAt", responded_at AS "respondedAt",
  resolved_at AS "resolvedAt", closed_at AS "closedAt", hold_started_at AS "holdStartedAt", updated_at AS "updatedAt",
  response_due_at AS "responseDueAt", resolution_due_at AS "resolutionDueAt", near_breach_at AS "nearBreachAt"
  FROM elexon.cases ORDER BY raised_at`;

const cases = async () => (await db.query(CASES_SQL)) as CaseRow[];

/** Row counts of everything the week writes: a second seeding must leave them all as they are. */
async function footprint(): Promise<Record<string, number>> {
  const tables = [
    'elexon.cases',
    'elexon.case_timeline',
    'elexon.case_comments',
    'elexon.case_holds',
    'elexon.handoffs',
    'elexon.major_incidents',
    'elexon.mi_updates',
    'elexon.mi_comms_list',
    'elexon.outbox',
  ];
  const counts: Record<string, number> = {};
  for (const table of tables) counts[table] = ((await db.query(`SELECT count(*)::int AS n FROM ${table}`)) as { n: number }[])[0]!.n;
  return counts;
}

const personaToken = async (id: string) => {
  const persona = DEMO_PERSONAS.find((p) => p.id === id);
  if (!persona) throw new Error(`no persona ${id}`);
  return t.token({ sub: persona.sub, org: persona.org, roles: [...persona.roles], desks: [...persona.desks] });
};

const elexonDb = () => t.product.subgraphs.find((s) => s.name === 'elexon')!.db;

beforeAll(async () => {
  // As `npm start` does: the product seeds the week as it starts on a fresh data folder.
  t = await startTestProduct({}, { demoWeek: DEMO_WEEK });
  db = elexonDb();
  expect(t.product.demoWeek?.cases).toBe(DEMO_WEEK.cases.length);
  seededAt = new Date(JSON.parse(readFileSync(path.join(t.dataDir, DEMO_WEEK_MARKER), 'utf8')).seededAt);
}, 120_000);

afterAll(async () => {
  await t?.stop();
});

describe('the demo week, seeded through the services', () => {
  it('moves every case only along the state machine’s transitions, ending in the state the case is in', async () => {
    const rows = await cases();
    expect(rows).toHaveLength(DEMO_WEEK.cases.length);
    const actions = Object.values(CaseAction);
    for (const c of rows) {
      const changes = (await db.query(
        `SELECT from_value AS "from", to_value AS "to", at FROM elexon.case_timeline WHERE case_id = $1 AND field = 'state' ORDER BY id`,
        [c.id],
      )) as { from: CaseState; to: CaseState; at: Date }[];
      let state = CaseState.NEW;
      for (const change of changes) {
        expect(change.from, `${c.reference}: a change from the state it was in`).toBe(state);
        const legal = actions.some((action) => nextState(change.from, action) === change.to);
        expect(legal, `${c.reference}: ${change.from} → ${change.to}`).toBe(true);
        state = change.to;
      }
      expect(state, c.reference).toBe(c.state);
      // Backdated, never in the future, in order.
      const times = (await db.query('SELECT at FROM elexon.case_timeline WHERE case_id = $1 ORDER BY id', [c.id])) as { at: Date }[];
      for (const [i, entry] of times.entries()) {
        expect(entry.at.getTime()).toBeLessThanOrEqual(seededAt.getTime());
        if (i > 0) expect(entry.at.getTime(), c.reference).toBeGreaterThanOrEqual(times[i - 1]!.at.getTime());
      }
      expect(c.raisedAt.getTime()).toBeLessThan(seededAt.getTime());
    }
    // The week spans about a week.
    const first = rows[0]!.raisedAt.getTime();
    expect(seededAt.getTime() - first).toBeGreaterThan(6 * 24 * 3600_000);
  });

  it('records due times on the desk’s calendar and policy, as schema/ computes them', async () => {
    const desks = new Map(
      (
        (await db.query('SELECT id, sla_policy AS "slaPolicy", sla_calendar AS "slaCalendar" FROM elexon.desks')) as {
          id: string;
          slaPolicy: string;
          slaCalendar: string;
        }[]
      ).map((d) => [d.id, d]),
    );
    const policies = new Map(
      ((await db.query('SELECT name, resolution_targets AS targets FROM elexon.sla_policies')) as { name: string; targets: Record<Priority, SlaTarget> }[]).map(
        (p) => [p.name, p.targets],
      ),
    );
    for (const c of await cases()) {
      const desk = desks.get(c.deskId)!;
      expect(c.slaPolicy, c.reference).toBe(desk.slaPolicy);
      expect(c.slaCalendar, c.reference).toBe(desk.slaCalendar);
      const calendar = c.slaCalendar as CalendarKind;
      const response = { target: TRIAGE_RESPONSE_TARGET, calendar: calendarForTarget(TRIAGE_RESPONSE_TARGET, calendar) };
      let terms: SlaTerms | null = null;
      if (c.type === CaseType.SERVICE_REQUEST) terms = serviceRequestTerms(SERVICE_REQUEST_SLAS[c.srClass ?? 'STANDARD']);
      else if (c.priority) {
        expect(c.slaTarget, c.reference).toEqual(policies.get(c.slaPolicy)![c.priority]);
        terms = { response, resolution: { target: c.slaTarget!, calendar: calendarForTarget(c.slaTarget!, calendar) } };
      }
      const holds = (
        (await db.query('SELECT started_at AS "from", ended_at AS "to" FROM elexon.case_holds WHERE case_id = $1 ORDER BY started_at', [c.id])) as {
          from: Date;
          to: Date | null;
        }[]
      ).map((h) => ({ from: h.from, to: h.to }));
      const clock = computeSlaClock({
        raisedAt: c.raisedAt,
        holds,
        respondedAt: c.respondedAt,
        resolvedAt: c.resolvedAt ?? (c.state === CaseState.CANCELLED ? c.closedAt : null),
        // An open hold pushes the due time out to the moment of the case's last change.
        now: c.holdStartedAt ? c.updatedAt : seededAt,
        response: terms?.response ?? response,
        resolution: terms?.resolution ?? response,
      });
      if (c.type === CaseType.SERVICE_REQUEST || !c.respondedAt) expect(c.responseDueAt.toISOString(), c.reference).toBe(clock.responseDueAt.toISOString());
      if (terms) expect(c.resolutionDueAt?.toISOString(), c.reference).toBe(clock.resolutionDueAt.toISOString());
      else expect(c.resolutionDueAt, c.reference).toBeNull();
    }
  });

  it('has breached cases that are really past due, near-breach ones, and every hold with a reason', async () => {
    const rows = await cases();
    const open = rows.filter((c) => [CaseState.NEW, CaseState.IN_PROGRESS, CaseState.ON_HOLD].includes(c.state));
    const now = seededAt.getTime();
    const resolutionBreached = open.filter((c) => c.state !== CaseState.ON_HOLD && c.resolutionDueAt && c.resolutionDueAt.getTime() < now);
    const responseBreached = open.filter((c) => !c.respondedAt && c.responseDueAt.getTime() < now);
    const nearBreach = open.filter(
      (c) => c.state !== CaseState.ON_HOLD && c.nearBreachAt && c.nearBreachAt.getTime() <= now && (c.resolutionDueAt?.getTime() ?? 0) > now,
    );
    expect(resolutionBreached.length).toBeGreaterThanOrEqual(1);
    expect(responseBreached.length).toBeGreaterThanOrEqual(1);
    expect(nearBreach.length).toBeGreaterThanOrEqual(1);
    // The API agrees: what it calls breached is past a due time.
    const token = await t.token({
      sub: 'ada@cpsd.example',
      org: 'elexon',
      roles: ['participant', 'desk_agent'],
      desks: [...new Set(rows.map((c) => c.deskId))],
    });
    const res = await t.graphql<{
      cases: { edges: { node: { reference: string; sla: { breached: boolean; responseDueAt: string; resolutionDueAt: string | null } } }[] };
    }>('{ cases(first: 100) { edges { node { reference sla { breached responseDueAt resolutionDueAt } } } } }', { token });
    expect(res.errors).toBeUndefined();
    const breached = res.data!.cases.edges.map((e) => e.node).filter((n) => n.sla.breached);
    expect(breached.length).toBeGreaterThanOrEqual(2);
    for (const n of breached) {
      const due = Math.min(
        new Date(n.sla.responseDueAt).getTime(),
        n.sla.resolutionDueAt ? new Date(n.sla.resolutionDueAt).getTime() : Number.POSITIVE_INFINITY,
      );
      expect(due, n.reference).toBeLessThan(Date.now());
    }
    const held = rows.filter((c) => c.state === CaseState.ON_HOLD);
    expect(held.length).toBeGreaterThanOrEqual(3);
    for (const c of held) {
      expect(c.holdReason, c.reference).toBeTruthy();
      const [hold] = (await db.query('SELECT reason FROM elexon.case_holds WHERE case_id = $1 AND ended_at IS NULL', [c.id])) as { reason: string }[];
      expect(hold?.reason, c.reference).toBe(c.holdReason);
    }
    expect(held.some((c) => c.holdReason === 'VENDOR')).toBe(true);
  });

  it('holds every state at several desks, DCC and LDSO hand-offs in progress and a misrouted MPAN query', async () => {
    const rows = await cases();
    for (const state of Object.values(CaseState)) expect(rows.filter((c) => c.state === state).length, state).toBeGreaterThanOrEqual(1);
    expect(new Set(rows.map((c) => c.deskId)).size).toBeGreaterThanOrEqual(3);
    const handoffs = (await db.query(
      `SELECT h.state, d.party, d.kind FROM elexon.handoffs h JOIN elexon.desks d ON d.id = h.to_desk_id WHERE h.state IN ('ACKNOWLEDGED', 'IN_PROGRESS')`,
    )) as { state: string; party: string; kind: string }[];
    expect(handoffs.some((h) => h.party === 'DCC')).toBe(true);
    expect(handoffs.some((h) => h.party === 'MPAS' && h.kind.startsWith('LDSO'))).toBe(true);
    const misrouted = rows.filter((c) => c.misroutedTo);
    expect(misrouted.length).toBeGreaterThanOrEqual(1);
    const [right] = (await db.query('SELECT kind FROM elexon.desks WHERE id = $1', [misrouted[0]!.misroutedTo])) as { kind: string }[];
    expect(right?.kind).toBe('MPAS_HELP_DESK');
    expect(misrouted[0]!.state).toBe(CaseState.RESOLVED);
  });

  it('shows the parent account (Centrica) its children’s cases, and a child only its own', async () => {
    const parent = await t.graphql<{ cases: { edges: { node: { raisedByOrganisation: { id: string } } }[] } }>(
      '{ cases(first: 100) { edges { node { raisedByOrganisation { id } } } } }',
      { token: await personaToken('centrica') },
    );
    expect(parent.errors).toBeUndefined();
    const orgs = new Set(parent.data!.cases.edges.map((e) => e.node.raisedByOrganisation.id));
    expect(orgs).toEqual(new Set(['british-gas', 'british-gas-business']));
    const child = await t.graphql<{ cases: { edges: { node: { raisedByOrganisation: { id: string } } }[] } }>(
      '{ cases(first: 100) { edges { node { raisedByOrganisation { id } } } } }',
      { token: await personaToken('british-gas') },
    );
    expect(new Set(child.data!.cases.edges.map((e) => e.node.raisedByOrganisation.id))).toEqual(new Set(['british-gas']));
  });

  it('has one promoted industry major incident with updates, linked cases and a comms list', async () => {
    const res = await t.graphql<{
      majorIncidents: { reference: string; state: string; updates: { kind: string }[]; linkedCases: { reference: string }[]; lead: { id: string } | null }[];
    }>('{ majorIncidents(first: 10) { reference state updates { kind } linkedCases { reference } lead { id } } }', {
      token: await personaToken('elexon-mi-manager'),
    });
    expect(res.errors).toBeUndefined();
    const promoted = res.data!.majorIncidents.filter((mi) => mi.state === 'PROMOTED');
    expect(promoted).toHaveLength(1);
    expect(promoted[0]!.lead?.id).toBe('elexon');
    expect(promoted[0]!.updates.length).toBeGreaterThanOrEqual(2);
    expect(promoted[0]!.updates.map((u) => u.kind)).toContain('INITIAL');
    expect(promoted[0]!.linkedCases.length).toBeGreaterThanOrEqual(2);
    const admin = await t.token({ sub: 'ada@cpsd.example', org: 'elexon', roles: ['participant', 'cpsd_admin'] });
    const list = await t.graphql<{ majorIncidentCommsList: { address: string; organisation: { id: string } }[] }>(
      '{ majorIncidentCommsList(service: DIP) { address organisation { id } } }',
      { token: admin },
    );
    expect(list.errors).toBeUndefined();
    expect(list.data!.majorIncidentCommsList.length).toBeGreaterThanOrEqual(3);
    expect(new Set(list.data!.majorIncidentCommsList.map((e) => e.organisation.id)).size).toBeGreaterThanOrEqual(3);
  });

  it('gives the Elexon desk agent persona a non-empty queue through the API', async () => {
    const res = await t.graphql<{ cases: { edges: { node: { state: string } }[] } }>(
      '{ cases(first: 50, filter: { deskIds: ["elexon-service-desk"], states: [NEW, IN_PROGRESS, ON_HOLD] }) { edges { node { state } } } }',
      { token: await personaToken('elexon-agent') },
    );
    expect(res.errors).toBeUndefined();
    expect(res.data!.cases.edges.length).toBeGreaterThanOrEqual(5);
  });

  it('gives the service manager persona a week of figures in the case report', async () => {
    const period = { from: new Date(seededAt.getTime() - 8 * 24 * 3600_000).toISOString(), to: new Date(seededAt.getTime() + 60_000).toISOString() };
    const res = await t.graphql<{ caseReport: { openByDeskAndPriority: { deskId: string; count: number }[]; resolved: number } }>(
      'query($period: ReportPeriod!) { caseReport(period: $period) { openByDeskAndPriority { deskId count } resolved } }',
      { token: await personaToken('cpsd-admin'), variables: { period } },
    );
    expect(res.errors).toBeUndefined();
    expect(new Set(res.data!.caseReport.openByDeskAndPriority.map((o) => o.deskId)).size).toBeGreaterThanOrEqual(3);
    expect(res.data!.caseReport.resolved).toBeGreaterThanOrEqual(3);
  });

  it('seeds once per data folder (a restart does not seed again), and seeding again adds nothing', async () => {
    const before = await footprint();
    await t.restart();
    db = elexonDb();
    expect(t.product.demoWeek).toBeNull();
    expect(await footprint()).toEqual(before);
    expect(await seedDemoWeekOnce(db, DEMO_WEEK, t.dataDir)).toBeNull();
    // Without the marker (a seeding interrupted before it was written), the idempotency keys make it add nothing.
    await seedDemoWeek(db, DEMO_WEEK, new Date(seededAt.getTime() + 60_000));
    expect(await footprint()).toEqual(before);
  }, 60_000);
});

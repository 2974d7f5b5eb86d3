/**
 * The hub's domain gauges for operators (platform/subgraph-metrics.ts reads them when `/metrics` is scraped): cases
 * open by desk × priority, open cases past their response or resolution target and near breach by desk, major
 * incidents live by state, and promoted ones overdue an update (OM §5.19.1). Desk ids and priorities only — never a
 * case reference, a person or text. Each is one aggregate over the open cases (cases_desk_state_idx).
 */
import type { SubgraphGauge } from '../../platform/subgraph-metrics';

const OPEN = `state IN ('NEW', 'IN_PROGRESS', 'ON_HOLD')`;

export const elexonGauges: SubgraphGauge[] = [
  {
    name: 'cpsd_cases_open',
    help: 'Open cases (new, in progress, on hold), by desk and priority (none before triage)',
    labelNames: ['desk', 'priority'],
    async read(db) {
      const rows = (await db.query(
        `SELECT desk_id AS desk, coalesce(priority, 'none') AS priority, count(*)::int AS n FROM elexon.cases WHERE ${OPEN} GROUP BY 1, 2`,
      )) as { desk: string; priority: string; n: number }[];
      return rows.map((r) => ({ labels: { desk: r.desk, priority: r.priority }, value: r.n }));
    },
  },
  {
    name: 'cpsd_cases_sla_breached',
    help: 'Open cases past their target now, by desk and clock (response: not yet responded to; resolution); a held clock counts to the hold',
    labelNames: ['desk', 'clock'],
    async read(db) {
      const rows = (await db.query(
        `SELECT desk_id AS desk,
                count(*) FILTER (WHERE responded_at IS NULL AND response_due_at < coalesce(hold_started_at, now()))::int AS response,
                count(*) FILTER (WHERE resolution_due_at < coalesce(hold_started_at, now()))::int AS resolution
           FROM elexon.cases WHERE ${OPEN} GROUP BY 1`,
      )) as { desk: string; response: number; resolution: number }[];
      return rows.flatMap((r) => [
        { labels: { desk: r.desk, clock: 'response' }, value: r.response },
        { labels: { desk: r.desk, clock: 'resolution' }, value: r.resolution },
      ]);
    },
  },
  {
    name: 'cpsd_cases_near_breach',
    help: 'Open cases past the near-breach share of their resolution target but not yet breached, by desk',
    labelNames: ['desk'],
    async read(db) {
      const rows = (await db.query(
        `SELECT desk_id AS desk, count(*)::int AS n FROM elexon.cases
          WHERE ${OPEN} AND near_breach_at <= now() AND NOT (resolution_due_at < coalesce(hold_started_at, now())) GROUP BY 1`,
      )) as { desk: string; n: number }[];
      return rows.map((r) => ({ labels: { desk: r.desk }, value: r.n }));
    },
  },
  {
    name: 'cpsd_major_incidents_open',
    help: 'Major incidents not yet closed, by state (CANDIDATE awaiting review, PROMOTED live)',
    labelNames: ['state'],
    async read(db) {
      const rows = (await db.query(
        `SELECT s.state, count(m.id)::int AS n FROM unnest(ARRAY['CANDIDATE', 'PROMOTED']) AS s(state)
           LEFT JOIN elexon.major_incidents m ON m.state = s.state GROUP BY 1`,
      )) as { state: string; n: number }[];
      return rows.map((r) => ({ labels: { state: r.state }, value: r.n }));
    },
  },
  {
    name: 'cpsd_major_incident_updates_overdue',
    help: 'Promoted major incidents whose next update is past due (OM §5.19.1), by lead desk',
    labelNames: ['lead_desk'],
    async read(db) {
      const rows = (await db.query(
        `SELECT lead_desk_id AS desk, count(*)::int AS n FROM elexon.major_incidents WHERE state = 'PROMOTED' AND next_update_due_at < now() GROUP BY 1`,
      )) as { desk: string; n: number }[];
      return rows.map((r) => ({ labels: { lead_desk: r.desk }, value: r.n }));
    },
  },
];

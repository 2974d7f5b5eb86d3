/**
 * The synthetic two years of cases the reports benchmark (bench/reports.bench.ts) reads: cases inserted straight
 * into elexon.cases, batch by batch, each batch one INSERT … SELECT over generate_series; then hand-offs, holds, a
 * timeline row per case (and one per reopen), and major incidents with their comms updates. Deterministic for a
 * given `now` (setseed per batch).
 */
import type { Client as PgClient } from 'pg';
import { REPORT_ROLLUP_TRIGGERS, REPORT_ROLLUPS_BACKFILL } from '../subgraphs/elexon/migrations/1763900011000-report-rollups';

/**
 * One batch of cases, numbered $1..$2. $3 the other desks, $4 the raising organisations, $5 the Elexon Service
 * Desk (~30% of cases), $6 `now`, $7 the number of cases: case n is raised at n/$7 of the way through the two years
 * before `now` (in raise order, as a case table grows). State follows age (the last fortnight mostly open, older cases closed, a small
 * stale open tail); work time by priority, some of it past the target; the due times from the raise time and the
 * priority's target, the near-breach instant at 75% of the way to the resolution due time.
 */
export const CASES_BATCH = `
WITH base AS (
  SELECT n,
    CASE WHEN random() < 0.30 THEN $5::text ELSE ($3::text[])[1 + floor(random() * array_length($3::text[], 1))::int] END AS desk_id,
    ($4::text[])[1 + floor(random() * array_length($4::text[], 1))::int] AS org,
    -- In raise order, as a case table grows: the heap order follows raised_at (and, roughly, resolved_at).
    $6::timestamptz - interval '730 days' * (1 - (n - random()) / $7::int) AS raised_at,
    random() AS r_state, random() AS r_type, random() AS r_prio, random() AS r_cat, random() AS r_resp, random() AS r_res,
    random() AS r_hold, random() AS r_class, random() AS r_reopen, random() AS r_transfer
  FROM generate_series($1::int, $2::int) AS n
), staged AS (
  SELECT b.*, $6::timestamptz - b.raised_at AS age,
    CASE
      WHEN b.raised_at > $6::timestamptz - interval '14 days' THEN
        CASE WHEN r_state < 0.10 THEN 'NEW' WHEN r_state < 0.35 THEN 'IN_PROGRESS' WHEN r_state < 0.45 THEN 'ON_HOLD'
             WHEN r_state < 0.80 THEN 'RESOLVED' WHEN r_state < 0.97 THEN 'CLOSED' ELSE 'CANCELLED' END
      WHEN b.raised_at > $6::timestamptz - interval '60 days' THEN
        CASE WHEN r_state < 0.08 THEN 'IN_PROGRESS' WHEN r_state < 0.12 THEN 'ON_HOLD' WHEN r_state < 0.25 THEN 'RESOLVED'
             WHEN r_state < 0.96 THEN 'CLOSED' ELSE 'CANCELLED' END
      ELSE
        CASE WHEN r_state < 0.006 THEN 'IN_PROGRESS' WHEN r_state < 0.01 THEN 'ON_HOLD' WHEN r_state < 0.96 THEN 'CLOSED' ELSE 'CANCELLED' END
    END AS state
  FROM base b
), typed AS (
  SELECT s.*,
    CASE WHEN s.state = 'NEW' THEN NULL WHEN r_type < 0.55 THEN 'INCIDENT' WHEN r_type < 0.85 THEN 'SERVICE_REQUEST'
         WHEN r_type < 0.93 THEN 'PROBLEM' ELSE 'CHANGE' END AS type
  FROM staged s
), prioritised AS (
  SELECT t.*,
    CASE WHEN t.type = 'SERVICE_REQUEST' THEN CASE WHEN r_class < 0.8 THEN 'STANDARD' ELSE 'HIGH_PRIORITY' END END AS request_class,
    CASE WHEN t.type IS NULL THEN NULL
         WHEN t.type = 'SERVICE_REQUEST' THEN CASE WHEN r_class < 0.8 THEN 'P4' ELSE 'P2' END
         WHEN r_prio < 0.05 THEN 'P1' WHEN r_prio < 0.20 THEN 'P2' WHEN r_prio < 0.60 THEN 'P3' ELSE 'P4' END AS priority
  FROM typed t
), timed AS (
  SELECT p.*,
    CASE WHEN p.state = 'NEW' THEN NULL ELSE p.raised_at + (1 + r_resp * r_resp * 20) * interval '1 minute' END AS responded_at,
    CASE p.priority WHEN 'P1' THEN interval '15 minutes' WHEN 'P2' THEN interval '30 minutes' WHEN 'P3' THEN interval '4 hours'
         WHEN 'P4' THEN interval '1 day' ELSE interval '15 minutes' END AS response_target,
    -- How long the work took (or would take), by priority: a share of it past the target.
    CASE p.priority WHEN 'P1' THEN interval '1 hour' + r_res * interval '6 hours' WHEN 'P2' THEN interval '2 hours' + r_res * interval '26 hours'
         WHEN 'P3' THEN interval '1 day' + r_res * interval '7 days' ELSE interval '2 days' + r_res * interval '30 days' END AS work,
    CASE p.priority WHEN 'P1' THEN interval '6 hours' WHEN 'P2' THEN interval '1 day' WHEN 'P3' THEN interval '7 days'
         WHEN 'P4' THEN interval '28 days' END AS resolution_target
  FROM prioritised p
), finished AS (
  SELECT t.*,
    CASE WHEN t.state IN ('RESOLVED', 'CLOSED') THEN t.raised_at + LEAST(t.work, t.age * 0.9) END AS resolved_at,
    CASE WHEN t.state = 'ON_HOLD' THEN t.raised_at + t.age * (0.1 + 0.8 * r_hold) END AS hold_started_at
  FROM timed t
), settled AS (
  -- As the product's scheduled jobs leave it, so they find nothing to do during the load: a case resolved more than
  -- 5 days ago has been closed by the auto-close (a resolved one has had its reminder, below).
  SELECT f.*, CASE WHEN f.state = 'RESOLVED' AND f.resolved_at < $6::timestamptz - interval '5 days' THEN 'CLOSED' ELSE f.state END AS final_state
  FROM finished f
), closed AS (
  SELECT f.*,
    CASE WHEN f.final_state = 'CLOSED' AND f.state = 'RESOLVED' THEN f.resolved_at + interval '5 days'
         WHEN f.state = 'CLOSED' THEN LEAST(f.resolved_at + (1 + 4 * r_hold) * interval '1 day', $6::timestamptz - interval '1 minute')
         WHEN f.state = 'CANCELLED' THEN f.raised_at + LEAST(f.work, f.age) * 0.5 END AS closed_at
  FROM settled f
)
INSERT INTO elexon.cases (id, reference, desk_id, type, service_request_class, category, subject, description, impact, urgency, priority,
  state, hold_reason, raised_by_org, raised_by_subject, evidence, resolution, sla_policy, sla_calendar, raised_at, responded_at,
  hold_started_at, resolved_at, closed_at, updated_at, response_due_at, resolution_due_at, near_breach_at, reopen_count, transfer_count,
  response_breached, resolution_breached, near_breach_alerted_at, auto_close_reminded_at, handoff_count)
SELECT gen_random_uuid(), 'BENCH-' || lpad(c.n::text, 7, '0'), c.desk_id, c.type, c.request_class,
  (ARRAY['SETTLEMENT_SERVICES', 'DATA_SUBMISSION', 'MARKET_SYSTEMS', 'PARTICIPANT_ISSUES', 'DATA_AGGREGATION_AND_REPORTING',
         'REGULATORY_COMPLIANCE', 'SECURITY', 'COMMUNICATIONS', 'CHANGE_MANAGEMENT', 'THIRD_PARTY_SERVICES'])[1 + floor(c.r_cat * 10)::int],
  (ARRAY['DIP rejecting consumption messages', 'Missing meter reads for the settlement run', 'Registration switch stuck pending',
         'Certificate expired on our DIP connection', 'Data aggregation report delivered late', 'Portal login failing for a new user',
         'Duplicate market messages received', 'Settlement variance in the reconciliation run'])[1 + floor(c.r_cat * 8)::int] || ' (' || c.n || ')',
  'Synthetic case of the reports benchmark.',
  CASE c.priority WHEN 'P1' THEN 'HIGH' WHEN 'P2' THEN 'MEDIUM' WHEN 'P3' THEN 'MEDIUM' WHEN 'P4' THEN 'LOW' END,
  CASE c.priority WHEN 'P1' THEN 'HIGH' WHEN 'P2' THEN 'HIGH' WHEN 'P3' THEN 'MEDIUM' WHEN 'P4' THEN 'MEDIUM' END,
  c.priority, c.final_state,
  CASE WHEN c.state = 'ON_HOLD' THEN (ARRAY['AWAITING_CALLER', 'CHANGE', 'PROBLEM', 'VENDOR'])[1 + floor(c.r_hold * 4)::int] END,
  c.org, 'agent' || (c.n % 40) || '@' || c.org || '.example', '{}'::jsonb,
  CASE WHEN c.state IN ('RESOLVED', 'CLOSED') THEN 'Fixed at source; messages replayed.' END,
  'STANDARD', '24x7', c.raised_at, c.responded_at, c.hold_started_at, c.resolved_at, c.closed_at,
  COALESCE(c.closed_at, c.resolved_at, c.hold_started_at, c.responded_at, c.raised_at),
  c.raised_at + c.response_target,
  c.raised_at + c.resolution_target,
  c.raised_at + c.resolution_target * 0.75,
  CASE WHEN c.state IN ('RESOLVED', 'CLOSED') AND c.r_reopen < 0.03 THEN 1 ELSE 0 END,
  CASE WHEN c.state = 'NEW' THEN 0 WHEN c.r_transfer < 0.02 THEN 2 WHEN c.r_transfer < 0.10 THEN 1 ELSE 0 END,
  -- The clock's verdict as the lifecycle stores it (clock time here: the fixture's desks are 24x7).
  COALESCE(c.responded_at, c.resolved_at, $6::timestamptz) > c.raised_at + c.response_target,
  CASE WHEN c.priority IS NOT NULL THEN COALESCE(c.resolved_at, c.hold_started_at, $6::timestamptz) > c.raised_at + c.resolution_target END,
  -- Every case past its near-breach instant has had its alert; every resolved one its auto-close reminder.
  CASE WHEN c.raised_at + c.resolution_target * 0.75 <= $6::timestamptz THEN c.raised_at + c.resolution_target * 0.75 END,
  CASE WHEN c.final_state = 'RESOLVED' THEN $6::timestamptz END,
  -- The cases HANDOFFS below hands off (same condition), as the lifecycle counts them.
  CASE WHEN c.responded_at IS NOT NULL AND abs(hashtext('BENCH-' || lpad(c.n::text, 7, '0'))) % 20 = 0 THEN 1 ELSE 0 END
FROM closed c`;

/** Hand-offs for ~5% of the triaged cases: to the DCC Service Desk, or from it to the Elexon Service Desk ($1). */
export const HANDOFFS = `
INSERT INTO elexon.handoffs (id, case_id, to_desk_id, party, reason, state, external_reference, resolution, created_by_subject, created_at, updated_at)
SELECT gen_random_uuid(), c.id, d.id, d.party, 'Cause sits with the other party',
  CASE WHEN c.state IN ('RESOLVED', 'CLOSED', 'CANCELLED') THEN 'RESOLVED' ELSE 'ACKNOWLEDGED' END,
  'EXT-' || c.reference, CASE WHEN c.state IN ('RESOLVED', 'CLOSED', 'CANCELLED') THEN 'Fixed on our side.' END,
  'bench-agent', c.responded_at + interval '1 hour', c.responded_at + interval '2 hours'
FROM elexon.cases c
JOIN elexon.desks d ON d.id = CASE WHEN c.desk_id = 'dcc-service-desk' THEN $1 ELSE 'dcc-service-desk' END
WHERE c.reference LIKE 'BENCH-%' AND c.responded_at IS NOT NULL AND abs(hashtext(c.reference)) % 20 = 0`;

export const HOLDS = `
INSERT INTO elexon.case_holds (case_id, started_at, reason)
SELECT id, hold_started_at, hold_reason FROM elexon.cases WHERE reference LIKE 'BENCH-%' AND state = 'ON_HOLD'`;

/**
 * The timeline the reopen rate searches: a RAISED row for every case (so the table is not only reopens) and a
 * REOPENED row for each case with reopen_count > 0, half way between raised and resolved.
 */
export const TIMELINE = `
INSERT INTO elexon.case_timeline (case_id, at, actor_subject, actor_org, action, note, customer_visible)
SELECT c.id, c.raised_at, c.raised_by_subject, c.raised_by_org, 'RAISED', NULL, true FROM elexon.cases c WHERE c.reference LIKE 'BENCH-%'
UNION ALL
SELECT c.id, c.raised_at + (c.resolved_at - c.raised_at) / 2, c.raised_by_subject, c.raised_by_org, 'REOPENED', 'Not fixed for us', true
  FROM elexon.cases c WHERE c.reference LIKE 'BENCH-%' AND c.reopen_count > 0`;

/**
 * Major incidents on ~1 in 40 of the P1 incidents (a few dozen a month): PROMOTED while the case is open (a fifth
 * still CANDIDATE), RESOLVED once it is (a tenth REJECTED). Elexon leads unless the case is on the DCC desk.
 */
export const MAJOR_INCIDENTS = `
INSERT INTO elexon.major_incidents (id, reference, case_id, title, state, services, validity_checks, threshold_participant_impact,
  threshold_duration, threshold_compliance_risk, threshold_security_breach, proposed_by_subject, proposed_by_org, proposed_at,
  reviewed_by_subject, reviewed_at, lead_org_id, lead_desk_id, promoted_at, next_update_due_at, resolved_at, resolution, updated_at)
SELECT gen_random_uuid(), 'BENCH-MI-' || lpad((row_number() OVER (ORDER BY m.raised_at))::text, 5, '0'), m.id, 'Major incident: ' || m.subject,
  m.mi_state,
  CASE WHEN m.h % 3 = 0 THEN ARRAY[(ARRAY['DIP', 'LSS', 'MDS', 'VAS', 'ISD'])[1 + m.h % 5], 'SETTLEMENT_OPERATIONS']
       ELSE ARRAY[(ARRAY['DIP', 'LSS', 'MDS', 'VAS', 'ISD'])[1 + m.h % 5]] END,
  ARRAY['IMPACT_CONFIRMED'], true, m.h % 2 = 0, m.h % 5 = 0, false,
  'bench-mim@elexon.example', 'elexon', m.raised_at + interval '20 minutes',
  CASE WHEN m.mi_state <> 'CANDIDATE' THEN 'bench-mim@elexon.example' END,
  CASE WHEN m.mi_state <> 'CANDIDATE' THEN m.raised_at + interval '30 minutes' END,
  CASE WHEN m.mi_state IN ('PROMOTED', 'RESOLVED') THEN m.lead END,
  CASE WHEN m.mi_state IN ('PROMOTED', 'RESOLVED') THEN m.lead || '-service-desk' END,
  CASE WHEN m.mi_state IN ('PROMOTED', 'RESOLVED') THEN m.raised_at + interval '30 minutes' END,
  CASE WHEN m.mi_state = 'PROMOTED' THEN $1::timestamptz + interval '30 minutes' END,
  CASE WHEN m.mi_state = 'RESOLVED' THEN GREATEST(m.resolved_at, m.raised_at + interval '2 hours') END,
  CASE WHEN m.mi_state = 'RESOLVED' THEN 'Service restored.' END,
  COALESCE(m.resolved_at, m.raised_at + interval '30 minutes')
FROM (
  SELECT c.id, c.subject, c.raised_at, c.resolved_at, abs(hashtext(c.reference || 'mi')) AS h,
    CASE WHEN c.desk_id = 'dcc-service-desk' THEN 'dcc' ELSE 'elexon' END AS lead,
    CASE WHEN c.state IN ('RESOLVED', 'CLOSED') THEN CASE WHEN abs(hashtext(c.reference || 'mi')) % 10 = 0 THEN 'REJECTED' ELSE 'RESOLVED' END
         WHEN c.state = 'CANCELLED' THEN 'REJECTED'
         ELSE CASE WHEN abs(hashtext(c.reference || 'mi')) % 5 = 0 THEN 'CANDIDATE' ELSE 'PROMOTED' END END AS mi_state
  FROM elexon.cases c
  WHERE c.reference LIKE 'BENCH-%' AND c.type = 'INCIDENT' AND c.priority = 'P1' AND abs(hashtext(c.reference)) % 40 = 0
) m`;

/**
 * The comms updates of each promoted or resolved major incident: the first 5–25 minutes after promotion (target ≤ 15),
 * then one per promised time (30 minutes on), mostly a minute or two early, one in ten a few minutes late; a resolved
 * one ends with its RESOLUTION update. $1 `now`: a promoted one has no update after it.
 */
export const MI_UPDATES = `
INSERT INTO elexon.mi_updates (id, major_incident_id, kind, body, services, next_update_due_at, industry_circular, status_page,
  author_subject, author_org, posted_at)
SELECT gen_random_uuid(), u.mi_id,
  CASE WHEN u.i = 0 THEN 'INITIAL' WHEN u.last AND u.state = 'RESOLVED' THEN 'RESOLUTION' ELSE 'UPDATE' END,
  'Update ' || u.i || ' on the incident.', u.services,
  CASE WHEN u.last AND u.state = 'RESOLVED' THEN NULL ELSE u.posted_at + interval '30 minutes' END,
  u.i = 0, true, 'bench-mim@' || u.lead_org_id || '.example', u.lead_org_id, u.posted_at
FROM (
  SELECT mi.id AS mi_id, mi.state, mi.services, mi.lead_org_id, s.i, s.i = s.k - 1 AS last,
    mi.promoted_at + (5 + 20 * random()) * interval '1 minute' + s.i * interval '30 minutes'
      + CASE WHEN random() < 0.1 THEN (1 + 4 * random()) ELSE -2 * random() END * interval '1 minute' AS posted_at
  FROM elexon.major_incidents mi
  CROSS JOIN LATERAL (SELECT g.i, 2 + abs(hashtext(mi.reference)) % 7 AS k FROM generate_series(0, 2 + abs(hashtext(mi.reference)) % 7 - 1) AS g(i)) s
  WHERE mi.reference LIKE 'BENCH-MI-%' AND mi.state IN ('PROMOTED', 'RESOLVED')
) u
WHERE u.posted_at < $1::timestamptz`;

export interface FixtureShape {
  cases: number;
  open: number;
  resolvedLast30Days: number;
  raisedLast30Days: number;
  handoffs: number;
  holds: number;
  timeline: number;
  reopened: number;
  majorIncidents: number;
  miUpdates: number;
  size: string;
}

/** Inserts `count` cases in batches of `batch` (each its own statement and transaction), then the rest. */
export async function insertReportFixture(
  sql: PgClient,
  options: { count: number; batch: number; elexonDesk: string; otherDesks: string[]; orgs: string[]; now: Date; log?: (line: string) => void },
): Promise<void> {
  const { count, batch, elexonDesk, otherDesks, orgs, now } = options;
  // The report rollups' triggers (migration 1763900011000) would upsert per inserted row: off for the bulk load,
  // then the rollups are rebuilt from the cases with the migration's own backfill.
  for (const trigger of REPORT_ROLLUP_TRIGGERS) await sql.query(`ALTER TABLE elexon.cases DISABLE TRIGGER ${trigger}`);
  for (let start = 1; start <= count; start += batch) {
    const end = Math.min(count, start + batch - 1);
    const began = Date.now();
    await sql.query('BEGIN');
    await sql.query('SELECT setseed($1)', [((start % 1000) + 1) / 1001]);
    await sql.query(CASES_BATCH, [start, end, otherDesks, orgs, elexonDesk, now, count]);
    await sql.query('COMMIT');
    options.log?.(`cases ${start.toLocaleString('en-GB')}–${end.toLocaleString('en-GB')} in ${((Date.now() - began) / 1000).toFixed(1)} s`);
  }
  const began = Date.now();
  await sql.query('BEGIN');
  await sql.query('SELECT setseed(0.42)');
  await sql.query(HANDOFFS, [elexonDesk]);
  await sql.query(HOLDS);
  await sql.query(TIMELINE);
  await sql.query(MAJOR_INCIDENTS, [now]);
  await sql.query(MI_UPDATES, [now]);
  await sql.query('COMMIT');
  options.log?.(`hand-offs, holds, timeline, major incidents and updates in ${((Date.now() - began) / 1000).toFixed(1)} s`);
  const rollupsBegan = Date.now();
  await sql.query('BEGIN');
  for (const statement of REPORT_ROLLUPS_BACKFILL) await sql.query(statement);
  for (const trigger of REPORT_ROLLUP_TRIGGERS) await sql.query(`ALTER TABLE elexon.cases ENABLE TRIGGER ${trigger}`);
  await sql.query('COMMIT');
  options.log?.(`report rollups backfilled in ${((Date.now() - rollupsBegan) / 1000).toFixed(1)} s`);
}

export async function fixtureShape(sql: PgClient, now: Date): Promise<FixtureShape> {
  const row = (
    await sql.query(
      `SELECT count(*)::int AS cases,
         count(*) FILTER (WHERE state IN ('NEW', 'IN_PROGRESS', 'ON_HOLD'))::int AS open,
         count(*) FILTER (WHERE resolved_at >= $1::timestamptz - interval '30 days')::int AS "resolvedLast30Days",
         count(*) FILTER (WHERE raised_at >= $1::timestamptz - interval '30 days')::int AS "raisedLast30Days",
         count(*) FILTER (WHERE reopen_count > 0)::int AS reopened,
         (SELECT count(*)::int FROM elexon.handoffs) AS handoffs,
         (SELECT count(*)::int FROM elexon.case_holds) AS holds,
         (SELECT count(*)::int FROM elexon.case_timeline) AS timeline,
         (SELECT count(*)::int FROM elexon.major_incidents) AS "majorIncidents",
         (SELECT count(*)::int FROM elexon.mi_updates) AS "miUpdates",
         pg_size_pretty(pg_total_relation_size('elexon.cases')) AS size
       FROM elexon.cases`,
      [now],
    )
  ).rows[0] as FixtureShape;
  return row;
}

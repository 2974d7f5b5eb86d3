import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Rollups of the case report (reports/case-report.ts, reports/rollups.ts), kept by triggers on elexon.cases in the
 * same transaction as every case write, so no write path (the case service, the scheduled jobs, a bridge, a manual
 * fix) can forget them. bench/reports.bench.ts on 1,000,000 cases showed the Elexon admin's 30-day report as three
 * index-only scans of 25,600 open, 40,000 resolved and 41,000 raised cases (39 + 67 + 12 ms, 2.8 s for a year),
 * PostgreSQL's time alone capping it near 28 req/s at p99 ~550 ms.
 *
 * - `report_resolved_daily`: per UK calendar day of resolution, desk and priority ('' before triage), the resolved
 *   case's figures (met, breached, near-breach, response met/breached, seconds to resolve, reopened, first-time).
 * - `report_raised_daily`: per UK calendar day of raising and category, cases raised.
 * - Cases open now (neither resolved nor closed): `report_open_by_desk` per desk, priority and service-request class
 *   ('-' not a service request, '' one not yet given a class); `report_open_by_raised_hour` per UTC hour raised
 *   (ageing); `report_open_by_due_hour` per priority and the UTC hours of the effective due and near-breach instants
 *   (`report_effective_due`, `report_effective_near`: a hold folded in, 'infinity' for never), so breach and
 *   near-breach at any instant is a comparison of hours, exact but for the hour holding the instant.
 * The rollups have no organisation key: keyed by raising organisation they would not compress (35 organisations ×
 * 20 desks × 5 priorities against ~1,300 resolutions a day), so scoped callers keep the raw path.
 * Each trigger writes old and new contributions as one ordered upsert per rollup, so a write that moves a case
 * between rows locks them in key order (no deadlock between two such writes) and a write that changes nothing a
 * rollup counts writes nothing.
 */

/**
 * Rebuilds every rollup from elexon.cases: the migration's backfill, and the bench fixture's after a bulk load. In day
 * order, as the triggers append them, so a period's rows sit on few pages.
 */
export const REPORT_ROLLUPS_BACKFILL: readonly string[] = [
  'TRUNCATE elexon.report_resolved_daily, elexon.report_raised_daily, elexon.report_open_by_desk, elexon.report_open_by_raised_hour, elexon.report_open_by_due_hour',
  `INSERT INTO elexon.report_resolved_daily
     SELECT d.day, d.desk_id, d.priority, count(*), sum(d.resolution_met), sum(d.resolution_breached), sum(d.resolution_near_breach),
            sum(d.response_met), sum(d.response_breached), sum(d.seconds_to_resolve), sum(d.reopened), sum(d.first_time_resolved)
       FROM elexon.cases c, elexon.report_resolved_delta(c, 1) d GROUP BY 1, 2, 3 ORDER BY 1, 2, 3`,
  `INSERT INTO elexon.report_raised_daily
     SELECT elexon.report_day(c.raised_at), c.category, count(*) FROM elexon.cases c GROUP BY 1, 2 ORDER BY 1, 2`,
  `INSERT INTO elexon.report_open_by_desk
     SELECT c.desk_id, COALESCE(c.priority, ''), elexon.report_request_class(c.type, c.category, c.service_request_class), count(*)
       FROM elexon.cases c WHERE c.resolved_at IS NULL AND c.closed_at IS NULL GROUP BY 1, 2, 3`,
  `INSERT INTO elexon.report_open_by_raised_hour
     SELECT elexon.report_hour(c.raised_at), count(*) FROM elexon.cases c WHERE c.resolved_at IS NULL AND c.closed_at IS NULL GROUP BY 1`,
  `INSERT INTO elexon.report_open_by_due_hour
     SELECT c.priority, elexon.report_hour(elexon.report_effective_due(c.resolution_due_at, c.hold_started_at)),
            elexon.report_hour(elexon.report_effective_near(c.resolution_due_at, c.near_breach_at, c.hold_started_at)), count(*)
       FROM elexon.cases c WHERE c.resolved_at IS NULL AND c.closed_at IS NULL AND c.priority IS NOT NULL GROUP BY 1, 2, 3`,
];

/** The columns a rollup reads: an update that changes none of them does not fire the trigger. */
const COUNTED = [
  'raised_at',
  'category',
  'resolved_at',
  'closed_at',
  'desk_id',
  'priority',
  'type',
  'service_request_class',
  'resolution_due_at',
  'near_breach_at',
  'hold_started_at',
  'resolution_breached',
  'response_breached',
  'reopen_count',
  'transfer_count',
  'handoff_count',
];

export const REPORT_ROLLUP_TRIGGERS = ['cases_report_rollups_insert', 'cases_report_rollups_update', 'cases_report_rollups_delete'] as const;

export class ReportRollups1763900011000 implements MigrationInterface {
  name = 'ReportRollups1763900011000';

  async up(runner: QueryRunner): Promise<void> {
    await runner.query(`
      CREATE TABLE elexon.report_resolved_daily (
        day date NOT NULL,
        desk_id text NOT NULL,
        priority text NOT NULL,
        resolved bigint NOT NULL,
        resolution_met bigint NOT NULL,
        resolution_breached bigint NOT NULL,
        resolution_near_breach bigint NOT NULL,
        response_met bigint NOT NULL,
        response_breached bigint NOT NULL,
        seconds_to_resolve numeric NOT NULL,
        reopened bigint NOT NULL,
        first_time_resolved bigint NOT NULL,
        PRIMARY KEY (day, desk_id, priority)
      )`);
    await runner.query(`
      CREATE TABLE elexon.report_raised_daily (day date NOT NULL, category text NOT NULL, raised bigint NOT NULL, PRIMARY KEY (day, category))`);
    await runner.query(`
      CREATE TABLE elexon.report_open_by_desk (
        desk_id text NOT NULL, priority text NOT NULL, request_class text NOT NULL, open bigint NOT NULL,
        PRIMARY KEY (desk_id, priority, request_class)
      )`);
    await runner.query('CREATE TABLE elexon.report_open_by_raised_hour (raised_hour timestamptz PRIMARY KEY, open bigint NOT NULL)');
    await runner.query(`
      CREATE TABLE elexon.report_open_by_due_hour (
        priority text NOT NULL, due_hour timestamptz NOT NULL, near_hour timestamptz NOT NULL, open bigint NOT NULL,
        PRIMARY KEY (priority, due_hour, near_hour)
      )`);
    // The raw part of a rollup-served report: open cases whose due or near-breach instant falls in the report's hour.
    await runner.query('CREATE INDEX cases_open_due_idx ON elexon.cases (resolution_due_at) WHERE resolved_at IS NULL AND closed_at IS NULL');
    await runner.query('CREATE INDEX cases_open_near_idx ON elexon.cases (near_breach_at) WHERE resolved_at IS NULL AND closed_at IS NULL');

    await runner.query(`CREATE FUNCTION elexon.report_day(t timestamptz) RETURNS date LANGUAGE sql IMMUTABLE PARALLEL SAFE
      AS $$ SELECT (t AT TIME ZONE 'Europe/London')::date $$`);
    await runner.query(`CREATE FUNCTION elexon.report_hour(t timestamptz) RETURNS timestamptz LANGUAGE sql IMMUTABLE PARALLEL SAFE
      AS $$ SELECT date_trunc('hour', t AT TIME ZONE 'UTC') AT TIME ZONE 'UTC' $$`);
    await runner.query(`CREATE FUNCTION elexon.report_request_class(type text, category text, class text) RETURNS text LANGUAGE sql IMMUTABLE PARALLEL SAFE
      AS $$ SELECT CASE WHEN COALESCE(type = 'SERVICE_REQUEST', category = 'MHHS_SERVICE_REQUEST') THEN COALESCE(class, '') ELSE '-' END $$`);
    // An open case is breached at instant J when due < LEAST(J, hold_started_at), near breach when due >= that and
    // near_breach_at <= it. With the hold folded in — a case held before its due time never breaches while held;
    // one held before its near-breach instant never nears — both become comparisons of J with one instant each.
    await runner.query(`CREATE FUNCTION elexon.report_effective_due(due timestamptz, hold timestamptz) RETURNS timestamptz LANGUAGE sql IMMUTABLE PARALLEL SAFE
      AS $$ SELECT CASE WHEN due IS NULL THEN 'infinity'::timestamptz WHEN hold IS NULL OR due < hold THEN due ELSE 'infinity'::timestamptz END $$`);
    await runner.query(`CREATE FUNCTION elexon.report_effective_near(due timestamptz, near timestamptz, hold timestamptz) RETURNS timestamptz
      LANGUAGE sql IMMUTABLE PARALLEL SAFE
      AS $$ SELECT CASE WHEN due IS NULL OR near IS NULL THEN 'infinity'::timestamptz
                        WHEN hold IS NULL OR due < hold OR near <= hold THEN near ELSE 'infinity'::timestamptz END $$`);
    // One resolved case's figures (none unless resolved), weighted by w (+1 counted, -1 withdrawn, 0 nothing).
    await runner.query(`CREATE FUNCTION elexon.report_resolved_delta(c elexon.cases, w int)
      RETURNS TABLE (day date, desk_id text, priority text, resolved bigint, resolution_met bigint, resolution_breached bigint,
                     resolution_near_breach bigint, response_met bigint, response_breached bigint, seconds_to_resolve numeric,
                     reopened bigint, first_time_resolved bigint)
      LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
        SELECT elexon.report_day(c.resolved_at), c.desk_id, COALESCE(c.priority, ''), w::bigint,
               w * (c.resolution_breached IS FALSE)::int, w * (c.resolution_breached IS TRUE)::int,
               w * (c.resolution_breached IS FALSE AND (c.resolved_at > c.near_breach_at) IS TRUE)::int,
               w * (c.response_breached IS FALSE)::int, w * (c.response_breached IS NOT FALSE)::int,
               w * extract(epoch FROM (c.resolved_at - c.raised_at)),
               w * (c.reopen_count > 0)::int, w * (c.reopen_count = 0 AND c.transfer_count = 0 AND c.handoff_count = 0)::int
         WHERE w <> 0 AND c.resolved_at IS NOT NULL $$`);
    await runner.query(`CREATE FUNCTION elexon.report_rollups_trigger() RETURNS trigger LANGUAGE plpgsql AS $fn$
      DECLARE
        o int := CASE WHEN TG_OP IN ('UPDATE', 'DELETE') THEN -1 ELSE 0 END;
        n int := CASE WHEN TG_OP IN ('INSERT', 'UPDATE') THEN 1 ELSE 0 END;
        o_open int := CASE WHEN o <> 0 AND OLD.resolved_at IS NULL AND OLD.closed_at IS NULL THEN o ELSE 0 END;
        n_open int := CASE WHEN n <> 0 AND NEW.resolved_at IS NULL AND NEW.closed_at IS NULL THEN n ELSE 0 END;
      BEGIN
        INSERT INTO elexon.report_raised_daily AS r (day, category, raised)
          SELECT v.day, v.category, sum(v.w) FROM (VALUES (elexon.report_day(OLD.raised_at), OLD.category, o),
                                                         (elexon.report_day(NEW.raised_at), NEW.category, n)) v(day, category, w)
           WHERE v.w <> 0 GROUP BY 1, 2 HAVING sum(v.w) <> 0 ORDER BY 1, 2
          ON CONFLICT (day, category) DO UPDATE SET raised = r.raised + EXCLUDED.raised;

        INSERT INTO elexon.report_resolved_daily AS r
          SELECT d.day, d.desk_id, d.priority, sum(d.resolved), sum(d.resolution_met), sum(d.resolution_breached), sum(d.resolution_near_breach),
                 sum(d.response_met), sum(d.response_breached), sum(d.seconds_to_resolve), sum(d.reopened), sum(d.first_time_resolved)
            FROM (SELECT * FROM elexon.report_resolved_delta(OLD, o) UNION ALL SELECT * FROM elexon.report_resolved_delta(NEW, n)) d
           GROUP BY 1, 2, 3
          HAVING ROW(sum(d.resolved), sum(d.resolution_met), sum(d.resolution_breached), sum(d.resolution_near_breach), sum(d.response_met),
                     sum(d.response_breached), sum(d.seconds_to_resolve), sum(d.reopened), sum(d.first_time_resolved)) <> ROW(0, 0, 0, 0, 0, 0, 0, 0, 0)
           ORDER BY 1, 2, 3
          ON CONFLICT (day, desk_id, priority) DO UPDATE SET
            resolved = r.resolved + EXCLUDED.resolved, resolution_met = r.resolution_met + EXCLUDED.resolution_met,
            resolution_breached = r.resolution_breached + EXCLUDED.resolution_breached,
            resolution_near_breach = r.resolution_near_breach + EXCLUDED.resolution_near_breach,
            response_met = r.response_met + EXCLUDED.response_met, response_breached = r.response_breached + EXCLUDED.response_breached,
            seconds_to_resolve = r.seconds_to_resolve + EXCLUDED.seconds_to_resolve, reopened = r.reopened + EXCLUDED.reopened,
            first_time_resolved = r.first_time_resolved + EXCLUDED.first_time_resolved;

        IF o_open <> 0 OR n_open <> 0 THEN
          INSERT INTO elexon.report_open_by_desk AS r (desk_id, priority, request_class, open)
            SELECT v.desk_id, v.priority, v.request_class, sum(v.w) FROM (VALUES
                (OLD.desk_id, COALESCE(OLD.priority, ''), elexon.report_request_class(OLD.type, OLD.category, OLD.service_request_class), o_open),
                (NEW.desk_id, COALESCE(NEW.priority, ''), elexon.report_request_class(NEW.type, NEW.category, NEW.service_request_class), n_open)
              ) v(desk_id, priority, request_class, w)
             WHERE v.w <> 0 GROUP BY 1, 2, 3 HAVING sum(v.w) <> 0 ORDER BY 1, 2, 3
            ON CONFLICT (desk_id, priority, request_class) DO UPDATE SET open = r.open + EXCLUDED.open;
          INSERT INTO elexon.report_open_by_raised_hour AS r (raised_hour, open)
            SELECT v.h, sum(v.w) FROM (VALUES (elexon.report_hour(OLD.raised_at), o_open), (elexon.report_hour(NEW.raised_at), n_open)) v(h, w)
             WHERE v.w <> 0 GROUP BY 1 HAVING sum(v.w) <> 0 ORDER BY 1
            ON CONFLICT (raised_hour) DO UPDATE SET open = r.open + EXCLUDED.open;
          INSERT INTO elexon.report_open_by_due_hour AS r (priority, due_hour, near_hour, open)
            SELECT v.priority, v.due_hour, v.near_hour, sum(v.w) FROM (VALUES
                (OLD.priority, elexon.report_hour(elexon.report_effective_due(OLD.resolution_due_at, OLD.hold_started_at)),
                 elexon.report_hour(elexon.report_effective_near(OLD.resolution_due_at, OLD.near_breach_at, OLD.hold_started_at)), o_open),
                (NEW.priority, elexon.report_hour(elexon.report_effective_due(NEW.resolution_due_at, NEW.hold_started_at)),
                 elexon.report_hour(elexon.report_effective_near(NEW.resolution_due_at, NEW.near_breach_at, NEW.hold_started_at)), n_open)
              ) v(priority, due_hour, near_hour, w)
             WHERE v.w <> 0 AND v.priority IS NOT NULL GROUP BY 1, 2, 3 HAVING sum(v.w) <> 0 ORDER BY 1, 2, 3
            ON CONFLICT (priority, due_hour, near_hour) DO UPDATE SET open = r.open + EXCLUDED.open;
        END IF;
        RETURN NULL;
      END $fn$`);
    const changed = COUNTED.map((column) => `OLD.${column}`).join(', ');
    await runner.query(`CREATE TRIGGER cases_report_rollups_insert AFTER INSERT ON elexon.cases FOR EACH ROW EXECUTE FUNCTION elexon.report_rollups_trigger()`);
    await runner.query(`CREATE TRIGGER cases_report_rollups_update AFTER UPDATE ON elexon.cases FOR EACH ROW
      WHEN ((${changed}) IS DISTINCT FROM (${changed.replaceAll('OLD.', 'NEW.')})) EXECUTE FUNCTION elexon.report_rollups_trigger()`);
    await runner.query(`CREATE TRIGGER cases_report_rollups_delete AFTER DELETE ON elexon.cases FOR EACH ROW EXECUTE FUNCTION elexon.report_rollups_trigger()`);
    for (const statement of REPORT_ROLLUPS_BACKFILL) await runner.query(statement);
  }

  async down(runner: QueryRunner): Promise<void> {
    for (const trigger of REPORT_ROLLUP_TRIGGERS) await runner.query(`DROP TRIGGER ${trigger} ON elexon.cases`);
    await runner.query('DROP FUNCTION elexon.report_rollups_trigger()');
    await runner.query('DROP FUNCTION elexon.report_resolved_delta(elexon.cases, int)');
    for (const fn of [
      'report_effective_near(timestamptz, timestamptz, timestamptz)',
      'report_effective_due(timestamptz, timestamptz)',
      'report_request_class(text, text, text)',
      'report_hour(timestamptz)',
      'report_day(timestamptz)',
    ])
      await runner.query(`DROP FUNCTION elexon.${fn}`);
    await runner.query('DROP INDEX elexon.cases_open_near_idx');
    await runner.query('DROP INDEX elexon.cases_open_due_idx');
    for (const table of ['report_open_by_due_hour', 'report_open_by_raised_hour', 'report_open_by_desk', 'report_raised_daily', 'report_resolved_daily'])
      await runner.query(`DROP TABLE elexon.${table}`);
  }
}

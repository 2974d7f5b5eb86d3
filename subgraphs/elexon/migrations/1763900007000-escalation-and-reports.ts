import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Near-breach escalation and the Hypercare daily report (Hypercare §5; OM App. D).
 *
 * - `cases.near_breach_at`: the instant the resolution clock reaches the configured share of its target (holds
 *   excluded, kept in step with the due times); `near_breach_alerted_at` marks the one alert a case gets.
 * - `cases.response_breached` and `cases.resolution_breached`: the clock's own verdict (counted time against the
 *   target, on the desk's calendar, holds excluded), kept with the due times, so a report counts what the clock
 *   says — a business-hours case resolved at 18:00 after a 17:30 due time has not breached (no business time passed).
 * - `cases.reopen_count`, `cases.transfer_count` and `cases.handoff_count`: kept by the lifecycle, so the reopen rate
 *   and first-time resolution are counted from the case row instead of searching its timeline and hand-offs (a probe
 *   per resolved case was most of the report's cost in bench/reports.bench.ts); backfilled here.
 * - `sla_escalation`: one row, the share and the escalation contacts Elexon configures.
 * - `daily_report_schedule`: one row, when the Hypercare daily report goes out (UK time) and to whom;
 *   `daily_report_runs`: one row per report sent, unique per scheduled instant, so replicas send it once.
 */
export class EscalationAndReports1763900007000 implements MigrationInterface {
  name = 'EscalationAndReports1763900007000';

  async up(runner: QueryRunner): Promise<void> {
    await runner.query(`ALTER TABLE elexon.cases
      ADD COLUMN near_breach_at timestamptz,
      ADD COLUMN near_breach_alerted_at timestamptz,
      ADD COLUMN response_breached boolean,
      ADD COLUMN resolution_breached boolean,
      ADD COLUMN reopen_count integer NOT NULL DEFAULT 0 CHECK (reopen_count >= 0),
      ADD COLUMN transfer_count integer NOT NULL DEFAULT 0 CHECK (transfer_count >= 0),
      ADD COLUMN handoff_count integer NOT NULL DEFAULT 0 CHECK (handoff_count >= 0)`);
    await runner.query(`UPDATE elexon.cases c SET
        reopen_count = (SELECT count(*) FROM elexon.case_timeline t WHERE t.case_id = c.id AND t.action = 'REOPENED'),
        transfer_count = (SELECT count(*) FROM elexon.case_timeline t WHERE t.case_id = c.id AND t.action = 'ROUTED')
      WHERE EXISTS (SELECT 1 FROM elexon.case_timeline t WHERE t.case_id = c.id AND t.action IN ('REOPENED', 'ROUTED'))`);
    await runner.query(`UPDATE elexon.cases c SET handoff_count = h.count
      FROM (SELECT case_id, count(*)::int AS count FROM elexon.handoffs GROUP BY case_id) h WHERE h.case_id = c.id`);
    // Cases triaged before this migration: the stored due times' verdict (the clock refreshes it at their next change).
    await runner.query(`UPDATE elexon.cases SET
        response_breached = response_due_at < COALESCE(responded_at, resolved_at, now()),
        resolution_breached = CASE WHEN resolution_due_at IS NOT NULL THEN resolution_due_at < COALESCE(resolved_at, hold_started_at, now()) END`);
    await runner.query(`CREATE INDEX cases_near_breach_idx ON elexon.cases (near_breach_at)
      WHERE near_breach_alerted_at IS NULL AND state IN ('NEW', 'IN_PROGRESS')`);
    await runner.query(`
      CREATE TABLE elexon.sla_escalation (
        id boolean PRIMARY KEY DEFAULT true CHECK (id),
        near_breach_percent integer NOT NULL DEFAULT 75 CHECK (near_breach_percent BETWEEN 1 AND 99),
        contacts text[] NOT NULL DEFAULT '{}',
        updated_at timestamptz NOT NULL DEFAULT now(),
        updated_by text
      )`);
    await runner.query('INSERT INTO elexon.sla_escalation (id) VALUES (true)');
    await runner.query(`
      CREATE TABLE elexon.daily_report_schedule (
        id boolean PRIMARY KEY DEFAULT true CHECK (id),
        enabled boolean NOT NULL DEFAULT false,
        send_at text NOT NULL DEFAULT '08:00' CHECK (send_at ~ '^([01][0-9]|2[0-3]):[0-5][0-9]$'),
        recipients text[] NOT NULL DEFAULT '{}',
        updated_at timestamptz NOT NULL DEFAULT now(),
        updated_by text
      )`);
    await runner.query('INSERT INTO elexon.daily_report_schedule (id) VALUES (true)');
    await runner.query(`
      CREATE TABLE elexon.daily_report_runs (
        id uuid PRIMARY KEY,
        period_to timestamptz NOT NULL,
        scheduled_for timestamptz UNIQUE,
        requested_by text,
        created_at timestamptz NOT NULL DEFAULT now()
      )`);
  }

  async down(runner: QueryRunner): Promise<void> {
    await runner.query('DROP TABLE elexon.daily_report_runs');
    await runner.query('DROP TABLE elexon.daily_report_schedule');
    await runner.query('DROP TABLE elexon.sla_escalation');
    await runner.query('DROP INDEX elexon.cases_near_breach_idx');
    await runner.query(
      'ALTER TABLE elexon.cases DROP COLUMN near_breach_at, DROP COLUMN near_breach_alerted_at, DROP COLUMN response_breached, DROP COLUMN resolution_breached, DROP COLUMN reopen_count, DROP COLUMN transfer_count, DROP COLUMN handoff_count',
    );
  }
}

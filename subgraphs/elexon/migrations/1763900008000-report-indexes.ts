import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The service-management reports (reports/case-report.ts) over a period: without these, every figure of
 * `caseReport` was a sequential scan of elexon.cases (1,000,000 rows: ~0.8 s a statement, six a report; see
 * bench/reports.bench.ts and docs/benchmarking.md).
 *
 * - `cases_resolved_report_idx`: resolved in the period (resolved per desk, SLA by priority, the reopen rate), with
 *   the columns those figures and a raiser's visibility read, so PostgreSQL answers from the index (index-only scan).
 * - `cases_open_until_idx`: open at the end of the period and its ageing. The report asks for
 *   `COALESCE(resolved_at, closed_at, 'infinity') >= $to`: indexing that expression turns it into a range holding the
 *   open cases (and those finished after `to`) instead of a scan of every case raised before `to`. The expression's
 *   own columns are included because the planner only plans an index-only scan when they are in the index.
 * - `cases_raised_report_idx`: raised in the period by category.
 * The reopen rate and first-time resolution read the case row's own counters (migration 1763900007000), so the
 * timeline needs no index of its own for them.
 */
export const REPORT_INDEXES: readonly { name: string; table: string; create: string }[] = [
  {
    name: 'cases_resolved_report_idx',
    table: 'cases',
    create: `CREATE INDEX cases_resolved_report_idx ON elexon.cases (resolved_at)
      INCLUDE (desk_id, priority, raised_at, resolution_breached, response_breached, near_breach_at, reopen_count, transfer_count, handoff_count, raised_by_org, id)
      WHERE resolved_at IS NOT NULL`,
  },
  {
    name: 'cases_open_until_idx',
    table: 'cases',
    create: `CREATE INDEX cases_open_until_idx ON elexon.cases ((COALESCE(resolved_at, closed_at, 'infinity'::timestamptz)))
      INCLUDE (raised_at, resolved_at, closed_at, desk_id, priority, raised_by_org, resolution_due_at, near_breach_at, hold_started_at, type, category,
               service_request_class)`,
  },
  {
    name: 'cases_raised_report_idx',
    table: 'cases',
    create: 'CREATE INDEX cases_raised_report_idx ON elexon.cases (raised_at) INCLUDE (category, raised_by_org)',
  },
];

export class ReportIndexes1763900008000 implements MigrationInterface {
  name = 'ReportIndexes1763900008000';

  async up(runner: QueryRunner): Promise<void> {
    for (const index of REPORT_INDEXES) await runner.query(index.create);
  }

  async down(runner: QueryRunner): Promise<void> {
    for (const index of [...REPORT_INDEXES].reverse()) await runner.query(`DROP INDEX elexon.${index.name}`);
  }
}

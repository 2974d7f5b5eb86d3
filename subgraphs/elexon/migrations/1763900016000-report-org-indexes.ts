import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The raw path of the case report and the SLA trend for a caller scoped by organisation (a participant, a parent
 * account: reports/case-report.ts). Their visibility predicate (cases/case.access.ts) folds, for such a caller, to
 * its organisation arm `c.raised_by_org = ANY($orgs)`; on the indexes of migration 1763900008000, keyed by time alone,
 * PostgreSQL read every case of the period from the index and dropped the others' (bench/reports.bench.ts on
 * 1,000,000 cases: centrica's three organisations are ~9 % of them). Keyed by the raising organisation first, each
 * index is one range per visible organisation, and still index-only: the same INCLUDE columns as its time-keyed twin.
 * Elexon service management reads the rollups (migration 1763900011000) and a desk agent's predicate is an OR over
 * desks, organisations and hand-offs, so neither uses these.
 */
export const REPORT_ORG_INDEXES: readonly { name: string; table: string; create: string }[] = [
  {
    name: 'cases_org_resolved_report_idx',
    table: 'cases',
    create: `CREATE INDEX cases_org_resolved_report_idx ON elexon.cases (raised_by_org, resolved_at)
      INCLUDE (desk_id, priority, raised_at, resolution_breached, response_breached, near_breach_at, reopen_count, transfer_count, handoff_count)
      WHERE resolved_at IS NOT NULL`,
  },
  {
    name: 'cases_org_open_until_idx',
    table: 'cases',
    create: `CREATE INDEX cases_org_open_until_idx ON elexon.cases (raised_by_org, (COALESCE(resolved_at, closed_at, 'infinity'::timestamptz)))
      INCLUDE (raised_at, resolved_at, closed_at, desk_id, priority, resolution_due_at, near_breach_at, hold_started_at, type, category, service_request_class)`,
  },
  {
    name: 'cases_org_raised_report_idx',
    table: 'cases',
    create: 'CREATE INDEX cases_org_raised_report_idx ON elexon.cases (raised_by_org, raised_at) INCLUDE (category)',
  },
];

export class ReportOrgIndexes1763900016000 implements MigrationInterface {
  name = 'ReportOrgIndexes1763900016000';

  async up(runner: QueryRunner): Promise<void> {
    for (const index of REPORT_ORG_INDEXES) await runner.query(index.create);
  }

  async down(runner: QueryRunner): Promise<void> {
    for (const index of [...REPORT_ORG_INDEXES].reverse()) await runner.query(`DROP INDEX elexon.${index.name}`);
  }
}

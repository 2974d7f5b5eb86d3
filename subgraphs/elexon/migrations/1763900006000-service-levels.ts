import type { MigrationInterface, QueryRunner } from 'typeorm';
import { HYPERCARE, STANDARD } from '../../../schema/priority';

/**
 * Each desk's own service levels (CA §2a; OM §7.2 "for Elexon Service Desk only"): SLA policies are rows a `cpsd_admin`
 * keeps (OM §3.10's table is the STANDARD default, the Hypercare targets the HYPERCARE one), a desk names its policy,
 * Hypercare windows switch chosen desks to HYPERCARE for a period, and a case records the resolution target it was
 * triaged under, so changing a policy never rewrites a case's history.
 */
export class ServiceLevels1763900006000 implements MigrationInterface {
  name = 'ServiceLevels1763900006000';

  async up(runner: QueryRunner): Promise<void> {
    await runner.query(`
      CREATE TABLE elexon.sla_policies (
        name text PRIMARY KEY CHECK (name ~ '^[A-Z][A-Z0-9_]{1,39}$'),
        resolution_targets jsonb NOT NULL,
        updated_at timestamptz NOT NULL DEFAULT now(),
        updated_by text
      )`);
    for (const policy of [STANDARD, HYPERCARE]) {
      await runner.query('INSERT INTO elexon.sla_policies (name, resolution_targets) VALUES ($1, $2::jsonb)', [
        policy.name,
        JSON.stringify(policy.resolutionTargets),
      ]);
    }
    await runner.query('ALTER TABLE elexon.desks DROP CONSTRAINT IF EXISTS desks_sla_policy_check');
    await runner.query('ALTER TABLE elexon.desks ADD CONSTRAINT desks_sla_policy_fkey FOREIGN KEY (sla_policy) REFERENCES elexon.sla_policies (name)');
    await runner.query(`
      CREATE TABLE elexon.hypercare_windows (
        id uuid PRIMARY KEY,
        desk_id text NOT NULL REFERENCES elexon.desks (id),
        starts_at timestamptz NOT NULL,
        ends_at timestamptz NOT NULL,
        created_by text NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        CHECK (ends_at > starts_at),
        UNIQUE (desk_id, starts_at, ends_at)
      )`);
    await runner.query('CREATE INDEX hypercare_windows_desk_idx ON elexon.hypercare_windows (desk_id, starts_at)');
    await runner.query('ALTER TABLE elexon.cases ADD COLUMN sla_resolution_target jsonb');
    await runner.query("ALTER TABLE elexon.cases ADD COLUMN service_request_class text CHECK (service_request_class IN ('STANDARD', 'HIGH_PRIORITY'))");
    // A desk's clocks run on its own published hours: round the clock, core hours, or its weekday hours.
    await runner.query('ALTER TABLE elexon.desks DROP CONSTRAINT IF EXISTS desks_sla_calendar_check');
    await runner.query(
      `ALTER TABLE elexon.desks ADD CONSTRAINT desks_sla_calendar_check CHECK (sla_calendar ~ '^(24x7|BUSINESS|WEEKDAYS ([01][0-9]|2[0-3]):[0-5][0-9]-([01][0-9]|2[0-4]):[0-5][0-9])$')`,
    );
  }

  async down(runner: QueryRunner): Promise<void> {
    await runner.query('ALTER TABLE elexon.desks DROP CONSTRAINT desks_sla_calendar_check');
    await runner.query(`UPDATE elexon.desks SET sla_calendar = 'BUSINESS' WHERE sla_calendar LIKE 'WEEKDAYS %'`);
    await runner.query(`ALTER TABLE elexon.desks ADD CONSTRAINT desks_sla_calendar_check CHECK (sla_calendar IN ('24x7', 'BUSINESS'))`);
    await runner.query('ALTER TABLE elexon.cases DROP COLUMN sla_resolution_target, DROP COLUMN service_request_class');
    await runner.query('DROP TABLE elexon.hypercare_windows');
    await runner.query('ALTER TABLE elexon.desks DROP CONSTRAINT desks_sla_policy_fkey');
    await runner.query(`UPDATE elexon.desks SET sla_policy = 'STANDARD' WHERE sla_policy NOT IN ('STANDARD', 'HYPERCARE')`);
    await runner.query(`ALTER TABLE elexon.desks ADD CONSTRAINT desks_sla_policy_check CHECK (sla_policy IN ('STANDARD', 'HYPERCARE'))`);
    await runner.query('DROP TABLE elexon.sla_policies');
  }
}

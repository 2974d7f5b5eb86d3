import type { MigrationInterface, QueryRunner } from 'typeorm';

/** OM §5.19.1: an update not posted by the time the last one promised is flagged to the lead once per promised time. */
export class OverdueUpdates1763900010000 implements MigrationInterface {
  name = 'OverdueUpdates1763900010000';

  async up(runner: QueryRunner): Promise<void> {
    await runner.query('ALTER TABLE elexon.major_incidents ADD COLUMN overdue_flagged_for timestamptz');
  }

  async down(runner: QueryRunner): Promise<void> {
    await runner.query('ALTER TABLE elexon.major_incidents DROP COLUMN overdue_flagged_for');
  }
}

import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * What the raiser hears (OM §3.1, §10.2–10.3): the raiser's address from their token's `email` claim, kept with the
 * case (never in an event: the notifier reads it through the API as a service identity), and when the reminder before
 * the 5-day auto-close was sent for the case's latest resolution.
 */
export class RaiserNotices1763900009000 implements MigrationInterface {
  name = 'RaiserNotices1763900009000';

  async up(runner: QueryRunner): Promise<void> {
    await runner.query('ALTER TABLE elexon.cases ADD COLUMN raised_by_email text, ADD COLUMN auto_close_reminded_at timestamptz');
  }

  async down(runner: QueryRunner): Promise<void> {
    await runner.query('ALTER TABLE elexon.cases DROP COLUMN raised_by_email, DROP COLUMN auto_close_reminded_at');
  }
}

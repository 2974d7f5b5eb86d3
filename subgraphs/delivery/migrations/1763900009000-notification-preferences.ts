import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Notification preferences (issue: everyone hears what they should): per person (organisation + subject) or per
 * organisation (subject null), one row per channel and address, with the kinds of notice it takes. A person with any
 * row of their own is heard only through their rows (an empty `kinds` is "nothing"); without one, the raiser's token
 * address gets every kind.
 */
export class NotificationPreferences1763900009000 implements MigrationInterface {
  name = 'NotificationPreferences1763900009000';

  async up(runner: QueryRunner): Promise<void> {
    await runner.query(`
      CREATE TABLE delivery.notification_preferences (
        id uuid PRIMARY KEY,
        organisation_id text NOT NULL,
        subject text,
        channel text NOT NULL CHECK (channel IN ('EMAIL', 'WEBHOOK')),
        address text NOT NULL,
        kinds text[] NOT NULL,
        updated_by text NOT NULL,
        updated_at timestamptz NOT NULL DEFAULT now()
      )`);
    await runner.query(
      `CREATE UNIQUE INDEX notification_preferences_key ON delivery.notification_preferences (organisation_id, COALESCE(subject, ''), channel, address)`,
    );
    // A major incident's comms record (comms-summary.ts): its deliveries by their ordering key `mi:<id>`.
    await runner.query(`CREATE INDEX deliveries_mi_comms_idx ON delivery.deliveries (ordering_key, state) WHERE ordering_key LIKE 'mi:%'`);
  }

  async down(runner: QueryRunner): Promise<void> {
    await runner.query('DROP INDEX delivery.deliveries_mi_comms_idx');
    await runner.query('DROP TABLE delivery.notification_preferences');
  }
}

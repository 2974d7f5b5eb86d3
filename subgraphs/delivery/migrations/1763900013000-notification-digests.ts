import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Digests (issue: everyone hears what they should): a preference may gather its notices into one message every
 * `digest_minutes` instead of one message each. A notice for a digest preference is kept as an item; the
 * `notification-digests` job closes the items of a due preference into a digest (one statement, so an item belongs to
 * one digest only) and queues the digest as one delivery whose event id is the digest's id (so a re-run queues
 * nothing twice). A removed preference takes its pending items with it: nothing is sent for it afterwards.
 */
export class NotificationDigests1763900013000 implements MigrationInterface {
  name = 'NotificationDigests1763900013000';

  async up(runner: QueryRunner): Promise<void> {
    await runner.query(
      `ALTER TABLE delivery.notification_preferences
         ADD COLUMN digest_minutes integer CHECK (digest_minutes BETWEEN 15 AND 10080),
         ADD COLUMN last_digest_at timestamptz`,
    );
    await runner.query(`
      CREATE TABLE delivery.notification_digests (
        id uuid PRIMARY KEY,
        preference_id uuid NOT NULL REFERENCES delivery.notification_preferences (id) ON DELETE CASCADE,
        closed_at timestamptz NOT NULL DEFAULT now(),
        queued_at timestamptz
      )`);
    await runner.query(`CREATE INDEX notification_digests_unqueued_idx ON delivery.notification_digests (closed_at) WHERE queued_at IS NULL`);
    await runner.query(`
      CREATE TABLE delivery.notification_digest_items (
        preference_id uuid NOT NULL REFERENCES delivery.notification_preferences (id) ON DELETE CASCADE,
        event_id uuid NOT NULL,
        event_type text NOT NULL,
        kind text NOT NULL,
        case_id text NOT NULL,
        case_reference text NOT NULL,
        state text,
        desk_name text,
        occurred_at timestamptz NOT NULL,
        digest_id uuid REFERENCES delivery.notification_digests (id) ON DELETE CASCADE,
        PRIMARY KEY (preference_id, event_id)
      )`);
    await runner.query(
      `CREATE INDEX notification_digest_items_pending_idx ON delivery.notification_digest_items (preference_id, occurred_at) WHERE digest_id IS NULL`,
    );
    await runner.query(`CREATE INDEX notification_digest_items_digest_idx ON delivery.notification_digest_items (digest_id) WHERE digest_id IS NOT NULL`);
  }

  async down(runner: QueryRunner): Promise<void> {
    await runner.query('DROP TABLE delivery.notification_digest_items');
    await runner.query('DROP TABLE delivery.notification_digests');
    await runner.query('ALTER TABLE delivery.notification_preferences DROP COLUMN last_digest_at, DROP COLUMN digest_minutes');
  }
}

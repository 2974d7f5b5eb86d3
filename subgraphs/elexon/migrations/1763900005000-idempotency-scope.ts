import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Idempotency keys belong to a caller, and a caller is (organisation, principal kind, subject): a `sub` is only
 * unique within the identity provider of one organisation, so two organisations' users (or a user and a service)
 * with the same subject must not share keys — one would get the other's result back, or be refused.
 *
 * Rows written before this migration have no known organisation: they keep an empty one, so no caller matches them
 * and a retry across the upgrade does its work again rather than risk returning someone else's result.
 */
export class IdempotencyScope1763900005000 implements MigrationInterface {
  name = 'IdempotencyScope1763900005000';

  async up(runner: QueryRunner): Promise<void> {
    await runner.query(`
      ALTER TABLE elexon.idempotency_keys
        ADD COLUMN organisation_id text NOT NULL DEFAULT '',
        ADD COLUMN principal_kind text NOT NULL DEFAULT ''`);
    await runner.query('ALTER TABLE elexon.idempotency_keys ALTER COLUMN organisation_id DROP DEFAULT, ALTER COLUMN principal_kind DROP DEFAULT');
    await runner.query('ALTER TABLE elexon.idempotency_keys DROP CONSTRAINT idempotency_keys_pkey');
    await runner.query('ALTER TABLE elexon.idempotency_keys ADD PRIMARY KEY (organisation_id, principal_kind, subject, key)');
  }

  async down(runner: QueryRunner): Promise<void> {
    // Back to one key per subject: where several callers share a subject and key, only the oldest row survives.
    await runner.query(`
      DELETE FROM elexon.idempotency_keys k USING elexon.idempotency_keys older
       WHERE k.subject = older.subject AND k.key = older.key
         AND (older.created_at, older.organisation_id, older.principal_kind) < (k.created_at, k.organisation_id, k.principal_kind)`);
    await runner.query('ALTER TABLE elexon.idempotency_keys DROP CONSTRAINT idempotency_keys_pkey');
    await runner.query('ALTER TABLE elexon.idempotency_keys ADD PRIMARY KEY (subject, key)');
    await runner.query('ALTER TABLE elexon.idempotency_keys DROP COLUMN organisation_id, DROP COLUMN principal_kind');
  }
}

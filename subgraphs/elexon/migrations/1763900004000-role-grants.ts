import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The roles each organisation's people may hold (the directory grants them; a token's `roles` claim only asks).
 * Existing directories get the default grants: everyone takes part and works its own desks; Major Incident Managers
 * only in Central Service Providers (enforced by a constraint); `cpsd_admin` only for Elexon. An operator changes an
 * organisation's grants with an UPDATE of `granted_roles`; the gateway picks it up within its directory TTL (30 s).
 */
export class RoleGrants1763900004000 implements MigrationInterface {
  name = 'RoleGrants1763900004000';

  async up(runner: QueryRunner): Promise<void> {
    await runner.query(`
      ALTER TABLE elexon.organisations
        ADD COLUMN granted_roles text[] NOT NULL DEFAULT '{participant,desk_agent}'
        CHECK (granted_roles <@ '{participant,desk_agent,major_incident_manager,cpsd_admin}'::text[])`);
    await runner.query(`UPDATE elexon.organisations SET granted_roles = granted_roles || '{major_incident_manager}' WHERE central_service_provider`);
    await runner.query(`UPDATE elexon.organisations SET granted_roles = granted_roles || '{cpsd_admin}' WHERE id = 'elexon'`);
    // Only a Central Service Provider leads a major incident (OM §5.24): no operator can grant its managers elsewhere.
    await runner.query(`
      ALTER TABLE elexon.organisations ADD CONSTRAINT organisations_mi_managers_only_in_csps
        CHECK (central_service_provider OR NOT ('major_incident_manager' = ANY (granted_roles)))`);
  }

  async down(runner: QueryRunner): Promise<void> {
    await runner.query('ALTER TABLE elexon.organisations DROP COLUMN granted_roles');
  }
}

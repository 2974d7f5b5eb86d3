import type { MigrationInterface, QueryRunner } from 'typeorm';

export class Directory1763900000000 implements MigrationInterface {
  name = 'Directory1763900000000';

  async up(runner: QueryRunner): Promise<void> {
    await runner.query(`
      CREATE TABLE elexon.organisations (
        id text PRIMARY KEY CHECK (id ~ '^[a-z0-9][a-z0-9-]{1,62}$'),
        name text NOT NULL,
        kind text NOT NULL,
        parent_id text REFERENCES elexon.organisations(id),
        central_service_provider boolean NOT NULL DEFAULT false,
        created_at timestamptz NOT NULL DEFAULT now(),
        CHECK (parent_id IS DISTINCT FROM id)
      )`);
    await runner.query('CREATE INDEX organisations_parent_idx ON elexon.organisations (parent_id)');
    await runner.query(`
      CREATE TABLE elexon.desks (
        id text PRIMARY KEY CHECK (id ~ '^[a-z0-9][a-z0-9-]{1,62}$'),
        name text NOT NULL,
        kind text NOT NULL,
        organisation_id text NOT NULL REFERENCES elexon.organisations(id),
        party text NOT NULL,
        services text[] NOT NULL DEFAULT '{}',
        categories text[] NOT NULL DEFAULT '{}',
        created_at timestamptz NOT NULL DEFAULT now()
      )`);
    await runner.query('CREATE INDEX desks_organisation_idx ON elexon.desks (organisation_id)');
    await runner.query('CREATE INDEX desks_services_idx ON elexon.desks USING gin (services)');
  }

  async down(runner: QueryRunner): Promise<void> {
    await runner.query('DROP TABLE elexon.desks');
    await runner.query('DROP TABLE elexon.organisations');
  }
}

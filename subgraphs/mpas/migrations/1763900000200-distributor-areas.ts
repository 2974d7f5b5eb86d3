import type { MigrationInterface, QueryRunner } from 'typeorm';

/** Which MPAS help desk answers for each MPAN distributor id. */
export class DistributorAreas1763900000200 implements MigrationInterface {
  name = 'DistributorAreas1763900000200';

  async up(runner: QueryRunner): Promise<void> {
    await runner.query(`
      CREATE TABLE mpas.distributor_areas (
        distributor_id text PRIMARY KEY CHECK (distributor_id ~ '^[0-9]{2}$'),
        desk_id text NOT NULL
      )`);
    await runner.query('CREATE INDEX distributor_areas_desk_idx ON mpas.distributor_areas (desk_id)');
  }

  async down(runner: QueryRunner): Promise<void> {
    await runner.query('DROP TABLE mpas.distributor_areas');
  }
}

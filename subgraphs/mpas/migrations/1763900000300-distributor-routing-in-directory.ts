import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Distributor → desk routing is the hub directory's (`elexon.desks.distributor_ids`, ADR 12): the mpas copy, seeded
 * separately and kept in step by nothing, goes.
 */
export class DistributorRoutingInDirectory1763900000300 implements MigrationInterface {
  name = 'DistributorRoutingInDirectory1763900000300';

  async up(runner: QueryRunner): Promise<void> {
    await runner.query('DROP TABLE IF EXISTS mpas.distributor_areas');
  }

  async down(runner: QueryRunner): Promise<void> {
    await runner.query(`
      CREATE TABLE mpas.distributor_areas (
        distributor_id text PRIMARY KEY CHECK (distributor_id ~ '^[0-9]{2}$'),
        desk_id text NOT NULL
      )`);
    await runner.query('CREATE INDEX distributor_areas_desk_idx ON mpas.distributor_areas (desk_id)');
  }
}

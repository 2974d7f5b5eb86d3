import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * TMF621 hub registrations (issue 11): a listener a party registered with `POST /hub`, kept with the registrant's
 * scope when it registered (subject, organisation, roles, desks — never its token), so the delivery engine reads each
 * case as the registrant and the registration survives a restart. Each hub is one endpoint (`tmf621-hub:<id>`).
 */
export class TicketHubs1763900012000 implements MigrationInterface {
  name = 'TicketHubs1763900012000';

  async up(runner: QueryRunner): Promise<void> {
    await runner.query(`
      CREATE TABLE delivery.ticket_hubs (
        id uuid PRIMARY KEY,
        callback text NOT NULL,
        query text,
        subject text NOT NULL,
        organisation_id text NOT NULL,
        roles text[] NOT NULL,
        desk_ids text[] NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now()
      )`);
    await runner.query(`CREATE INDEX ticket_hubs_registrant_idx ON delivery.ticket_hubs (organisation_id, subject)`);
  }

  async down(runner: QueryRunner): Promise<void> {
    await runner.query('DROP TABLE delivery.ticket_hubs');
  }
}

import type { MigrationInterface, QueryRunner } from 'typeorm';

/** Each MI comms list entry names its channel (issue 11): e-mail, as before, or a signed webhook. */
export class CommsChannels1763900014000 implements MigrationInterface {
  name = 'CommsChannels1763900014000';

  async up(runner: QueryRunner): Promise<void> {
    await runner.query(`ALTER TABLE elexon.mi_comms_list ADD COLUMN channel text NOT NULL DEFAULT 'EMAIL' CHECK (channel IN ('EMAIL', 'WEBHOOK'))`);
  }

  async down(runner: QueryRunner): Promise<void> {
    await runner.query('ALTER TABLE elexon.mi_comms_list DROP COLUMN channel');
  }
}

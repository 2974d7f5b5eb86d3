import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Traces (issue 15): each delivery keeps the W3C trace context of the intake that queued it, so every attempt — made
 * later, by any worker — continues the trace of the event, and of the mutation behind it. Null when tracing is off.
 */
export class DeliveryTrace1763900015100 implements MigrationInterface {
  name = 'DeliveryTrace1763900015100';

  async up(runner: QueryRunner): Promise<void> {
    await runner.query('ALTER TABLE delivery.deliveries ADD COLUMN traceparent text NULL, ADD COLUMN tracestate text NULL');
  }

  async down(runner: QueryRunner): Promise<void> {
    await runner.query('ALTER TABLE delivery.deliveries DROP COLUMN traceparent, DROP COLUMN tracestate');
  }
}

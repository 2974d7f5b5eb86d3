/** The delivery engine's tables: desk endpoints, deliveries (one per ticket event and desk) and their attempts. */
import type { MigrationInterface, QueryRunner } from 'typeorm';

export class Delivery1763900004000 implements MigrationInterface {
  name = 'Delivery1763900004000';

  async up(runner: QueryRunner): Promise<void> {
    // Where a desk is pushed to, as its party's profile last said (from the ticket events), and whether a 410 has
    // switched the endpoint off (until retryDelivery or a changed registration switches it back on).
    await runner.query(`
      CREATE TABLE delivery.endpoints (
        desk_id text PRIMARY KEY,
        party text NOT NULL,
        contact_kind text NOT NULL,
        contact_address text NOT NULL,
        bridge_config jsonb NOT NULL DEFAULT '{}',
        bridge_enabled boolean NOT NULL DEFAULT true,
        registration_as_of timestamptz NOT NULL,
        disabled_at timestamptz NULL,
        disabled_reason text NULL,
        updated_at timestamptz NOT NULL DEFAULT now()
      )`);
    await runner.query(`
      CREATE TABLE delivery.deliveries (
        id uuid PRIMARY KEY,
        event_id uuid NOT NULL,
        desk_id text NOT NULL REFERENCES delivery.endpoints (desk_id),
        event_type text NOT NULL,
        event_sequence bigint NOT NULL,
        case_id uuid NULL,
        case_reference text NULL,
        handoff_id uuid NULL,
        ordering_key text NOT NULL,
        event jsonb NOT NULL,
        state text NOT NULL CHECK (state IN ('PENDING', 'IN_FLIGHT', 'DELIVERED', 'RETRY_SCHEDULED', 'DEAD', 'DISABLED')),
        attempts integer NOT NULL DEFAULT 0,
        -- Attempts made before the last replay: the attempt limit counts from here.
        attempts_before_replay integer NOT NULL DEFAULT 0,
        next_attempt_at timestamptz NOT NULL,
        lease_until timestamptz NULL,
        lease_token uuid NULL,
        last_error text NULL,
        external_reference text NULL,
        -- Milliseconds, so an API cursor (a JavaScript Date) names a row exactly.
        created_at timestamptz NOT NULL DEFAULT date_trunc('milliseconds', clock_timestamp()),
        updated_at timestamptz NOT NULL DEFAULT clock_timestamp(),
        delivered_at timestamptz NULL,
        UNIQUE (event_id, desk_id)
      )`);
    // Claiming: what is due, what holds a lease, and the head of each (desk, case) queue.
    await runner.query(`CREATE INDEX deliveries_due_idx ON delivery.deliveries (next_attempt_at) WHERE state IN ('PENDING', 'RETRY_SCHEDULED')`);
    await runner.query(`CREATE INDEX deliveries_lease_idx ON delivery.deliveries (lease_until) WHERE state = 'IN_FLIGHT'`);
    await runner.query(
      `CREATE INDEX deliveries_queue_idx ON delivery.deliveries (desk_id, ordering_key, event_sequence) WHERE state IN ('PENDING', 'IN_FLIGHT', 'RETRY_SCHEDULED')`,
    );
    // Reading: newest first, by desk, case, hand-off and state.
    await runner.query(`CREATE INDEX deliveries_created_idx ON delivery.deliveries (created_at DESC, id DESC)`);
    await runner.query(`CREATE INDEX deliveries_desk_idx ON delivery.deliveries (desk_id, created_at DESC)`);
    await runner.query(`CREATE INDEX deliveries_case_idx ON delivery.deliveries (case_id) WHERE case_id IS NOT NULL`);
    await runner.query(`CREATE INDEX deliveries_handoff_idx ON delivery.deliveries (handoff_id) WHERE handoff_id IS NOT NULL`);
    // The dead letters (and parked deliveries) an operator looks for; other states are found through the indexes above.
    await runner.query(`CREATE INDEX deliveries_failed_idx ON delivery.deliveries (created_at DESC) WHERE state IN ('DEAD', 'DISABLED')`);
    await runner.query(`
      CREATE TABLE delivery.attempts (
        id bigserial PRIMARY KEY,
        delivery_id uuid NOT NULL REFERENCES delivery.deliveries (id) ON DELETE CASCADE,
        attempt integer NOT NULL,
        worker text NOT NULL,
        started_at timestamptz NOT NULL DEFAULT clock_timestamp(),
        finished_at timestamptz NULL,
        outcome text NOT NULL CHECK (outcome IN ('IN_FLIGHT', 'DELIVERED', 'RETRY', 'PERMANENT_FAILURE', 'ENDPOINT_GONE', 'LEASE_EXPIRED', 'ATTEMPT_LIMIT')),
        http_status integer NULL,
        duration_ms integer NULL,
        retry_after_ms integer NULL,
        error text NULL
      )`);
    await runner.query(`CREATE INDEX attempts_delivery_idx ON delivery.attempts (delivery_id, id)`);
  }

  async down(runner: QueryRunner): Promise<void> {
    await runner.query('DROP TABLE delivery.attempts');
    await runner.query('DROP TABLE delivery.deliveries');
    await runner.query('DROP TABLE delivery.endpoints');
  }
}

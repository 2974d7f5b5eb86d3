/**
 * Picks the event bus from the configuration; every process of one product must pick the same one.
 *
 * - `CPSD_BUS=postgres` (the default): the PostgreSQL bus (platform/bus/postgres.ts) in the `cpsd_bus` schema of
 *   `databaseUrl` (required then) — nothing else to run.
 * - `CPSD_BUS=nats`: NATS JetStream (platform/bus/nats.ts) at `NATS_URL` (default `nats://127.0.0.1:4222`, several
 *   servers comma-separated), the JetStream stream `NATS_STREAM` (default `CPSD_EVENTS`, created if missing) on the
 *   subjects `NATS_SUBJECT_PREFIX.<event type>` (default `cpsd.events`); `NATS_ACK_WAIT_MS` (30 s) bounds how long an event a
 *   killed replica held waits before another replica gets it; `NATS_STREAM_REPLICAS` (1) the stream's replicas when
 *   it is created (3 on a JetStream cluster). `databaseUrl` is not used for the bus then (the
 *   outboxes stay in each subgraph's schema; a gateway needs no database). Durable consumer names and offsets live in JetStream, so moving
 *   a running product from one bus to the other starts every consumer afresh.
 */
import type { Config } from '../config';
import type { EventBus } from '../events';
import type { Lifecycle } from '../lifecycle';
import { createNatsBus } from './nats';
import { createPostgresBus } from './postgres';

export async function createBus(config: Config, databaseUrl: string | undefined, lifecycle: Lifecycle): Promise<EventBus> {
  switch (config.bus) {
    case 'nats':
      return createNatsBus({
        url: config.natsUrl,
        stream: config.natsStream,
        subjectPrefix: config.natsSubjectPrefix,
        ackWaitMs: config.natsAckWaitMs,
        replicas: config.natsStreamReplicas,
        lifecycle,
      });
    case 'postgres':
      if (!databaseUrl) throw new Error('DATABASE_URL is required for the PostgreSQL event bus (CPSD_BUS=postgres)');
      return createPostgresBus({ url: databaseUrl, lifecycle });
  }
}

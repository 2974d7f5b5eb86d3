/**
 * The transactional outbox of a subgraph: events are written in the same transaction as the state change
 * (`createOutboxWriter`) and published to the bus by a relay (`startOutboxRelay`), at least once.
 *
 * The relay claims unpublished rows (`FOR UPDATE SKIP LOCKED`), publishes them, and marks them published in the
 * same transaction only after the bus accepted them: a crash in between republishes them, which the bus ignores
 * (it dedupes on the event id). Per-case order: rows are published in creation order (`created_at` is the clock at
 * insert time, then `id`), and only one replica relays a schema at a time (a transaction-level advisory lock per
 * batch), so a later batch can never overtake an earlier one. The writer NOTIFYs on commit, which wakes the relay
 * at once; polling (`pollMs`) is only the fallback.
 */
import { randomUUID } from 'node:crypto';
import { Client, type ClientConfig } from 'pg';
import type { DataSource, EntityManager, MigrationInterface, QueryRunner } from 'typeorm';
import type { PostgresConnectionOptions } from 'typeorm/driver/postgres/PostgresConnectionOptions.js';
import type { EventBus, ExchangeEvent, OutboxWriter } from './events';
import type { Lifecycle } from './lifecycle';
import { logger } from './logger';
import { backoff, Signal } from './signal';
import { activeTraceHeaders, publishSpans } from './tracing';

function assertSchema(schema: string): void {
  if (!/^[a-z_][a-z0-9_]{0,50}$/.test(schema)) throw new Error(`invalid outbox schema name "${schema}"`);
}

/** The NOTIFY channel that wakes a schema's relay. */
export function outboxChannel(schema: string): string {
  assertSchema(schema);
  return `cpsd_outbox_${schema}`;
}

/** The migrations of `<schema>.outbox`, in order; a subgraph with `outbox: true` lists `...outboxMigrations(name)`. */
export function outboxMigrations(schema: string): (new () => MigrationInterface)[] {
  return [outboxMigration(schema), outboxTraceMigration(schema)];
}

/** The migration creating `<schema>.outbox` (the first of `outboxMigrations`). */
export function outboxMigration(schema: string): new () => MigrationInterface {
  assertSchema(schema);
  return class Outbox1763900000050 implements MigrationInterface {
    name = 'Outbox1763900000050';

    async up(runner: QueryRunner): Promise<void> {
      await runner.query(`
        CREATE TABLE "${schema}".outbox (
          id uuid PRIMARY KEY,
          source text NOT NULL,
          type text NOT NULL,
          entity_typename text NOT NULL,
          entity_id text NOT NULL,
          case_id text NULL,
          payload jsonb NOT NULL DEFAULT '{}',
          occurred_at timestamptz NOT NULL,
          created_at timestamptz NOT NULL DEFAULT now(),
          published_at timestamptz NULL
        )`);
      await runner.query(`CREATE INDEX outbox_unpublished_idx ON "${schema}".outbox (created_at, id) WHERE published_at IS NULL`);
    }

    async down(runner: QueryRunner): Promise<void> {
      await runner.query(`DROP TABLE "${schema}".outbox`);
    }
  };
}

/** The trace context of the span that wrote each row (platform/tracing.ts): null when tracing is off. */
export function outboxTraceMigration(schema: string): new () => MigrationInterface {
  assertSchema(schema);
  return class OutboxTrace1763900015100 implements MigrationInterface {
    name = 'OutboxTrace1763900015100';

    async up(runner: QueryRunner): Promise<void> {
      await runner.query(`ALTER TABLE "${schema}".outbox ADD COLUMN traceparent text NULL, ADD COLUMN tracestate text NULL`);
    }

    async down(runner: QueryRunner): Promise<void> {
      await runner.query(`ALTER TABLE "${schema}".outbox DROP COLUMN traceparent, DROP COLUMN tracestate`);
    }
  };
}

/** An outbox writer for subgraph `source` whose outbox lives in `schema` (normally both are the subgraph's name). */
export function createOutboxWriter(source: string, schema: string): OutboxWriter {
  const channel = outboxChannel(schema);
  return async (tx: EntityManager, event): Promise<void> => {
    if (!tx.queryRunner?.isTransactionActive) throw new Error('outbox writes must run inside the transaction of the state change');
    // The mutation's (or the consumer's) span: the relay's publish and every consumer continue its trace.
    const trace = activeTraceHeaders();
    await tx.query(
      `INSERT INTO "${schema}".outbox (id, source, type, entity_typename, entity_id, case_id, payload, occurred_at, created_at, traceparent, tracestate)
       VALUES ($1, $2, $3, $4, $5, $6, $7::jsonb, $8::timestamptz, clock_timestamp(), $9, $10)`,
      [
        event.id ?? randomUUID(),
        source,
        event.type,
        event.entity.__typename,
        event.entity.id,
        event.caseId,
        JSON.stringify(event.payload ?? {}),
        event.occurredAt ?? new Date().toISOString(),
        trace.traceparent ?? null,
        trace.tracestate ?? null,
      ],
    );
    // Delivered when (and only if) the transaction commits; identical notifications in one transaction fold into one.
    await tx.query('SELECT pg_notify($1, $2)', [channel, '']);
  };
}

export interface OutboxRelayOptions {
  db: DataSource;
  schema: string;
  bus: EventBus;
  lifecycle: Lifecycle;
  /** Fallback poll interval (ms); a committed write wakes the relay at once through NOTIFY. */
  pollMs?: number;
  batchSize?: number;
}

export interface OutboxRelay {
  /** Stops after the in-flight batch; idempotent. */
  stop(): Promise<void>;
}

/** An event row as the outbox and the PostgreSQL bus store it. */
export interface OutboxRow {
  id: string;
  source: string;
  type: string;
  entity_typename: string;
  entity_id: string;
  case_id: string | null;
  payload: Record<string, unknown>;
  occurred_at: Date;
  traceparent: string | null;
  tracestate: string | null;
}

export function toEvent(row: OutboxRow): ExchangeEvent {
  return {
    id: row.id,
    type: row.type,
    source: row.source,
    occurredAt: row.occurred_at.toISOString(),
    entity: { __typename: row.entity_typename, id: row.entity_id },
    caseId: row.case_id,
    payload: row.payload,
    ...(row.traceparent ? { traceparent: row.traceparent } : {}),
    ...(row.tracestate ? { tracestate: row.tracestate } : {}),
  };
}

/** A plain pg connection to the DataSource's database, for LISTEN (a pooled connection would be handed back). */
export function connectionConfig(db: DataSource, applicationName: string): ClientConfig {
  const options = db.options as PostgresConnectionOptions;
  return {
    ...(options.url ? { connectionString: options.url } : {}),
    ...(options.host ? { host: options.host } : {}),
    ...(options.port ? { port: options.port } : {}),
    ...(options.username ? { user: options.username } : {}),
    ...(options.password ? { password: options.password } : {}),
    ...(options.database ? { database: options.database } : {}),
    ...(options.ssl ? { ssl: options.ssl as ClientConfig['ssl'] } : {}),
    application_name: applicationName,
  };
}

export async function startOutboxRelay(options: OutboxRelayOptions): Promise<OutboxRelay> {
  const { db, schema, bus } = options;
  const channel = outboxChannel(schema);
  const pollMs = options.pollMs ?? 200;
  const batchSize = options.batchSize ?? 100;
  const log = logger.child({ outbox: schema });
  const stopping = new Signal(true);
  const notified = new Signal();

  // LISTEN on a dedicated session; if it drops, reconnect in the background (polling covers the gap).
  let listener: Client | null = null;
  let listenFailures = 0;
  let reconnectTimer: NodeJS.Timeout | null = null;
  const reconnectLater = (error?: Error): void => {
    if (stopping.fired) return;
    listenFailures += 1;
    log.warn({ err: error }, 'outbox listener lost; reconnecting');
    reconnectTimer = setTimeout(
      () => {
        reconnectTimer = null;
        if (!stopping.fired) listen().catch((reason: Error) => reconnectLater(reason));
      },
      backoff(listenFailures, 500, 5000),
    );
  };
  const onLost = (client: Client, error?: Error): void => {
    if (listener !== client) return;
    listener = null;
    void client.end().catch(() => undefined);
    reconnectLater(error);
  };
  const listen = async (): Promise<void> => {
    const client = new Client(connectionConfig(db, `cpsd-${schema}-outbox`));
    client.on('notification', () => notified.fire());
    client.on('error', (error: Error) => onLost(client, error));
    client.on('end', () => onLost(client));
    try {
      await client.connect();
      await client.query(`LISTEN "${channel}"`);
    } catch (error) {
      await client.end().catch(() => undefined);
      throw error;
    }
    listener = client;
    listenFailures = 0;
    notified.fire(); // anything committed while nobody listened
  };
  await listen();

  const relayBatch = (): Promise<number> =>
    db.transaction(async (tx) => {
      // One relay per schema at a time, so batches cannot overtake each other (per-case order across replicas).
      const [lock] = (await tx.query('SELECT pg_try_advisory_xact_lock(hashtext($1)) AS locked', [`cpsd-outbox:${schema}`])) as { locked: boolean }[];
      if (!lock?.locked) return 0;
      const rows = (await tx.query(
        `SELECT id, source, type, entity_typename, entity_id, case_id, payload, occurred_at, traceparent, tracestate
         FROM "${schema}".outbox
         WHERE published_at IS NULL
         ORDER BY created_at, id
         LIMIT $1
         FOR UPDATE SKIP LOCKED`,
        [batchSize],
      )) as OutboxRow[];
      if (!rows.length) return 0;
      const publishing = publishSpans(rows.map(toEvent), schema);
      try {
        await bus.publish(publishing.events);
      } catch (error) {
        publishing.end(error);
        throw error;
      }
      publishing.end();
      await tx.query(`UPDATE "${schema}".outbox SET published_at = now() WHERE id = ANY($1::uuid[])`, [rows.map((row) => row.id)]);
      return rows.length;
    });

  const run = async (): Promise<void> => {
    let failures = 0;
    while (!stopping.fired) {
      notified.take();
      let relayed = 0;
      try {
        relayed = await relayBatch();
        if (relayed) log.debug({ relayed }, 'outbox events published');
        failures = 0;
      } catch (error) {
        if (stopping.fired) break;
        failures += 1;
        const delay = backoff(failures, 500, 5000);
        log.error({ err: error, retryInMs: delay }, 'outbox relay failed; retrying');
        await Signal.sleep(delay, stopping);
        continue;
      }
      if (relayed === batchSize) continue; // more may be waiting
      await Signal.sleep(pollMs, notified, stopping);
    }
  };
  const loop = run();

  let stopped: Promise<void> | null = null;
  const relay: OutboxRelay = {
    stop: () => {
      stopped ??= (async () => {
        stopping.fire();
        if (reconnectTimer) clearTimeout(reconnectTimer);
        await loop;
        const client = listener;
        listener = null;
        await client?.end().catch(() => undefined);
      })();
      return stopped;
    },
  };
  options.lifecycle.onStop(`${schema} outbox relay`, () => relay.stop());
  return relay;
}

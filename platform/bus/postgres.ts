/**
 * The event bus on PostgreSQL (the default): an append-only `cpsd_bus.events` table, LISTEN/NOTIFY to wake
 * consumers, and durable consumer offsets in `cpsd_bus.consumer_offsets`.
 *
 * Ordering. Every publish inserts under one transaction-level advisory lock, so sequences are assigned and become
 * visible in commit order: once a consumer sees sequence N, every event with a lower sequence is already visible
 * (or was rolled back and never will be). Reading "after my offset" therefore never skips an event. Sequences may
 * have gaps (a duplicate id still draws one); they are only ever compared. The price is that publishes are
 * serialised product-wide (one short transaction at a time), which is ample for this bus; NATS JetStream is the
 * adapter for more.
 *
 * Consumers. A consumer name is durable: its offset is the last event its handler acknowledged (by returning). A
 * NEW name starts at the CURRENT END of the stream (the head when `consume()` is called; it does not replay
 * history, use `readAfter` for that) unless `from: 'beginning'` is asked for; a known name resumes from its offset.
 * Only one session consumes a name at a time: it holds a session-level advisory lock on the name; another process
 * consuming the same name waits as a hot standby and takes over when the holder stops or its connection dies.
 * Handlers run one at a time, in sequence order. A throw is logged and the same event retried after a backoff
 * (500 ms doubling to 5 s by default); later events wait. Delivery is at least once: a crash between a handler's
 * success and the offset write redelivers that event, so handlers must be idempotent (dedupe on `event.id`).
 */
import { Client, Pool, type PoolClient } from 'pg';
import type { Consumer, ConsumerOptions, DeliveredEvent, EventBus, EventHandler, ExchangeEvent } from '../events';
import type { Lifecycle } from '../lifecycle';
import { BusConsumers } from './consumers';
import { toEvent, type OutboxRow } from '../outbox';
import { logger, type Logger } from '../logger';
import { backoff, Signal } from '../signal';
import { inConsumerSpan } from '../tracing';
import { dropGaugeSource, sourcedGauge } from '../metrics';
import { busRedeliveries, CONSUMER_LAG, CONSUMER_LAG_HELP } from './consumers';

const METRICS_SOURCE = 'bus:postgres';

export interface PostgresBusOptions {
  /** The database holding the `cpsd_bus` schema (created if missing). */
  url: string;
  /** When given, `close()` is registered with it. */
  lifecycle?: Lifecycle;
  /** Poll interval in case a notification is missed (ms). */
  pollMs?: number;
  /** How often a standby replica tries to take over a consumer name (ms). */
  standbyRetryMs?: number;
  /** Backoff before retrying an event whose handler threw (ms). */
  retry?: { initialMs: number; maxMs: number };
  /** Events read per round trip by a consumer. */
  batchSize?: number;
  poolSize?: number;
  applicationName?: string;
}

const SCHEMA = 'cpsd_bus';
const CHANNEL = 'cpsd_bus';
/** Advisory lock keys (bigint, arbitrary but fixed): schema setup, and the publish lock that orders sequences. */
const SETUP_LOCK = '7340117300000001';
const PUBLISH_LOCK = '7340117300000002';
/** Consumer locks use the two-int4 key space: (this class, hashtext(consumer name)). */
const CONSUMER_LOCK_CLASS = 734011730;
/** Rows per INSERT (10 parameters each, well under PostgreSQL's 65535). */
const INSERT_CHUNK = 1000;

/** Read as `FROM cpsd_bus.events ev`; always `ORDER BY ev.sequence` (a bare `sequence` would sort the text alias). */
const EVENT_COLUMNS =
  'ev.sequence::text AS sequence, ev.id, ev.type, ev.source, ev.occurred_at, ev.entity_typename, ev.entity_id, ev.case_id, ev.payload, ev.traceparent, ev.tracestate';

interface EventRow extends OutboxRow {
  sequence: string;
}

function toDelivered(row: EventRow): DeliveredEvent {
  return { ...toEvent(row), sequence: row.sequence };
}

function assertSequence(sequence: string): void {
  if (!/^\d{1,19}$/.test(sequence)) throw new Error(`not a bus sequence: "${sequence}"`);
}

async function setup(pool: Pool): Promise<void> {
  const client = await pool.connect();
  let broken: Error | undefined;
  try {
    // Several processes may start at once; CREATE ... IF NOT EXISTS alone can still race on the catalog.
    await client.query('SELECT pg_advisory_lock($1)', [SETUP_LOCK]);
    try {
      await client.query(`CREATE SCHEMA IF NOT EXISTS ${SCHEMA}`);
      await client.query(`
        CREATE TABLE IF NOT EXISTS ${SCHEMA}.events (
          sequence bigserial PRIMARY KEY,
          id uuid NOT NULL UNIQUE,
          type text NOT NULL,
          source text NOT NULL,
          occurred_at timestamptz NOT NULL,
          entity_typename text NOT NULL,
          entity_id text NOT NULL,
          case_id text,
          payload jsonb NOT NULL DEFAULT '{}',
          published_at timestamptz NOT NULL DEFAULT now()
        )`);
      // The trace context each event carries on (platform/tracing.ts): a bus created before it gains the columns. Looked
      // up first, so a restart takes no table lock while replicas publish and consume.
      const { rows: traced } = await client.query(
        `SELECT 1 FROM information_schema.columns WHERE table_schema = '${SCHEMA}' AND table_name = 'events' AND column_name = 'tracestate'`,
      );
      if (!traced.length)
        await client.query(`ALTER TABLE ${SCHEMA}.events ADD COLUMN IF NOT EXISTS traceparent text, ADD COLUMN IF NOT EXISTS tracestate text`);
      await client.query(`CREATE INDEX IF NOT EXISTS events_type_sequence_idx ON ${SCHEMA}.events (type, sequence)`);
      await client.query(`
        CREATE TABLE IF NOT EXISTS ${SCHEMA}.consumer_offsets (
          consumer text PRIMARY KEY,
          sequence bigint NOT NULL,
          updated_at timestamptz NOT NULL DEFAULT now()
        )`);
      // Transient consumers (ConsumerOptions.transient): a bus created before them gains the column.
      const { rows: flagged } = await client.query(
        `SELECT 1 FROM information_schema.columns WHERE table_schema = '${SCHEMA}' AND table_name = 'consumer_offsets' AND column_name = 'transient'`,
      );
      if (!flagged.length) await client.query(`ALTER TABLE ${SCHEMA}.consumer_offsets ADD COLUMN IF NOT EXISTS transient boolean NOT NULL DEFAULT false`);
    } finally {
      await client.query('SELECT pg_advisory_unlock($1)', [SETUP_LOCK]);
    }
  } catch (error) {
    broken = error as Error;
    throw error;
  } finally {
    client.release(broken);
  }
}

export async function createPostgresBus(options: PostgresBusOptions): Promise<EventBus> {
  const settings = {
    pollMs: options.pollMs ?? 1000,
    standbyRetryMs: options.standbyRetryMs ?? 1000,
    retry: options.retry ?? { initialMs: 500, maxMs: 5000 },
    batchSize: options.batchSize ?? 100,
    applicationName: options.applicationName ?? 'cpsd-bus',
  };
  const pool = new Pool({ connectionString: options.url, max: options.poolSize ?? 5, application_name: settings.applicationName });
  pool.on('error', (error) => logger.warn({ err: error }, 'event bus: idle connection error'));
  try {
    await setup(pool);
  } catch (error) {
    await pool.end();
    throw error;
  }

  const consumers = new BusConsumers<PostgresConsumer>();

  const bus: EventBus = {
    async publish(events: ExchangeEvent[]): Promise<void> {
      consumers.ensureOpen();
      if (!events.length) return;
      const client = await pool.connect();
      let broken: Error | undefined;
      try {
        await client.query('BEGIN');
        // Held until commit: the next publisher draws its sequences only after ours are visible.
        await client.query('SELECT pg_advisory_xact_lock($1)', [PUBLISH_LOCK]);
        for (let start = 0; start < events.length; start += INSERT_CHUNK) {
          await insertEvents(client, events.slice(start, start + INSERT_CHUNK));
        }
        await client.query(`NOTIFY ${CHANNEL}`); // delivered on commit
        await client.query('COMMIT');
      } catch (error) {
        await client.query('ROLLBACK').catch((rollbackError: Error) => {
          broken = rollbackError;
        });
        throw error;
      } finally {
        client.release(broken);
      }
    },

    async consume(consumerOptions: ConsumerOptions, handler: EventHandler): Promise<Consumer> {
      consumers.ensureOpen();
      if (!consumerOptions.name) throw new Error('a consumer needs a durable name');
      // Fix the start position now, so every event published after `consume()` resolves is delivered, even while
      // this process is only the standby. An existing offset is never moved back.
      const transient = consumerOptions.transient === true;
      if (transient) {
        // Killed replicas' positions, unseen for a day (a live one's is written again at its next acknowledgement).
        await pool.query(`DELETE FROM ${SCHEMA}.consumer_offsets WHERE transient AND updated_at < now() - interval '1 day'`);
      }
      await pool.query(
        `INSERT INTO ${SCHEMA}.consumer_offsets (consumer, sequence, transient)
         SELECT $1, CASE WHEN $2::boolean THEN 0 ELSE COALESCE(max(sequence), 0) END, $3 FROM ${SCHEMA}.events
         ON CONFLICT (consumer) DO NOTHING`,
        [consumerOptions.name, consumerOptions.from === 'beginning', transient],
      );
      const consumer = consumers.start((onStopped) => new PostgresConsumer(options.url, settings, consumerOptions, handler, onStopped));
      if (!transient) return consumer;
      return {
        stop: async () => {
          await consumer.stop();
          await pool.query(`DELETE FROM ${SCHEMA}.consumer_offsets WHERE consumer = $1`, [consumerOptions.name]).catch(() => undefined);
        },
      };
    },

    async readAfter(sequence: string | null, limit: number, types?: string[]): Promise<DeliveredEvent[]> {
      consumers.ensureOpen();
      if (sequence !== null) assertSequence(sequence);
      const { rows } = await pool.query<EventRow>(
        `SELECT ${EVENT_COLUMNS} FROM ${SCHEMA}.events ev
         WHERE ev.sequence > $1::bigint AND ($2::text[] IS NULL OR ev.type = ANY($2::text[]))
         ORDER BY ev.sequence LIMIT $3`,
        [sequence ?? '0', types?.length ? types : null, Math.max(0, Math.floor(limit))],
      );
      return rows.map(toDelivered);
    },

    close(): Promise<void> {
      dropGaugeSource(METRICS_SOURCE);
      return consumers.close(() => pool.end());
    },
  };
  // Events behind the head per durable consumer (one that skipped past events not of its types counts them until idle).
  sourcedGauge(CONSUMER_LAG, CONSUMER_LAG_HELP, ['consumer'], METRICS_SOURCE, async () => {
    const { rows } = await pool.query<{ consumer: string; lag: string }>(
      `SELECT c.consumer, greatest(h.head - c.sequence, 0)::text AS lag
         FROM ${SCHEMA}.consumer_offsets c, (SELECT coalesce(max(sequence), 0) AS head FROM ${SCHEMA}.events) h`,
    );
    return rows.map((r) => ({ labels: { consumer: r.consumer }, value: Number(r.lag) }));
  });
  options.lifecycle?.onStop('event bus', () => bus.close());
  return bus;
}

async function insertEvents(client: PoolClient, events: ExchangeEvent[]): Promise<void> {
  const values: unknown[] = [];
  const tuples = events.map((event, index) => {
    values.push(
      event.id,
      event.type,
      event.source,
      event.occurredAt,
      event.entity.__typename,
      event.entity.id,
      event.caseId,
      JSON.stringify(event.payload ?? {}),
      event.traceparent ?? null,
      event.tracestate ?? null,
    );
    const p = index * 10;
    return `($${p + 1}::uuid, $${p + 2}, $${p + 3}, $${p + 4}::timestamptz, $${p + 5}, $${p + 6}, $${p + 7}, $${p + 8}::jsonb, $${p + 9}, $${p + 10})`;
  });
  // VALUES rows draw their sequences in list order, so a batch keeps its order.
  await client.query(
    `INSERT INTO ${SCHEMA}.events (id, type, source, occurred_at, entity_typename, entity_id, case_id, payload, traceparent, tracestate)
     VALUES ${tuples.join(', ')}
     ON CONFLICT (id) DO NOTHING`,
    values,
  );
}

interface ConsumerSettings {
  pollMs: number;
  standbyRetryMs: number;
  retry: { initialMs: number; maxMs: number };
  batchSize: number;
  applicationName: string;
}

/** One durable consumer in this process: a dedicated session that holds the name's lock, LISTENs and acknowledges. */
class PostgresConsumer implements Consumer {
  private readonly stopping = new Signal(true);
  private readonly notified = new Signal();
  private readonly log: Logger;
  private readonly types: readonly string[] | null;
  private client: Client | null = null;
  private connectionLost = false;
  private loop: Promise<void> = Promise.resolve();

  constructor(
    private readonly url: string,
    private readonly settings: ConsumerSettings,
    private readonly options: ConsumerOptions,
    private readonly handler: EventHandler,
    private readonly onStopped: () => void,
  ) {
    this.log = logger.child({ consumer: options.name });
    this.types = options.types?.length ? options.types : null;
  }

  start(): void {
    this.loop = this.run();
  }

  /** Stops after the in-flight handler (if any) returns and is acknowledged; releases the name to a standby. */
  async stop(): Promise<void> {
    this.stopping.fire();
    await this.loop;
    this.onStopped();
  }

  private async run(): Promise<void> {
    let failures = 0;
    while (!this.stopping.fired) {
      try {
        await this.connect();
        if (!(await this.acquire())) continue; // stopping
        failures = 0;
        this.log.info('event consumer active');
        await this.consume();
      } catch (error) {
        if (this.stopping.fired) break;
        failures += 1;
        this.log.warn({ err: error }, 'event consumer lost its connection; reconnecting');
        await Signal.sleep(backoff(failures, this.settings.retry.initialMs, this.settings.retry.maxMs), this.stopping);
      } finally {
        await this.disconnect();
      }
    }
  }

  private async connect(): Promise<void> {
    const client = new Client({ connectionString: this.url, application_name: `${this.settings.applicationName}:${this.options.name}` });
    this.client = client;
    this.connectionLost = false;
    const lost = (error?: Error): void => {
      if (this.client !== client) return;
      this.connectionLost = true;
      if (error && !this.stopping.fired) this.log.warn({ err: error }, 'event consumer connection error');
      this.notified.fire(); // wake an idle wait so the next query fails and we reconnect
    };
    client.on('error', lost);
    client.on('end', () => lost());
    client.on('notification', () => this.notified.fire());
    await client.connect();
  }

  private async disconnect(): Promise<void> {
    const client = this.client;
    this.client = null;
    // Ending the session releases the advisory lock, so a standby can take over.
    if (client) await client.end().catch(() => undefined);
  }

  private async query<R extends object>(sql: string, values: unknown[]): Promise<{ rows: R[] }> {
    if (!this.client || this.connectionLost) throw new Error('event consumer connection lost');
    return this.client.query<R>(sql, values);
  }

  /** Takes the name's lock, or waits as the standby until it can; false when stopped first. */
  private async acquire(): Promise<boolean> {
    while (!this.stopping.fired) {
      const { rows } = await this.query<{ locked: boolean }>('SELECT pg_try_advisory_lock($1, hashtext($2)) AS locked', [
        CONSUMER_LOCK_CLASS,
        this.options.name,
      ]);
      if (rows[0]?.locked) return true;
      await Signal.sleep(this.settings.standbyRetryMs, this.stopping);
      if (this.connectionLost) throw new Error('event consumer connection lost');
    }
    return false;
  }

  private async consume(): Promise<void> {
    await this.query(`LISTEN ${CHANNEL}`, []);
    const { rows } = await this.query<{ sequence: string }>(`SELECT sequence::text AS sequence FROM ${SCHEMA}.consumer_offsets WHERE consumer = $1`, [
      this.options.name,
    ]);
    let offset = rows[0]?.sequence ?? '0';
    while (!this.stopping.fired) {
      this.notified.take();
      // One statement, one snapshot: the events after our offset and the stream's head.
      const batch = await this.query<EventRow & { head: string }>(
        `SELECT h.head::text AS head, e.*
         FROM (SELECT COALESCE(max(sequence), 0) AS head FROM ${SCHEMA}.events) h
         LEFT JOIN LATERAL (
           SELECT ${EVENT_COLUMNS} FROM ${SCHEMA}.events ev
           WHERE ev.sequence > $1::bigint AND ($2::text[] IS NULL OR ev.type = ANY($2::text[]))
           ORDER BY ev.sequence LIMIT $3
         ) e ON true`,
        [offset, this.types, this.settings.batchSize],
      );
      const events = batch.rows.filter((row) => row.sequence !== null);
      for (const row of events) {
        if (this.stopping.fired) return;
        if (!(await this.deliver(toDelivered(row)))) return;
        offset = row.sequence;
        await this.acknowledge(offset);
      }
      if (events.length === this.settings.batchSize) continue;
      // Nothing else up to the head matched our types (everything below it is visible): skip past it.
      const head = batch.rows[0]?.head ?? '0';
      if (BigInt(head) > BigInt(offset)) {
        offset = head;
        await this.acknowledge(offset);
      }
      if (this.connectionLost) throw new Error('event consumer connection lost');
      await Signal.sleep(this.settings.pollMs, this.notified, this.stopping);
    }
  }

  /** Runs the handler until it succeeds; false if we stopped (or lost the name) before it did. */
  private async deliver(event: DeliveredEvent): Promise<boolean> {
    for (let attempt = 1; ; attempt += 1) {
      if (this.connectionLost) throw new Error('event consumer connection lost');
      try {
        await inConsumerSpan(this.options.name, event, () => this.handler(event));
        return true;
      } catch (error) {
        const delay = backoff(attempt, this.settings.retry.initialMs, this.settings.retry.maxMs);
        busRedeliveries.inc({ consumer: this.options.name });
        this.log.error(
          { err: error, eventId: event.id, eventType: event.type, sequence: event.sequence, attempt, retryInMs: delay },
          'event handler failed; retrying',
        );
        await Signal.sleep(delay, this.stopping);
        if (this.stopping.fired) return false;
      }
    }
  }

  private async acknowledge(sequence: string): Promise<void> {
    await this.query(
      `INSERT INTO ${SCHEMA}.consumer_offsets (consumer, sequence, transient) VALUES ($1, $2::bigint, $3)
       ON CONFLICT (consumer) DO UPDATE
       SET sequence = GREATEST(${SCHEMA}.consumer_offsets.sequence, EXCLUDED.sequence), updated_at = now()`,
      [this.options.name, sequence, this.options.transient === true],
    );
  }
}

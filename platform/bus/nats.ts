/**
 * The event bus on NATS JetStream (`CPSD_BUS=nats`): one stream (file storage) holding every event on the subject
 * `<prefix>.<type>`, durable pull consumers for `consume()`, short-lived ephemeral consumers for `readAfter()`. Same
 * contract as the PostgreSQL bus (platform/bus/postgres.ts); the differences are listed below.
 *
 * Ordering. `publish` sends a batch one event at a time, awaiting each acknowledgement before the next, so a batch
 * lands in the stream in order (concurrent `publish` calls may interleave their events, where PostgreSQL keeps each
 * call's batch contiguous; each call's own order holds). The bus sequence is the JetStream stream sequence (a decimal
 * string): the stream assigns it as it stores, so it increases strictly in the order consumers read, and no gap is
 * ever filled later.
 *
 * Dedupe. Each event is published with `Nats-Msg-Id` = its id; the stream drops a repeat within its duplicate
 * window (2 minutes by default). Unlike PostgreSQL (a unique index, forever), an id republished after the window is
 * stored again — consumers dedupe on `event.id` anyway, which is the contract.
 *
 * Consumers. A consumer name is durable: a JetStream durable pull consumer (the name with `.`, `*`, `>`, slashes and
 * whitespace replaced by `_` and a short hash appended, as JetStream forbids them), explicit acks, `max_ack_pending`
 * 1, so one event at a time is in flight per name, in stream order. A NEW name starts at the end of the stream
 * (deliver policy `new`: events stored after `consume()` resolves) unless `from: 'beginning'` (`all`); a known name
 * resumes after its last acknowledged event. Handlers run one at a time; a throw is logged and the message nak'ed
 * with a delay (500 ms doubling to 5 s by default), so JetStream redelivers that same event before any later one.
 * A handler that runs long keeps its message with "in progress" acks. Delivery is at least once (a crash between a
 * handler's success and its ack redelivers the event). Unlike PostgreSQL's offsets, kept forever, a durable nobody
 * has consumed for 30 days (configurable) is removed by the server, so one-off names (a gateway replica's) do not pile
 * up; a durable deleted under a running consumer is created again (per its `from`).
 *
 * Replicas. Several processes consuming one name share the durable: with `max_ack_pending` 1 JetStream hands each
 * event to exactly one of them, one at a time, in order. Unlike PostgreSQL (one holder, the others hot standbys) the
 * events alternate between live replicas; a stopped replica's share moves to the others at once.
 *
 * Types. A consumer's types become the durable's subject filter (one type: `filter_subject`; several: the
 * NATS 2.10+ `filter_subjects`, or on an older server all of `<prefix>.>` filtered here, non-matching events acked
 * unseen). A known name asked for other types gets the new filter at its position (in place on 2.10+, by recreating
 * the durable where it stood on older servers). `readAfter` reads through an ephemeral consumer starting at
 * `sequence + 1` with the same filter.
 *
 * Batches. A PostgreSQL publish is one transaction; here a batch that fails half-way leaves its first events in the
 * stream. The caller (the outbox relay) retries the whole batch and the duplicate window drops the stored part.
 */
import { createHash } from 'node:crypto';
import {
  AckPolicy,
  DeliverPolicy,
  DiscardPolicy,
  JetStreamApiCodes,
  JetStreamApiError,
  jetstream,
  jetstreamManager,
  RetentionPolicy,
  StorageType,
  type ConsumerConfig,
  type ConsumerInfo,
  type ConsumerMessages,
  type JetStreamClient,
  type JetStreamManager,
  type JsMsg,
} from '@nats-io/jetstream';
import { connect, createInbox, nanos, nuid, type NatsConnection } from '@nats-io/transport-node';
import type { Consumer, ConsumerOptions, DeliveredEvent, EventBus, EventHandler, ExchangeEvent } from '../events';
import type { Lifecycle } from '../lifecycle';
import { BusConsumers } from './consumers';
import { logger, type Logger } from '../logger';
import { backoff, Signal } from '../signal';
import { inConsumerSpan } from '../tracing';
import { dropGaugeSource, sourcedGauge } from '../metrics';
import { busRedeliveries, CONSUMER_LAG, CONSUMER_LAG_HELP } from './consumers';

const METRICS_SOURCE = 'bus:nats';
const TRANSIENT_INACTIVE_MS = 3600_000;

export interface NatsBusOptions {
  /** NATS server URL(s), comma-separated, e.g. `nats://127.0.0.1:4222`. */
  url: string;
  /** JetStream stream holding the events (created if missing). */
  stream?: string;
  /** Events are stored on `<subjectPrefix>.<type>`; the stream captures `<subjectPrefix>.>`. */
  subjectPrefix?: string;
  /** When given, `close()` is registered with it. */
  lifecycle?: Lifecycle;
  /** The stream's duplicate-detection window for `Nats-Msg-Id` (ms), used when the stream is created. */
  duplicateWindowMs?: number;
  /** Stream replicas when the stream is created (a JetStream cluster: 3). */
  replicas?: number;
  /** Backoff before a handler's failed event is redelivered (ms). */
  retry?: { initialMs: number; maxMs: number };
  /** How long JetStream waits for an ack before redelivering (ms); a running handler extends it. */
  ackWaitMs?: number;
  /** Events read per round trip by `readAfter`. */
  batchSize?: number;
  /** How long `readAfter` waits for one batch before failing (ms). */
  readTimeoutMs?: number;
  /**
   * The server removes a durable consumer nobody has pulled from for this long (ms; default 30 days), so names used
   * once (a gateway replica's own name) do not pile up. A name that comes back later starts again per its `from`.
   */
  consumerInactiveMs?: number;
  /** Connection name shown by the server. */
  name?: string;
}

interface Settings {
  stream: string;
  prefix: string;
  retry: { initialMs: number; maxMs: number };
  ackWaitMs: number;
  batchSize: number;
  readTimeoutMs: number;
  consumerInactiveMs: number;
  /** The server takes several filter subjects per consumer (NATS 2.10+). */
  multiFilter: boolean;
}

/** `filter_subject` or `filter_subjects` for a set of types, and whether events still need filtering here. */
interface Filter {
  config: Pick<ConsumerConfig, 'filter_subject' | 'filter_subjects'>;
  /** The wanted types (null: all). */
  types: Set<string> | null;
  /** The server's filter is exactly the wanted types (otherwise it lets others through, dropped here). */
  exact: boolean;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
/** A subject token: no whitespace, no wildcards, no empty token. */
const TYPE = /^[^\s.*>]+(\.[^\s.*>]+)*$/;
const NAME = /^[^\s.*>/\\]+$/;

function assertSequence(sequence: string): void {
  if (!/^\d{1,19}$/.test(sequence)) throw new Error(`not a bus sequence: "${sequence}"`);
}

/** JetStream consumer names cannot contain `.`, `*`, `>`, slashes or whitespace; a hash keeps distinct names apart. */
export function durableName(name: string): string {
  const safe = name.replace(/[\s.*>/\\]/g, '_');
  if (safe === name) return name;
  return `${safe}_${createHash('sha256').update(name).digest('hex').slice(0, 8)}`;
}

function isApiError(error: unknown, code: number): boolean {
  return error instanceof JetStreamApiError && error.code === code;
}

/** The event as stored: the same normalisation the PostgreSQL columns apply (uuid, timestamptz, jsonb). */
function normalise(event: ExchangeEvent): ExchangeEvent {
  if (!UUID.test(event.id)) throw new Error(`event id must be a UUID, got "${event.id}"`);
  if (!TYPE.test(event.type)) throw new Error(`event type must be a dotted name without spaces or wildcards, got "${event.type}"`);
  const occurredAt = new Date(event.occurredAt);
  if (Number.isNaN(occurredAt.getTime())) throw new Error(`event ${event.id}: occurredAt is not a time: "${event.occurredAt}"`);
  return {
    id: event.id.toLowerCase(),
    type: event.type,
    source: event.source,
    occurredAt: occurredAt.toISOString(),
    entity: { __typename: event.entity.__typename, id: String(event.entity.id) },
    caseId: event.caseId ?? null,
    payload: event.payload ?? {},
    ...(event.traceparent ? { traceparent: event.traceparent } : {}),
    ...(event.tracestate ? { tracestate: event.tracestate } : {}),
  };
}

function toDelivered(msg: Pick<JsMsg, 'json' | 'seq'>): DeliveredEvent {
  const e = msg.json<ExchangeEvent>();
  return {
    id: e.id,
    type: e.type,
    source: e.source,
    occurredAt: e.occurredAt,
    entity: { __typename: e.entity.__typename, id: e.entity.id },
    caseId: e.caseId,
    payload: e.payload,
    ...(typeof e.traceparent === 'string' ? { traceparent: e.traceparent } : {}),
    ...(typeof e.tracestate === 'string' ? { tracestate: e.tracestate } : {}),
    sequence: String(msg.seq),
  };
}

function serverAtLeast(nc: NatsConnection, major: number, minor: number): boolean {
  const [a = 0, b = 0] = (nc.info?.version ?? '0.0.0').split('.').map((part) => Number.parseInt(part, 10));
  return a > major || (a === major && b >= minor);
}

function filterFor(settings: Settings, types: readonly string[] | undefined): Filter {
  const wanted = [...new Set(types ?? [])];
  for (const type of wanted) if (!TYPE.test(type)) throw new Error(`not an event type: "${type}"`);
  if (!wanted.length) return { config: { filter_subject: `${settings.prefix}.>` }, types: null, exact: true };
  const set = new Set(wanted);
  if (wanted.length === 1) return { config: { filter_subject: `${settings.prefix}.${wanted[0]}` }, types: set, exact: true };
  if (settings.multiFilter) return { config: { filter_subjects: wanted.map((type) => `${settings.prefix}.${type}`) }, types: set, exact: true };
  return { config: { filter_subject: `${settings.prefix}.>` }, types: set, exact: false };
}

function sameFilter(config: ConsumerConfig, filter: Filter): boolean {
  const have = config.filter_subjects?.length ? [...config.filter_subjects].sort() : config.filter_subject ? [config.filter_subject] : [];
  const want = filter.config.filter_subjects ? [...filter.config.filter_subjects].sort() : [filter.config.filter_subject ?? ''];
  return have.length === want.length && have.every((subject, i) => subject === want[i]);
}

async function ensureStream(jsm: JetStreamManager, settings: Settings, duplicateWindowMs: number, replicas: number): Promise<void> {
  const subject = `${settings.prefix}.>`;
  const check = (subjects: string[] | undefined): void => {
    if (!subjects?.includes(subject))
      throw new Error(`JetStream stream ${settings.stream} exists but does not capture ${subject} (it has ${subjects?.join(', ') || 'no subjects'})`);
  };
  try {
    check((await jsm.streams.info(settings.stream)).config.subjects);
    return;
  } catch (error) {
    if (!isApiError(error, JetStreamApiCodes.StreamNotFound)) throw error;
  }
  try {
    await jsm.streams.add({
      name: settings.stream,
      subjects: [subject],
      storage: StorageType.File,
      retention: RetentionPolicy.Limits,
      discard: DiscardPolicy.Old,
      duplicate_window: nanos(duplicateWindowMs),
      num_replicas: replicas,
    });
    logger.info({ stream: settings.stream, subjects: [subject] }, 'event bus: created the JetStream stream');
  } catch (error) {
    // Another process may have created it meanwhile (with its own settings): fine as long as it captures ours.
    const info = await jsm.streams.info(settings.stream).catch(() => {
      throw error;
    });
    check(info.config.subjects);
  }
}

export async function createNatsBus(options: NatsBusOptions): Promise<EventBus> {
  const stream = options.stream ?? 'CPSD_EVENTS';
  const prefix = options.subjectPrefix ?? 'cpsd.events';
  if (!NAME.test(stream)) throw new Error(`not a JetStream stream name: "${stream}"`);
  if (!TYPE.test(prefix)) throw new Error(`not a subject prefix: "${prefix}"`);
  const nc = await connect({
    servers: options.url.split(',').map((server) => server.trim()),
    name: options.name ?? 'cpsd-bus',
    maxReconnectAttempts: -1,
    reconnectTimeWait: 1000,
  });
  void watchConnection(nc);
  let jsm: JetStreamManager;
  let settings: Settings;
  try {
    jsm = await jetstreamManager(nc);
    settings = {
      stream,
      prefix,
      retry: options.retry ?? { initialMs: 500, maxMs: 5000 },
      ackWaitMs: options.ackWaitMs ?? 30_000,
      batchSize: options.batchSize ?? 256,
      readTimeoutMs: options.readTimeoutMs ?? 10_000,
      consumerInactiveMs: options.consumerInactiveMs ?? 30 * 24 * 3600_000,
      multiFilter: serverAtLeast(nc, 2, 10),
    };
    await ensureStream(jsm, settings, options.duplicateWindowMs ?? 120_000, options.replicas ?? 1);
  } catch (error) {
    await nc.close();
    throw error;
  }
  const js = jetstream(nc);

  const consumers = new BusConsumers<NatsConsumer>();

  const bus: EventBus = {
    async publish(events: ExchangeEvent[]): Promise<void> {
      consumers.ensureOpen();
      const stored = events.map(normalise);
      // One at a time: the next event is sent only once the stream has stored (or deduped) the previous one.
      for (const event of stored) {
        await js.publish(`${prefix}.${event.type}`, JSON.stringify(event), { msgID: event.id, expect: { streamName: stream } });
      }
    },

    async consume(consumerOptions: ConsumerOptions, handler: EventHandler): Promise<Consumer> {
      consumers.ensureOpen();
      if (!consumerOptions.name) throw new Error('a consumer needs a durable name');
      const filter = filterFor(settings, consumerOptions.types);
      const durable = durableName(consumerOptions.name);
      // Create (or bring up to date) the durable now, so every event stored after `consume()` resolves is delivered.
      const ensure = (): Promise<void> => ensureConsumer(jsm, settings, durable, filter, consumerOptions);
      await ensure();
      const consumer = consumers.start((onStopped) => new NatsConsumer(js, settings, durable, filter, ensure, consumerOptions, handler, onStopped));
      if (!consumerOptions.transient) return consumer;
      return {
        stop: async () => {
          await consumer.stop();
          await jsm.consumers.delete(stream, durable).catch((error: Error) => logger.debug({ err: error }, 'event bus: could not delete a transient consumer'));
        },
      };
    },

    async readAfter(sequence: string | null, limit: number, types?: string[]): Promise<DeliveredEvent[]> {
      consumers.ensureOpen();
      if (sequence !== null) assertSequence(sequence);
      const max = Math.max(0, Math.floor(limit));
      if (!max) return [];
      const filter = filterFor(settings, types);
      const info = await jsm.consumers.add(stream, {
        name: `cpsd_read_${nuid.next()}`,
        ack_policy: AckPolicy.None,
        deliver_policy: DeliverPolicy.StartSequence,
        opt_start_seq: Number(sequence ?? '0') + 1,
        ...filter.config,
        mem_storage: true,
        num_replicas: 1,
        inactive_threshold: nanos(60_000), // removed by the server should we fail to delete it
      });
      const events: DeliveredEvent[] = [];
      try {
        for (;;) {
          // As many as we may still return (more when filtering here), and only what is stored now: no waiting.
          const want = filter.exact ? Math.min(max - events.length, settings.batchSize) : settings.batchSize;
          const batch = await pullNoWait(nc, js.apiPrefix, stream, info.name, want, settings.readTimeoutMs);
          for (const msg of batch) {
            let event: DeliveredEvent;
            try {
              event = toDelivered(msg);
            } catch (error) {
              logger.warn({ err: error, sequence: msg.seq, subject: msg.subject }, 'event bus: undecodable message on the event stream; skipped');
              continue;
            }
            if (!filter.types || filter.types.has(event.type)) events.push(event);
            if (events.length >= max) break;
          }
          if (events.length >= max || batch.length < want) break;
        }
      } finally {
        await jsm.consumers.delete(stream, info.name).catch((error: Error) => logger.debug({ err: error }, 'event bus: could not delete a read consumer'));
      }
      return events;
    },

    close(): Promise<void> {
      dropGaugeSource(METRICS_SOURCE);
      return consumers.close(async () => {
        if (!nc.isClosed()) await nc.drain().catch((error: Error) => logger.warn({ err: error }, 'event bus: error while draining the NATS connection'));
      });
    },
  };
  // What each durable consumer has still to take (pending) and has taken without an ack yet.
  sourcedGauge(CONSUMER_LAG, CONSUMER_LAG_HELP, ['consumer'], METRICS_SOURCE, async () => {
    const readings: { labels: { consumer: string }; value: number }[] = [];
    for await (const info of jsm.consumers.list(stream)) {
      if (!info.config.durable_name) continue;
      readings.push({ labels: { consumer: info.config.durable_name }, value: info.num_pending + info.num_ack_pending });
    }
    return readings;
  });
  options.lifecycle?.onStop('event bus', () => bus.close());
  return bus;
}

/** A message `readAfter` read: its stream sequence comes from the reply subject, as for any consumer delivery. */
interface StoredEvent {
  seq: number;
  subject: string;
  json<T>(): T;
}

/**
 * One `no_wait` pull: the server sends what it has stored for the consumer, up to `batch`, then ends the request with
 * a status (404/408) — where a client `fetch` would wait for its expiry when there are fewer (and a server's pending
 * count, which older servers can overstate, cannot tell us exactly how many there are).
 */
async function pullNoWait(nc: NatsConnection, apiPrefix: string, stream: string, consumer: string, batch: number, timeoutMs: number): Promise<StoredEvent[]> {
  const inbox = createInbox();
  const sub = nc.subscribe(inbox);
  const timer = setTimeout(() => sub.unsubscribe(), timeoutMs);
  const got: StoredEvent[] = [];
  let ended = false;
  try {
    nc.publish(`${apiPrefix}.CONSUMER.MSG.NEXT.${stream}.${consumer}`, JSON.stringify({ batch, no_wait: true }), { reply: inbox });
    for await (const msg of sub) {
      if (msg.headers?.code) {
        // 404 no messages, 408 request over (fewer than asked): the end of what is stored. Anything else is a failure.
        if (msg.headers.code !== 404 && msg.headers.code !== 408) throw new Error(`JetStream pull failed: ${msg.headers.code} ${msg.headers.description}`);
        ended = true;
        break;
      }
      const seq = streamSequence(msg.reply);
      got.push({ seq, subject: msg.subject, json: <T>() => msg.json<T>() });
      if (got.length >= batch) {
        ended = true;
        break;
      }
    }
  } finally {
    clearTimeout(timer);
    sub.unsubscribe();
  }
  if (!ended) throw new Error(`JetStream did not answer a read of ${stream} within ${timeoutMs} ms`);
  return got;
}

/** `$JS.ACK.<stream>.<consumer>.<delivered>.<stream seq>...` (or with `<domain>.<account hash>.` after `ACK`). */
function streamSequence(reply: string | undefined): number {
  const tokens = (reply ?? '').split('.');
  if (tokens[0] !== '$JS' || tokens[1] !== 'ACK' || (tokens.length !== 9 && tokens.length < 11)) throw new Error(`not a JetStream delivery: "${reply}"`);
  const seq = Number(tokens[tokens.length === 9 ? 5 : 7]);
  if (!Number.isSafeInteger(seq) || seq < 1) throw new Error(`not a JetStream delivery: "${reply}"`);
  return seq;
}

async function watchConnection(nc: NatsConnection): Promise<void> {
  for await (const status of nc.status()) {
    if (status.type === 'disconnect' || status.type === 'error')
      logger.warn({ natsStatus: status.type, server: 'server' in status ? status.server : undefined }, 'event bus: NATS connection trouble');
    else if (status.type === 'reconnect') logger.info({ server: status.server }, 'event bus: NATS reconnected');
  }
}

/**
 * Creates the durable, or brings a known one's filter and flow settings up to date (its position is kept: a known
 * name resumes, whatever `from` says).
 */
async function ensureConsumer(jsm: JetStreamManager, settings: Settings, durable: string, filter: Filter, options: ConsumerOptions): Promise<void> {
  const config: Partial<ConsumerConfig> = {
    durable_name: durable,
    description: `cpsd consumer ${options.name}`,
    ack_policy: AckPolicy.Explicit,
    ack_wait: nanos(settings.ackWaitMs),
    max_ack_pending: 1,
    max_deliver: -1,
    // A transient consumer (a replica's own) is removed by the server an hour after its replica last pulled.
    inactive_threshold: nanos(options.transient ? Math.min(settings.consumerInactiveMs, TRANSIENT_INACTIVE_MS) : settings.consumerInactiveMs),
    deliver_policy: options.from === 'beginning' ? DeliverPolicy.All : DeliverPolicy.New,
    ...filter.config,
  };
  let existing: ConsumerInfo | null = null;
  try {
    existing = await jsm.consumers.info(settings.stream, durable);
  } catch (error) {
    if (!isApiError(error, JetStreamApiCodes.ConsumerNotFound)) throw error;
  }
  if (!existing) {
    try {
      await jsm.consumers.add(settings.stream, config);
      return;
    } catch (error) {
      // Another replica created it first: take it as it is.
      existing = await jsm.consumers.info(settings.stream, durable).catch(() => {
        throw error;
      });
    }
  }
  const current = existing.config;
  if (sameFilter(current, filter) && current.max_ack_pending === 1 && current.ack_wait === config.ack_wait && current.ack_policy === AckPolicy.Explicit) return;
  const log = logger.child({ consumer: options.name });
  // Recreated where it was: after the last event it passed, or at the one still unacknowledged (at most one).
  const recreate = async (): Promise<void> => {
    await jsm.consumers.delete(settings.stream, durable);
    await jsm.consumers.add(settings.stream, {
      ...config,
      deliver_policy: DeliverPolicy.StartSequence,
      opt_start_seq: Math.max(1, existing.delivered.stream_seq + (existing.num_ack_pending > 0 ? 0 : 1)),
    });
  };
  if (!sameFilter(current, filter) && !settings.multiFilter) {
    // Servers before 2.10 accept a new filter on an existing consumer but do not apply it.
    log.info({ durable, filter: filter.config }, 'event consumer types changed; recreating it at its position');
    await recreate();
    return;
  }
  try {
    const filterUpdate = filter.config.filter_subjects
      ? { filter_subjects: filter.config.filter_subjects, filter_subject: '' }
      : { filter_subject: filter.config.filter_subject ?? '', ...(settings.multiFilter ? { filter_subjects: [] } : {}) };
    await jsm.consumers.update(settings.stream, durable, {
      ...filterUpdate,
      max_ack_pending: 1,
      ...(config.ack_wait === undefined ? {} : { ack_wait: config.ack_wait }),
    });
    log.info({ durable }, 'event consumer settings updated');
  } catch (error) {
    log.warn({ err: error, durable }, 'event consumer cannot be updated in place; recreating it at its position');
    await recreate();
  }
}

/** One durable consumer in this process: pulls one message at a time, runs the handler, acks or naks. */
class NatsConsumer implements Consumer {
  private readonly stopping = new Signal(true);
  private readonly log: Logger;
  private readonly name: string;
  private messages: ConsumerMessages | null = null;
  private loop: Promise<void> = Promise.resolve();

  constructor(
    private readonly js: JetStreamClient,
    private readonly settings: Settings,
    private readonly durable: string,
    private readonly filter: Filter,
    /** Creates the durable again should it have gone (deleted by an operator, or the stream recreated). */
    private readonly ensure: () => Promise<void>,
    options: ConsumerOptions,
    private readonly handler: EventHandler,
    private readonly onStopped: () => void,
  ) {
    this.log = logger.child({ consumer: options.name });
    this.name = options.name;
  }

  start(): void {
    this.loop = this.run();
  }

  /** Stops after the in-flight handler (if any) returns and is acknowledged; the name's next events go to other replicas. */
  async stop(): Promise<void> {
    this.stopping.fire();
    this.messages?.stop();
    await this.loop;
    this.onStopped();
  }

  private async run(): Promise<void> {
    let failures = 0;
    let first = true;
    while (!this.stopping.fired) {
      try {
        if (!first) await this.ensure();
        first = false;
        const consumer = await this.js.consumers.get(this.settings.stream, this.durable);
        const messages = await consumer.consume({ max_messages: 1 });
        this.messages = messages;
        if (this.stopping.fired) messages.stop();
        void this.watch(messages);
        failures = 0;
        this.log.info({ durable: this.durable }, 'event consumer active');
        for await (const msg of messages) {
          if (this.stopping.fired) {
            msg.nak(); // not started: straight to another replica
            continue;
          }
          await this.deliver(msg);
        }
        if (!this.stopping.fired) throw new Error('the subscription ended');
      } catch (error) {
        if (this.stopping.fired) break;
        failures += 1;
        const delay = backoff(failures, this.settings.retry.initialMs, this.settings.retry.maxMs);
        this.log.warn({ err: error, retryInMs: delay }, 'event consumer lost its subscription; resubscribing');
        await Signal.sleep(delay, this.stopping);
      } finally {
        this.messages?.stop();
        this.messages = null;
      }
    }
  }

  private async watch(messages: ConsumerMessages): Promise<void> {
    try {
      for await (const status of messages.status()) {
        if (status.type === 'consumer_deleted' || status.type === 'consumer_not_found') {
          this.log.warn({ natsStatus: status }, 'event consumer: the durable is gone; recreating it');
          messages.stop(); // the loop ensures the durable again and resubscribes
        } else if (status.type === 'heartbeats_missed' || status.type === 'stream_not_found') {
          this.log.warn({ natsStatus: status }, 'event consumer status');
        }
      }
    } catch {
      // the iterator ended with the messages
    }
  }

  private async deliver(msg: JsMsg): Promise<void> {
    let event: DeliveredEvent;
    try {
      event = toDelivered(msg);
    } catch (error) {
      // Not an event (something else published on our subjects): never redeliver it.
      this.log.error({ err: error, sequence: msg.seq, subject: msg.subject }, 'undecodable message on the event stream; dropping it');
      msg.term('not a CPSD event');
      return;
    }
    // Also when the server filters: a durable another replica recreated with other types may let others through.
    if (this.filter.types && !this.filter.types.has(event.type)) {
      await this.acknowledge(msg, event);
      return;
    }
    // Tell JetStream we are still at it, so a long handler keeps the message.
    const keepAlive = setInterval(() => msg.working(), Math.max(1000, Math.floor(this.settings.ackWaitMs / 3)));
    try {
      await inConsumerSpan(this.name, event, () => this.handler(event));
    } catch (error) {
      const attempt = msg.info.deliveryCount;
      const delay = backoff(attempt, this.settings.retry.initialMs, this.settings.retry.maxMs);
      busRedeliveries.inc({ consumer: this.durable });
      this.log.error(
        { err: error, eventId: event.id, eventType: event.type, sequence: event.sequence, attempt, retryInMs: delay },
        'event handler failed; retrying',
      );
      // Still pending (max_ack_pending 1): JetStream redelivers this event after the delay, before any later one.
      msg.nak(delay);
      return;
    } finally {
      clearInterval(keepAlive);
    }
    await this.acknowledge(msg, event);
  }

  private async acknowledge(msg: JsMsg, event: DeliveredEvent): Promise<void> {
    try {
      // Confirmed by the server, so a consumer restarted right after `stop()` never sees this event again.
      if (!(await msg.ackAck())) throw new Error('ack not confirmed');
    } catch (error) {
      this.log.warn({ err: error, eventId: event.id, sequence: event.sequence }, 'event ack not confirmed; the event may be delivered again');
    }
  }
}

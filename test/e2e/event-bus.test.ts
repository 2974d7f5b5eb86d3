/**
 * The event plumbing on a real PostgreSQL and a real NATS JetStream: the bus contract (ordering, dedupe, durable
 * consumers, retries, replicas, fan-out, replay) against both buses, the PostgreSQL bus's hot standby, and the
 * transactional outbox with its relay.
 */
import { randomUUID } from 'node:crypto';
import { jetstreamManager } from '@nats-io/jetstream';
import { connect } from '@nats-io/transport-node';
import { Client } from 'pg';
import { buildSubgraphSchema } from '@apollo/subgraph';
import { parse } from 'graphql';
import type { DataSource } from 'typeorm';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createNatsBus } from '../../platform/bus/nats';
import { createPostgresBus, type PostgresBusOptions } from '../../platform/bus/postgres';
import { createDataSource, dropDatabase, ensureDatabase, migrate } from '../../platform/db';
import type { DeliveredEvent, EventBus, ExchangeEvent, OutboxEntry } from '../../platform/events';
import { generateIdentityKeyPair, IdentityTokenVerifier } from '../../platform/identity-token';
import { Lifecycle } from '../../platform/lifecycle';
import { createOutboxWriter, outboxMigrations, startOutboxRelay } from '../../platform/outbox';
import { startSubgraph, type SubgraphDefinition } from '../../platform/subgraph';
import { NATS_URL, SERVER_URL, waitFor } from './harness';

const DATABASE = `cpsd_bus_e2e_${process.pid}_${Date.now().toString(36)}`;
const OUTBOX_SCHEMA = 'outbox_test';
/** This run's own stream and subjects (deleted at the end), so runs never see each other's events. */
const NATS_RUN = `${process.pid}_${randomUUID().slice(0, 8)}`;
const NATS_STREAM = `CPSD_E2E_${NATS_RUN}`;
const NATS_SUBJECT_PREFIX = `cpsd.e2e.${NATS_RUN}`;
let url: string;
const buses: EventBus[] = [];
const lifecycles: Lifecycle[] = [];

beforeAll(async () => {
  url = await ensureDatabase(SERVER_URL, DATABASE);
});

afterEach(async () => {
  await Promise.all(lifecycles.splice(0).map((lifecycle) => lifecycle.stop()));
  await Promise.all(buses.splice(0).map((bus) => bus.close()));
});

afterAll(async () => {
  await dropDatabase(SERVER_URL, DATABASE);
  const nc = await connect({ servers: NATS_URL });
  try {
    await (await jetstreamManager(nc)).streams.delete(NATS_STREAM).catch(() => undefined); // absent if no NATS test ran
  } finally {
    await nc.close();
  }
});

/** A bus with test-friendly timings: a standby retries every 100 ms, a failed handler after 50–200 ms. */
async function newBus(options: Partial<PostgresBusOptions> = {}): Promise<EventBus> {
  const bus = await createPostgresBus({ url, standbyRetryMs: 100, retry: { initialMs: 50, maxMs: 200 }, ...options });
  buses.push(bus);
  return bus;
}

/** The buses the contract runs against, with the same test-friendly retry timings. */
const IMPLEMENTATIONS = [
  {
    name: 'PostgreSQL',
    /** One replica holds a name, the others stand by (JetStream instead shares a name between live replicas). */
    exclusive: true,
    create: (options: Partial<PostgresBusOptions>) => createPostgresBus({ url, standbyRetryMs: 100, retry: { initialMs: 50, maxMs: 200 }, ...options }),
  },
  {
    name: 'NATS JetStream',
    exclusive: false,
    create: (options: Partial<PostgresBusOptions>) =>
      createNatsBus({
        url: NATS_URL,
        stream: NATS_STREAM,
        subjectPrefix: NATS_SUBJECT_PREFIX,
        retry: options.retry ?? { initialMs: 50, maxMs: 200 },
        ...(options.batchSize ? { batchSize: options.batchSize } : {}),
      }),
  },
];

function newLifecycle(): Lifecycle {
  const lifecycle = new Lifecycle();
  lifecycles.push(lifecycle);
  return lifecycle;
}

function event(type = 'case.raised', caseId: string | null = null, payload: Record<string, unknown> = {}): ExchangeEvent {
  const id = randomUUID();
  return { id, type, source: 'test', occurredAt: new Date().toISOString(), entity: { __typename: 'Case', id: caseId ?? id }, caseId, payload };
}

/**
 * What a mutation hands the outbox writer (the writer adds the source). The outbox and the bus carry any type; these
 * tests use types of their own (`test.*`), outside the catalogue, so no consumer of the product's events sees them.
 */
function draft(type: string, caseId: string | null = null): OutboxEntry & { id: string } {
  const { source: _source, ...rest } = event(type, caseId);
  return rest as unknown as OutboxEntry & { id: string };
}

function uniqueName(prefix: string): string {
  return `${prefix}-${randomUUID().slice(0, 8)}`;
}

function expectIncreasing(events: DeliveredEvent[]): void {
  for (let i = 1; i < events.length; i += 1) expect(BigInt(events[i]!.sequence)).toBeGreaterThan(BigInt(events[i - 1]!.sequence));
}

describe.each(IMPLEMENTATIONS)('$name event bus', (implementation) => {
  async function newBus(options: Partial<PostgresBusOptions> = {}): Promise<EventBus> {
    const bus = await implementation.create(options);
    buses.push(bus);
    return bus;
  }

  it('delivers published events in order with increasing sequences, each id once', async () => {
    const bus = await newBus();
    const got: DeliveredEvent[] = [];
    await bus.consume({ name: uniqueName('order') }, async (delivered) => {
      got.push(delivered);
    });
    const first = [event('case.raised', 'c-1', { n: 1 }), event('handoff.created', 'c-1', { n: 2 }), event('case.raised', null)];
    await bus.publish(first);
    await bus.publish([first[1]!]); // the same id again: a no-op
    const last = event('handoff.resolved', 'c-1');
    await bus.publish([last]);

    await waitFor(() => got.some((e) => e.id === last.id), 'the last event');
    expect(got.map((e) => e.id)).toEqual([...first, last].map((e) => e.id));
    expectIncreasing(got);
    // Exactly the delivered shape: the event as published plus its sequence (a decimal string).
    expect(got[0]).toStrictEqual({ ...first[0], sequence: expect.stringMatching(/^\d+$/) });
    expect(Object.keys(got[0]!).sort()).toEqual(['caseId', 'entity', 'id', 'occurredAt', 'payload', 'sequence', 'source', 'type']);
  });

  it('retries a failing handler while later events wait, then resumes after its offset on restart', async () => {
    const bus = await newBus();
    const name = uniqueName('retry');
    const events = [event(), event(), event()];
    const seen: string[] = [];
    let failed = false;
    const consumer = await bus.consume({ name }, async (delivered) => {
      if (delivered.id === events[1]!.id && !failed) {
        failed = true;
        seen.push(`failed:${delivered.id}`);
        throw new Error('transient failure');
      }
      seen.push(delivered.id);
    });
    await bus.publish(events);
    await waitFor(() => seen.includes(events[2]!.id), 'the third event');
    expect(seen).toEqual([events[0]!.id, `failed:${events[1]!.id}`, events[1]!.id, events[2]!.id]);
    await consumer.stop();

    // Same name again (even asking for the beginning: a known name resumes from its offset): no old events.
    const again: string[] = [];
    await bus.consume({ name, from: 'beginning' }, async (delivered) => {
      again.push(delivered.id);
    });
    const marker = event();
    await bus.publish([marker]);
    await waitFor(() => again.includes(marker.id), 'the marker event');
    expect(again).toEqual([marker.id]);
  });

  it('a new consumer starts at the end of the stream unless it asks for the beginning', async () => {
    const bus = await newBus();
    const old = event('test.start-position');
    await bus.publish([old]);
    const fromEnd: string[] = [];
    const fromBeginning: string[] = [];
    await bus.consume({ name: uniqueName('end'), types: ['test.start-position'] }, async (e) => void fromEnd.push(e.id));
    await bus.consume({ name: uniqueName('beginning'), types: ['test.start-position'], from: 'beginning' }, async (e) => void fromBeginning.push(e.id));
    const fresh = event('test.start-position');
    await bus.publish([fresh]);
    await waitFor(() => fromEnd.includes(fresh.id) && fromBeginning.includes(fresh.id), 'the fresh event');
    expect(fromEnd).toEqual([fresh.id]);
    expect(fromBeginning).toEqual([old.id, fresh.id]);
  });

  it('two replicas consuming one name: each event handled once; when the holder stops the other takes over', async () => {
    const replicas = { a: await newBus(), b: await newBus() };
    const name = uniqueName('replicated');
    const handled = new Map<string, string[]>();
    const order: string[] = [];
    let concurrent = 0;
    let maxConcurrent = 0;
    const handler = (replica: string) => async (delivered: DeliveredEvent) => {
      concurrent += 1;
      maxConcurrent = Math.max(maxConcurrent, concurrent);
      await new Promise((resolve) => setTimeout(resolve, 2));
      handled.set(delivered.id, [...(handled.get(delivered.id) ?? []), replica]);
      order.push(delivered.id);
      concurrent -= 1;
    };
    const consumers = {
      a: await replicas.a.consume({ name }, handler('a')),
      b: await replicas.b.consume({ name }, handler('b')),
    };

    const firstWave = Array.from({ length: 40 }, () => event());
    for (let i = 0; i < firstWave.length; i += 10) await (i % 20 ? replicas.b : replicas.a).publish(firstWave.slice(i, i + 10));
    await waitFor(() => firstWave.every((e) => handled.has(e.id)), 'the first wave');
    expect(firstWave.map((e) => handled.get(e.id)!.length)).toEqual(firstWave.map(() => 1));
    // One event at a time across both replicas, in order: on PostgreSQL all by the one holder.
    if (implementation.exclusive) expect(new Set(firstWave.map((e) => handled.get(e.id)![0]!)).size).toBe(1);
    expect(maxConcurrent).toBe(1);
    expect(order).toEqual(firstWave.map((e) => e.id));
    const holder = handled.get(firstWave.at(-1)!.id)![0] as 'a' | 'b';
    const standby = holder === 'a' ? 'b' : 'a';

    await consumers[holder].stop();
    const secondWave = Array.from({ length: 20 }, () => event());
    await replicas[holder].publish(secondWave.slice(0, 10));
    await replicas[standby].publish(secondWave.slice(10));
    await waitFor(() => secondWave.every((e) => handled.has(e.id)), 'the second wave');
    expect(secondWave.map((e) => handled.get(e.id))).toEqual(secondWave.map(() => [standby]));
    expect([...handled.values()].every((by) => by.length === 1)).toBe(true);
    expect(handled.size).toBe(60);
  });

  it.runIf(implementation.exclusive)("when the holder's session dies, the standby takes over and the old holder returns as the standby", async () => {
    // The dead session's process reconnects after 1 s, the standby retries every 100 ms: the standby wins the name.
    const slowReconnect = { retry: { initialMs: 1000, maxMs: 1000 } };
    const replicas = { a: await newBus(slowReconnect), b: await newBus(slowReconnect) };
    const name = uniqueName('failover');
    const handled = new Map<string, string[]>();
    const handler = (replica: string) => async (delivered: DeliveredEvent) => {
      handled.set(delivered.id, [...(handled.get(delivered.id) ?? []), replica]);
    };
    await replicas.a.consume({ name }, handler('a'));
    await replicas.b.consume({ name }, handler('b'));
    const admin = new Client({ connectionString: url });
    await admin.connect();
    try {
      const offset = async (): Promise<string | undefined> =>
        (await admin.query<{ sequence: string }>('SELECT sequence::text AS sequence FROM cpsd_bus.consumer_offsets WHERE consumer = $1', [name])).rows[0]
          ?.sequence;
      const before = Array.from({ length: 5 }, () => event());
      await replicas.a.publish(before);
      const lastSequence = (await replicas.a.readAfter(null, 100_000)).find((e) => e.id === before[4]!.id)!.sequence;
      // Idle and fully acknowledged: nothing is in flight when its session dies.
      await waitFor(async () => (await offset()) === lastSequence, 'the holder to acknowledge the first events');
      const holder = handled.get(before[0]!.id)![0]!;
      const { rows } = await admin.query<{ pid: number }>(
        `SELECT l.pid FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid
         WHERE l.locktype = 'advisory' AND l.granted AND l.classid = 734011730 AND a.application_name = $1`,
        [`cpsd-bus:${name}`],
      );
      expect(rows).toHaveLength(1);
      await admin.query('SELECT pg_terminate_backend($1)', [rows[0]!.pid]);

      const after = Array.from({ length: 5 }, () => event());
      await replicas.a.publish(after);
      await waitFor(() => after.every((e) => handled.has(e.id)), 'the events after the failover');
      const standby = holder === 'a' ? 'b' : 'a';
      expect(after.map((e) => handled.get(e.id))).toEqual(after.map(() => [standby]));
      expect([...handled.values()].every((by) => by.length === 1)).toBe(true);
      // The old holder reconnected and waits as the standby: exactly one session holds the name.
      await waitFor(async () => {
        const sessions = await admin.query(`SELECT 1 FROM pg_stat_activity WHERE application_name = $1`, [`cpsd-bus:${name}`]);
        return sessions.rowCount === 2;
      }, 'the old holder to reconnect');
      const holders = await admin.query(
        `SELECT 1 FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid
         WHERE l.locktype = 'advisory' AND l.granted AND l.classid = 734011730 AND a.application_name = $1`,
        [`cpsd-bus:${name}`],
      );
      expect(holders.rowCount).toBe(1);
    } finally {
      await admin.end();
    }
  });

  it('names with dots, wildcards and spaces are durable names too, kept apart from look-alikes', async () => {
    const bus = await newBus();
    const base = uniqueName('odd');
    const names = [`${base}.a b`, `${base}_a_b`, `${base}.*.>`];
    const got = new Map(names.map((name) => [name, [] as string[]]));
    const consumers = await Promise.all(names.map((name) => bus.consume({ name }, async (e) => void got.get(name)!.push(e.id))));
    const first = event();
    await bus.publish([first]);
    await waitFor(() => names.every((name) => got.get(name)!.includes(first.id)), 'every consumer');
    await consumers[0]!.stop();
    const again: string[] = [];
    await bus.consume({ name: names[0]! }, async (e) => void again.push(e.id));
    const second = event();
    await bus.publish([second]);
    await waitFor(() => again.includes(second.id) && got.get(names[1]!)!.includes(second.id), 'the second event');
    expect(again).toEqual([second.id]);
    expect(got.get(names[1]!)).toEqual([first.id, second.id]);
  });

  it('a transient consumer’s position goes when it stops (started again, it begins at the end); a durable one resumes', async () => {
    const bus = await newBus();
    for (const transient of [true, false]) {
      const name = uniqueName(transient ? 'transient' : 'durable');
      const first: string[] = [];
      const running = await bus.consume({ name, transient }, async (e) => void first.push(e.id));
      const [e1, e2, e3] = [event(), event(), event()];
      await bus.publish([e1]);
      await waitFor(() => first.length === 1, 'the first event');
      await running.stop();
      await bus.publish([e2]); // while no consumer of the name runs
      const again: string[] = [];
      await bus.consume({ name, transient }, async (e) => void again.push(e.id));
      await bus.publish([e3]);
      // e3 arriving proves e2 was or was not delivered first: events come in order.
      await waitFor(() => again.includes(e3.id), 'the event after the restart');
      expect(again).toEqual(transient ? [e3.id] : [e2.id, e3.id]);
    }
  });

  it('consumers with different names each receive every event (fan-out)', async () => {
    const bus = await newBus();
    const other = await newBus();
    const one: string[] = [];
    const two: string[] = [];
    await bus.consume({ name: uniqueName('fan-1') }, async (e) => void one.push(e.id));
    await other.consume({ name: uniqueName('fan-2') }, async (e) => void two.push(e.id));
    const events = Array.from({ length: 10 }, () => event());
    await bus.publish(events);
    await waitFor(() => one.length === 10 && two.length === 10, 'both consumers');
    expect(one).toEqual(events.map((e) => e.id));
    expect(two).toEqual(events.map((e) => e.id));
  });

  it('concurrent publishers: a consumer sees all 400 events, strictly increasing, none skipped', async () => {
    const [publisherA, publisherB, reader] = [await newBus(), await newBus(), await newBus({ pollMs: 50, batchSize: 7 })];
    const got: DeliveredEvent[] = [];
    await reader.consume({ name: uniqueName('concurrent'), types: ['test.concurrent'] }, async (e) => void got.push(e));
    const publishAll = async (bus: EventBus): Promise<string[]> => {
      const ids: string[] = [];
      for (let i = 0; i < 200; i += 4) {
        const batch = Array.from({ length: 4 }, () => event('test.concurrent'));
        ids.push(...batch.map((e) => e.id));
        await Promise.all([bus.publish(batch.slice(0, 2)), bus.publish(batch.slice(2))]);
      }
      return ids;
    };
    const [idsA, idsB] = await Promise.all([publishAll(publisherA), publishAll(publisherB)]);
    await waitFor(() => got.length >= 400, '400 events', 20_000);
    expect(got).toHaveLength(400);
    expectIncreasing(got);
    expect(new Set(got.map((e) => e.id))).toEqual(new Set([...idsA, ...idsB]));
    // Replay sees the same stream, in the same (numeric, not textual) sequence order.
    const cursor = (BigInt(got[0]!.sequence) - 1n).toString();
    expect(await reader.readAfter(cursor, 1000, ['test.concurrent'])).toEqual(got);
  });

  it('readAfter returns the events after a cursor, oldest first, filtered by type', async () => {
    const bus = await newBus();
    const [a1, b1, a2, a3] = [event('test.read.a'), event('test.read.b'), event('test.read.a'), event('test.read.a')];
    await bus.publish([a1!, b1!, a2!, a3!]);
    const all = await bus.readAfter(null, 10_000, ['test.read.a', 'test.read.b']);
    expect(all.map((e) => e.id)).toEqual([a1!.id, b1!.id, a2!.id, a3!.id]);
    const cursor = all[0]!.sequence;
    expect((await bus.readAfter(cursor, 10, ['test.read.a'])).map((e) => e.id)).toEqual([a2!.id, a3!.id]);
    expect((await bus.readAfter(cursor, 1, ['test.read.a'])).map((e) => e.id)).toEqual([a2!.id]);
    expect((await bus.readAfter(cursor, 10, ['test.read.b'])).map((e) => e.id)).toEqual([b1!.id]);
    expect(await bus.readAfter(all[3]!.sequence, 10, ['test.read.a'])).toEqual([]);
    expect(await bus.readAfter('999999999', 10)).toEqual([]);
    expect(await bus.readAfter(null, 0)).toEqual([]);
    expect((await bus.readAfter(cursor, 10)).map((e) => e.id).slice(0, 3)).toEqual([b1!.id, a2!.id, a3!.id]);
  });
});

describe('transactional outbox and relay', () => {
  let db: DataSource;
  const write = createOutboxWriter('outbox-test', OUTBOX_SCHEMA);

  beforeAll(async () => {
    db = createDataSource({ url, schema: OUTBOX_SCHEMA, entities: [], migrations: outboxMigrations(OUTBOX_SCHEMA) });
    await db.initialize();
    await migrate(db, OUTBOX_SCHEMA);
  });

  afterAll(async () => {
    await db?.destroy();
  });

  async function publishedAt(id: string): Promise<Date | null | undefined> {
    const rows = (await db.query(`SELECT published_at FROM ${OUTBOX_SCHEMA}.outbox WHERE id = $1`, [id])) as { published_at: Date | null }[];
    return rows[0]?.published_at;
  }

  it('refuses to write outside a transaction', async () => {
    await expect(write(db.manager, draft('test.outbox'))).rejects.toThrow(/inside the transaction/);
  });

  it('a rolled-back write publishes nothing; a committed one is relayed at once through NOTIFY (poll 60 s)', async () => {
    const bus = await newBus();
    const got: DeliveredEvent[] = [];
    await bus.consume({ name: uniqueName('outbox'), types: ['test.outbox'] }, async (e) => void got.push(e));
    // With a 60 s poll, only the writer's NOTIFY can wake the relay within the 2 s below.
    await startOutboxRelay({ db, schema: OUTBOX_SCHEMA, bus, lifecycle: newLifecycle(), pollMs: 60_000 });
    // Once a first event has come through, the relay's start-up pass is over: from here on only NOTIFY wakes it.
    const warmUp = draft('test.outbox', 'case-warm-up');
    await db.transaction((tx) => write(tx, warmUp));
    await waitFor(() => got.some((e) => e.id === warmUp.id), 'the warm-up event', 2_000);

    const rolledBack = draft('test.outbox', 'case-rb');
    await expect(
      db.transaction(async (tx) => {
        await write(tx, rolledBack);
        throw new Error('the state change failed');
      }),
    ).rejects.toThrow('the state change failed');

    const committed = draft('test.outbox', 'case-ok');
    const started = Date.now();
    await db.transaction(async (tx) => {
      await write(tx, committed);
    });
    await waitFor(() => got.some((e) => e.id === committed.id), 'the committed event', 2_000);
    expect(Date.now() - started).toBeLessThan(2_000);
    expect(got.map((e) => e.id)).toEqual([warmUp.id, committed.id]);
    expect(got[1]).toMatchObject({ ...committed, source: 'outbox-test' });
    expect(await publishedAt(rolledBack.id!)).toBeUndefined();
    expect((await bus.readAfter(null, 10_000, ['test.outbox'])).map((e) => e.id)).not.toContain(rolledBack.id);
    await waitFor(async () => (await publishedAt(committed.id!)) instanceof Date, 'the row marked published', 2_000);
  });

  it('keeps per-case order across many transactions', async () => {
    const bus = await newBus();
    const got: DeliveredEvent[] = [];
    await bus.consume({ name: uniqueName('per-case'), types: ['test.order'] }, async (e) => void got.push(e));
    await startOutboxRelay({ db, schema: OUTBOX_SCHEMA, bus, lifecycle: newLifecycle(), pollMs: 60_000, batchSize: 3 });
    const written: Record<string, string[]> = { 'case-x': [], 'case-y': [] };
    await Promise.all(
      Object.keys(written).map(async (caseId) => {
        for (let i = 0; i < 15; i += 1) {
          const e = draft('test.order', caseId);
          await db.transaction((tx) => write(tx, e));
          written[caseId]!.push(e.id!);
        }
      }),
    );
    await waitFor(() => got.length === 30, 'all 30 events');
    for (const caseId of Object.keys(written)) expect(got.filter((e) => e.caseId === caseId).map((e) => e.id)).toEqual(written[caseId]);
  });

  it('a relay that dies after publishing but before marking republishes; consumers still see the event once', async () => {
    const bus = await newBus();
    const deliveries: string[] = [];
    await bus.consume({ name: uniqueName('crash'), types: ['test.crash'] }, async (e) => void deliveries.push(e.id));
    // The bus accepts the events, then the relay "dies" before it can mark them published.
    const dying: EventBus = {
      ...bus,
      publish: async (events) => {
        await bus.publish(events);
        throw new Error('relay killed before marking the rows published');
      },
    };
    const crashed = await startOutboxRelay({ db, schema: OUTBOX_SCHEMA, bus: dying, lifecycle: newLifecycle(), pollMs: 50 });
    const lost = draft('test.crash');
    await db.transaction((tx) => write(tx, lost));
    await waitFor(() => deliveries.includes(lost.id!), 'the event published by the dying relay');
    await crashed.stop();
    expect(await publishedAt(lost.id!)).toBeNull();

    await startOutboxRelay({ db, schema: OUTBOX_SCHEMA, bus, lifecycle: newLifecycle(), pollMs: 50 });
    await waitFor(async () => (await publishedAt(lost.id!)) instanceof Date, 'the restarted relay marking the row');
    const next = draft('test.crash');
    await db.transaction((tx) => write(tx, next));
    await waitFor(() => deliveries.includes(next.id!), 'the next event');
    expect(deliveries).toEqual([lost.id, next.id]);
  });
});

describe('subgraph runtime', () => {
  it('relays an outbox subgraph and runs its consumers under the durable name <subgraph>:<consumer>', async () => {
    const bus = await newBus();
    const got: DeliveredEvent[] = [];
    const definition: SubgraphDefinition = {
      name: 'dcc', // only its schema name here: a stand-in subgraph with just an outbox
      entities: [],
      migrations: outboxMigrations('dcc'),
      outbox: true,
      build: () => {
        const sdl = 'type Query { ok: Boolean }';
        return { schema: buildSubgraphSchema({ typeDefs: parse(sdl) }), sdl };
      },
      consumers: [
        {
          name: 'probe',
          types: ['test.wiring'],
          handle: async (delivered, db) => {
            await db.query('SELECT 1'); // the consumer gets its subgraph's DataSource
            got.push(delivered);
          },
        },
      ],
    };
    const keys = await generateIdentityKeyPair();
    const running = await startSubgraph(definition, {
      databaseUrl: url,
      host: '127.0.0.1',
      port: 0,
      verifier: new IdentityTokenVerifier(keys.publicKey),
      bus,
      lifecycle: newLifecycle(),
      seed: null,
      dev: false,
    });
    const write = createOutboxWriter('dcc', 'dcc');
    const written = draft('test.wiring', 'case-w');
    await running.db.transaction((tx) => write(tx, written));
    await waitFor(() => got.length === 1, 'the consumer to see the relayed event');
    expect(got[0]).toMatchObject({ ...written, source: 'dcc' });
    await waitFor(async () => {
      const rows = (await running.db.query('SELECT sequence::text AS sequence FROM cpsd_bus.consumer_offsets WHERE consumer = $1', ['dcc:probe'])) as {
        sequence: string;
      }[];
      return rows[0]?.sequence === got[0]!.sequence;
    }, 'the offset of dcc:probe');
  });
});

describe('bus schema', () => {
  it('lives in cpsd_bus with events and consumer offsets', async () => {
    await newBus();
    const client = new Client({ connectionString: url });
    await client.connect();
    try {
      const { rows } = await client.query<{ table_name: string }>(
        "SELECT table_name FROM information_schema.tables WHERE table_schema = 'cpsd_bus' ORDER BY table_name",
      );
      expect(rows.map((r) => r.table_name)).toEqual(['consumer_offsets', 'events']);
    } finally {
      await client.end();
    }
  });
});

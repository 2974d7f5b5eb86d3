/**
 * The production shape scaled out, as plain processes on NATS JetStream: each subgraph in a process of its own (the
 * delivery subgraph in two, both running workers), and two gateway replicas sharing one identity key pair and the
 * bus. Mid-load one gateway replica and one delivery process (caught with a webhook in flight) are SIGKILLed: the
 * callers retry on the other replica with the same idempotency keys, the subscribers of the killed replica resume on
 * the other with `after` and see every event exactly once and in order (what the bus holds, what the subscribers
 * of the surviving replica saw), and once the engine drains the desk's receiver holds exactly one ticket per
 * delivery — the one in flight on the killed process retried under the same webhook-id — none pending, none dead.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { hostname, tmpdir } from 'node:os';
import path from 'node:path';
import { jetstreamManager } from '@nats-io/jetstream';
import { connect as connectNats } from '@nats-io/transport-node';
import { createClient, type Client } from 'graphql-ws';
import { Client as PgClient } from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { devWebhookSecret } from '../../adapters/webhook/bridge';
import { loadDevIssuer, type DevIssuer } from '../../gateway/dev-issuer';
import { partnerJwtSettings, SUBGRAPH_NAMES } from '../../platform/config';
import { dropDatabase, ensureDatabase } from '../../platform/db';
import type { DeliveredEvent, EventBus } from '../../platform/events';
import { createNatsBus } from '../../platform/bus/nats';
import { generateIdentityKeyPair } from '../../platform/identity-token';
import type { Role } from '../../schema/enums';
import { NATS_URL, SERVER_URL, waitFor } from './harness';
import { startWebhookReceiver, type WebhookReceiver } from './support/webhook-receiver';

const ROOT = path.resolve(__dirname, '..', '..');
const RUN = `${process.pid}_${Date.now().toString(36)}`;
const DATABASE = `cpsd_e2e_scale_${RUN}`;
const NATS_STREAM = `CPSD_E2E_SCALE_${RUN}`;
const NATS_SUBJECT_PREFIX = `cpsd.e2e.scale.${RUN}`;
const DESK = 'gridlink-dcp-desk';
const HOOK = '/hooks/gridlink';

/** Cases followed by two subscribers each (one per gateway replica), and rounds of load (more if the kill is late). */
const FOLLOWED_CASES = 5;
const MIN_ROUNDS = 12;
const KILL_FROM_ROUND = 4;
const ROUNDS_AFTER_KILL = 4;
const ACKNOWLEDGE_ROUND = 2;

const dataDir = mkdtempSync(path.join(tmpdir(), 'cpsd-scale-'));
let baseEnv: NodeJS.ProcessEnv;
let issuer: DevIssuer;
let receiver: WebhookReceiver;
let bus: EventBus;
let pg: PgClient;

// ---------------------------------------------------------------------------------------------------------------
// Processes

interface Service {
  name: string;
  port: number;
  child: ChildProcess;
  output: string;
}
const services = new Map<string, Service>();

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

/**
 * `npm run service <service>` as one node process (no tsx wrapper in between), so SIGKILL kills the service itself
 * and its pid names its delivery workers.
 */
async function startService(name: string, service: string, env: NodeJS.ProcessEnv): Promise<Service> {
  const port = await freePort();
  const portEnv = service === 'gateway' ? { PORT: String(port) } : { [`SUBGRAPH_${service.toUpperCase()}_PORT`]: String(port) };
  const child = spawn(process.execPath, ['--import', 'tsx', 'cli/cpsd.ts', 'service', service], {
    cwd: ROOT,
    env: { ...baseEnv, ...env, ...portEnv },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const started: Service = { name, port, child, output: '' };
  child.stdout!.on('data', (chunk: Buffer) => (started.output += chunk.toString()));
  child.stderr!.on('data', (chunk: Buffer) => (started.output += chunk.toString()));
  services.set(name, started);
  return started;
}

async function waitReady(service: Service): Promise<void> {
  await waitFor(
    async () => {
      if (service.child.exitCode !== null) throw new Error(`${service.name} exited:\n${service.output}`);
      return fetch(`http://127.0.0.1:${service.port}/readyz`).then(
        (r) => r.ok,
        () => false,
      );
    },
    `${service.name} to be ready:\n${service.output}`,
    90_000,
    250,
  );
}

function kill(service: Service): Promise<void> {
  const exited = new Promise<void>((resolve) => service.child.once('exit', () => resolve()));
  service.child.kill('SIGKILL');
  return exited;
}

// ---------------------------------------------------------------------------------------------------------------
// Gateways and callers

interface Gateway {
  name: string;
  service: Service;
  url: string;
  wsUrl: string;
  alive: boolean;
  /** Mutations it answered. */
  served: number;
}
const gateways: Gateway[] = [];
const liveGateways = (): Gateway[] => gateways.filter((g) => g.alive);

let turn = 0;
/** Requests that failed in transport (a replica gone) and were sent again to another, with the same idempotency key. */
let resent = 0;

/**
 * A mutation through the gateways in turn, as a client behind a load balancer would send it: with an idempotency
 * key, sent again to another replica when the connection fails, so it takes effect exactly once.
 */
async function mutate<T>(token: string, field: string, query: string, input: Record<string, unknown>): Promise<T> {
  const variables = { input: { ...input, idempotencyKey: randomUUID() } };
  for (let attempt = 1; ; attempt++) {
    const live = liveGateways();
    const gateway = live[turn++ % live.length]!;
    let body: { data?: Record<string, T>; errors?: unknown[] };
    try {
      const response = await fetch(gateway.url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
        body: JSON.stringify({ query, variables }),
      });
      body = (await response.json()) as typeof body;
    } catch (error) {
      if (attempt >= 5) throw error;
      resent += 1;
      continue;
    }
    expect(body.errors, JSON.stringify(body.errors)).toBeUndefined();
    gateway.served += 1;
    return body.data![field]!;
  }
}

const tokens: Record<string, string> = {};
const token = (sub: string, org: string, roles: `${Role}`[] = ['participant'], desks: string[] = []) =>
  issuer.issue({ sub, org, roles: roles as Role[], desks });

async function raiseCase(subject: string): Promise<string> {
  const raised = await mutate<{ id: string }>(tokens.supplier!, 'raiseCase', 'mutation($input: RaiseCaseInput!) { raiseCase(input: $input) { id } }', {
    deskId: 'elexon-service-desk',
    category: 'MARKET_SYSTEMS',
    subject,
    description: 'DIP messages rejected since 09:00',
  });
  return raised.id;
}

/** Triages the case and hands it off to the webhook desk; returns the hand-off. */
async function triageAndHandOff(caseId: string): Promise<string> {
  await mutate(tokens.elexonAgent!, 'triageCase', 'mutation($input: TriageCaseInput!) { triageCase(input: $input) { id } }', {
    caseId,
    type: 'INCIDENT',
    impact: 'MEDIUM',
    urgency: 'HIGH',
  });
  const handed = await mutate<{ handoffs: { id: string; toDesk: { id: string } }[] }>(
    tokens.elexonAgent!,
    'handOffCase',
    'mutation($input: HandOffCaseInput!) { handOffCase(input: $input) { handoffs { id toDesk { id } } } }',
    { caseId, toDeskId: DESK, reason: 'Their DIP adaptor drops a field' },
  );
  return handed.handoffs.find((h) => h.toDesk.id === DESK)!.id;
}

const comment = (caseId: string, body: string) =>
  mutate(tokens.elexonAgent!, 'addComment', 'mutation($input: AddCommentInput!) { addComment(input: $input) { id } }', {
    caseId,
    body,
    visibility: 'CUSTOMER_VISIBLE',
  });

const acknowledge = (handoffId: string) =>
  mutate(tokens.gridlinkAgent!, 'acknowledgeHandoff', 'mutation($input: AcknowledgeHandoffInput!) { acknowledgeHandoff(input: $input) { id } }', {
    handoffId,
    externalReference: `GL-${handoffId.slice(0, 8)}`,
  });

// ---------------------------------------------------------------------------------------------------------------
// Subscribers

const CASE_EVENTS = 'subscription($caseId: ID!, $after: String) { caseEvents(caseId: $caseId, after: $after) { sequence type occurredAt case { id } } }';

interface SeenEvent {
  sequence: string;
  type: string;
  occurredAt: string;
}

/** A subscriber following one case; when its socket is lost it resumes on a live replica after the last event it saw. */
class Follower {
  readonly events: SeenEvent[] = [];
  /** The replicas it subscribed on, in order. */
  readonly connections: string[] = [];
  readonly errors: unknown[] = [];
  /** Events of its case on the bus that it had not seen when it resumed. */
  missedWhenResuming = 0;
  private client: Client | null = null;
  private stopped = false;

  constructor(
    readonly token: string,
    readonly caseId: string,
    /** The case's `case.raised` sequence: it follows the case from there. */
    private readonly from: string,
  ) {}

  follow(gateway: Gateway): void {
    if (this.stopped) return;
    this.connections.push(gateway.name);
    const client = createClient({
      url: gateway.wsUrl,
      webSocketImpl: WebSocket,
      retryAttempts: 0,
      lazy: true,
      connectionParams: { authorization: `Bearer ${this.token}` },
    });
    this.client = client;
    const lost = (): void => {
      void client.dispose();
      if (this.stopped || this.connections.length > 5) return;
      // Resumes where it stopped, `after` the last event it saw — once the bus holds one it missed, so the
      // resumption has something to replay.
      const last = this.events.at(-1)?.sequence ?? this.from;
      void waitFor(async () => followedOnBus(await readBus(), this.caseId, last).length, `an event of case ${this.caseId} after ${last}`, 30_000)
        .then((missed) => {
          this.missedWhenResuming = missed;
          this.follow(liveGateways()[0]!);
        })
        .catch((error: unknown) => this.errors.push(error));
    };
    client.subscribe<{ caseEvents: SeenEvent & { case: { id: string } } }>(
      { query: CASE_EVENTS, variables: { caseId: this.caseId, after: this.events.at(-1)?.sequence ?? this.from } },
      {
        next: (result) => {
          if (result.errors) this.errors.push(...result.errors);
          const event = result.data?.caseEvents;
          if (event) this.events.push({ sequence: event.sequence, type: event.type, occurredAt: event.occurredAt });
        },
        error: lost,
        complete: lost,
      },
    );
  }

  async stop(): Promise<void> {
    this.stopped = true;
    await this.client?.dispose();
  }
}

// ---------------------------------------------------------------------------------------------------------------
// The bus, as the test reads it

const onBus: DeliveredEvent[] = [];
let reading: Promise<DeliveredEvent[]> = Promise.resolve(onBus);
/**
 * Everything on the stream so far (the stream assigns sequences as it stores: nothing is ever filled in behind).
 * One read at a time, each going on from where the last stopped.
 */
function readBus(): Promise<DeliveredEvent[]> {
  reading = reading.then(async () => {
    for (;;) {
      const batch = await bus.readAfter(onBus.at(-1)?.sequence ?? null, 1000);
      onBus.push(...batch);
      if (batch.length < 1000) return onBus;
    }
  });
  return reading;
}

/** What a `caseEvents` subscriber to `caseId` must see after `from`: the case's and hand-offs' events, work notes never. */
const followedOnBus = (events: DeliveredEvent[], caseId: string, from: string): SeenEvent[] =>
  events
    .filter((e) => e.caseId === caseId && /^(case|handoff)\./.test(e.type) && e.type !== 'case.work_note_added' && BigInt(e.sequence) > BigInt(from))
    .map((e) => ({ sequence: e.sequence, type: e.type, occurredAt: e.occurredAt }));

const ticketsOnBus = (events: DeliveredEvent[]): DeliveredEvent[] => events.filter((e) => e.type.startsWith('ticket.') && e.payload.deskId === DESK);

// ---------------------------------------------------------------------------------------------------------------

beforeAll(async () => {
  const databaseUrl = await ensureDatabase(SERVER_URL, DATABASE);
  pg = new PgClient({ connectionString: databaseUrl });
  await pg.connect();
  receiver = await startWebhookReceiver({ secretFor: () => devWebhookSecret(DESK) });
  const keys = await generateIdentityKeyPair();
  // The development issuer's key in the shared data folder, before either replica starts (both read it).
  const jwt = partnerJwtSettings({});
  issuer = await loadDevIssuer(dataDir, jwt.issuer, jwt.audience);
  baseEnv = {
    PATH: process.env.PATH,
    HOME: process.env.HOME,
    LOG_LEVEL: 'warn',
    HOST: '127.0.0.1',
    CPSD_DATA_DIR: dataDir,
    CPSD_BUS: 'nats',
    NATS_URL,
    NATS_STREAM,
    NATS_SUBJECT_PREFIX,
    // An intake event the killed delivery process had taken goes to the other after 3 s, not 30.
    NATS_ACK_WAIT_MS: '3000',
    DATABASE_URL: databaseUrl,
    IDENTITY_VERIFICATION_KEY: JSON.stringify(keys.publicJwk),
    DELIVERY_WORKERS: '2',
    DELIVERY_BACKOFF_BASE_MS: '50',
    DELIVERY_BACKOFF_CAP_MS: '400',
    DELIVERY_TIMEOUT_MS: '2000',
    DELIVERY_LEASE_MS: '3000',
    DELIVERY_POLL_MS: '100',
  };
  bus = await createNatsBus({ url: NATS_URL, stream: NATS_STREAM, subjectPrefix: NATS_SUBJECT_PREFIX });

  const subgraphs = await Promise.all(SUBGRAPH_NAMES.map((name) => startService(name, name, { SEED_DEMO_DATA: 'true' })));
  await Promise.all(subgraphs.map(waitReady));
  // The second delivery process once the first has migrated the schema: the same API, intake and workers.
  await waitReady(await startService('delivery-2', 'delivery', {}));
  const subgraphUrls = Object.fromEntries(
    SUBGRAPH_NAMES.map((name) => [`SUBGRAPH_${name.toUpperCase()}_URL`, `http://127.0.0.1:${services.get(name)!.port}/graphql`]),
  );
  const replicas = await Promise.all(
    ['gateway-a', 'gateway-b'].map((name) => startService(name, 'gateway', { IDENTITY_SIGNING_KEY: JSON.stringify(keys.privateJwk), ...subgraphUrls })),
  );
  await Promise.all(replicas.map(waitReady));
  for (const service of replicas) {
    const url = `http://127.0.0.1:${service.port}/graphql`;
    gateways.push({ name: service.name, service, url, wsUrl: url.replace(/^http/, 'ws'), alive: true, served: 0 });
  }

  tokens.supplier = await token('sally', 'british-gas');
  tokens.elexonAgent = await token('eve', 'elexon', ['participant', 'desk_agent'], ['elexon-service-desk']);
  tokens.gridlinkAgent = await token('gil', 'gridlink', ['participant', 'desk_agent'], [DESK]);
  // The desk takes hand-offs as signed webhooks to the test's receiver (as its operators would register it).
  await pg.query(`UPDATE partners.desk_profiles SET contact_kind = 'WEBHOOK', contact_address = $2, bridge_config = '{}'::jsonb WHERE desk_id = $1`, [
    DESK,
    receiver.url(HOOK),
  ]);
}, 240_000);

const followers: Follower[] = [];

afterAll(async () => {
  await Promise.all(followers.map((f) => f.stop()));
  await Promise.all([...services.values()].filter((s) => s.child.exitCode === null && s.child.signalCode === null).map(kill));
  await bus?.close();
  await pg?.end();
  await receiver?.close();
  await dropDatabase(SERVER_URL, DATABASE);
  const nc = await connectNats({ servers: NATS_URL });
  await (await jetstreamManager(nc)).streams.delete(NATS_STREAM).catch(() => undefined);
  await nc.close();
  rmSync(dataDir, { recursive: true, force: true });
});

// ---------------------------------------------------------------------------------------------------------------

interface Followed {
  caseId: string;
  handoffId: string;
  raisedAt: string;
}
const followed: Followed[] = [];
const handoffs: string[] = [];
let rounds = 0;
let killedAtRound = 0;
/** The delivery the killed delivery process had sent and not yet recorded. */
let stranded = '';
let killedWorkers = '';

describe('two gateway replicas and two delivery processes on NATS, one of each SIGKILLed mid-load', () => {
  it('the load goes on through the surviving replica: every mutation takes effect once', async () => {
    for (let i = 0; i < FOLLOWED_CASES; i++) {
      const caseId = await raiseCase(`Followed case ${i}`);
      const handoffId = await triageAndHandOff(caseId);
      handoffs.push(handoffId);
      followed.push({ caseId, handoffId, raisedAt: '' });
    }
    // Each subscriber follows its case from its `case.raised` on the bus, so it must see every later event.
    await waitFor(
      async () => {
        const events = await readBus();
        for (const f of followed) f.raisedAt = events.find((e) => e.caseId === f.caseId && e.type === 'case.raised')?.sequence ?? '';
        return followed.every((f) => f.raisedAt);
      },
      'the followed cases raised on the bus',
      30_000,
    );
    for (const f of followed) {
      for (const gateway of gateways) {
        const follower = new Follower(await token(`reader-${followers.length}`, 'british-gas'), f.caseId, f.raisedAt);
        follower.follow(gateway);
        followers.push(follower);
      }
    }
    // Every subscriber is live on its replica (it has the triage and the hand-off) before the load starts.
    await waitFor(() => followers.every((f) => f.events.length >= 2), 'every subscriber to see its triage and hand-off', 30_000);

    // Until the kill, the desk's receiver answers slowly, so the delivery workers always have webhooks in flight.
    receiver.script(
      HOOK,
      Array.from({ length: 10_000 }, () => ({ status: 200, delayMs: 400 })),
    );
    const gatewayA = gateways[0]!;
    const deliveryB = services.get('delivery-2')!;
    killedWorkers = `${hostname()}:${deliveryB.child.pid}/`;

    const killer = (async () => {
      await waitFor(() => rounds >= KILL_FROM_ROUND, `round ${KILL_FROM_ROUND}`, 60_000);
      // The moment delivery-2 has a webhook at the receiver whose answer (400 ms) it has not had yet.
      const inFlight = await waitFor(
        async () => {
          const { rows } = await pg.query<{ id: string }>(
            `SELECT d.id FROM delivery.deliveries d JOIN delivery.attempts a ON a.delivery_id = d.id
              WHERE d.state = 'IN_FLIGHT' AND a.outcome = 'IN_FLIGHT' AND starts_with(a.worker, $1)`,
            [killedWorkers],
          );
          const now = performance.timeOrigin + performance.now();
          return rows.find((row) => receiver.requests.some((r) => r.webhookId === row.id && now - r.receivedAt < 150))?.id;
        },
        'delivery-2 to have a webhook in flight',
        60_000,
        20,
      );
      gatewayA.alive = false;
      const deaths = [kill(gatewayA.service), kill(deliveryB)];
      stranded = inFlight;
      killedAtRound = rounds;
      receiver.script(HOOK, []);
      await Promise.all(deaths);
    })();
    let killFailed: unknown = null;
    killer.catch((error: unknown) => (killFailed = error));

    // Rounds of load through the replicas in turn: a comment on every followed case, and a new case raised,
    // triaged, handed off to the webhook desk and acknowledged by it; the followed hand-offs acknowledged once.
    for (; rounds < MIN_ROUNDS || !killedAtRound || rounds < killedAtRound + ROUNDS_AFTER_KILL; rounds++) {
      if (killFailed || rounds > 200) throw killFailed ?? new Error('the kill never happened');
      const round = rounds;
      await Promise.all([
        ...followed.map((f) => comment(f.caseId, `Round ${round}`)),
        ...(round === ACKNOWLEDGE_ROUND ? followed.map((f) => acknowledge(f.handoffId)) : []),
        (async () => {
          const handoffId = await triageAndHandOff(await raiseCase(`Load case ${round}`));
          handoffs.push(handoffId);
          await acknowledge(handoffId);
        })(),
      ]);
    }
    await killer;
    for (const f of followed) await comment(f.caseId, 'Final');

    expect(gatewayA.served).toBeGreaterThan(0);
    expect(gateways[1]!.served).toBeGreaterThan(gatewayA.served);
    expect(handoffs).toHaveLength(FOLLOWED_CASES + rounds);
    expect(new Set(handoffs).size).toBe(handoffs.length);
    console.info(
      `scale-out: ${rounds} rounds, killed at round ${killedAtRound}, ${resent} requests resent; missed when resuming: ${followers
        .filter((_, i) => i % 2 === 0)
        .map((f) => f.missedWhenResuming)
        .join(',')}`,
    );
  }, 180_000);

  it('subscribers of the killed replica resume on the other with `after`: every event exactly once, in order', async () => {
    // Each followed case: its triage and hand-off, a comment a round, the acknowledgement, and the final comment.
    const perCase = 2 + rounds + 1 + 1;
    const expected = new Map<string, SeenEvent[]>();
    await waitFor(
      async () => {
        const events = await readBus();
        for (const f of followed) expected.set(f.caseId, followedOnBus(events, f.caseId, f.raisedAt));
        return followed.every((f) => expected.get(f.caseId)!.filter((e) => e.type === 'case.commented').length === rounds + 1);
      },
      'every final comment on the bus',
      60_000,
    );
    // The final comment is the last event of each case: once a subscriber has it, nothing it missed is still coming.
    await waitFor(
      () => followers.every((f) => f.events.at(-1)?.sequence === expected.get(f.caseId)!.at(-1)!.sequence),
      'every subscriber to see its final comment',
      60_000,
    );

    for (const f of followed) {
      const onBusForCase = expected.get(f.caseId)!;
      expect(onBusForCase).toHaveLength(perCase);
      expect(onBusForCase.filter((e) => e.type === 'case.commented')).toHaveLength(rounds + 1);
      expect(onBusForCase.map((e) => e.type).filter((t) => t !== 'case.commented')).toEqual(['case.triaged', 'handoff.created', 'handoff.acknowledged']);
    }
    for (const [i, follower] of followers.entries()) {
      const onKilledReplica = i % 2 === 0;
      // No gap, no duplicate, in order: exactly what the bus holds for the case after its raise.
      expect(follower.events).toEqual(expected.get(follower.caseId));
      expect(follower.errors).toEqual([]);
      expect(follower.connections).toEqual(onKilledReplica ? ['gateway-a', 'gateway-b'] : ['gateway-b']);
      if (onKilledReplica) expect(follower.missedWhenResuming).toBeGreaterThan(0);
    }
    // The pairs saw the same thing, whichever replica they ended on.
    for (let i = 0; i < followers.length; i += 2) expect(followers[i]!.events).toEqual(followers[i + 1]!.events);
  }, 120_000);

  it('the engine drains: the desk holds exactly one ticket per hand-off event, the one in flight on the killed process retried under its webhook-id', async () => {
    const expectedDeliveries = handoffs.length * 2; // each hand-off opened, then acknowledged
    const deliveries = await waitFor(
      async () => {
        const { rows } = await pg.query<{ id: string; state: string; event_id: string; handoff_id: string; event_type: string }>(
          `SELECT id, state, event_id, handoff_id, event_type FROM delivery.deliveries WHERE desk_id = $1 ORDER BY event_sequence`,
          [DESK],
        );
        return rows.length === expectedDeliveries && rows.every((r) => r.state === 'DELIVERED') ? rows : null;
      },
      `${expectedDeliveries} deliveries delivered`,
      90_000,
      250,
    );
    const tickets = ticketsOnBus(await readBus());
    expect(tickets).toHaveLength(expectedDeliveries);
    expect(new Set(deliveries.map((d) => d.event_id))).toEqual(new Set(tickets.map((e) => e.id)));
    const { rows: states } = await pg.query<{ state: string; n: number }>(`SELECT state, count(*)::int AS n FROM delivery.deliveries GROUP BY state`);
    expect(states).toEqual([{ state: 'DELIVERED', n: expectedDeliveries }]);

    // One ticket per delivery, keyed by webhook-id = delivery id; every request signed.
    const requests = receiver.requests.filter((r) => r.path === HOOK);
    expect(requests.every((r) => r.verified)).toBe(true);
    const ticketsHeld = [...receiver.tickets.values()].filter((r) => r.path === HOOK);
    expect(ticketsHeld).toHaveLength(expectedDeliveries);
    expect(new Set(ticketsHeld.map((r) => r.webhookId))).toEqual(new Set(deliveries.map((d) => d.id)));
    // Each hand-off's ticket opened before it was acknowledged.
    for (const handoffId of handoffs) {
      const held = ticketsHeld.filter((r) => r.payload?.data.handoffId === handoffId).sort((a, b) => a.receivedAt - b.receivedAt);
      expect(held.map((r) => r.payload?.data.state)).toEqual(['OPEN', 'ACKNOWLEDGED']);
    }

    // The webhook the killed process had sent: its lease ran out, a survivor sent it again under the same webhook-id.
    const { rows: attempts } = await pg.query<{ outcome: string; worker: string }>(
      'SELECT outcome, worker FROM delivery.attempts WHERE delivery_id = $1 ORDER BY attempt',
      [stranded],
    );
    expect(attempts.map((a) => [a.outcome, a.worker.startsWith(killedWorkers)])).toEqual([
      ['LEASE_EXPIRED', true],
      ['DELIVERED', false],
    ]);
    expect(requests.filter((r) => r.webhookId === stranded).map((r) => r.newTicket)).toEqual([true, false]);
    // Whatever else the killed process held was taken over the same way: nothing it claimed is left with it.
    const { rows: lost } = await pg.query<{ n: number }>(`SELECT count(*)::int AS n FROM delivery.attempts WHERE outcome = 'IN_FLIGHT'`);
    expect(lost).toEqual([{ n: 0 }]);
  }, 120_000);
});

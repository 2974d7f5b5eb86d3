/**
 * Notices exactly once across a killed worker (issue 11), with real processes and a real SMTP sink that dedupes by
 * Message-ID: a raiser notice and MI comms emails are in flight when their worker process is SIGKILLed after the sink
 * accepted each message but before the worker could record the outcome. The leases expire, another worker sends again
 * under the same Message-ID, and the sink holds exactly one email per (notice, recipient). And a burst of notices to
 * one raiser about one case reaches them in the order of the events, a worker killed mid-burst or not.
 */
import type { ChildProcess } from 'node:child_process';
import type { DataSource } from 'typeorm';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createBridges } from '../../adapters';
import { startSmtpSink, type SmtpSink, type SunkMessage } from '../../adapters/email/__tests__/smtp-sink';
import { deliveryMessageId } from '../../adapters/email/thread';
import { loadConfig, type DeliverySettings } from '../../platform/config';
import { mailboxEndpointId } from '../../subgraphs/delivery/recipients';
import { startDeliveryWorkers, type DeliveryWorkers } from '../../subgraphs/delivery/engine';
import { callers, signIn, startTestProduct, waitFor, type Claims, type TestProduct } from './harness';
import { spawnDeliveryWorker } from './support/delivery-worker-process';

const SALLY = 'sally@britishgas.example';
const COMMS = ['ops.mi@britishgas.example', 'duty.manager@britishgas.example'];
const DOMAIN = 'cpsd.example';
const LEASE_MS = 2500;
const SETTINGS_ENV = {
  DELIVERY_BACKOFF_BASE_MS: '50',
  DELIVERY_BACKOFF_CAP_MS: '400',
  DELIVERY_TIMEOUT_MS: '1500',
  DELIVERY_LEASE_MS: String(LEASE_MS),
  DELIVERY_POLL_MS: '100',
};

let t: TestProduct;
let sink: SmtpSink;
let smtpEnv: Record<string, string>;
const tokens: Record<string, string> = {};
const { ok } = callers(() => t, tokens);
const children: ChildProcess[] = [];
const engines: DeliveryWorkers[] = [];

const deliveryDb = (): DataSource => t.product.subgraphs.find((s) => s.name === 'delivery')!.db;
const settings = (workers: number): DeliverySettings => loadConfig({ ...SETTINGS_ENV, DELIVERY_WORKERS: String(workers) }).delivery;

interface NoticeRow {
  id: string;
  state: string;
  event_type: string;
  event_sequence: string;
  case_reference: string | null;
}

/** The deliveries to one mailbox, in event order (optionally of one case). */
async function noticesTo(address: string, caseReference?: string): Promise<NoticeRow[]> {
  return (await deliveryDb().query(
    `SELECT d.id, d.state, d.event_type, d.event_sequence::text AS event_sequence, d.case_reference FROM delivery.deliveries d
     WHERE d.desk_id = $1 AND ($2::text IS NULL OR d.case_reference = $2) ORDER BY d.event_sequence, d.id`,
    [mailboxEndpointId(address), caseReference ?? null],
  )) as NoticeRow[];
}

async function stateOf(deliveryId: string): Promise<string | undefined> {
  const [row] = (await deliveryDb().query(`SELECT state FROM delivery.deliveries WHERE id = $1`, [deliveryId])) as { state: string }[];
  return row?.state;
}

async function attemptsOf(deliveryId: string): Promise<{ outcome: string; worker: string; started_at: Date }[]> {
  return (await deliveryDb().query(`SELECT outcome, worker, started_at FROM delivery.attempts WHERE delivery_id = $1 ORDER BY id`, [deliveryId])) as {
    outcome: string;
    worker: string;
    started_at: Date;
  }[];
}

const messageIdOf = (row: NoticeRow): string => deliveryMessageId(row.id, row.case_reference, DOMAIN);
const copiesOf = (messageId: string): SunkMessage[] => sink.messages().filter((m) => m.messageId === messageId);

/** Delivery workers in this process, on the product's database, sending through the sink. */
async function workersHere(workers: number, name: string): Promise<DeliveryWorkers> {
  const engine = await startDeliveryWorkers({ db: deliveryDb(), bridges: createBridges({ dev: true, env: smtpEnv }), settings: settings(workers), name });
  engines.push(engine);
  return engine;
}

/** Delivery workers in a process of their own (test/e2e/support/delivery-worker.ts), sending through the sink. */
async function workerProcess(workers: number, name: string): Promise<ChildProcess> {
  const child = await spawnDeliveryWorker({ databaseUrl: t.product.databaseUrl, workers, name, env: { ...SETTINGS_ENV, ...smtpEnv } });
  children.push(child);
  return child;
}

/** Kills `worker` (SIGKILL) once the sink has accepted a message for which `fatal` holds, its 250 not yet sent. */
function killOnAccepted(worker: ChildProcess, fatal: (message: SunkMessage) => boolean): Promise<SunkMessage> {
  return new Promise((resolve) => {
    sink.onAccepted = (message) => {
      if (!fatal(message)) return;
      sink.onAccepted = null;
      const exited = new Promise<void>((done) => worker.once('exit', () => done()));
      worker.kill('SIGKILL');
      resolve(message);
      // The reply goes (to a closed connection) only once the worker is dead.
      return exited;
    };
  });
}

async function raise(who: string, subject: string): Promise<{ id: string; reference: string }> {
  const { raiseCase } = await ok<{ raiseCase: { id: string; reference: string } }>(
    who,
    'mutation($input: RaiseCaseInput!) { raiseCase(input: $input) { id reference } }',
    { input: { deskId: 'elexon-service-desk', category: 'SETTLEMENT_SERVICES', subject, description: 'Our D0296 was not included in the SF run' } },
  );
  return raiseCase;
}

const agent = <T = unknown>(query: string, input: Record<string, unknown>) => ok<T>('elexonAgent', query, { input });
const triage = (caseId: string) =>
  agent('mutation($input: TriageCaseInput!) { triageCase(input: $input) { id } }', { caseId, type: 'INCIDENT', impact: 'HIGH', urgency: 'HIGH' });
const comment = (caseId: string, body: string) =>
  agent('mutation($input: AddCommentInput!) { addComment(input: $input) { id } }', { caseId, body, visibility: 'CUSTOMER_VISIBLE' });

/** A DIP major incident promoted from a case: one comms delivery per address on the DIP comms list. */
async function promoteDipIncident(): Promise<string> {
  const { id: caseId } = await raise('britishGas', 'DIP not delivering our messages');
  await triage(caseId);
  const { proposeMajorIncident } = await ok<{ proposeMajorIncident: { id: string } }>(
    'elexonAgent',
    'mutation($caseId: ID!, $input: ProposeMajorIncidentInput!) { proposeMajorIncident(caseId: $caseId, input: $input) { id } }',
    {
      caseId,
      input: {
        title: 'DIP message delivery outage',
        services: ['DIP'],
        validityChecks: ['SETTLEMENT_IMPACT', 'SERVICE_DISRUPTION'],
        thresholds: { participantImpact: true, duration: false, complianceRisk: true, securityBreach: false },
      },
    },
  );
  await ok('elexonMim', 'mutation($id: ID!, $input: ReviewMajorIncidentInput) { reviewMajorIncident(id: $id, decision: PROMOTE, input: $input) { id } }', {
    id: proposeMajorIncident.id,
    input: { note: 'DIP down for all publishers', initialUpdate: { body: 'The DIP is not delivering messages.', statusPage: true } },
  });
  return proposeMajorIncident.id;
}

beforeAll(async () => {
  sink = await startSmtpSink();
  smtpEnv = {
    SMTP_HOST: sink.host,
    SMTP_PORT: String(sink.port),
    SMTP_REQUIRE_TLS: 'false',
    EMAIL_FROM: `CPSD <cpsd@${DOMAIN}>`,
    EMAIL_REPLY_TO: `replies@${DOMAIN}`,
  };
  // No workers in the product: each test decides who delivers. The fan-outs (raiser notices, MI comms) run in it.
  t = await startTestProduct({ ...SETTINGS_ENV, ...smtpEnv, DELIVERY_WORKERS: '0' });
  const people: Record<string, Claims> = {
    sally: { sub: 'sally-1', org: 'british-gas', roles: ['participant'], email: SALLY },
    britishGas: { sub: 'bella@britishgas.example', org: 'british-gas' },
    elexonAgent: { sub: 'eve@elexon.example', org: 'elexon', roles: ['participant', 'desk_agent'], desks: ['elexon-service-desk'] },
    elexonMim: { sub: 'mim@elexon.example', org: 'elexon', roles: ['participant', 'major_incident_manager'] },
  };
  await signIn(t, people, tokens);
  const SUBSCRIBE = 'mutation($input: MajorIncidentCommsSubscriptionInput!) { subscribeToMajorIncidentComms(input: $input) { id } }';
  for (const address of COMMS) await ok('britishGas', SUBSCRIBE, { input: { services: ['DIP'], address } });
});

afterEach(async () => {
  sink.onAccepted = null;
  for (const child of children.splice(0)) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  await Promise.all(engines.splice(0).map((engine) => engine.stop()));
});

afterAll(async () => {
  await t?.stop();
  await sink?.close();
});

describe('a worker killed after the sink accepted its emails, before it recorded them', () => {
  it('another worker re-sends a raiser notice and MI comms under the same Message-ID; the sink holds one email per (notice, recipient)', async () => {
    // Queued with nobody delivering: Sally's acknowledgement and the promotion's comms to both addresses.
    const c = await raise('sally', 'Settlement run missing our volumes');
    await promoteDipIncident();
    const [ack] = await waitFor(async () => {
      const rows = await noticesTo(SALLY, c.reference);
      return rows.length ? rows : null;
    }, 'Sally’s acknowledgement to be queued');
    const comms = await Promise.all(
      COMMS.map(async (address) => {
        const [row] = await waitFor(async () => {
          const rows = await noticesTo(address);
          return rows.length ? rows : null;
        }, `the comms to ${address} to be queued`);
        return row!;
      }),
    );
    const notices = [ack!, ...comms];
    expect(notices.map((n) => n.event_type)).toEqual(['case.raised', 'major_incident.promoted', 'major_incident.promoted']);
    const ids = new Set(notices.map(messageIdOf));

    // One worker claims all three in one batch and sends them together; it dies once the sink has all three.
    const doomed = await workerProcess(1, 'doomed');
    const held: Promise<void>[] = [];
    const killed = new Promise<void>((resolve) => {
      sink.onAccepted = (message) => {
        if (!message.messageId || !ids.has(message.messageId)) return;
        const release = new Promise<void>((done) => doomed.once('exit', () => done()));
        held.push(release);
        if (held.length === ids.size) {
          sink.onAccepted = null;
          doomed.kill('SIGKILL');
          void release.then(resolve);
        }
        return release;
      };
    });
    await killed;

    for (const notice of notices) {
      expect(copiesOf(messageIdOf(notice))).toHaveLength(1);
      expect(await stateOf(notice.id)).toBe('IN_FLIGHT');
      expect(await attemptsOf(notice.id)).toMatchObject([{ outcome: 'IN_FLIGHT', worker: 'doomed/w1' }]);
    }

    await workersHere(2, 'survivor');
    for (const notice of notices) {
      const attempts = await waitFor(
        async () => {
          const rows = await attemptsOf(notice.id);
          return rows.at(-1)?.outcome === 'DELIVERED' ? rows : null;
        },
        `the re-sent ${notice.event_type}`,
        30_000,
      );
      expect(attempts.map((a) => [a.outcome, a.worker.split('/')[0]])).toEqual([
        ['LEASE_EXPIRED', 'doomed'],
        ['DELIVERED', 'survivor'],
      ]);
      // Not re-sent before the lease ran out.
      expect(attempts[1]!.started_at.getTime() - attempts[0]!.started_at.getTime()).toBeGreaterThanOrEqual(LEASE_MS - 100);
    }
    // Every delivery there is to these mailboxes is DELIVERED: no worker sends any of them again.
    await waitFor(
      async () => (await Promise.all([SALLY, ...COMMS].map((a) => noticesTo(a)))).flat().every((n) => n.state === 'DELIVERED'),
      'every notice to be delivered',
      30_000,
    );
    for (const notice of notices) {
      const copies = copiesOf(messageIdOf(notice));
      // Sent twice under one Message-ID (the lost attempt and the retry), to the same recipient: one email to keep.
      expect(copies).toHaveLength(2);
      expect(new Set(copies.map((m) => m.recipients.join(',')))).toHaveProperty('size', 1);
    }
    expect(copiesOf(messageIdOf(ack!))[0]!.recipients).toEqual([SALLY]);
    expect(new Set(comms.flatMap((n) => copiesOf(messageIdOf(n))[0]!.recipients))).toEqual(new Set(COMMS));
    // The sink's tickets are its distinct Message-IDs: one per (notice, recipient), every one sent.
    const distinct = new Set(sink.messages().map((m) => m.messageId));
    expect(sink.tickets()).toBe(distinct.size);
    for (const id of ids) expect(distinct.has(id)).toBe(true);
  });
});

describe('a burst of notices to one raiser about one case', () => {
  it('reaches the raiser in event order, exactly once each, across a worker killed mid-burst and several workers in several processes', async () => {
    // The whole burst is queued before anyone delivers: acknowledgement, triage, three comments, resolution.
    const c = await raise('sally', 'Imbalance volumes look doubled');
    await triage(c.id);
    for (const n of [1, 2, 3]) await comment(c.id, `Progress update ${n}.`);
    await agent('mutation($input: ResolveCaseInput!) { resolveCase(input: $input) { id } }', { caseId: c.id, resolution: 'Re-ran the aggregation.' });
    const burst = await waitFor(async () => {
      const rows = await noticesTo(SALLY, c.reference);
      return rows.length === 6 ? rows : null;
    }, 'the six notices to be queued');
    expect(burst.map((n) => n.event_type)).toEqual(['case.raised', 'case.triaged', 'case.commented', 'case.commented', 'case.commented', 'case.resolved']);
    const expected = burst.map(messageIdOf);

    // The first worker sends the acknowledgement, then dies holding the triage notice the sink already accepted.
    const doomed = await workerProcess(2, 'doomed-burst');
    const lost = await killOnAccepted(doomed, (m) => m.messageId === expected[1]);
    expect(copiesOf(expected[0]!)).toHaveLength(1);
    // Nothing later of the case has gone out: its queue waits behind the stranded notice.
    for (const id of expected.slice(2)) expect(copiesOf(id)).toEqual([]);
    expect(lost.recipients).toEqual([SALLY]);

    await Promise.all([workersHere(2, 'here-a'), workersHere(1, 'here-b'), workerProcess(2, 'there')]);
    await waitFor(async () => (await noticesTo(SALLY, c.reference)).every((n) => n.state === 'DELIVERED'), 'the whole burst to be delivered', 30_000);
    const arrivals = sink.messages().filter((m) => m.recipients.includes(SALLY) && m.subject?.startsWith(`[${c.reference}]`));
    // First arrival of each Message-ID (what a deduping mailbox keeps), in the order the sink accepted them.
    const kept = [...new Set(arrivals.map((m) => m.messageId))];
    expect(kept).toEqual(expected);
    // The stranded triage notice arrived twice (lost attempt, retry), everything else once.
    expect(expected.map((id) => copiesOf(id).length)).toEqual([1, 2, 1, 1, 1, 1]);
    const retried = await attemptsOf(burst[1]!.id);
    expect(retried.map((a) => a.outcome)).toEqual(['LEASE_EXPIRED', 'DELIVERED']);
  });
});

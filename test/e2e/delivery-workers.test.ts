/**
 * Delivery workers under stress, with real processes: a worker killed (SIGKILL) after its webhook reached the
 * receiver but before it could record the outcome leaves its lease to expire, and another worker delivers again
 * under the same webhook-id — the receiver still holds exactly one ticket. And several workers in several processes
 * share a backlog: every delivery is sent exactly once, and each case's deliveries arrive in order.
 */
import type { ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import type { DataSource } from 'typeorm';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createBridges } from '../../adapters';
import { devWebhookSecret } from '../../adapters/webhook/bridge';
import { ContactMethodKind } from '../../schema/enums';
import { loadConfig, type DeliverySettings } from '../../platform/config';
import { createOutboxWriter } from '../../platform/outbox';
import { startDeliveryWorkers, type DeliveryWorkers } from '../../subgraphs/delivery/engine';
import { startTestProduct, waitFor, type TestProduct } from './harness';
import { spawnDeliveryWorker } from './support/delivery-worker-process';
import { startWebhookReceiver, type WebhookReceiver } from './support/webhook-receiver';

const DESK = 'wheatley-software-desk';
const SETTINGS_ENV = {
  DELIVERY_BACKOFF_BASE_MS: '50',
  DELIVERY_BACKOFF_CAP_MS: '400',
  DELIVERY_TIMEOUT_MS: '1000',
  DELIVERY_LEASE_MS: '2000',
  DELIVERY_POLL_MS: '100',
};

let t: TestProduct;
let receiver: WebhookReceiver;
const children: ChildProcess[] = [];
const engines: DeliveryWorkers[] = [];

const db = (name: string): DataSource => t.product.subgraphs.find((s) => s.name === name)!.db;
const settings = (workers: number): DeliverySettings => loadConfig({ ...SETTINGS_ENV, DELIVERY_WORKERS: String(workers) }).delivery;

/** Delivery workers in this process, on the product's database. */
async function workersHere(workers: number, name: string): Promise<DeliveryWorkers> {
  const engine = await startDeliveryWorkers({ db: db('delivery'), bridges: createBridges({ dev: true, env: {} }), settings: settings(workers), name });
  engines.push(engine);
  return engine;
}

/** Delivery workers in a process of their own (test/e2e/support/delivery-worker.ts). */
async function workerProcess(workers: number, name: string): Promise<ChildProcess> {
  const child = await spawnDeliveryWorker({ databaseUrl: t.product.databaseUrl, workers, name, env: SETTINGS_ENV });
  children.push(child);
  return child;
}

/** Writes `ticket.updated` events to the partners outbox, as the partners subgraph does when a ticket changes. */
async function ticketEvents(events: { caseId: string; handoffId: string; state: string; path: string }[]): Promise<void> {
  const write = createOutboxWriter('partners', 'partners');
  await db('partners').transaction(async (tx) => {
    for (const event of events) {
      await write(tx, {
        type: 'ticket.updated',
        entity: { __typename: 'PartnersExternalTicket', id: event.handoffId },
        caseId: event.caseId,
        payload: {
          handoffId: event.handoffId,
          caseId: event.caseId,
          caseReference: `CPSD-${event.caseId.slice(0, 6)}`,
          deskId: DESK,
          party: 'PARTNERS',
          state: event.state,
          externalReference: null,
          subject: 'Load test',
          contactMethod: { kind: ContactMethodKind.WEBHOOK, address: receiver.url(event.path) },
          bridgeConfig: {},
          bridgeEnabled: true,
        },
      });
    }
  });
}

async function deliveryOf(handoffId: string): Promise<{ id: string; state: string; attempts: { outcome: string; worker: string; started_at: Date }[] } | null> {
  const [row] = (await db('delivery').query(`SELECT id, state FROM delivery.deliveries WHERE handoff_id = $1`, [handoffId])) as { id: string; state: string }[];
  if (!row) return null;
  const attempts = (await db('delivery').query(`SELECT outcome, worker, started_at FROM delivery.attempts WHERE delivery_id = $1 ORDER BY id`, [row.id])) as {
    outcome: string;
    worker: string;
    started_at: Date;
  }[];
  return { ...row, attempts };
}

beforeAll(async () => {
  receiver = await startWebhookReceiver({ secretFor: () => devWebhookSecret(DESK) });
  // No workers in the product: each test decides who delivers.
  t = await startTestProduct({ ...SETTINGS_ENV, DELIVERY_WORKERS: '0' });
});

afterEach(async () => {
  for (const child of children.splice(0)) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  await Promise.all(engines.splice(0).map((engine) => engine.stop()));
});

afterAll(async () => {
  await t?.stop();
  await receiver?.close();
});

describe('a worker killed between sending and recording', () => {
  it('leaves its lease to expire; another worker retries under the same webhook-id; the receiver keeps one ticket', async () => {
    const doomed = await workerProcess(1, 'doomed');
    const killed = new Promise<void>((resolve) => {
      receiver.onRequest = (request) => {
        if (request.path !== '/hooks/crash') return;
        receiver.onRequest = null;
        // The receiver has the ticket; its 200 is still 300 ms away when the worker dies.
        doomed.once('exit', () => resolve());
        doomed.kill('SIGKILL');
      };
    });
    receiver.script('/hooks/crash', [{ status: 200, delayMs: 300 }]);
    const handoffId = randomUUID();
    await ticketEvents([{ caseId: randomUUID(), handoffId, state: 'OPEN', path: '/hooks/crash' }]);
    await killed;

    const stranded = await deliveryOf(handoffId);
    expect(stranded).toMatchObject({ state: 'IN_FLIGHT', attempts: [{ outcome: 'IN_FLIGHT', worker: 'doomed/w1' }] });
    expect(receiver.tickets.has(stranded!.id)).toBe(true);

    await workersHere(2, 'survivor');
    const delivered = await waitFor(
      async () => {
        const d = await deliveryOf(handoffId);
        return d?.state === 'DELIVERED' ? d : null;
      },
      'the retried delivery',
      30_000,
    );
    expect(delivered.attempts.map((a) => [a.outcome, a.worker.split('/')[0]])).toEqual([
      ['LEASE_EXPIRED', 'doomed'],
      ['DELIVERED', 'survivor'],
    ]);
    // Not retried before the lease ran out.
    expect(delivered.attempts[1].started_at.getTime() - delivered.attempts[0].started_at.getTime()).toBeGreaterThanOrEqual(1900);

    const requests = receiver.requests.filter((r) => r.path === '/hooks/crash');
    expect(requests.map((r) => [r.webhookId, r.newTicket])).toEqual([
      [delivered.id, true],
      [delivered.id, false],
    ]);
    expect([...receiver.tickets.values()].filter((r) => r.path === '/hooks/crash')).toHaveLength(1);
  });
});

describe('lost attempts count', () => {
  it('a delivery whose workers keep dying is dead-lettered at the attempt limit, not retried for ever', async () => {
    const handoffId = randomUUID();
    await ticketEvents([{ caseId: randomUUID(), handoffId, state: 'OPEN', path: '/hooks/lost' }]);
    const queued = await waitFor(() => deliveryOf(handoffId), 'the delivery', 30_000);
    // As if eight workers had each claimed it and died: the budget is spent, the last lease has run out.
    await db('delivery').query(
      `UPDATE delivery.deliveries SET state = 'IN_FLIGHT', attempts = 8, lease_token = gen_random_uuid(), lease_until = now() - interval '1 second' WHERE id = $1`,
      [queued.id],
    );
    await db('delivery').query(`INSERT INTO delivery.attempts (delivery_id, attempt, worker, outcome) VALUES ($1, 8, 'ghost/w1', 'IN_FLIGHT')`, [queued.id]);
    await workersHere(1, 'reaper');
    const dead = await waitFor(
      async () => {
        const d = await deliveryOf(handoffId);
        return d?.state === 'DEAD' ? d : null;
      },
      'the dead letter',
      30_000,
    );
    expect(dead.attempts.map((a) => a.outcome)).toEqual(['LEASE_EXPIRED', 'ATTEMPT_LIMIT']);
    expect(receiver.requests.filter((r) => r.path === '/hooks/lost')).toEqual([]);
  });
});

describe('several workers in several processes', () => {
  it('send every delivery exactly once, and each case’s deliveries in order', async () => {
    const cases = Array.from({ length: 20 }, () => ({ caseId: randomUUID(), handoffId: randomUUID() }));
    const perCase = 10;
    // Interleaved across cases, as they would be written.
    const events = Array.from({ length: perCase }, (_, i) => cases.map((c) => ({ ...c, state: `STEP-${i}`, path: '/hooks/many' }))).flat();
    await ticketEvents(events);
    await Promise.all([workersHere(2, 'here-a'), workersHere(2, 'here-b'), workerProcess(2, 'there')]);

    const total = cases.length * perCase;
    await waitFor(
      async () => {
        const [row] = (await db('delivery').query(
          `SELECT count(*)::int AS n FROM delivery.deliveries WHERE state = 'DELIVERED' AND desk_id = $1 AND event_type = 'ticket.updated' AND case_reference LIKE 'CPSD-%'`,
          [DESK],
        )) as { n: number }[];
        return receiver.requests.filter((r) => r.path === '/hooks/many').length >= total && row.n >= total;
      },
      `${total} deliveries`,
      30_000,
    );

    const requests = receiver.requests.filter((r) => r.path === '/hooks/many');
    expect(requests).toHaveLength(total);
    expect(new Set(requests.map((r) => r.webhookId)).size).toBe(total);
    for (const c of cases) {
      const states = requests.filter((r) => r.payload?.data.caseId === c.caseId).map((r) => r.payload?.data.state);
      expect(states).toEqual(Array.from({ length: perCase }, (_, i) => `STEP-${i}`));
    }
    const workers = (await db('delivery').query(`SELECT DISTINCT split_part(worker, '/', 1) AS process FROM delivery.attempts`)) as { process: string }[];
    expect(workers.length).toBeGreaterThanOrEqual(2);
  });
});

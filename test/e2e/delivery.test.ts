/**
 * The delivery engine end to end: a hand-off to a party desk registered for signed webhooks reaches the desk's
 * receiver through the party's outbox, the bus and the delivery workers — through failures, throttling and a
 * timeout — as exactly one ticket, in case order, with every attempt visible through the gateway; a dead letter is
 * replayed once the receiver is fixed; a 410 parks the desk's deliveries until a replay; no MPAN ever leaves.
 */
import { randomBytes } from 'node:crypto';
import type { DataSource } from 'typeorm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { devWebhookSecret } from '../../adapters/webhook/bridge';
import { makeMpan } from '../../schema/mpan';
import { takeIn } from '../../subgraphs/delivery/intake';
import { callers, signIn, startTestProduct, waitFor, withEnv, type Claims, type TestProduct } from './harness';
import { startWebhookReceiver, type WebhookReceiver } from './support/webhook-receiver';

let t: TestProduct;
let receiver: WebhookReceiver;
let restoreEnv: (() => void) | undefined;
const tokens: Record<string, string> = {};
const { as, ok } = callers(() => t, tokens);

const MPAN = makeMpan('12', '0002330596');
const KRAKEN_SECRET_ENV = 'CPSD_E2E_WEBHOOK_SECRET_KRAKEN';
const KRAKEN_SECRET = `whsec_${randomBytes(32).toString('base64')}`;
/** Receiver path → the desk it stands for (its secret: registered by reference, or the development one). */
const PATHS: Record<string, { deskId: string; secret: string }> = {
  '/hooks/kraken': { deskId: 'kraken-software-desk', secret: KRAKEN_SECRET },
  '/hooks/gridlink': { deskId: 'gridlink-dcp-desk', secret: devWebhookSecret('gridlink-dcp-desk') },
  '/hooks/meterbridge': { deskId: 'meterbridge-dcp-desk', secret: devWebhookSecret('meterbridge-dcp-desk') },
};

const DELIVERY_FIELDS = `id state eventType eventId caseId caseReference handoffId desk { id name } attemptCount nextAttemptAt lastError createdAt deliveredAt
  attempts { attempt at outcome httpStatus durationMs retryAfterMs error }`;

interface DeliveryView {
  id: string;
  state: string;
  eventType: string;
  eventId: string;
  caseId: string | null;
  caseReference: string | null;
  handoffId: string | null;
  desk: { id: string; name: string };
  attemptCount: number;
  nextAttemptAt: string | null;
  lastError: string | null;
  createdAt: string;
  deliveredAt: string | null;
  attempts: {
    attempt: number;
    at: string;
    outcome: string;
    httpStatus: number | null;
    durationMs: number | null;
    retryAfterMs: number | null;
    error: string | null;
  }[];
}

async function deliveries(who: string, filter: Record<string, unknown>): Promise<DeliveryView[]> {
  const data = await ok<{ deliveries: { edges: { node: DeliveryView }[] } }>(
    who,
    `query($filter: DeliveryFilter) { deliveries(filter: $filter, first: 50) { edges { node { ${DELIVERY_FIELDS} } } } }`,
    { filter },
  );
  return data.deliveries.edges.map((e) => e.node);
}

/** The deliveries of a hand-off once all of them have reached `state` (oldest first). */
async function settled(handoffId: string, count: number, state: string | string[], timeoutMs = 20_000): Promise<DeliveryView[]> {
  const states = Array.isArray(state) ? state : [state];
  return waitFor(
    async () => {
      const list = await deliveries('admin', { handoffId });
      return list.length === count && list.every((d) => states.includes(d.state)) ? list.reverse() : null;
    },
    `${count} ${states.join('/')} deliveries of hand-off ${handoffId}`,
    timeoutMs,
  );
}

const partnersDb = (): DataSource => t.product.subgraphs.find((s) => s.name === 'partners')!.db;
const deliveryDb = (): DataSource => t.product.subgraphs.find((s) => s.name === 'delivery')!.db;

/** Registers a partners desk for webhooks (as the party's operators would), pointing at the test receiver. */
async function registerWebhook(deskId: string, path: string, config: Record<string, unknown> = {}): Promise<void> {
  await partnersDb().query(`UPDATE partners.desk_profiles SET contact_kind = 'WEBHOOK', contact_address = $2, bridge_config = $3::jsonb WHERE desk_id = $1`, [
    deskId,
    receiver.url(path),
    JSON.stringify(config),
  ]);
}

let caseCounter = 0;
/** A triaged case at the Elexon desk with an MPAN in its subject and evidence, handed off to `toDeskId`. */
async function handOff(toDeskId: string): Promise<{ caseId: string; reference: string; handoffId: string }> {
  caseCounter += 1;
  const raised = await ok<{ raiseCase: { id: string; reference: string } }>(
    'supplier',
    'mutation($input: RaiseCaseInput!) { raiseCase(input: $input) { id reference } }',
    {
      input: {
        deskId: 'elexon-service-desk',
        category: 'MARKET_SYSTEMS',
        subject: `Consumption rejected for ${MPAN} (${caseCounter})`,
        description: `Every message for MPAN ${MPAN} is rejected.`,
        evidence: { mpans: [MPAN] },
      },
    },
  );
  await ok('elexonAgent', 'mutation($input: TriageCaseInput!) { triageCase(input: $input) { id } }', {
    input: { caseId: raised.raiseCase.id, type: 'INCIDENT', impact: 'MEDIUM', urgency: 'HIGH' },
  });
  const handed = await ok<{ handOffCase: { handoffs: { id: string; toDesk: { id: string } }[] } }>(
    'elexonAgent',
    'mutation($input: HandOffCaseInput!) { handOffCase(input: $input) { handoffs { id toDesk { id } } } }',
    { input: { caseId: raised.raiseCase.id, toDeskId, reason: `Their adaptor drops a field for ${MPAN}` } },
  );
  const handoff = handed.handOffCase.handoffs.find((h) => h.toDesk.id === toDeskId)!;
  return { caseId: raised.raiseCase.id, reference: raised.raiseCase.reference, handoffId: handoff.id };
}

beforeAll(async () => {
  restoreEnv = withEnv({ [KRAKEN_SECRET_ENV]: KRAKEN_SECRET });
  receiver = await startWebhookReceiver({ secretFor: (path) => PATHS[path]?.secret ?? devWebhookSecret('unknown') });
  t = await startTestProduct({
    DELIVERY_WORKERS: '2',
    DELIVERY_BACKOFF_BASE_MS: '50',
    DELIVERY_BACKOFF_CAP_MS: '400',
    DELIVERY_TIMEOUT_MS: '700',
    DELIVERY_LEASE_MS: '5000',
    DELIVERY_POLL_MS: '100',
    DELIVERY_MAX_ATTEMPTS: '8',
    PUBLIC_URL: 'https://cpsd.example',
  });
  const people: Record<string, Claims> = {
    supplier: { sub: 'sally@britishgas.example', org: 'british-gas', roles: ['participant'] },
    elexonAgent: { sub: 'eve@elexon.example', org: 'elexon', roles: ['participant', 'desk_agent'], desks: ['elexon-service-desk'] },
    krakenAgent: { sub: 'kim@kraken.example', org: 'kraken', roles: ['participant', 'desk_agent'], desks: ['kraken-software-desk'] },
    meterbridgeAgent: { sub: 'max@meterbridge.example', org: 'meterbridge', roles: ['participant', 'desk_agent'], desks: ['meterbridge-dcp-desk'] },
    gridlinkAgent: { sub: 'gil@gridlink.example', org: 'gridlink', roles: ['participant', 'desk_agent'], desks: ['gridlink-dcp-desk'] },
    admin: { sub: 'ada@elexon.example', org: 'elexon', roles: ['cpsd_admin'] },
  };
  await signIn(t, people, tokens);
  await registerWebhook('kraken-software-desk', '/hooks/kraken', { secretEnv: KRAKEN_SECRET_ENV });
  await registerWebhook('gridlink-dcp-desk', '/hooks/gridlink');
  await registerWebhook('meterbridge-dcp-desk', '/hooks/meterbridge');
});

afterAll(async () => {
  await t?.stop();
  await receiver?.close();
  restoreEnv?.();
});

describe('a hand-off to a desk registered for signed webhooks', () => {
  let handoff: { caseId: string; reference: string; handoffId: string };
  let opened: DeliveryView;

  it('reaches the receiver as one ticket through two 500s, a 429 with Retry-After and a timeout', async () => {
    receiver.script('/hooks/kraken', [{ status: 500 }, { status: 503 }, { status: 429, headers: { 'retry-after': '1' } }, 'hang', { status: 200 }]);
    handoff = await handOff('kraken-software-desk');
    [opened] = await settled(handoff.handoffId, 1, 'DELIVERED');

    expect(opened).toMatchObject({
      eventType: 'ticket.opened',
      caseId: handoff.caseId,
      caseReference: handoff.reference,
      handoffId: handoff.handoffId,
      desk: { id: 'kraken-software-desk', name: 'Kraken Technologies Support' }, // resolved by the hub
      attemptCount: 5,
      nextAttemptAt: null,
      lastError: null,
    });
    expect(opened.deliveredAt).not.toBeNull();
    expect(opened.attempts.map((a) => [a.attempt, a.outcome, a.httpStatus])).toEqual([
      [1, 'RETRY', 500],
      [2, 'RETRY', 503],
      [3, 'RETRY', 429],
      [4, 'RETRY', null],
      [5, 'DELIVERED', 200],
    ]);
    expect(opened.attempts[2].retryAfterMs).toBe(1000);
    expect(opened.attempts[3].error).toMatch(/no answer within/);
    expect(opened.attempts[3].durationMs).toBeGreaterThanOrEqual(650);
    // The receiver asked for a second's pause; the engine waited at least that long.
    expect(Date.parse(opened.attempts[3].at) - Date.parse(opened.attempts[2].at)).toBeGreaterThanOrEqual(1000);

    // Every attempt carried the delivery id as webhook-id, correctly signed; the receiver holds one ticket.
    const requests = receiver.requests.filter((r) => r.webhookId === opened.id);
    expect(requests).toHaveLength(5);
    expect(requests.every((r) => r.verified)).toBe(true);
    expect(requests.filter((r) => r.newTicket)).toHaveLength(1);
    expect(receiver.tickets.get(opened.id)?.payload).toEqual({
      type: 'ticket.opened',
      timestamp: expect.any(String),
      data: {
        eventId: opened.eventId,
        caseId: handoff.caseId,
        caseReference: handoff.reference,
        handoffId: handoff.handoffId,
        deskId: 'kraken-software-desk',
        state: 'OPEN',
        externalReference: null,
        portalUrl: `https://cpsd.example/dashboard/#/cases/${handoff.caseId}`,
      },
    });
  });

  it('later changes of the ticket follow in case order, even when the first of them needs retries', async () => {
    receiver.script('/hooks/kraken', [{ status: 500 }, { status: 500 }, { status: 500 }]);
    await ok('krakenAgent', 'mutation($input: AcknowledgeHandoffInput!) { acknowledgeHandoff(input: $input) { id } }', {
      input: { handoffId: handoff.handoffId, externalReference: 'KRK-1001' },
    });
    await ok('krakenAgent', 'mutation($input: ResolveHandoffInput!) { resolveHandoff(input: $input) { id } }', {
      input: { handoffId: handoff.handoffId, resolution: 'Adaptor patched' },
    });
    const all = await settled(handoff.handoffId, 3, 'DELIVERED');
    expect(all.map((d) => d.eventType)).toEqual(['ticket.opened', 'ticket.updated', 'ticket.updated']);
    const accepted = receiver.requests.filter((r) => r.path === '/hooks/kraken' && r.newTicket && r.payload?.data.handoffId === handoff.handoffId);
    expect(accepted.map((r) => [r.payload?.data.state, r.payload?.data.externalReference])).toEqual([
      ['OPEN', null],
      ['ACKNOWLEDGED', 'KRK-1001'],
      ['RESOLVED', 'KRK-1001'],
    ]);
    // The resolution was not even tried until the acknowledgement was through.
    const acknowledgedAt = accepted[1].receivedAt;
    const resolutionTries = receiver.requests.filter((r) => r.webhookId === all[2].id);
    expect(resolutionTries.every((r) => r.receivedAt >= acknowledgedAt)).toBe(true);
    expect(all[1].attempts.map((a) => a.outcome)).toEqual(['RETRY', 'RETRY', 'RETRY', 'DELIVERED']);
  });

  it('a redelivered ticket event makes no second delivery', async () => {
    const events = await t.product.bus.readAfter(null, 1000, ['ticket.opened']);
    const event = events.find((e) => e.payload.handoffId === handoff.handoffId)!;
    await takeIn(event, deliveryDb());
    await takeIn(event, deliveryDb());
    expect(await deliveries('admin', { handoffId: handoff.handoffId })).toHaveLength(3);
  });

  it('is visible to CPSD admins and the desk’s agents only', async () => {
    expect((await deliveries('krakenAgent', { handoffId: handoff.handoffId })).map((d) => d.id)).toContain(opened.id);
    expect(await deliveries('krakenAgent', { deskId: 'gridlink-dcp-desk' })).toEqual([]);
    expect(await deliveries('supplier', {})).toEqual([]);
    expect(await deliveries('elexonAgent', { handoffId: handoff.handoffId })).toEqual([]);
    expect(await deliveries('gridlinkAgent', { handoffId: handoff.handoffId })).toEqual([]);
    const byId = async (who: string) =>
      (await ok<{ delivery: { id: string } | null }>(who, 'query($id: ID!) { delivery(id: $id) { id } }', { id: opened.id })).delivery;
    expect(await byId('admin')).toEqual({ id: opened.id });
    expect(await byId('krakenAgent')).toEqual({ id: opened.id });
    expect(await byId('supplier')).toBeNull();
    expect(await byId('gridlinkAgent')).toBeNull();
    const retried = await as('gridlinkAgent', 'mutation($id: ID!) { retryDelivery(id: $id) { id } }', { id: opened.id });
    expect(retried.errors?.[0]?.extensions?.code).toBe('NOT_FOUND');
  });

  it('pages newest first with cursors and filters by state and desk', async () => {
    const first = await ok<{ deliveries: { edges: { cursor: string; node: { id: string } }[]; pageInfo: { hasNextPage: boolean; endCursor: string } } }>(
      'admin',
      'query { deliveries(filter: { deskId: "kraken-software-desk" }, first: 2) { edges { cursor node { id } } pageInfo { hasNextPage endCursor } } }',
    );
    expect(first.deliveries.edges).toHaveLength(2);
    expect(first.deliveries.pageInfo.hasNextPage).toBe(true);
    const next = await ok<{ deliveries: { edges: { node: { id: string } }[]; pageInfo: { hasNextPage: boolean } } }>(
      'admin',
      'query($after: String) { deliveries(filter: { deskId: "kraken-software-desk" }, first: 2, after: $after) { edges { node { id } } pageInfo { hasNextPage } } }',
      { after: first.deliveries.pageInfo.endCursor },
    );
    expect(next.deliveries.edges.map((e) => e.node.id)).toEqual([opened.id]);
    expect(next.deliveries.pageInfo.hasNextPage).toBe(false);
    expect(await deliveries('admin', { state: 'DEAD', deskId: 'kraken-software-desk' })).toEqual([]);
    const bad = await as('admin', 'query { deliveries(first: 500) { edges { cursor } } }');
    expect(bad.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
  });
});

describe('dead letters and replay', () => {
  it('a receiver answering 400 dead-letters the delivery at once; once fixed, retryDelivery delivers it under the same id', async () => {
    receiver.script('/hooks/gridlink', [{ status: 400 }]);
    const handoff = await handOff('gridlink-dcp-desk');
    const [dead] = await settled(handoff.handoffId, 1, 'DEAD');
    expect(dead.attempts.map((a) => [a.outcome, a.httpStatus])).toEqual([['PERMANENT_FAILURE', 400]]);
    expect(dead.lastError).toBe('HTTP 400');
    expect((await deliveries('admin', { state: 'DEAD' })).map((d) => d.id)).toContain(dead.id);

    // Only a DEAD or DISABLED delivery can be replayed; only those who see it may.
    const early = await as('supplier', 'mutation($id: ID!) { retryDelivery(id: $id) { id } }', { id: dead.id });
    expect(early.errors?.[0]?.extensions?.code).toBe('NOT_FOUND');

    // The receiver is fixed (its script has run out: it answers 200 now); the desk's agent replays.
    const replayed = await ok<{ retryDelivery: { id: string; state: string } }>('gridlinkAgent', 'mutation($id: ID!) { retryDelivery(id: $id) { id state } }', {
      id: dead.id,
    });
    expect(replayed.retryDelivery).toEqual({ id: dead.id, state: 'PENDING' });
    const [delivered] = await settled(handoff.handoffId, 1, 'DELIVERED');
    expect(delivered.attempts.map((a) => [a.attempt, a.outcome, a.httpStatus])).toEqual([
      [1, 'PERMANENT_FAILURE', 400],
      [2, 'DELIVERED', 200],
    ]);
    const requests = receiver.requests.filter((r) => r.webhookId === dead.id);
    expect(requests.map((r) => r.answer)).toEqual([400, 200]);
    expect(receiver.tickets.has(dead.id)).toBe(true);

    const again = await as('admin', 'mutation($id: ID!) { retryDelivery(id: $id) { id } }', { id: dead.id });
    expect(again.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', currentState: 'DELIVERED' });
  });

  it('retries until the attempt limit, then dead-letters', async () => {
    receiver.script(
      '/hooks/gridlink',
      Array.from({ length: 8 }, () => ({ status: 502 })),
    );
    const handoff = await handOff('gridlink-dcp-desk');
    const [dead] = await settled(handoff.handoffId, 1, 'DEAD');
    expect(dead.attemptCount).toBe(8);
    expect(dead.attempts.every((a) => a.outcome === 'RETRY' && a.httpStatus === 502)).toBe(true);
    expect(dead.lastError).toBe('gave up after 8 attempts: HTTP 502');
  });

  it('a 410 disables the desk’s endpoint: its later deliveries park as DISABLED until a replay switches it back on', async () => {
    receiver.script('/hooks/meterbridge', [{ status: 410 }]);
    const handoff = await handOff('meterbridge-dcp-desk');
    const [gone] = await settled(handoff.handoffId, 1, 'DISABLED');
    expect(gone.attempts.map((a) => [a.outcome, a.httpStatus])).toEqual([['ENDPOINT_GONE', 410]]);

    await ok('meterbridgeAgent', 'mutation($input: AcknowledgeHandoffInput!) { acknowledgeHandoff(input: $input) { id } }', {
      input: { handoffId: handoff.handoffId, externalReference: 'MB-77' },
    });
    const parked = await settled(handoff.handoffId, 2, 'DISABLED');
    expect(parked[1]).toMatchObject({ eventType: 'ticket.updated', attemptCount: 0 });
    expect(parked[1].lastError).toMatch(/endpoint is disabled/);
    expect(receiver.requests.filter((r) => r.webhookId === parked[1].id)).toEqual([]);

    await ok('admin', 'mutation($id: ID!) { retryDelivery(id: $id) { id } }', { id: gone.id });
    const delivered = await settled(handoff.handoffId, 2, 'DELIVERED');
    const accepted = receiver.requests.filter((r) => r.path === '/hooks/meterbridge' && r.newTicket && r.payload?.data.handoffId === handoff.handoffId);
    expect(accepted.map((r) => r.payload?.data.state)).toEqual(['OPEN', 'ACKNOWLEDGED']);
    expect(delivered.map((d) => d.attempts.at(-1)?.outcome)).toEqual(['DELIVERED', 'DELIVERED']);
  });
});

describe('registration', () => {
  it('pushes switched off in the desk’s profile park its deliveries as DISABLED; a replay is refused until they are on', async () => {
    await partnersDb().query(`UPDATE partners.desk_profiles SET bridge_enabled = false WHERE desk_id = 'gridlink-dcp-desk'`);
    try {
      const handoff = await handOff('gridlink-dcp-desk');
      const [parked] = await settled(handoff.handoffId, 1, 'DISABLED');
      expect(parked).toMatchObject({ attemptCount: 0, lastError: "pushes are switched off in the desk's profile" });
      const replay = await as('admin', 'mutation($id: ID!) { retryDelivery(id: $id) { id } }', { id: parked.id });
      expect(replay.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
      expect(receiver.requests.filter((r) => r.webhookId === parked.id)).toEqual([]);
    } finally {
      await partnersDb().query(`UPDATE partners.desk_profiles SET bridge_enabled = true WHERE desk_id = 'gridlink-dcp-desk'`);
    }
  });

  it('a new registration (another URL) switches an endpoint a 410 disabled back on for the deliveries that follow', async () => {
    receiver.script('/hooks/meterbridge', [{ status: 410 }]);
    const first = await handOff('meterbridge-dcp-desk');
    await settled(first.handoffId, 1, 'DISABLED');
    // The desk moved its endpoint; the party's operators update the profile.
    await registerWebhook('meterbridge-dcp-desk', '/hooks/meterbridge-v2', {});
    PATHS['/hooks/meterbridge-v2'] = { deskId: 'meterbridge-dcp-desk', secret: devWebhookSecret('meterbridge-dcp-desk') };
    const second = await handOff('meterbridge-dcp-desk');
    const [delivered] = await settled(second.handoffId, 1, 'DELIVERED');
    expect(receiver.tickets.get(delivered.id)?.path).toBe('/hooks/meterbridge-v2');
    // The one the old endpoint refused stays parked until someone replays it.
    expect((await deliveries('admin', { handoffId: first.handoffId }))[0].state).toBe('DISABLED');
  });
});

describe('other desks', () => {
  it('a desk that reads the portal gets its delivery marked DELIVERED without a push', async () => {
    const handoff = await handOff('dcc-service-desk');
    const [delivery] = await settled(handoff.handoffId, 1, 'DELIVERED');
    expect(delivery.attempts.map((a) => [a.outcome, a.httpStatus])).toEqual([['DELIVERED', null]]);
  });
});

describe('no sensitive data out', () => {
  it('no MPAN, in any form, in anything any receiver got', async () => {
    expect(receiver.requests.length).toBeGreaterThan(10);
    for (const request of receiver.requests) {
      const everything = `${JSON.stringify(request.headers)}\n${request.body}`;
      expect(everything).not.toContain(MPAN);
      expect(everything).not.toContain(MPAN.slice(2));
      expect(everything).not.toMatch(/(?<!\d)\d{13}(?!\d)/);
    }
    const all = await deliveries('admin', {});
    expect(JSON.stringify(all)).not.toContain(MPAN.slice(2));
  });
});

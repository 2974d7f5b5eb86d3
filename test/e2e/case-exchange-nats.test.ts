/**
 * The hand-off scenario's cross-subgraph step with `CPSD_BUS=nats`: the elexon outbox relays the hand-off to NATS
 * JetStream and the dcc subgraph's durable consumer opens exactly one external ticket from it. (The whole scenario
 * runs on PostgreSQL in case-exchange.test.ts; `CPSD_BUS=nats npx vitest run --project e2e` runs it all on NATS.)
 */
import { randomUUID } from 'node:crypto';
import { jetstreamManager } from '@nats-io/jetstream';
import { connect } from '@nats-io/transport-node';
import { Client } from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestProduct, type GraphQLResponse, type TestProduct, waitFor as waitUntil } from './harness';

let t: TestProduct;
const tokens: Record<string, string> = {};
const NATS_URL = process.env.TEST_NATS_URL ?? 'nats://127.0.0.1:4222';
const RUN = `${process.pid}_${randomUUID().slice(0, 8)}`;
/** The harness deletes this run's stream when the product stops. */
const NATS_STREAM = `CPSD_E2E_EXCHANGE_${RUN}`;

async function as<T = Record<string, unknown>>(who: string, query: string, variables?: Record<string, unknown>): Promise<GraphQLResponse<T>> {
  return t.graphql<T>(query, { token: tokens[who], ...(variables ? { variables } : {}) });
}

async function ok<T = Record<string, unknown>>(who: string, query: string, variables?: Record<string, unknown>): Promise<T> {
  const response = await as<T>(who, query, variables);
  expect(response.errors, JSON.stringify(response.errors)).toBeUndefined();
  return response.data as T;
}

function waitFor<T>(probe: () => Promise<T | null | undefined | false>, what: string, timeoutMs = 10_000): Promise<T> {
  return waitUntil(probe, what, timeoutMs);
}

async function dccTickets(): Promise<{ handoffId: string; caseReference: string; state: string }[]> {
  const { data } = await as<{ dccExternalTickets: { handoffId: string; caseReference: string; state: string }[] }>(
    'dccAgent',
    '{ dccExternalTickets { handoffId caseReference state } }',
  );
  return data?.dccExternalTickets ?? [];
}

beforeAll(async () => {
  t = await startTestProduct({ CPSD_BUS: 'nats', NATS_URL, NATS_STREAM, NATS_SUBJECT_PREFIX: `cpsd.e2e.exchange.${RUN}` });
  tokens.supplier = await t.token({ sub: 'sally@britishgas.example', org: 'british-gas', roles: ['participant'] });
  tokens.elexonAgent = await t.token({ sub: 'eve@elexon.example', org: 'elexon', roles: ['participant', 'desk_agent'], desks: ['elexon-service-desk'] });
  tokens.dccAgent = await t.token({ sub: 'dan@dcc.example', org: 'dcc', roles: ['participant', 'desk_agent'], desks: ['dcc-service-desk'] });
});

afterAll(async () => {
  await t?.stop();
});

describe('hand-off over NATS JetStream', () => {
  let caseId: string;
  let reference: string;
  let handoffId: string;

  it('the product runs on the NATS bus: no PostgreSQL bus tables', async () => {
    const client = new Client({ connectionString: t.product.databaseUrl });
    await client.connect();
    try {
      const { rowCount } = await client.query("SELECT 1 FROM information_schema.schemata WHERE schema_name = 'cpsd_bus'");
      expect(rowCount).toBe(0);
    } finally {
      await client.end();
    }
  });

  it('Elexon hands a triaged case off to the DCC Service Desk; the dcc subgraph opens exactly one ticket', async () => {
    const raised = await ok<{ raiseCase: { id: string; reference: string } }>(
      'supplier',
      'mutation($input: RaiseCaseInput!) { raiseCase(input: $input) { id reference } }',
      {
        input: {
          deskId: 'elexon-service-desk',
          category: 'MARKET_SYSTEMS',
          subject: 'DIP rejecting our consumption messages',
          description: 'Since 09:00 every MHHS consumption message we send is rejected with a schema error.',
          idempotencyKey: 'nats-raise-1',
        },
      },
    );
    ({ id: caseId, reference } = raised.raiseCase);
    await ok('elexonAgent', 'mutation($input: TriageCaseInput!) { triageCase(input: $input) { id } }', {
      input: { caseId, type: 'INCIDENT', impact: 'MEDIUM', urgency: 'HIGH' },
    });
    const handedOff = await ok<{ handOffCase: { handoffs: { id: string; state: string }[] } }>(
      'elexonAgent',
      'mutation($input: HandOffCaseInput!) { handOffCase(input: $input) { handoffs { id state } } }',
      { input: { caseId, toDeskId: 'dcc-service-desk', reason: 'Adaptor at DCC drops the read type field', idempotencyKey: 'nats-handoff-1' } },
    );
    handoffId = handedOff.handOffCase.handoffs[0]!.id;
    const tickets = await waitFor(async () => {
      const found = await dccTickets();
      return found.length ? found : null;
    }, 'the DCC ticket');
    expect(tickets).toEqual([{ handoffId, caseReference: reference, state: 'OPEN' }]);
  });

  it('a redelivered hand-off event (same id, and a new id) never makes a second ticket', async () => {
    const [created] = await t.product.bus.readAfter(null, 1000, ['handoff.created']);
    expect(created?.payload.handoffId).toBe(handoffId);
    expect(created?.sequence).toMatch(/^\d+$/);
    const replay = { ...created!, id: randomUUID() };
    await t.product.bus.publish([created!, replay]);
    // The same id is dropped by JetStream's duplicate window; the new id is stored once, after the original.
    const after = await t.product.bus.readAfter(created!.sequence, 10, ['handoff.created']);
    expect(after.map((e) => e.id)).toEqual([replay.id]);
    // Wait until the dcc subgraph's durable consumer has acknowledged it (handled, not merely stored).
    const nc = await connect({ servers: NATS_URL });
    try {
      const jsm = await jetstreamManager(nc);
      await waitFor(async () => {
        const info = await jsm.consumers.info(NATS_STREAM, 'dcc:external-tickets');
        return info.ack_floor.stream_seq >= Number(after[0]!.sequence) && info.num_ack_pending === 0;
      }, 'the dcc consumer to acknowledge the replay');
    } finally {
      await nc.close();
    }
    expect(await dccTickets()).toEqual([{ handoffId, caseReference: reference, state: 'OPEN' }]);
  });
});

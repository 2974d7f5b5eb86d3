/**
 * Every log line of a request or event names it (issue: logs an operator can use), with tracing off: a request's
 * correlation id (the `x-request-id` it brought when well formed, else a new one, answered back and passed to the
 * subgraphs), the event's id for a consumer's lines, the delivery's id for an attempt's — and the lines say which
 * desk and case reference, never the case's text or an MPAN.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { devWebhookSecret } from '../../adapters/webhook/bridge';
import { captureLogs, type CapturedLogs } from '../../platform/logger';
import { makeMpan } from '../../schema/mpan';
import { startWebhookReceiver, type WebhookReceiver } from './support/webhook-receiver';
import { callers, signIn, startTestProduct, waitFor, type TestProduct } from './harness';

const MPAN = makeMpan('12', '0002330596');
const SUBJECT = `Consumption rejected for ${MPAN}`;
const DESK = 'gridlink-dcp-desk';

let t: TestProduct;
let receiver: WebhookReceiver;
let logs: CapturedLogs;
const tokens: Record<string, string> = {};
const { ok } = callers(() => t, tokens);

const lines = () =>
  logs
    .text()
    .split('\n')
    .filter(Boolean)
    .map((line) => JSON.parse(line) as Record<string, unknown>);

beforeAll(async () => {
  logs = captureLogs('debug');
  receiver = await startWebhookReceiver({ secretFor: () => devWebhookSecret(DESK) });
  t = await startTestProduct({ DELIVERY_BACKOFF_BASE_MS: '50' });
  await signIn(
    t,
    {
      supplier: { sub: 'sally', org: 'british-gas' },
      elexonAgent: { sub: 'eve', org: 'elexon', roles: ['participant', 'desk_agent'], desks: ['elexon-service-desk'] },
      admin: { sub: 'ada', org: 'elexon', roles: ['participant', 'cpsd_admin'] },
    },
    tokens,
  );
  const partners = t.product.subgraphs.find((s) => s.name === 'partners')!.db;
  await partners.query(`UPDATE partners.desk_profiles SET contact_kind = 'WEBHOOK', contact_address = $2 WHERE desk_id = $1`, [DESK, receiver.url('/hooks')]);
});

afterAll(async () => {
  logs?.stop();
  await t?.stop();
  await receiver?.close();
});

describe('correlation ids on log lines', () => {
  it('a request keeps the id it brought (answered back), or gets a new one; its lines carry it', async () => {
    const post = (headers: Record<string, string>) =>
      fetch(t.gatewayUrl, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...headers },
        body: JSON.stringify({ query: '{ me { subject } }' }),
      });
    const kept = await post({ 'x-request-id': 'desk-ticket-4711-abc', authorization: 'Bearer not.a.token' });
    expect(kept.status).toBe(401);
    expect(kept.headers.get('x-request-id')).toBe('desk-ticket-4711-abc');
    const replaced = await post({ 'x-request-id': 'two words\tand a tab' });
    expect(replaced.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
    const refused = lines().find((line) => line.msg === 'partner token refused');
    expect(refused).toMatchObject({ correlation_id: 'desk-ticket-4711-abc' });
  });

  it('an event’s lines carry its id, an attempt’s the delivery’s, with the desk and reference and no case text', async () => {
    const { raiseCase } = await ok<{ raiseCase: { id: string; reference: string } }>(
      'supplier',
      'mutation($input: RaiseCaseInput!) { raiseCase(input: $input) { id reference } }',
      {
        input: {
          deskId: 'elexon-service-desk',
          category: 'MARKET_SYSTEMS',
          subject: SUBJECT,
          description: `Every message for ${MPAN}`,
          evidence: { mpans: [MPAN] },
        },
      },
    );
    await ok('elexonAgent', 'mutation($input: TriageCaseInput!) { triageCase(input: $input) { id } }', {
      input: { caseId: raiseCase.id, type: 'INCIDENT', impact: 'MEDIUM', urgency: 'HIGH' },
    });
    await ok('elexonAgent', 'mutation($input: HandOffCaseInput!) { handOffCase(input: $input) { id } }', {
      input: { caseId: raiseCase.id, toDeskId: DESK, reason: 'Their adaptor drops a field' },
    });
    const delivered = await waitFor(
      async () => {
        const { deliveries } = await ok<{
          deliveries: { edges: { node: { id: string; eventId: string; eventType: string; state: string; desk: { id: string } | null } }[] };
        }>('admin', 'query($caseId: ID) { deliveries(filter: { caseId: $caseId }, first: 10) { edges { node { id eventId eventType state desk { id } } } } }', {
          caseId: raiseCase.id,
        });
        // The hand-off's ticket at the partner's desk (not the desk notices of the raise).
        const node = deliveries.edges.map((e) => e.node).find((n) => n.eventType === 'ticket.opened' && n.desk?.id === DESK && n.state === 'DELIVERED');
        return node ?? null;
      },
      'the hand-off delivered',
      20_000,
    );
    await waitFor(() => lines().some((line) => line.msg === 'delivery attempt made' && line.correlation_id === delivered.id), 'the attempt’s line');
    const queued = lines().find((line) => line.msg === 'delivery queued' && line.correlation_id === delivered.eventId);
    expect(queued).toMatchObject({ deskId: DESK, caseReference: raiseCase.reference, queued: true });
    const attempt = lines().find((line) => line.msg === 'delivery attempt made' && line.correlation_id === delivered.id);
    expect(attempt).toMatchObject({ deliveryId: delivered.id, outcome: 'DELIVERED' });
    expect(logs.text()).not.toContain(SUBJECT);
    expect(logs.text()).not.toContain(MPAN);
  });
});

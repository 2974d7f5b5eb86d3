/**
 * MI comms through the email bridge, end to end: organisations put addresses on the MI comms list per service; a DIP
 * major incident is promoted and updated; the delivery engine reads the comms list through the API as the comms
 * service identity and makes one delivery per (event, address); the email bridge sends each to an SMTP sink as a
 * comms email in business language — never the case's description, never an MPAN — and a redelivered event sends
 * nothing twice. An address on the CSS list only hears nothing.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSmtpSink, type SmtpSink } from '../../adapters/email/__tests__/smtp-sink';
import { serviceApi } from '../../adapters/gateway-api';
import { devWebhookSecret } from '../../adapters/webhook/bridge';
import type { DeliveredEvent } from '../../platform/events';
import { makeMpan } from '../../schema/mpan';
import { fanOutComms } from '../../subgraphs/delivery/comms';
import { webhookEndpointId } from '../../subgraphs/delivery/notification-preferences';
import { majorIncidentService } from '../../subgraphs/elexon/major-incidents/major-incident.runtime';
import type { OutboxRow } from '../../platform/outbox';
import { startWebhookReceiver, type WebhookReceiver } from './support/webhook-receiver';
import { callers, errorOf, serviceTokens, signIn, startTestProduct, waitFor, withEnv, type Claims, type TestProduct } from './harness';

const MPAN = makeMpan('12', '0002330596');
const DESCRIPTION = 'Since 08:10 our gateway 10.20.30.40 gets no acknowledgements from the DIP';
const DIP_ADDRESSES = ['ops.mi@britishgas.example', 'duty.manager@britishgas.example'];
const CSS_ONLY = 'css.watch@eonnext.example';
const PROMOTION_TEXT = 'The Data Integration Platform is not delivering messages. Please hold resubmissions until further notice.';
const UPDATE_TEXT = 'A fix is being deployed to the DIP message brokers; delivery should resume within the hour.';

let t: TestProduct;
let sink: SmtpSink;
const tokens: Record<string, string> = {};
const { as, ok } = callers(() => t, tokens);
let restoreEnv: (() => void) | undefined;
let miId: string;

const mailTo = (address: string) => sink.messages().filter((m) => m.recipients.includes(address));

beforeAll(async () => {
  sink = await startSmtpSink();
  restoreEnv = withEnv({
    SMTP_HOST: sink.host,
    SMTP_PORT: String(sink.port),
    EMAIL_FROM: 'CPSD <cpsd@cpsd.example>',
    EMAIL_REPLY_TO: 'replies@cpsd.example',
  });
  t = await startTestProduct({ PUBLIC_URL: 'https://cpsd.example', DELIVERY_BACKOFF_BASE_MS: '100' });
  const people: Record<string, Claims> = {
    britishGas: { sub: 'bella@britishgas.example', org: 'british-gas' },
    eonNext: { sub: 'ed@eonnext.example', org: 'eon-next' },
    elexonAgent: { sub: 'eve@elexon.example', org: 'elexon', roles: ['participant', 'desk_agent'], desks: ['elexon-service-desk'] },
    elexonMim: { sub: 'mim@elexon.example', org: 'elexon', roles: ['participant', 'major_incident_manager'] },
    admin: { sub: 'ada@cpsd.example', org: 'elexon', roles: ['participant', 'cpsd_admin'] },
    dccMim: { sub: 'mim@dcc.example', org: 'dcc', roles: ['participant', 'major_incident_manager'] },
  };
  await signIn(t, people, tokens);
});

afterAll(async () => {
  await t?.stop();
  await sink?.close();
  restoreEnv?.();
});

describe('MI comms go out through the email bridge', () => {
  it('an organisation subscribes two addresses to DIP comms; another one address to CSS only', async () => {
    const SUBSCRIBE = 'mutation($input: MajorIncidentCommsSubscriptionInput!) { subscribeToMajorIncidentComms(input: $input) { id } }';
    for (const address of DIP_ADDRESSES) await ok('britishGas', SUBSCRIBE, { input: { services: ['DIP'], address } });
    await ok('eonNext', SUBSCRIBE, { input: { services: ['CSS'], address: CSS_ONLY } });
  });

  it('a DIP major incident is promoted and updated: each address gets the promotion and the update, once each', async () => {
    const { raiseCase } = await ok<{ raiseCase: { id: string } }>('britishGas', 'mutation($input: RaiseCaseInput!) { raiseCase(input: $input) { id } }', {
      input: {
        deskId: 'elexon-service-desk',
        category: 'MARKET_SYSTEMS',
        subject: 'DIP not delivering our messages',
        description: DESCRIPTION,
        evidence: { mpans: [MPAN] },
      },
    });
    await ok('elexonAgent', 'mutation($input: TriageCaseInput!) { triageCase(input: $input) { id } }', {
      input: { caseId: raiseCase.id, type: 'INCIDENT', impact: 'HIGH', urgency: 'HIGH' },
    });
    const { proposeMajorIncident } = await ok<{ proposeMajorIncident: { id: string } }>(
      'elexonAgent',
      'mutation($caseId: ID!, $input: ProposeMajorIncidentInput!) { proposeMajorIncident(caseId: $caseId, input: $input) { id } }',
      {
        caseId: raiseCase.id,
        input: {
          title: 'DIP message delivery outage',
          services: ['DIP'],
          validityChecks: ['SETTLEMENT_IMPACT', 'SERVICE_DISRUPTION'],
          thresholds: { participantImpact: true, duration: false, complianceRisk: true, securityBreach: false },
        },
      },
    );
    miId = proposeMajorIncident.id;
    await ok('elexonMim', 'mutation($id: ID!, $input: ReviewMajorIncidentInput) { reviewMajorIncident(id: $id, decision: PROMOTE, input: $input) { id } }', {
      id: miId,
      input: { note: 'DIP down for all publishers', initialUpdate: { body: PROMOTION_TEXT, statusPage: true } },
    });
    await waitFor(() => DIP_ADDRESSES.every((a) => mailTo(a).length >= 1), 'the promotion emails', 20_000);
    await ok('elexonMim', 'mutation($id: ID!, $input: MajorIncidentUpdateInput!) { postMajorIncidentUpdate(id: $id, input: $input) { id } }', {
      id: miId,
      input: { body: UPDATE_TEXT, nextUpdateDueAt: new Date(Date.now() + 30 * 60_000).toISOString(), statusPage: true },
    });
    await waitFor(() => DIP_ADDRESSES.every((a) => mailTo(a).length >= 2), 'the update emails', 20_000);

    for (const address of DIP_ADDRESSES) {
      const [promotion, update] = mailTo(address);
      expect(promotion!.subject).toMatch(/^\[MI-\d{6}\] DIP message delivery outage$/);
      expect(promotion!.text).toContain(PROMOTION_TEXT);
      expect(promotion!.text).toContain('Services affected: DIP');
      expect(promotion!.text).toContain('Status and updates in the CPSD dashboard: https://cpsd.example/dashboard/#/major-incidents');
      expect(update!.subject).toBe(promotion!.subject);
      expect(update!.text).toContain(UPDATE_TEXT);
      expect(update!.text).not.toContain(PROMOTION_TEXT);
      expect(update!.text).toMatch(/Next update due: \d{4}-/);
    }
  });

  it('a redelivered event sends nothing twice', async () => {
    const elexon = t.product.subgraphs.find((s) => s.name === 'elexon')!.db;
    const delivery = t.product.subgraphs.find((s) => s.name === 'delivery')!.db;
    const rows = (await elexon.query(
      `SELECT * FROM elexon.outbox WHERE type LIKE 'major_incident.%' AND entity_id = $1 AND type IN ('major_incident.promoted', 'major_incident.updated')`,
      [miId],
    )) as OutboxRow[];
    expect(rows).toHaveLength(2);
    const api = serviceApi({
      url: t.gatewayUrl,
      tokenFor: serviceTokens(t),
    });
    for (const row of rows) {
      const event: DeliveredEvent = {
        id: row.id,
        source: row.source,
        type: row.type,
        entity: { __typename: row.entity_typename, id: row.entity_id },
        caseId: row.case_id,
        payload: row.payload,
        occurredAt: row.occurred_at.toISOString(),
        sequence: '999999',
      };
      expect(await fanOutComms(event, delivery, api, { publicUrl: 'https://cpsd.example' })).toBe(0);
    }
    // An email leaves only for a delivery: once every comms delivery there is has been sent (the four of the first
    // fan-out, none queued behind them), nothing more can arrive.
    await waitFor(
      async () => {
        const { deliveries } = await ok<{ deliveries: { edges: { node: { eventType: string; state: string } }[] } }>(
          'admin',
          '{ deliveries(first: 50) { edges { node { eventType state } } } }',
        );
        const comms = deliveries.edges.map((e) => e.node).filter((n) => n.eventType.startsWith('major_incident.'));
        return comms.length === 4 && comms.every((n) => n.state === 'DELIVERED');
      },
      'every comms delivery to be sent',
      20_000,
    );
    for (const address of DIP_ADDRESSES) expect(mailTo(address)).toHaveLength(2);
  });

  it('the CSS-only address got nothing', () => {
    expect(mailTo(CSS_ONLY)).toHaveLength(0);
  });

  it('no MPAN and no case description in any byte the sink received', () => {
    const everything = sink.received().join('\n');
    expect(sink.received().length).toBe(4);
    expect(everything).not.toContain(MPAN);
    expect(everything).not.toContain(MPAN.slice(2));
    expect(everything).not.toContain(DESCRIPTION);
    expect(everything).not.toContain('10.20.30.40');
    for (const message of sink.messages()) expect(message.raw).not.toMatch(/(?<!\d)\d{13}(?!\d)/);
  });

  it('CPSD admins see the comms deliveries with their recipient; a desk agent does not', async () => {
    const QUERY = '{ deliveries(first: 50) { edges { node { eventType state recipient desk { id } } } } }';
    const { deliveries } = await ok<{
      deliveries: { edges: { node: { eventType: string; state: string; recipient: string | null; desk: { id: string } | null } }[] };
    }>('admin', QUERY);
    const comms = deliveries.edges.map((e) => e.node).filter((n) => n.eventType.startsWith('major_incident.'));
    expect(comms).toHaveLength(4);
    for (const node of comms) expect(node).toMatchObject({ state: 'DELIVERED', desk: null });
    expect(new Set(comms.map((n) => n.recipient))).toEqual(new Set(DIP_ADDRESSES));
    const agent = await ok<{ deliveries: { edges: { node: { eventType: string } }[] } }>('elexonAgent', QUERY);
    expect(agent.deliveries.edges.filter((e) => e.node.eventType.startsWith('major_incident.'))).toHaveLength(0);
  });

  it('the lead’s MI managers see how the comms went out in the MI view; another provider’s and a participant do not', async () => {
    const QUERY = 'query($id: ID!) { majorIncident(id: $id) { reference commsDelivery { recipients deliveries delivered pending retrying failed } } }';
    const lead = await ok<{ majorIncident: { commsDelivery: Record<string, number> | null } }>('elexonMim', QUERY, { id: miId });
    // Two addresses, two comms each (the promotion and the update), every one delivered.
    expect(lead.majorIncident.commsDelivery).toEqual({ recipients: 2, deliveries: 4, delivered: 4, pending: 0, retrying: 0, failed: 0 });
    for (const who of ['dccMim', 'britishGas']) {
      const other = await ok<{ majorIncident: { reference: string; commsDelivery: unknown } }>(who, QUERY, { id: miId });
      expect(other.majorIncident.reference).toMatch(/^MI-/);
      expect(other.majorIncident.commsDelivery).toBeNull();
    }
  });

  it('an update not posted by the promised time is flagged to the lead’s desk, once per promised time (OM §5.19.1)', async () => {
    const service = majorIncidentService(t.product.subgraphs.find((s) => s.name === 'elexon')!.db);
    expect(await service.flagOverdueUpdates(new Date())).toBe(0);
    const late = new Date(Date.now() + 61 * 60_000);
    expect(await service.flagOverdueUpdates(late)).toBe(1);
    expect(await service.flagOverdueUpdates(late)).toBe(0);
    await waitFor(
      async () => {
        const { deliveries } = await ok<{ deliveries: { edges: { node: { eventType: string; state: string; desk: { id: string } | null } }[] } }>(
          'admin',
          '{ deliveries(first: 50) { edges { node { eventType state desk { id } } } } }',
        );
        const overdue = deliveries.edges.map((e) => e.node).filter((n) => n.eventType === 'major_incident.update_overdue');
        return overdue.length === 1 && overdue[0]?.state === 'DELIVERED' && overdue[0]?.desk?.id === 'elexon-service-desk';
      },
      'the overdue notice at the lead desk',
      20_000,
    );
    const { majorIncident } = await ok<{ majorIncident: { updateOverdue: boolean } }>(
      'elexonMim',
      'query($id: ID!) { majorIncident(id: $id) { updateOverdue } }',
      {
        id: miId,
      },
    );
    expect(majorIncident.updateOverdue).toBe(false); // not yet, in real time: the flag above ran an hour ahead
  });
});

describe('each comms list entry hears through its own channel, and each notice’s timing is checked (OM §5.18–5.19)', () => {
  const SUBSCRIBE = 'mutation($input: MajorIncidentCommsSubscriptionInput!) { subscribeToMajorIncidentComms(input: $input) { id channel address } }';
  const ESCALATION_TEXT = 'Settlement runs for today are at risk: the DIP fix needs a platform restart at 14:00.';
  let hooks: WebhookReceiver;

  beforeAll(async () => {
    hooks = await startWebhookReceiver({ secretFor: (path) => devWebhookSecret(webhookEndpointId('eon-next', hooks.url(path))) });
  });
  afterAll(async () => {
    await hooks?.close();
  });

  it('refuses a webhook that is not a URL or points at a link-local address, on the field, writing nothing', async () => {
    for (const address of ['not a url', 'http://169.254.169.254/latest/meta-data']) {
      expect(errorOf(await as('eonNext', SUBSCRIBE, { input: { services: ['DIP'], channel: 'WEBHOOK', address } }))).toMatchObject({
        code: 'BAD_USER_INPUT',
        field: 'address',
      });
    }
    const { majorIncidentCommsEntries } = await ok<{ majorIncidentCommsEntries: { address: string }[] }>(
      'eonNext',
      '{ majorIncidentCommsEntries { address } }',
    );
    expect(majorIncidentCommsEntries.map((e) => e.address)).toEqual([CSS_ONLY]);
  });

  it('an escalation reaches the e-mail addresses and the organisation’s webhook (a Teams/Slack channel) at once, signed, with the text', async () => {
    const hook = hooks.url('/hooks/eon-mi');
    const { subscribeToMajorIncidentComms } = await ok<{ subscribeToMajorIncidentComms: { channel: string; address: string } }>('eonNext', SUBSCRIBE, {
      input: { services: ['DIP'], channel: 'WEBHOOK', address: hook, name: 'E.ON Next MI channel' },
    });
    expect(subscribeToMajorIncidentComms).toMatchObject({ channel: 'WEBHOOK', address: hook });
    await ok('elexonMim', 'mutation($id: ID!, $input: MajorIncidentUpdateInput!) { postMajorIncidentUpdate(id: $id, input: $input) { id } }', {
      id: miId,
      input: { kind: 'ESCALATION', body: ESCALATION_TEXT, nextUpdateDueAt: new Date(Date.now() + 30 * 60_000).toISOString() },
    });
    await waitFor(() => hooks.requests.some((r) => r.payload?.type === 'major_incident.escalated'), 'the escalation webhook', 20_000);
    await waitFor(() => DIP_ADDRESSES.every((a) => mailTo(a).length >= 3), 'the escalation emails', 20_000);
    const [request] = hooks.requests.filter((r) => r.payload?.type === 'major_incident.escalated');
    expect(request!.verified).toBe(true);
    const body = JSON.parse(request!.body) as { text: string; data: { majorIncident: Record<string, unknown> } };
    expect(body.data.majorIncident).toMatchObject({ kind: 'ESCALATION', title: 'DIP message delivery outage', services: ['DIP'], body: ESCALATION_TEXT });
    expect(body.text).toMatch(/^MI-\d{6} — Escalation notice: DIP message delivery outage/);
    expect(body.text).toContain(ESCALATION_TEXT);
    expect(request!.body).not.toContain(DESCRIPTION);
    expect(request!.body).not.toMatch(/(?<!\d)\d{13}(?!\d)/);
    // The webhook joined after the promotion and the update: it hears only what came after.
    expect(hooks.requests.map((r) => r.payload?.type)).toEqual(['major_incident.escalated']);
  });

  it('the MI view shows each notice: the initial one within 15 minutes of promotion, the escalation within 5, regular updates without a target', async () => {
    const QUERY = `query($id: ID!) { majorIncident(id: $id) { commsDelivery { recipients notices {
      kind postedAt deliveries delivered pending failed allDeliveredAt dueBy onTime } } } }`;
    type Notice = {
      kind: string;
      postedAt: string;
      deliveries: number;
      delivered: number;
      allDeliveredAt: string | null;
      dueBy: string | null;
      onTime: boolean | null;
    };
    await waitFor(
      async () => {
        const { majorIncident } = await ok<{ majorIncident: { commsDelivery: { notices: Notice[] } } }>('elexonMim', QUERY, { id: miId });
        return majorIncident.commsDelivery.notices.every((n) => n.delivered === n.deliveries);
      },
      'every notice delivered',
      20_000,
    );
    const { majorIncident } = await ok<{ majorIncident: { commsDelivery: { recipients: number; notices: Notice[] } } }>('elexonMim', QUERY, { id: miId });
    const { recipients, notices } = majorIncident.commsDelivery;
    expect(recipients).toBe(3);
    expect(notices.map((n) => [n.kind, n.deliveries, n.delivered, n.onTime])).toEqual([
      ['INITIAL', 2, 2, true],
      ['UPDATE', 2, 2, null],
      ['ESCALATION', 3, 3, true],
    ]);
    const [initial, update, escalation] = notices;
    expect(Date.parse(initial!.dueBy!) - Date.parse(initial!.postedAt)).toBe(15 * 60_000);
    expect(Date.parse(escalation!.dueBy!) - Date.parse(escalation!.postedAt)).toBe(5 * 60_000);
    expect(update!.dueBy).toBeNull();
    expect(Date.parse(escalation!.allDeliveredAt!)).toBeGreaterThanOrEqual(Date.parse(escalation!.postedAt));
  });
});

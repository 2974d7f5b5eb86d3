/** The TMF621 bridge: the contract files, the mapping, and the conformance suite against a loopback partner. */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ContactMethodKind } from '../../../schema/enums';
import { makeMpan } from '../../../schema/mpan';
import { runBridgeConformance, sampleDelivery, startHttpPeer, type HttpPeer, type PeerRequest } from '../../conformance';
import type { DeskTarget } from '../../sdk';
import { Tmf621Bridge } from '../bridge';
import {
  categoryOfTicketType,
  handoffSteps,
  patchForHandoff,
  readTrailer,
  statusOfCase,
  ticketForHandoff,
  ticketOfCase,
  withTrailer,
  type CaseForTicket,
} from '../mapping';
import { startTmf621Server } from '../server';
import { RULES_FILE, SPEC_FILE, tmf621Contract } from '../spec';

const contract = tmf621Contract();
const DESK = 'ukpn-service-desk';
const idempotencyKey = (request: PeerRequest): string | undefined => request.headers['idempotency-key'] as string | undefined;

function target(url: string, config: Record<string, unknown> = {}): DeskTarget {
  return { deskId: DESK, deskName: 'UK Power Networks Service Desk', contactMethod: { kind: ContactMethodKind.TMF621, address: url }, config };
}

/** A partner answering as TMF621 does: 201 with the ticket, its own id. */
const partnerAccept = (request: PeerRequest, ticket: { key: string }) => ({
  status: request.method === 'POST' ? 201 : 200,
  body: {
    ...(JSON.parse(request.body || '{}') as object),
    id: `INC${ticket.key.slice(0, 6)}`,
    href: `http://partner/troubleTicket/INC${ticket.key.slice(0, 6)}`,
  },
});

runBridgeConformance('TMF621', async () => {
  const peer = await startHttpPeer({ idempotencyKey, accept: partnerAccept });
  // The inbound API with a verifier that accepts nothing, and a gateway whose every call is counted.
  let apiCalls = 0;
  const countingFetch: typeof fetch = async () => {
    apiCalls++;
    return new Response(JSON.stringify({ data: {} }), { headers: { 'content-type': 'application/json' } });
  };
  const inbound = await startTmf621Server({
    port: 0,
    gateway: { url: 'http://127.0.0.1:9/graphql', fetch: countingFetch },
    verifier: { verify: async () => null },
  });
  return {
    bridge: new Tmf621Bridge({ env: {}, dev: false, allowLoopback: true }),
    target: target(peer.url),
    unreachableTarget: target('http://127.0.0.1:9/tmf-api/troubleTicket/v5'),
    peer,
    inbound: {
      async sendUnauthenticated() {
        const response = await fetch(`${inbound.url}/troubleTicket`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', authorization: 'Bearer not-a-token' },
          body: JSON.stringify({ '@type': 'TroubleTicket', description: 'd', severity: 'Major', ticketType: 'Market Systems' }),
        });
        return { refused: response.status === 401 };
      },
      apiCalls: () => apiCalls,
    },
    close: async () => {
      await peer.close();
      await inbound.stop();
    },
  };
});

describe('the TMF621 contract files', () => {
  it('are the TM Forum documents, unchanged: their SHA-256 is pinned (update it only with a new TMF621 release)', () => {
    const sha256 = (file: string) => createHash('sha256').update(readFileSync(file)).digest('hex');
    expect(sha256(SPEC_FILE)).toBe('5f01bdb4a8e7ef67d63cce36ae6f65a93d530fd9386a091f2d4617d7b1fda58e');
    expect(sha256(RULES_FILE)).toBe('50663e3af78c9f23966a2af622d9ed35af7c726ad88fa9b5c44ba20137cef81c');
  });

  it('POST: description, severity and ticketType are required (the rules), server-set attributes are refused', () => {
    const ok = { '@type': 'TroubleTicket', description: 'd', severity: 'Major', ticketType: 'Market Systems' };
    expect(contract.checkCreate(ok)).toEqual([]);
    expect(
      contract
        .checkCreate({ '@type': 'TroubleTicket', description: 'd' })
        .map((p) => p.path)
        .sort(),
    ).toEqual(['/severity', '/ticketType']);
    expect(
      contract
        .checkCreate({ ...ok, id: 'x', creationDate: '2025-01-01T00:00:00Z' })
        .map((p) => p.path)
        .sort(),
    ).toEqual(['/creationDate', '/id']);
    expect(contract.checkCreate({ ...ok, status: 'bogus' })).toEqual([{ path: '/status', message: 'must be equal to one of the allowed values' }]);
  });

  it('PATCH: MVO with the excluded attributes refused', () => {
    expect(contract.checkPatch({ note: [{ text: 'hi' }] })).toEqual([]);
    expect(contract.checkPatch({ statusChangeDate: '2025-01-01T00:00:00Z' }).map((p) => p.path)).toEqual(['/statusChangeDate']);
  });

  it('events: the envelope is checked, a partial ticket is accepted (as the document’s own examples are)', () => {
    const examples = (contract.document as { components: { examples: Record<string, { value: unknown }> } }).components.examples;
    expect(contract.checkEvent('troubleTicketStatusChangeEvent', examples.TroubleTicketStatusChangeEvent_request!.value)).toEqual([]);
    expect(contract.checkEvent('troubleTicketStatusChangeEvent', { event: {} }).map((p) => p.path)).toEqual(
      expect.arrayContaining(['/eventId', '/eventTime', '/eventType']),
    );
    expect(contract.checkEvent('noSuchEvent', {})).toHaveLength(1);
    expect(contract.listenerEvents).toContain('troubleTicketResolvedEvent');
  });
});

describe('TMF621 mapping', () => {
  const sample: CaseForTicket = {
    id: 'c1',
    reference: 'CPSD-000123',
    state: 'ON_HOLD',
    holdReason: 'AWAITING_CALLER',
    category: 'MARKET_SYSTEMS',
    subject: 'Registration stuck',
    description: withTrailer('Since Monday.', { severity: 'Major', owner: 'ServiceNow', id: 'INC0012' }),
    impact: 'MEDIUM',
    priority: 'P2',
    resolution: null,
    raisedAt: '2025-03-03T10:00:00.000Z',
    updatedAt: '2025-03-03T11:00:00.000Z',
    resolvedAt: null,
    desk: { id: 'elexon-service-desk', name: 'Elexon Service Desk' },
    raisedByOrganisation: { id: 'british-gas', name: 'British Gas' },
    sla: { resolutionDueAt: '2025-03-04T10:00:00.000Z' },
    evidence: { mpans: ['1200023305967'], transactionIds: [], dipMessageIds: ['DIP-1'], errorCodes: [] },
    comments: [
      { id: 'n1', body: 'Visible', visibility: 'CUSTOMER_VISIBLE', author: 'eve', createdAt: '2025-03-03T10:30:00.000Z' },
      { id: 'n2', body: 'Work note', visibility: 'WORK_NOTE', author: 'eve', createdAt: '2025-03-03T10:31:00.000Z' },
    ],
    parent: { reference: 'CPSD-000100' },
    children: [],
    referencesCase: null,
    misroutedTo: null,
  };

  it('a case is a schema-valid TroubleTicket; work notes never become notes; both sides’ references are kept', () => {
    const ticket = ticketOfCase(sample, (r) => `https://cpsd.example/tmf-api/troubleTicket/v5/troubleTicket/${r}`);
    const validate = contract.schema('TroubleTicket');
    expect(validate(ticket), JSON.stringify(validate.errors)).toBe(true);
    expect(ticket).toMatchObject({
      id: 'CPSD-000123',
      status: 'pending',
      severity: 'Major',
      priority: 'High',
      ticketType: 'Market Systems',
      description: 'Since Monday.',
    });
    expect(ticket.note).toEqual([{ id: 'n1', author: 'eve', date: '2025-03-03T10:30:00.000Z', text: 'Visible', '@type': 'Note' }]);
    expect(ticket.externalIdentifier).toEqual([
      { owner: 'CPSD', externalIdentifierType: 'Case', id: 'CPSD-000123', '@type': 'ExternalIdentifier' },
      { owner: 'ServiceNow', externalIdentifierType: 'TroubleTicket', id: 'INC0012', '@type': 'ExternalIdentifier' },
    ]);
    expect(ticket.troubleTicketRelationship).toEqual([expect.objectContaining({ id: 'CPSD-000100', relationshipType: 'isChild' })]);
  });

  it('status table', () => {
    expect(['NEW', 'IN_PROGRESS', 'RESOLVED', 'CLOSED', 'CANCELLED'].map((state) => statusOfCase({ state }))).toEqual([
      'acknowledged',
      'inProgress',
      'resolved',
      'closed',
      'cancelled',
    ]);
    expect(statusOfCase({ state: 'ON_HOLD', holdReason: 'VENDOR' })).toBe('held');
    expect(statusOfCase({ state: 'RESOLVED', misroutedTo: { id: 'x' } })).toBe('rejected');
  });

  it('hand-off steps: skipped acknowledgements are made up, finished hand-offs take nothing', () => {
    expect(handoffSteps('REQUESTED', 'ACKNOWLEDGED')).toEqual(['acknowledgeHandoff']);
    expect(handoffSteps('ACKNOWLEDGED', 'ACKNOWLEDGED')).toEqual([]);
    expect(handoffSteps('REQUESTED', 'RESOLVED')).toEqual(['acknowledgeHandoff', 'resolveHandoff']);
    expect(handoffSteps('IN_PROGRESS', 'IN_PROGRESS')).toEqual(['updateHandoff']);
    expect(handoffSteps('RESOLVED', 'IN_PROGRESS')).toEqual([]);
    expect(handoffSteps('ACKNOWLEDGED', 'REJECTED')).toEqual(['rejectHandoff']);
  });

  it('categories in any spelling; the trailer round-trips and cannot be broken out of', () => {
    expect(categoryOfTicketType('Market Systems')).toBe('MARKET_SYSTEMS');
    expect(categoryOfTicketType('third-party services')).toBe('THIRD_PARTY_SERVICES');
    expect(categoryOfTicketType('incident')).toBeNull();
    const text = withTrailer('x', { severity: 'Maj]or\n', owner: 'S;N', id: 'a=b' });
    expect(readTrailer(text)).toEqual({ description: 'x', trailer: { severity: 'Maj or', owner: 'S N', id: 'a b' } });
  });

  it('outbound bodies are schema-valid and carry no evidence', () => {
    const mpan = makeMpan('12', '0002330596');
    const post = ticketForHandoff({
      caseReference: 'CPSD-000123',
      handoffId: '3f0c8f5e-2a4b-4c1e-9d7a-1b2c3d4e5f60',
      deskName: 'UKPN',
      subject: `Dark ${mpan}`,
      state: 'OPEN',
      portalUrl: 'https://cpsd.example/cases/CPSD-000123',
    });
    expect(contract.checkCreate(post)).toEqual([]);
    expect(contract.schema('TroubleTicket_FVO')(post)).toBe(true);
    expect(JSON.stringify(post)).not.toContain(mpan.slice(2));
    const patch = patchForHandoff({ caseReference: 'CPSD-000123', handoffId: null, state: 'RESOLVED' });
    expect(contract.checkPatch(patch)).toEqual([]);
    expect(patch.status).toBe('resolved');
  });
});

describe('TMF621 bridge outbound', () => {
  let peer: HttpPeer;
  beforeAll(async () => {
    peer = await startHttpPeer({ idempotencyKey, accept: partnerAccept });
  });
  afterAll(async () => {
    await peer.close();
  });

  it('POSTs ticket.opened with the Idempotency-Key and reports the partner’s id', async () => {
    const delivery = sampleDelivery(target(peer.url));
    const outcome = await new Tmf621Bridge({ env: {}, dev: false, allowLoopback: true }).deliver(delivery, AbortSignal.timeout(5_000));
    expect(outcome).toMatchObject({ kind: 'DELIVERED', httpStatus: 201, externalReference: `INC${delivery.deliveryId.slice(0, 6)}` });
    const request = peer.requests().at(-1)!;
    expect(request).toMatchObject({ method: 'POST', url: '/hooks/troubleTicket' });
    expect(request.headers['idempotency-key']).toBe(delivery.deliveryId);
    expect(contract.checkCreate(JSON.parse(request.body))).toEqual([]);
  });

  it('PATCHes ticket.updated at the partner’s own id; without one there is nothing to update', async () => {
    const bridge = new Tmf621Bridge({ env: {}, dev: false, allowLoopback: true });
    const delivery = sampleDelivery(target(peer.url), { event: { type: 'ticket.updated', data: { state: 'RESOLVED', externalReference: 'INC42' } } });
    expect((await bridge.deliver(delivery, AbortSignal.timeout(5_000))).kind).toBe('DELIVERED');
    const request = peer.requests().at(-1)!;
    expect(request).toMatchObject({ method: 'PATCH', url: '/hooks/troubleTicket/INC42' });
    expect(request.headers['content-type']).toBe('application/merge-patch+json');
    expect(JSON.parse(request.body)).toMatchObject({ status: 'resolved' });
    const before = peer.requests().length;
    const none = await bridge.deliver(
      sampleDelivery(target(peer.url), { event: { type: 'ticket.updated', data: { state: 'ACKNOWLEDGED' } } }),
      AbortSignal.timeout(5_000),
    );
    expect(none.kind).toBe('DELIVERED');
    expect(peer.requests().length).toBe(before);
  });

  it('gets an OAuth2 client-credentials token once, sends it as a bearer, and refuses plain http off loopback', async () => {
    let tokenRequests = 0;
    const seen: string[] = [];
    const server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        if (req.url === '/token') {
          tokenRequests++;
          const basic = Buffer.from((req.headers.authorization ?? '').replace(/^Basic /, ''), 'base64').toString();
          const ok = basic === 'cpsd:s3cret' && Buffer.concat(chunks).toString().includes('grant_type=client_credentials');
          res.writeHead(ok ? 200 : 401, { 'content-type': 'application/json' });
          res.end(JSON.stringify(ok ? { access_token: 'tok-1', token_type: 'Bearer', expires_in: 3600 } : { error: 'invalid_client' }));
          return;
        }
        seen.push(req.headers.authorization ?? '');
        res.writeHead(201, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ id: 'INC1' }));
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    const config = { tokenUrl: `${base}/token`, clientId: 'cpsd', clientSecretEnv: 'PARTNER_SECRET' };
    const bridge = new Tmf621Bridge({ env: { PARTNER_SECRET: 's3cret' }, dev: false, allowLoopback: true });
    for (let i = 0; i < 2; i++) expect((await bridge.deliver(sampleDelivery(target(base, config)), AbortSignal.timeout(5_000))).kind).toBe('DELIVERED');
    expect(tokenRequests).toBe(1);
    expect(seen).toEqual(['Bearer tok-1', 'Bearer tok-1']);
    const wrong = await new Tmf621Bridge({ env: { PARTNER_SECRET: 'nope' }, dev: false, allowLoopback: true }).deliver(
      sampleDelivery(target(base, config)),
      AbortSignal.timeout(5_000),
    );
    expect(wrong.kind).toBe('PERMANENT_FAILURE');
    const missing = await new Tmf621Bridge({ env: {}, dev: false, allowLoopback: true }).deliver(
      sampleDelivery(target(base, config)),
      AbortSignal.timeout(5_000),
    );
    expect(missing).toMatchObject({ kind: 'PERMANENT_FAILURE', reason: expect.stringContaining('PARTNER_SECRET') });
    await new Promise<void>((resolve) => server.close(() => resolve()));
    expect(
      await new Tmf621Bridge({ env: {}, dev: false, allowLoopback: true }).deliver(
        sampleDelivery(target('http://partner.example/tmf')),
        AbortSignal.timeout(1_000),
      ),
    ).toEqual({
      kind: 'PERMANENT_FAILURE',
      reason: 'the TMF621 URL (bridge_config.url) must be https',
    });
  });
});

/**
 * Server-side request forgery: every URL a party can make the CPSD call — a TMF621 hub callback, a desk's TMF621
 * endpoint and OAuth token URL, a webhook URL — is refused when it points at the CPSD's own network: loopback (unless
 * allowed: development and these tests' own receivers), link-local and cloud metadata (always), private ranges,
 * 0.0.0.0, IPv4-mapped IPv6, multicast. Checked at registration after DNS, and again at connect time, so a name that
 * resolves (or is rebound) to a refused address is refused before any connection is made.
 *
 * Nothing here ever connects to a refused address: a refusal happens before connect, and the loopback receivers
 * count every connection they get.
 */
import { createServer, type Server } from 'node:http';
import { lookup } from 'node:dns/promises';
import { hostname } from 'node:os';
import type { JSONWebKeySet } from 'jose';
import type { DataSource } from 'typeorm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addressRefusal, checkOutboundUrl, outboundPolicy, resolveOutboundUrl } from '../../adapters/outbound-url';
import { hubEndpointId, startTmf621Server, tmf621Bridge } from '../../adapters/tmf621';
import type { OutboundDelivery } from '../../adapters/sdk';
import { ContactMethodKind } from '../../schema/enums';
import { EventType } from '../../schema/events';
import { JwtVerifier } from '../../platform/partner-auth';
import { startTestProduct, type TestProduct, waitFor } from '../e2e/harness';

const PRODUCTION = outboundPolicy(false, {});
const DEVELOPMENT = outboundPolicy(true, {});

/** Every kind of address that must never be called in production, with what the refusal says. */
const REFUSED: [string, RegExp][] = [
  ['169.254.169.254', /metadata/],
  ['fd00:ec2::254', /metadata/],
  ['169.254.10.1', /link-local/],
  ['fe80::1', /link-local/],
  ['10.0.0.7', /private/],
  ['172.16.4.4', /private/],
  ['192.168.1.1', /private/],
  ['fc00::5', /private/],
  ['127.0.0.1', /loopback/],
  ['127.8.9.10', /loopback/],
  ['::1', /loopback/],
  ['0.0.0.0', /unspecified/],
  ['::', /unspecified/],
  ['::ffff:127.0.0.1', /loopback/],
  ['::ffff:169.254.169.254', /metadata/],
  ['::ffff:10.0.0.7', /private/],
  ['224.0.0.1', /multicast/],
  ['ff02::1', /multicast/],
  ['255.255.255.255', /broadcast/],
  ['100.64.0.1', /carrier-grade NAT/],
];

/** A loopback HTTP receiver that counts every connection and request. */
async function startCountingReceiver(): Promise<{ port: number; connections: () => number; requests: string[]; close(): Promise<void> }> {
  let connections = 0;
  const requests: string[] = [];
  const server: Server = createServer((req, res) => {
    requests.push(`${req.method} ${req.url}`);
    req.resume();
    req.on('end', () => res.writeHead(200, { 'content-type': 'application/json' }).end('{"id":"X-1"}'));
  });
  server.on('connection', () => connections++);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as { port: number }).port,
    connections: () => connections,
    requests,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

describe('the address policy (ipaddr.js classification)', () => {
  it('refuses every internal address in production, and says which kind', () => {
    for (const [address, kind] of REFUSED) expect(addressRefusal(address, PRODUCTION), address).toMatch(kind);
    expect(addressRefusal('93.184.215.14', PRODUCTION)).toBeNull();
    expect(addressRefusal('2606:4700::6810:84e5', PRODUCTION)).toBeNull();
  });

  it('development allows loopback only: link-local, metadata and private ranges stay refused', () => {
    for (const [address, kind] of REFUSED) {
      if (String(kind) === String(/loopback/)) expect(addressRefusal(address, DEVELOPMENT), address).toBeNull();
      else expect(addressRefusal(address, DEVELOPMENT), address).toMatch(kind);
    }
  });

  it('the loopback setting defaults to allowed in development and refused in production, and is explicit', () => {
    expect(outboundPolicy(true, {})).toEqual({ httpsOnly: false, allowLoopback: true });
    expect(outboundPolicy(false, {})).toEqual({ httpsOnly: true, allowLoopback: false });
    expect(outboundPolicy(true, { OUTBOUND_ALLOW_LOOPBACK: 'false' }).allowLoopback).toBe(false);
    expect(outboundPolicy(false, { OUTBOUND_ALLOW_LOOPBACK: 'true' }).allowLoopback).toBe(true);
  });

  it('production URLs: https only, no credentials, literal and bracketed addresses checked', () => {
    expect(checkOutboundUrl('http://partner.example/hook', PRODUCTION, 'url')).toEqual({ refused: 'url must be https' });
    expect(checkOutboundUrl('https://user:pw@partner.example/hook', PRODUCTION, 'url')).toEqual({ refused: 'url must not carry credentials' });
    expect(checkOutboundUrl('ftp://partner.example/', PRODUCTION, 'url')).toEqual({ refused: 'url must be an https URL' });
    expect(checkOutboundUrl('file:///etc/passwd', PRODUCTION, 'url')).toEqual({ refused: 'url must be an https URL' });
    // The WHATWG parser normalises decimal, hex and short forms to dotted quads before the check.
    for (const raw of [
      'https://169.254.169.254/latest/meta-data/',
      'https://2852039166/',
      'https://0xa9fea9fe/',
      'https://[::ffff:a9fe:a9fe]/',
      'https://[fd00:ec2::254]/',
      'https://0/',
      'https://127.1/',
      'https://localhost/',
      'https://api.localhost/',
    ]) {
      expect(checkOutboundUrl(raw, PRODUCTION, 'url'), raw).toMatchObject({ refused: expect.stringMatching(/^url is refused: /) });
    }
    expect('url' in checkOutboundUrl('https://partner.example/tmf', PRODUCTION, 'url')).toBe(true);
  });

  it('a name is checked after DNS: one that resolves to loopback is refused in production', async () => {
    const name = hostname();
    const resolved = await lookup(name, { all: true });
    // This machine's own name resolves to loopback or to its private address: refused either way.
    expect(resolved.every(({ address }) => addressRefusal(address, PRODUCTION) !== null)).toBe(true);
    expect(await resolveOutboundUrl(`https://${name}/hook`, PRODUCTION, 'callback')).toEqual({
      refused: expect.stringMatching(new RegExp(`^callback is refused: ${name} resolves to a refused address: `)),
    });
  });
});

describe('TMF621 hub callbacks', () => {
  let t: TestProduct;
  let token: string;
  let receiver: Awaited<ReturnType<typeof startCountingReceiver>>;
  const servers: { stop(): Promise<void> }[] = [];

  async function hubServer(dev: boolean) {
    const server = await startTmf621Server({
      port: 0,
      dev,
      gateway: { url: t.gatewayUrl },
      verifier: new JwtVerifier({
        jwks: { keys: (await t.graphqlJwks()) as unknown as JSONWebKeySet },
        issuer: 'cpsd-dev-issuer',
        audience: 'cpsd-gateway',
        algorithms: ['RS256', 'ES256', 'EdDSA'],
      }),
    });
    servers.push(server);
    return server;
  }

  async function register(url: string, callback: unknown): Promise<{ status: number; body: Record<string, unknown> }> {
    const response = await fetch(`${url}/hub`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
      body: JSON.stringify({ callback, '@type': 'Hub' }),
    });
    return { status: response.status, body: (await response.json()) as Record<string, unknown> };
  }

  beforeAll(async () => {
    t = await startTestProduct();
    token = await t.token({ sub: 'alice', org: 'ukpn', roles: ['participant'] });
    receiver = await startCountingReceiver();
  });

  afterAll(async () => {
    for (const server of servers) await server.stop();
    await receiver?.close();
    await t?.stop();
  });

  it('production refuses internal callbacks with a 400 naming the field, after DNS', async () => {
    const tmf = await hubServer(false);
    const callbacks = [
      'https://169.254.169.254/latest/meta-data/',
      'https://[fd00:ec2::254]/',
      'https://10.0.0.7/listener',
      'https://127.0.0.1/listener',
      `https://127.0.0.1:${receiver.port}/listener`,
      'https://[::1]/listener',
      'https://[::ffff:127.0.0.1]/listener',
      'https://0.0.0.0/listener',
      'https://224.0.0.1/listener',
      'https://localhost/listener',
      `https://${hostname()}/listener`,
      `http://127.0.0.1:${receiver.port}/listener`,
      'http://listener.partner.example/tmf',
    ];
    for (const callback of callbacks) {
      const answer = await register(tmf.url, callback);
      expect({ callback, status: answer.status, code: answer.body.code }).toEqual({ callback, status: 400, code: 'INVALID_BODY' });
      expect(answer.body.reason, callback).toMatch(/^callback (is refused|must be https)/);
    }
    const kept = await t.graphql<{ ticketHubs: unknown[] }>('{ ticketHubs { id } }', { token });
    expect(kept.data?.ticketHubs).toEqual([]);
    expect(receiver.connections()).toBe(0);
    // A public https callback is accepted (its name is checked again at every connection).
    expect((await register(tmf.url, 'https://listener.partner.example/tmf')).status).toBe(201);
  });

  it('development allows a loopback receiver, never link-local or metadata', async () => {
    const tmf = await hubServer(true);
    for (const callback of ['http://169.254.169.254/latest/meta-data/', 'http://[fe80::1]/', 'http://[::ffff:169.254.169.254]/', 'http://10.1.2.3/']) {
      const answer = await register(tmf.url, callback);
      expect({ callback, status: answer.status }).toEqual({ callback, status: 400 });
      expect(answer.body.reason).toMatch(/^callback is refused: /);
    }
    expect((await register(tmf.url, `http://127.0.0.1:${receiver.port}/listener`)).status).toBe(201);
  });

  it('a callback whose name now resolves to a refused address is refused at connect time and dead-lettered, never called', async () => {
    // A registration made when its name resolved elsewhere: the engine's TMF621 bridge still refuses it at connect time.
    const delivery: OutboundDelivery = {
      deliveryId: '6f0f5f0e-5d1c-4a41-9c3c-0d6f2f1b7a10',
      idempotencyKey: '6f0f5f0e-5d1c-4a41-9c3c-0d6f2f1b7a10',
      attempt: 1,
      event: {
        id: '0d1c2b3a-4e5f-4a6b-8c7d-9e0f1a2b3c4d',
        type: EventType.CASE_RAISED,
        occurredAt: new Date().toISOString(),
        caseId: null,
        caseReference: 'CPSD-000001',
        handoffId: null,
        data: {
          listener: 'troubleTicketCreateEvent',
          body: { '@type': 'TroubleTicketCreateEvent', eventId: 'e-1', event: { troubleTicket: { id: 'CPSD-000001' } } },
        },
      },
      target: {
        deskId: hubEndpointId('7a1f0c2e-3b4d-4e5f-8a9b-0c1d2e3f4a5b'),
        deskName: 'hub',
        contactMethod: { kind: ContactMethodKind.TMF621, address: `http://${hostname()}:${receiver.port}/listener` },
        config: {},
      },
      portalUrl: null,
    };
    const refusing = tmf621Bridge({ dev: true, env: {}, allowLoopback: false });
    const refused = await refusing.deliver(delivery, AbortSignal.timeout(5000));
    expect(refused).toMatchObject({ kind: 'PERMANENT_FAILURE', reason: expect.stringMatching(/refused/) });
    expect(receiver.connections()).toBe(0);
    // The same registration where loopback is allowed is called: the refusal above was the policy, not the network.
    const calling = tmf621Bridge({ dev: true, env: {}, allowLoopback: true });
    expect(await calling.deliver(delivery, AbortSignal.timeout(5000))).toMatchObject({ kind: 'DELIVERED' });
    expect(receiver.requests).toContain('POST /listener/troubleTicketCreateEvent');
    expect(receiver.connections()).toBeGreaterThan(0);
  });
});

describe('desk registrations: a refused URL is dead-lettered at once with the reason, never retried', () => {
  let t: TestProduct;
  let receiver: Awaited<ReturnType<typeof startCountingReceiver>>;
  const tokens: Record<string, string> = {};
  const saved = { loopback: process.env.OUTBOUND_ALLOW_LOOPBACK, secret: process.env.CPSD_SSRF_PARTNER_SECRET };
  const partners = (): DataSource => t.product.subgraphs.find((s) => s.name === 'partners')!.db;

  async function register(deskId: string, kind: 'WEBHOOK' | 'TMF621', address: string, config: Record<string, unknown> = {}): Promise<void> {
    await partners().query(`UPDATE partners.desk_profiles SET contact_kind = $2, contact_address = $3, bridge_config = $4::jsonb WHERE desk_id = $1`, [
      deskId,
      kind,
      address,
      JSON.stringify(config),
    ]);
  }

  async function handOff(toDeskId: string): Promise<string> {
    const gql = async <T>(who: string, query: string, variables: Record<string, unknown>): Promise<T> => {
      const response = await t.graphql<T>(query, { token: tokens[who]!, variables });
      expect(response.errors, JSON.stringify(response.errors)).toBeUndefined();
      return response.data as T;
    };
    const { raiseCase } = await gql<{ raiseCase: { id: string } }>('supplier', 'mutation($input: RaiseCaseInput!) { raiseCase(input: $input) { id } }', {
      input: {
        deskId: 'elexon-service-desk',
        category: 'MARKET_SYSTEMS',
        subject: `Adaptor drops a field (${toDeskId})`,
        description: 'Messages are rejected.',
      },
    });
    await gql('elexonAgent', 'mutation($input: TriageCaseInput!) { triageCase(input: $input) { id } }', {
      input: { caseId: raiseCase.id, type: 'INCIDENT', impact: 'MEDIUM', urgency: 'HIGH' },
    });
    const handed = await gql<{ handOffCase: { handoffs: { id: string; toDesk: { id: string } }[] } }>(
      'elexonAgent',
      'mutation($input: HandOffCaseInput!) { handOffCase(input: $input) { handoffs { id toDesk { id } } } }',
      { input: { caseId: raiseCase.id, toDeskId, reason: 'Their adaptor drops a field' } },
    );
    return handed.handOffCase.handoffs.find((h) => h.toDesk.id === toDeskId)!.id;
  }

  async function dead(handoffId: string): Promise<{ state: string; attemptCount: number; lastError: string; attempts: { outcome: string }[] }> {
    return waitFor(
      async () => {
        const response = await t.graphql<{
          deliveries: { edges: { node: { state: string; attemptCount: number; lastError: string; attempts: { outcome: string }[] } }[] };
        }>(
          'query($filter: DeliveryFilter) { deliveries(filter: $filter, first: 5) { edges { node { state attemptCount lastError attempts { outcome } } } } }',
          { token: tokens.admin!, variables: { filter: { handoffId } } },
        );
        const node = response.data?.deliveries.edges[0]?.node;
        return node && node.state !== 'PENDING' && node.state !== 'RETRY_SCHEDULED' && node.state !== 'IN_FLIGHT' ? node : null;
      },
      `the delivery of ${handoffId} to settle`,
      20_000,
    );
  }

  beforeAll(async () => {
    // As production: loopback refused (the delivery engine reads its bridges' settings from the process environment).
    process.env.OUTBOUND_ALLOW_LOOPBACK = 'false';
    process.env.CPSD_SSRF_PARTNER_SECRET = 'not-a-real-secret';
    receiver = await startCountingReceiver();
    t = await startTestProduct({ DELIVERY_BACKOFF_BASE_MS: '50', DELIVERY_BACKOFF_CAP_MS: '200', DELIVERY_POLL_MS: '100', DELIVERY_MAX_ATTEMPTS: '8' });
    tokens.supplier = await t.token({ sub: 'sally@britishgas.example', org: 'british-gas', roles: ['participant'] });
    tokens.elexonAgent = await t.token({ sub: 'eve@elexon.example', org: 'elexon', roles: ['participant', 'desk_agent'], desks: ['elexon-service-desk'] });
    tokens.admin = await t.token({ sub: 'ada@elexon.example', org: 'elexon', roles: ['cpsd_admin'] });
  });

  afterAll(async () => {
    await t?.stop();
    await receiver?.close();
    for (const [key, name] of [
      ['loopback', 'OUTBOUND_ALLOW_LOOPBACK'],
      ['secret', 'CPSD_SSRF_PARTNER_SECRET'],
    ] as const) {
      if (saved[key] === undefined) delete process.env[name];
      else process.env[name] = saved[key];
    }
  });

  it('a webhook to the metadata address', async () => {
    await register('kraken-software-desk', 'WEBHOOK', 'http://169.254.169.254/latest/meta-data/iam/security-credentials/');
    const delivery = await dead(await handOff('kraken-software-desk'));
    expect(delivery).toMatchObject({ state: 'DEAD', attemptCount: 1, attempts: [{ outcome: 'PERMANENT_FAILURE' }] });
    expect(delivery.lastError).toMatch(/webhook URL \(bridge_config\.url\) is refused: 169\.254\.169\.254 is a cloud metadata address/);
  });

  it('a webhook whose name resolves to loopback: refused at connect time, the receiver never reached', async () => {
    await register('gridlink-dcp-desk', 'WEBHOOK', `http://${hostname()}:${receiver.port}/hooks/cpsd`);
    const delivery = await dead(await handOff('gridlink-dcp-desk'));
    expect(delivery).toMatchObject({ state: 'DEAD', attemptCount: 1, attempts: [{ outcome: 'PERMANENT_FAILURE' }] });
    expect(delivery.lastError).toMatch(new RegExp(`is refused: ${hostname()} resolves to a refused address`));
    expect(receiver.connections()).toBe(0);
  });

  it('a TMF621 endpoint on a private address', async () => {
    await register('meterbridge-dcp-desk', 'TMF621', 'https://10.0.0.7/tmf-api/troubleTicket/v5');
    const delivery = await dead(await handOff('meterbridge-dcp-desk'));
    expect(delivery).toMatchObject({ state: 'DEAD', attemptCount: 1 });
    expect(delivery.lastError).toMatch(/TMF621 URL \(bridge_config\.url\) is refused: 10\.0\.0\.7 is a private address/);
  });

  it('a TMF621 OAuth token URL on the metadata address', async () => {
    await register('wheatley-software-desk', 'TMF621', 'https://tmf.partner.example/tmf-api/troubleTicket/v5', {
      tokenUrl: 'http://[::ffff:169.254.169.254]/latest/meta-data/',
      clientId: 'cpsd',
      clientSecretEnv: 'CPSD_SSRF_PARTNER_SECRET',
    });
    const delivery = await dead(await handOff('wheatley-software-desk'));
    expect(delivery).toMatchObject({ state: 'DEAD', attemptCount: 1 });
    expect(delivery.lastError).toMatch(/OAuth token URL \(bridge_config\.tokenUrl\) is refused: 169\.254\.169\.254 is a cloud metadata address/);
    expect(receiver.connections()).toBe(0);
  });
});

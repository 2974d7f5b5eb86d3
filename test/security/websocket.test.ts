/**
 * Attacks on the gateway's WebSocket transport: hostile frames, resets during the upgrade, forged origins, too many
 * sockets, half-open sockets, schema probing in production, and cost hidden in variables. Each is refused with its
 * exact close code or error, and the product answers afterwards.
 */
import net from 'node:net';
import { createClient, type Client } from 'graphql-ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { configurePartnerAuth } from '../../gateway/auth';
import { startGateway, type RunningGateway } from '../../gateway/server';
import { GatewayCloseCode, type SubscriptionLimits } from '../../gateway/subscriptions';
import { loadConfig } from '../../platform/config';
import { startTestProduct, waitFor, type TestProduct } from '../e2e/harness';

let t: TestProduct;
/** A production-mode replica with small WebSocket limits, on the same subgraphs and bus. */
let strict: RunningGateway;
/**
 * The same, with the default keep-alive: a paused reader cannot answer pings, so on `strict` (300 ms) keep-alive may
 * terminate it (1006) before its backlog is measured, however slow the machine is.
 */
let patient: RunningGateway;
let alice: string;
const clients: Client[] = [];

const wsUrl = (httpUrl: string) => httpUrl.replace(/^http/, 'ws');

beforeAll(async () => {
  t = await startTestProduct();
  alice = await t.token({ sub: 'alice', org: 'ukpn', roles: ['participant'] });
  const config = loadConfig({ ...process.env, CPSD_DATA_DIR: t.dataDir, DATABASE_URL: 'unused' });
  const { jwtVerifier } = await configurePartnerAuth(config);
  const replica = (subscriptionLimits: Partial<SubscriptionLimits>) =>
    startGateway({
      host: '127.0.0.1',
      port: 0,
      supergraphPath: config.supergraphPath,
      subgraphUrls: Object.fromEntries(t.product.subgraphs.map((s) => [s.name, s.url])),
      jwtVerifier,
      signer: t.product.signer,
      limits: config.limits,
      dev: false,
      lifecycle: t.product.lifecycle,
      bus: t.product.bus,
      allowedOrigins: [],
      subscriptionLimits,
    });
  strict = await replica({ pingIntervalMs: 300, maxConnectionsPerPrincipal: 2 });
  patient = await replica({ pingIntervalMs: 60_000 });
});

afterAll(async () => {
  await Promise.all(clients.map((c) => c.dispose()));
  await t?.stop();
});

async function stillAnswers(): Promise<void> {
  const response = await t.graphql<{ me: { subject: string } }>('{ me { subject } }', { token: alice });
  expect(response.status).toBe(200);
  expect(response.data?.me.subject).toBe('alice');
}

/** A raw TCP WebSocket handshake on /graphql; resolves with the socket once the server answered 101. */
function rawHandshake(url: string, extraHeaders = ''): Promise<{ socket: net.Socket; received: Buffer[] }> {
  const { port } = new URL(url);
  return new Promise((resolve, reject) => {
    const socket = net.connect(Number(port), '127.0.0.1');
    const received: Buffer[] = [];
    socket.on('error', () => undefined);
    socket.on('data', (chunk: Buffer) => {
      received.push(chunk);
      if (Buffer.concat(received).includes('\r\n\r\n')) {
        const head = Buffer.concat(received).toString('latin1');
        if (!head.startsWith('HTTP/1.1 101')) reject(new Error(head));
        received.length = 0;
        resolve({ socket, received });
      }
    });
    socket.write(
      `GET /graphql HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n` +
        `Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Protocol: graphql-transport-ws\r\n${extraHeaders}\r\n`,
    );
  });
}

/** The code of the server's close frame (unmasked, as a server sends it). */
async function closeCode(received: Buffer[], socket: net.Socket): Promise<number> {
  return waitFor(
    () => {
      const data = Buffer.concat(received);
      return data.length >= 4 && (data[0] & 0x0f) === 0x8 ? data.readUInt16BE(2) : socket.destroyed && -1;
    },
    'a close frame',
    10_000,
  );
}

describe('a hostile frame closes only its own connection', () => {
  it('an unmasked client frame (7 bytes), before connection_init and without a token, is closed with 1002', async () => {
    const { socket, received } = await rawHandshake(t.gatewayUrl);
    socket.write(Buffer.from([0x81, 0x05, 0x68, 0x65, 0x6c, 0x6c, 0x6f]));
    expect(await closeCode(received, socket)).toBe(1002);
    socket.destroy();
    await stillAnswers();
  });

  it('a frame over maxPayload is closed with 1009', async () => {
    const { socket, received } = await rawHandshake(t.gatewayUrl);
    // A masked text frame announcing 1 MiB (64-bit length): refused on the header alone.
    const header = Buffer.alloc(14);
    header[0] = 0x81;
    header[1] = 0x80 | 127;
    header.writeBigUInt64BE(1024n * 1024n, 2);
    socket.write(header);
    expect(await closeCode(received, socket)).toBe(1009);
    socket.destroy();
    await stillAnswers();
  });

  it('a client that resets the TCP connection in the middle of an upgrade does not end the process', async () => {
    const { port } = new URL(t.gatewayUrl);
    for (const path of ['/graphql', '/not-graphql']) {
      for (let i = 0; i < 20; i++) {
        const socket = net.connect(Number(port), '127.0.0.1');
        socket.on('error', () => undefined);
        await new Promise<void>((resolve) => socket.once('connect', () => resolve()));
        socket.write(
          `GET ${path} HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nOrigin: https://evil.example\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n`,
        );
        socket.resetAndDestroy();
      }
    }
    await stillAnswers();
  });

  it('bad upgrade headers get 400, not a crash', async () => {
    const { port } = new URL(t.gatewayUrl);
    const socket = net.connect(Number(port), '127.0.0.1');
    const chunks: Buffer[] = [];
    socket.on('data', (c: Buffer) => chunks.push(c));
    socket.write('GET /graphql HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Version: 99\r\n\r\n');
    const head = await waitFor(() => Buffer.concat(chunks).toString('latin1').split('\r\n')[0], 'an answer', 10_000);
    expect(head).toBe('HTTP/1.1 400 Bad Request');
    socket.destroy();
    await stillAnswers();
  });
});

describe('origins', () => {
  function upgradeStatus(url: string, headers: Record<string, string>): Promise<number> {
    const socket = new WebSocket(wsUrl(url), 'graphql-transport-ws', { headers });
    return new Promise<number>((resolve) => {
      socket.on('unexpected-response', (_req, res) => resolve(res.statusCode ?? 0));
      socket.on('open', () => {
        socket.close();
        resolve(101);
      });
      socket.on('error', () => resolve(-1));
    });
  }

  it('an Origin equal to a forged Host header is refused with 403', async () => {
    expect(await upgradeStatus(t.gatewayUrl, { origin: 'https://evil.example', host: 'evil.example' })).toBe(403);
    await stillAnswers();
  });

  it("the gateway's own listening origin is allowed", async () => {
    expect(await upgradeStatus(t.gatewayUrl, { origin: new URL(t.gatewayUrl).origin })).toBe(101);
  });
});

function connect(url: string, token: string, onClose: (code: number) => void, extra: Partial<Parameters<typeof createClient>[0]> = {}): Client {
  const client = createClient({
    url: wsUrl(url),
    webSocketImpl: WebSocket,
    retryAttempts: 0,
    lazy: false,
    connectionParams: { authorization: `Bearer ${token}` },
    on: { closed: (event) => onClose((event as { code: number }).code) },
    ...extra,
  });
  clients.push(client);
  return client;
}

describe('per-principal connection cap (2 on the strict gateway)', () => {
  it('a third socket for the same user is closed with TooManyConnections after connection_init', async () => {
    const token = await t.token({ sub: 'carol', org: 'british-gas' });
    const codes: number[] = [];
    let connected = 0;
    const on = {
      connected: () => {
        connected += 1;
      },
    };
    connect(strict.url, token, (c) => codes.push(c), { on: { connected: on.connected, closed: (e) => codes.push((e as { code: number }).code) } });
    connect(strict.url, token, (c) => codes.push(c), { on: { connected: on.connected, closed: (e) => codes.push((e as { code: number }).code) } });
    await waitFor(() => connected === 2, 'two connections', 10_000);
    connect(strict.url, token, (c) => codes.push(c));
    await waitFor(() => codes.length === 1, 'the third close', 10_000);
    expect(codes).toEqual([GatewayCloseCode.TooManyConnections]);
    // Another user is not affected.
    let other = false;
    connect(strict.url, alice, () => undefined, {
      on: {
        connected: () => {
          other = true;
        },
      },
    });
    await waitFor(() => other, 'another user connects', 10_000);
    await stillAnswers();
  });
});

describe('keep-alive', () => {
  it('a socket that does not answer pings is terminated', async () => {
    const socket = new WebSocket(wsUrl(strict.url), 'graphql-transport-ws', { autoPong: false });
    let pinged = 0;
    socket.on('ping', () => {
      pinged += 1;
    });
    let closed = false;
    socket.on('close', () => {
      closed = true;
    });
    await new Promise<void>((resolve) => socket.once('open', () => resolve()));
    socket.send(JSON.stringify({ type: 'connection_init', payload: { authorization: `Bearer ${alice}` } }));
    await waitFor(() => closed, 'the termination', 10_000);
    expect(pinged).toBeGreaterThanOrEqual(1);
    await stillAnswers();
  });

  it('a socket that answers pings stays open past several ping periods', async () => {
    const socket = new WebSocket(wsUrl(strict.url), 'graphql-transport-ws');
    let pinged = 0;
    socket.on('ping', () => {
      pinged += 1;
    });
    await new Promise<void>((resolve) => socket.once('open', () => resolve()));
    socket.send(JSON.stringify({ type: 'connection_init', payload: { authorization: `Bearer ${alice}` } }));
    await waitFor(() => pinged >= 4, 'four pings', 10_000);
    expect(socket.readyState).toBe(WebSocket.OPEN);
    socket.close();
  });
});

function subscribeOnce(client: Client, query: string, variables: Record<string, unknown>): Promise<unknown[]> {
  return new Promise((resolve) => {
    const errors: unknown[] = [];
    client.subscribe(
      { query, variables },
      {
        next: (r) => void (r.errors && errors.push(...r.errors)),
        error: (e) => resolve([...errors, ...(Array.isArray(e) ? e : [e])]),
        complete: () => resolve(errors),
      },
    );
  });
}

describe('WebSocket errors and limits are those of HTTP', () => {
  it('in production a misspelt field gets no "Did you mean" suggestion', async () => {
    const client = connect(strict.url, await t.token({ sub: 'dave', org: 'eon-next' }), () => undefined);
    const errors = (await subscribeOnce(client, 'subscription($caseId: ID!) { caseEvents(caseId: $caseId) { sequenc } }', { caseId: '1' })) as {
      message: string;
      extensions: Record<string, unknown>;
    }[];
    expect(errors).toHaveLength(1);
    expect(errors[0].message).toBe('Cannot query field "sequenc" on type "CaseEvent".');
    expect(errors[0].extensions.code).toBe('GRAPHQL_VALIDATION_FAILED');
    await stillAnswers();
  });

  it('cost hidden in a variable is refused like a literal one', async () => {
    const client = connect(t.gatewayUrl, await t.token({ sub: 'erin', org: 'eon-next' }), () => undefined);
    // A list argument costs what is under it once per item: 6000 services × sequence is over the cost limit of 5000.
    const query = 'subscription($s: [Service!]) { majorIncidentUpdates(services: $s) { sequence } }';
    const errors = (await subscribeOnce(client, query, { s: Array.from({ length: 6000 }, () => 'DIP') })) as { extensions: Record<string, unknown> }[];
    expect(errors.map((e) => e.extensions)).toEqual([expect.objectContaining({ code: 'GRAPHQL_VALIDATION_FAILED', limit: 'cost' })]);
    await stillAnswers();
  });
});

describe('refusals at subscribe carry the error contract’s codes', () => {
  it('an unseen case is NOT_FOUND, a query is BAD_REQUEST, an unnamed choice of operations BAD_USER_INPUT, a broken document GRAPHQL_PARSE_FAILED', async () => {
    const client = connect(t.gatewayUrl, await t.token({ sub: 'frank', org: 'eon-next' }), () => undefined);
    const refused = async (query: string, variables: Record<string, unknown> = {}) =>
      ((await subscribeOnce(client, query, variables)) as { message: string; extensions: Record<string, unknown> }[]).map((e) => ({
        message: e.message,
        code: e.extensions.code,
      }));
    const caseEvents = (name: string) => `subscription ${name}($caseId: ID!) { caseEvents(caseId: $caseId) { sequence } }`;
    expect(await refused(caseEvents('Unseen'), { caseId: '00000000-0000-4000-8000-000000000000' })).toEqual([{ message: 'Case not found', code: 'NOT_FOUND' }]);
    expect(await refused('query Q { __typename }')).toEqual([
      { message: expect.stringContaining('Only subscriptions run over WebSocket'), code: 'BAD_REQUEST' },
    ]);
    expect(await refused(`${caseEvents('A')} ${caseEvents('B')}`, { caseId: '1' })).toEqual([{ message: 'Name the operation to run', code: 'BAD_USER_INPUT' }]);
    expect(await refused('subscription {', {})).toEqual([{ message: expect.stringContaining('Syntax Error'), code: 'GRAPHQL_PARSE_FAILED' }]);
    await stillAnswers();
  });
});

describe('a paused reader', () => {
  it('is closed with SlowConsumer (1013) once its socket backlog passes maxBufferedBytes (1 MiB), counted across all its subscriptions', async () => {
    // Not carol: the cap test leaves her at her two sockets.
    const sally = await t.token({ sub: 'sally', org: 'british-gas' });
    const agent = await t.token({ sub: 'eve', org: 'elexon', roles: ['participant', 'desk_agent'], desks: ['elexon-service-desk'] });
    const raised = await t.graphql<{ raiseCase: { id: string } }>('mutation($input: RaiseCaseInput!) { raiseCase(input: $input) { id } }', {
      token: sally,
      variables: { input: { deskId: 'elexon-service-desk', category: 'MARKET_SYSTEMS', subject: 'big', description: 'x'.repeat(4_000) } },
    });
    expect(raised.errors, JSON.stringify(raised.errors)).toBeUndefined();
    const caseId = raised.data!.raiseCase.id;
    const socket = new WebSocket(wsUrl(patient.url), 'graphql-transport-ws');
    let code = 0;
    socket.on('close', (c) => {
      code = c;
    });
    let acked = false;
    socket.on('message', (m) => {
      if (String(m).includes('connection_ack')) acked = true;
    });
    await new Promise<void>((resolve) => socket.once('open', () => resolve()));
    socket.send(JSON.stringify({ type: 'connection_init', payload: { authorization: `Bearer ${sally}` } }));
    await waitFor(() => acked, 'the ack', 10_000);
    const before = patient.subscriptions.count();
    for (let i = 0; i < 20; i++) {
      socket.send(
        JSON.stringify({
          id: String(i),
          type: 'subscribe',
          payload: {
            query:
              'subscription($c: ID!) { caseEvents(caseId: $c) { sequence case { d1: description d2: description d3: description d4: description d5: description } } }',
            variables: { c: caseId },
          },
        }),
      );
    }
    await waitFor(() => patient.subscriptions.count() >= before + 20, 'twenty subscriptions', 10_000);
    // Twenty subscriptions of fixed-size (20 kB) events: each one's unsent message stays under 1 MiB, their sum does not.
    (socket as unknown as { _socket: net.Socket })._socket.pause();
    for (let i = 0; i < 200 && patient.subscriptions.count() > before; i++) {
      const r = await t.graphql('mutation($input: AddCommentInput!) { addComment(input: $input) { id } }', {
        token: agent,
        variables: { input: { caseId, body: 'y', visibility: 'CUSTOMER_VISIBLE' } },
      });
      expect(r.errors, JSON.stringify(r.errors)).toBeUndefined();
    }
    await waitFor(() => patient.subscriptions.count() === before, 'the slow consumer dropped', 20_000);
    (socket as unknown as { _socket: net.Socket })._socket.resume();
    await waitFor(() => code !== 0, 'the close', 20_000);
    expect(code).toBe(GatewayCloseCode.SlowConsumer);
    await stillAnswers();
  });
});

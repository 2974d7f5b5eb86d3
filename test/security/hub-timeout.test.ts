/**
 * A hung hub must not hang authentication: the gateway's directory look-up (gateway/directory-scope.ts) times out,
 * answers 503 with a GraphQL error body while it knows no directory, keeps serving the directory it has, and recovers
 * by itself once the hub answers again. Against real servers that accept a connection and never answer.
 */
import { createServer as createHttpServer, type Server as HttpServer } from 'node:http';
import { createServer, type AddressInfo, type Server, type Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { configurePartnerAuth } from '../../gateway/auth';
import { DirectoryScope, DirectoryUnavailableError } from '../../gateway/directory-scope';
import { startGateway, type RunningGateway } from '../../gateway/server';
import { loadConfig } from '../../platform/config';
import { generateIdentityKeyPair, IdentityTokenSigner } from '../../platform/identity-token';
import { Lifecycle } from '../../platform/lifecycle';
import { Role } from '../../schema/enums';
import { startTestProduct, type TestProduct } from '../e2e/harness';

let t: TestProduct;
let elexonUrl = '';

/** A TCP server that accepts every connection, reads what it is sent, and never writes a byte. */
async function hungServer(): Promise<{ url: string; close(): Promise<void> }> {
  const sockets = new Set<Socket>();
  const server: Server = createServer((socket) => {
    sockets.add(socket);
    socket.on('error', () => undefined);
    socket.resume();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/graphql`,
    close: async () => {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** The real hub behind a switch: while `hang` is set, requests are accepted and never answered. */
interface SwitchableHub {
  url: string;
  hang: boolean;
  /** Requests that reached the hub (answered or not). */
  requests: number;
  close(): Promise<void>;
}

async function switchableHub(upstream: string): Promise<SwitchableHub> {
  const hub: SwitchableHub = { url: '', hang: false, requests: 0, close: async () => undefined };
  const server: HttpServer = createHttpServer(async (req, res) => {
    hub.requests++;
    if (hub.hang) return;
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const headers = Object.fromEntries(
      Object.entries(req.headers).filter((e): e is [string, string] => typeof e[1] === 'string' && e[0] !== 'host' && e[0] !== 'content-length'),
    );
    const answer = await fetch(upstream, { method: 'POST', headers, body: Buffer.concat(chunks) });
    res.writeHead(answer.status, { 'content-type': answer.headers.get('content-type') ?? 'application/json' });
    res.end(Buffer.from(await answer.arrayBuffer()));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  hub.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/graphql`;
  hub.close = async () => {
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  };
  return hub;
}

const SALLY = { subject: 'sally@britishgas.example', organisationId: 'british-gas', roles: [Role.PARTICIPANT], deskIds: [] };

beforeAll(async () => {
  t = await startTestProduct();
  elexonUrl = t.product.subgraphs.find((s) => s.name === 'elexon')!.url;
});

afterAll(async () => {
  await t?.stop();
});

describe('the directory look-up against a hub that never answers', () => {
  let hung: Awaited<ReturnType<typeof hungServer>>;
  beforeAll(async () => {
    hung = await hungServer();
  });
  afterAll(async () => {
    await hung?.close();
  });

  it('fails fast with DirectoryUnavailableError instead of waiting for ever', async () => {
    const keys = await generateIdentityKeyPair();
    const scope = new DirectoryScope(hung.url, new IdentityTokenSigner(keys.privateKey), { timeoutMs: 300 });
    const started = Date.now();
    await expect(scope.principalFor(SALLY)).rejects.toBeInstanceOf(DirectoryUnavailableError);
    expect(Date.now() - started).toBeLessThan(3_000);
  });

  it('keeps serving the directory it already has while the hub hangs, without waiting on it', async () => {
    const hub = await switchableHub(elexonUrl);
    try {
      // ttlMs 0: every look-up finds the directory stale and asks the hub again, behind the answer.
      const scope = new DirectoryScope(hub.url, t.product.signer, { ttlMs: 0, timeoutMs: 60_000 });
      expect((await scope.principalFor(SALLY))?.visibleOrganisationIds).toEqual(['british-gas']);
      hub.hang = true;
      const before = hub.requests;
      const started = Date.now();
      const principal = await scope.principalFor({ ...SALLY, roles: [Role.PARTICIPANT, Role.CPSD_ADMIN] });
      // Answered from the cached directory (the refresh it started is still hanging on a 60 s timeout)…
      expect(Date.now() - started).toBeLessThan(1_000);
      // …with the cached grants: still no cpsd_admin for a supplier.
      expect(principal).toMatchObject({ organisationId: 'british-gas', visibleOrganisationIds: ['british-gas'], roles: [Role.PARTICIPANT] });
      await expect.poll(() => hub.requests).toBeGreaterThan(before);
    } finally {
      await hub.close();
    }
  });
});

describe('the gateway in front of a hung hub', () => {
  let hub: SwitchableHub;
  let gateway: RunningGateway;
  const lifecycle = new Lifecycle();
  let token = '';

  beforeAll(async () => {
    hub = await switchableHub(elexonUrl);
    hub.hang = true;
    const config = loadConfig({ ...process.env, CPSD_DATA_DIR: t.dataDir });
    const { jwtVerifier } = await configurePartnerAuth(config);
    gateway = await startGateway({
      host: '127.0.0.1',
      port: 0,
      supergraphPath: config.supergraphPath,
      subgraphUrls: { ...Object.fromEntries(t.product.subgraphs.map((s) => [s.name, s.url])), elexon: hub.url },
      jwtVerifier,
      signer: t.product.signer,
      limits: config.limits,
      dev: true,
      lifecycle,
      bus: t.product.bus,
      allowedOrigins: [],
    });
    token = await t.token({ sub: 'sally@britishgas.example', org: 'british-gas' });
  });

  afterAll(async () => {
    await lifecycle.stop();
    await hub?.close();
  });

  it('answers 503 with a GraphQL error body within a few seconds, not a hang', async () => {
    const started = Date.now();
    const response = await fetch(gateway.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
      body: JSON.stringify({ query: '{ me { subject } }' }),
      signal: AbortSignal.timeout(20_000),
    });
    expect(Date.now() - started).toBeLessThan(10_000);
    expect(response.status).toBe(503);
    expect(response.headers.get('content-type')).toMatch(/^application\/(graphql-response\+)?json/);
    expect(await response.json()).toEqual({
      errors: [{ message: 'The CPSD directory is not available; try again shortly', extensions: { code: 'SERVICE_UNAVAILABLE' } }],
    });
  });

  it('recovers by itself once the hub answers again', async () => {
    hub.hang = false;
    const response = await t.graphql<{ me: { subject: string } }>('{ me { subject } }', { token, url: gateway.url });
    expect(response.status).toBe(200);
    expect(response.data?.me.subject).toBe('sally@britishgas.example');
  });
});

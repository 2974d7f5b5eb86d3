/**
 * Claims vs the directory: a token asks for roles and desks; only what the directory grants its organisation counts.
 * Each case is an attack and the exact answer it must get.
 */
import { createServer as createHttpServer } from 'node:http';
import { createServer, type Server, type Socket } from 'node:net';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { DirectoryScope, DirectoryUnavailableError } from '../../gateway/directory-scope';
import { generateIdentityKeyPair, IdentityTokenSigner } from '../../platform/identity-token';
import { logger } from '../../platform/logger';
import { Role } from '../../schema/enums';
import { startTestProduct, type TestProduct } from '../e2e/harness';

let t: TestProduct;
const tokens: Record<string, string> = {};
let elexonCaseId = '';
let britishGasCaseId = '';

const CASE = 'query($id: ID!) { case(id: $id) { id subject } }';

beforeAll(async () => {
  t = await startTestProduct();
  tokens.supplier = await t.token({ sub: 'sam', org: 'british-gas', roles: ['participant'] });
  tokens.eon = await t.token({ sub: 'erin', org: 'eon-next', roles: ['participant'] });
  // The attacks: a supplier's token claiming Elexon's desk, cpsd_admin, and Major Incident Manager.
  tokens.fakeAgent = await t.token({ sub: 'mallory', org: 'eon-next', roles: ['participant', 'desk_agent'], desks: ['elexon-service-desk'] });
  tokens.fakeAdmin = await t.token({ sub: 'mallory', org: 'eon-next', roles: ['participant', 'cpsd_admin'] });
  tokens.fakeMim = await t.token({ sub: 'mallory', org: 'eon-next', roles: ['participant', 'major_incident_manager'] });
  tokens.realAgent = await t.token({ sub: 'eve', org: 'elexon', roles: ['participant', 'desk_agent'], desks: ['elexon-service-desk'] });
  const raise = 'mutation($input: RaiseCaseInput!) { raiseCase(input: $input) { id } }';
  const a = await t.graphql<{ raiseCase: { id: string } }>(raise, {
    token: tokens.supplier,
    variables: { input: { deskId: 'elexon-service-desk', category: 'MARKET_SYSTEMS', subject: 'DIP rejecting our messages', description: 'Since 09:00' } },
  });
  elexonCaseId = a.data!.raiseCase.id;
  britishGasCaseId = elexonCaseId;
  const b = await t.graphql<{ raiseCase: { id: string } }>(raise, {
    token: tokens.eon,
    variables: { input: { deskId: 'elexon-service-desk', category: 'MARKET_SYSTEMS', subject: 'Our own case', description: 'Ours' } },
  });
  expect(b.data?.raiseCase.id).toBeTruthy();
});

afterAll(async () => {
  await t?.stop();
});

describe("a supplier's token claiming desk_agent at Elexon's desk", () => {
  it('is told the case does not exist, exactly as for a missing id', async () => {
    const attack = await t.graphql(CASE, { token: tokens.fakeAgent, variables: { id: britishGasCaseId } });
    const missing = await t.graphql(CASE, { token: tokens.fakeAgent, variables: { id: '00000000-0000-4000-8000-000000000000' } });
    expect(attack.data).toEqual({ case: null });
    expect(attack.data).toEqual(missing.data);
    expect(attack.errors).toEqual(missing.errors);
  });

  it("cannot triage the case, and it stays untriaged", async () => {
    const attack = await t.graphql('mutation($input: TriageCaseInput!) { triageCase(input: $input) { id priority } }', {
      token: tokens.fakeAgent,
      variables: { input: { caseId: elexonCaseId, type: 'INCIDENT', impact: 'HIGH', urgency: 'HIGH' } },
    });
    expect(attack.data?.triageCase ?? null).toBeNull();
    expect(attack.errors?.[0]?.extensions?.code).toBe('NOT_FOUND');
    const real = await t.graphql<{ case: { priority: string | null; state: string } }>('query($id: ID!) { case(id: $id) { priority state } }', {
      token: tokens.realAgent,
      variables: { id: elexonCaseId },
    });
    expect(real.data?.case).toEqual({ priority: null, state: 'NEW' });
  });

  it("the desk's queue shows it nothing of Elexon's desk", async () => {
    const queue = await t.graphql<{ cases: { edges: { node: { id: string } }[] } }>(
      'query { cases(filter: { deskIds: ["elexon-service-desk"] }, first: 50) { edges { node { id } } } }',
      { token: tokens.fakeAgent },
    );
    const ids = (queue.data?.cases.edges ?? []).map((e) => e.node.id);
    expect(ids).not.toContain(britishGasCaseId);
  });

  it('keeps what the directory does grant: the token still answers me, with the desk dropped', async () => {
    const me = await t.graphql<{ me: { subject: string; roles: string[]; desks: { id: string }[] } }>('{ me { subject roles desks { id } } }', { token: tokens.fakeAgent });
    expect(me.data?.me).toEqual({ subject: 'mallory', roles: ['PARTICIPANT', 'DESK_AGENT'], desks: [] });
  });
});

describe("a supplier's token claiming cpsd_admin", () => {
  it("sees only its own organisation's cases, not every organisation's", async () => {
    const list = await t.graphql<{ cases: { edges: { node: { id: string; subject: string } }[] } }>('query { cases(first: 100) { edges { node { id subject } } } }', {
      token: tokens.fakeAdmin,
    });
    const subjects = (list.data?.cases.edges ?? []).map((e) => e.node.subject);
    expect(subjects).toContain('Our own case');
    expect(subjects).not.toContain('DIP rejecting our messages');
    const direct = await t.graphql(CASE, { token: tokens.fakeAdmin, variables: { id: britishGasCaseId } });
    expect(direct.data).toEqual({ case: null });
  });

  it('is not an admin for deliveries either', async () => {
    const me = await t.graphql<{ me: { roles: string[] } }>('{ me { roles } }', { token: tokens.fakeAdmin });
    expect(me.data?.me.roles).toEqual(['PARTICIPANT']);
  });
});

describe("a supplier's token claiming major_incident_manager", () => {
  it('holds no MI manager role: it cannot review a candidate', async () => {
    const me = await t.graphql<{ me: { roles: string[] } }>('{ me { roles } }', { token: tokens.fakeMim });
    expect(me.data?.me.roles).toEqual(['PARTICIPANT']);
    const review = await t.graphql('mutation { reviewMajorIncident(id: "00000000-0000-4000-8000-000000000000", decision: PROMOTE, input: {}) { id } }', {
      token: tokens.fakeMim,
    });
    expect(review.errors?.length).toBeGreaterThan(0);
    expect(['FORBIDDEN', 'NOT_FOUND', 'GRAPHQL_VALIDATION_FAILED', 'BAD_USER_INPUT']).toContain(review.errors?.[0]?.extensions?.code);
  });
});

describe('the directory says who may hold what', () => {
  it('publishes each organisation its granted roles: cpsd_admin only for Elexon, MI managers only in CSPs', async () => {
    const orgs = await t.graphql<{ organisations: { id: string; centralServiceProvider: boolean; grantedRoles: string[] }[] }>(
      '{ organisations { id centralServiceProvider grantedRoles } }',
      { token: tokens.supplier },
    );
    const list = orgs.data!.organisations;
    expect(list.filter((o) => o.grantedRoles.includes('CPSD_ADMIN')).map((o) => o.id)).toEqual(['elexon']);
    for (const o of list) expect(o.grantedRoles.includes('MAJOR_INCIDENT_MANAGER')).toBe(o.centralServiceProvider);
  });
});

describe('a refused claim is logged once, without the token', () => {
  it('logs the organisation, subject and refused claim once, however often the token is used', async () => {
    const warn = vi.spyOn(logger, 'warn');
    try {
      const token = await t.token({ sub: 'trudy', org: 'eon-next', roles: ['participant', 'cpsd_admin'] });
      for (let i = 0; i < 3; i++) expect((await t.graphql('{ me { subject } }', { token })).status).toBe(200);
      const refusals = warn.mock.calls.filter(([fields]) => (fields as { subject?: string }).subject === 'trudy');
      expect(refusals).toEqual([
        [{ organisationId: 'eon-next', subject: 'trudy', claim: 'roles', value: 'cpsd_admin' }, 'token claim not granted by the directory: ignored'],
      ]);
      expect(JSON.stringify(warn.mock.calls)).not.toContain(token);
    } finally {
      warn.mockRestore();
    }
  });
});

describe('a hung hub (the directory does not answer)', () => {
  let hung: Server;
  const sockets = new Set<Socket>();
  let url = '';

  beforeAll(async () => {
    hung = createServer((socket) => {
      sockets.add(socket); // accepts, reads, never answers
      socket.on('error', () => undefined);
    });
    await new Promise<void>((resolve) => hung.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(hung.address() as AddressInfo).port}/graphql`;
  });

  afterAll(async () => {
    for (const socket of sockets) socket.destroy();
    await new Promise<void>((resolve) => hung.close(() => resolve()));
  });

  it('fails fast with DirectoryUnavailableError instead of waiting for ever', async () => {
    const keys = await generateIdentityKeyPair();
    const scope = new DirectoryScope(url, new IdentityTokenSigner(keys.privateKey), { timeoutMs: 300 });
    const started = Date.now();
    await expect(scope.principalFor({ subject: 'sam', organisationId: 'british-gas', roles: [Role.PARTICIPANT], deskIds: [] })).rejects.toBeInstanceOf(
      DirectoryUnavailableError,
    );
    expect(Date.now() - started).toBeLessThan(5_000);
  });

  it('recovers by itself once the hub answers again', async () => {
    const elexonUrl = t.product.subgraphs.find((s) => s.name === 'elexon')!.url;
    let hang = true;
    // A hub that hangs until told otherwise, then passes requests through to the real one.
    const flaky = createHttpServer(async (req, res) => {
      if (hang) return; // never answers
      const chunks: Buffer[] = [];
      for await (const chunk of req) chunks.push(chunk as Buffer);
      const upstream = await fetch(elexonUrl, { method: 'POST', headers: req.headers as Record<string, string>, body: Buffer.concat(chunks) });
      res.writeHead(upstream.status, { 'content-type': 'application/json' });
      res.end(await upstream.text());
    });
    await new Promise<void>((resolve) => flaky.listen(0, '127.0.0.1', resolve));
    try {
      const scope = new DirectoryScope(`http://127.0.0.1:${(flaky.address() as AddressInfo).port}/graphql`, t.product.signer, { timeoutMs: 300 });
      const claims = { subject: 'sam', organisationId: 'british-gas', roles: [Role.PARTICIPANT], deskIds: [] };
      await expect(scope.principalFor(claims)).rejects.toBeInstanceOf(DirectoryUnavailableError);
      hang = false;
      expect((await scope.principalFor(claims))?.visibleOrganisationIds).toEqual(['british-gas']);
    } finally {
      flaky.closeAllConnections();
      await new Promise<void>((resolve) => flaky.close(() => resolve()));
    }
  });
});

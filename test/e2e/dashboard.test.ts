/**
 * The dashboard's routes on the real gateway: the page and its strict headers in both modes; the development sign-in
 * routes only with the development issuer — in production (a real identity provider, NODE_ENV=production) they are 404.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { exportJWK, generateKeyPair } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CONTENT_SECURITY_POLICY } from '../../gateway/dashboard';
import { startTestProduct, type TestProduct } from './harness';

describe('in development mode', () => {
  let t: TestProduct;
  beforeAll(async () => {
    t = await startTestProduct();
  });
  afterAll(async () => {
    await t?.stop();
  });

  it('a demo persona’s token is a real token for exactly that persona', async () => {
    const personas = (await (await fetch(`${t.product.gateway.http.url}/dev/demo-users`)).json()) as { personas: { id: string; org: string }[] };
    expect(personas.personas.length).toBeGreaterThan(3);
    const response = await fetch(`${t.product.gateway.http.url}/dev/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ persona: 'centrica' }),
    });
    expect(response.status).toBe(200);
    const { token } = (await response.json()) as { token: string };
    const { data } = await t.graphql<{ me: { subject: string; roles: string[]; visibleOrganisations: { id: string }[] } }>(
      '{ me { subject roles visibleOrganisations { id } } }',
      { token },
    );
    expect(data?.me.subject).toBe('pat@centrica.example');
    expect(data?.me.roles).toEqual(['PARTICIPANT']);
    expect(data?.me.visibleOrganisations.map((o) => o.id).sort()).toEqual(['british-gas', 'british-gas-business', 'centrica']);
  });

  it('serves the dashboard page with its security headers', async () => {
    const response = await fetch(`${t.product.gateway.http.url}/dashboard/`);
    // 200 once built (npm run build), 503 with instructions before: the headers are the same.
    expect([200, 503]).toContain(response.status);
    expect(response.headers.get('content-security-policy')).toBe(CONTENT_SECURITY_POLICY);
    expect(response.headers.get('x-content-type-options')).toBe('nosniff');
  });
});

describe('in production mode, with a real identity provider', () => {
  let t: TestProduct;
  let jwksServer: http.Server;

  beforeAll(async () => {
    const pair = await generateKeyPair('RS256');
    const publicJwk = { ...(await exportJWK(pair.publicKey)), kid: 'idp-1', alg: 'RS256', use: 'sig' };
    jwksServer = http.createServer((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ keys: [publicJwk] }));
    });
    await new Promise<void>((resolve) => jwksServer.listen(0, '127.0.0.1', resolve));
    t = await startTestProduct({
      NODE_ENV: 'production',
      JWKS_URL: `http://127.0.0.1:${(jwksServer.address() as AddressInfo).port}/keys`,
      JWT_ISSUER: 'https://login.example/tenant-1/v2.0',
      JWT_AUDIENCE: 'api://cpsd-gateway',
      JWT_ALGORITHMS: 'RS256',
    });
  });
  afterAll(async () => {
    await t?.stop();
    jwksServer?.close();
  });

  it('has no development sign-in: /dev/token and /dev/demo-users are 404', async () => {
    const base = t.product.gateway.http.url;
    const token = await fetch(`${base}/dev/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ persona: 'british-gas' }),
    });
    expect(token.status).toBe(404);
    expect((await fetch(`${base}/dev/demo-users`)).status).toBe(404);
  });

  it('still serves the dashboard (sign-in by pasting a token or from the identity provider)', async () => {
    const response = await fetch(`${t.product.gateway.http.url}/dashboard/`);
    expect([200, 503]).toContain(response.status);
    expect(response.headers.get('content-security-policy')).toBe(CONTENT_SECURITY_POLICY);
  });
});

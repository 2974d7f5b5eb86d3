/** Serving the dashboard: content types, caching, the strict CSP and headers; the development sign-in routes. */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHttpServer, type RunningHttpServer } from '../../platform/http';
import { DEMO_PERSONAS } from '../../demo/personas';
import { CONTENT_SECURITY_POLICY, dashboardRoutes, devSignInRoutes } from '../dashboard';
import type { DevIssuer } from '../dev-issuer';

let dist: string;
let server: RunningHttpServer;
let unbuilt: RunningHttpServer;
const issued: Parameters<DevIssuer['issue']>[0][] = [];

const issuer: DevIssuer = {
  jwks: { keys: [] },
  issue: async (claims) => {
    issued.push(claims);
    return `token-for-${claims.sub}`;
  },
};

beforeAll(async () => {
  dist = mkdtempSync(path.join(tmpdir(), 'cpsd-dashboard-'));
  mkdirSync(path.join(dist, 'assets'));
  writeFileSync(path.join(dist, 'index.html'), '<!doctype html><title>x</title><script type="module" src="/dashboard/assets/index-AbCd1234.js"></script>');
  writeFileSync(path.join(dist, 'assets', 'index-AbCd1234.js'), 'console.log(1)');
  writeFileSync(path.join(dist, 'assets', 'style-Zz9_Yy8-.css'), 'body{}');
  server = await startHttpServer({
    name: 'test',
    host: '127.0.0.1',
    port: 0,
    routes: { ...dashboardRoutes(dist), ...devSignInRoutes(issuer, DEMO_PERSONAS) },
    ready: async () => true,
  });
  unbuilt = await startHttpServer({ name: 'test', host: '127.0.0.1', port: 0, routes: dashboardRoutes(path.join(dist, 'missing')), ready: async () => true });
});

afterAll(async () => {
  await server?.close(0);
  await unbuilt?.close(0);
  rmSync(dist, { recursive: true, force: true });
});

describe('the dashboard files', () => {
  it('serves the page at /dashboard/ with a strict CSP and no caching, and redirects /dashboard', async () => {
    const page = await fetch(`${server.url}/dashboard/`);
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(page.headers.get('content-security-policy')).toBe(CONTENT_SECURITY_POLICY);
    expect(CONTENT_SECURITY_POLICY).toContain("script-src 'self';");
    expect(CONTENT_SECURITY_POLICY).not.toContain('unsafe-inline');
    expect(CONTENT_SECURITY_POLICY).toContain("frame-ancestors 'none'");
    expect(page.headers.get('x-content-type-options')).toBe('nosniff');
    expect(page.headers.get('referrer-policy')).toBe('no-referrer');
    expect(page.headers.get('cache-control')).toBe('no-cache');
    expect(await page.text()).toContain('index-AbCd1234.js');

    const redirect = await fetch(`${server.url}/dashboard`, { redirect: 'manual' });
    expect(redirect.status).toBe(308);
    expect(redirect.headers.get('location')).toBe('/dashboard/');
  });

  it('serves hashed assets with their content type and immutable caching; revalidates by ETag', async () => {
    const script = await fetch(`${server.url}/dashboard/assets/index-AbCd1234.js`);
    expect(script.status).toBe(200);
    expect(script.headers.get('content-type')).toBe('text/javascript; charset=utf-8');
    expect(script.headers.get('cache-control')).toBe('public, max-age=31536000, immutable');
    expect(script.headers.get('content-security-policy')).toBe(CONTENT_SECURITY_POLICY);
    const css = await fetch(`${server.url}/dashboard/assets/style-Zz9_Yy8-.css`);
    expect(css.headers.get('content-type')).toBe('text/css; charset=utf-8');

    const etag = script.headers.get('etag')!;
    const again = await fetch(`${server.url}/dashboard/assets/index-AbCd1234.js`, { headers: { 'if-none-match': etag } });
    expect(again.status).toBe(304);
  });

  it('answers only GET and HEAD, and nothing outside the built files', async () => {
    expect((await fetch(`${server.url}/dashboard/`, { method: 'POST' })).status).toBe(405);
    const head = await fetch(`${server.url}/dashboard/`, { method: 'HEAD' });
    expect(head.status).toBe(200);
    expect((await fetch(`${server.url}/dashboard/assets/other.js`)).status).toBe(404);
    expect((await fetch(`${server.url}/dashboard/../package.json`)).status).toBe(404);
    expect((await fetch(`${server.url}/dashboard/%2e%2e/package.json`)).status).toBe(404);
  });

  it('says how to build the dashboard when it has not been built', async () => {
    const page = await fetch(`${unbuilt.url}/dashboard/`);
    expect(page.status).toBe(503);
    expect(await page.text()).toContain('npm run build');
    expect(page.headers.get('content-security-policy')).toBe(CONTENT_SECURITY_POLICY);
  });
});

describe('development sign-in', () => {
  it('lists the demo personas', async () => {
    const response = await fetch(`${server.url}/dev/demo-users`);
    expect(response.status).toBe(200);
    const body = (await response.json()) as { personas: { id: string }[] };
    expect(body.personas.map((p) => p.id)).toEqual(DEMO_PERSONAS.map((p) => p.id));
  });

  it('issues a short-lived token with exactly one persona’s claims', async () => {
    const response = await fetch(`${server.url}/dev/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ persona: 'british-gas' }),
    });
    expect(response.status).toBe(200);
    expect(response.headers.get('cache-control')).toBe('no-store');
    const body = (await response.json()) as { token: string };
    expect(body.token).toBe('token-for-sally@britishgas.example');
    expect(issued.at(-1)).toEqual({
      sub: 'sally@britishgas.example',
      org: 'british-gas',
      roles: ['participant'],
      desks: [],
      email: 'sally@britishgas.example',
      ttlSeconds: 3600,
    });
  });

  it('refuses unknown personas, extra claims, other methods and non-JSON bodies', async () => {
    const before = issued.length;
    const post = (body: string, contentType = 'application/json') =>
      fetch(`${server.url}/dev/token`, { method: 'POST', headers: { 'content-type': contentType }, body });
    expect((await post(JSON.stringify({ persona: 'root' }))).status).toBe(400);
    expect((await post(JSON.stringify({ sub: 'mallory', org: 'elexon', roles: ['cpsd_admin'] }))).status).toBe(400);
    expect((await post('{not json')).status).toBe(400);
    // A form post (no CORS preflight) is refused.
    expect((await post('persona=british-gas', 'application/x-www-form-urlencoded')).status).toBe(415);
    expect((await fetch(`${server.url}/dev/token`)).status).toBe(405);
    expect(issued.length).toBe(before);
  });
});

/**
 * The public status page, GET /status, through the gateway on real PostgreSQL with no token: a live DIP major incident
 * under its service with its latest published update and the next update due in UK time, DIP marked as having a major
 * incident while the other services are operational, a resolved CSS outage under recent — and nothing from the cases
 * behind them, every value escaped, the dashboard's CSP, and a plain 503 page when the hub cannot be reached.
 */
import { createServer, type AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { configurePartnerAuth } from '../../gateway/auth';
import { CONTENT_SECURITY_POLICY, SECURITY_HEADERS } from '../../gateway/dashboard';
import { startGateway } from '../../gateway/server';
import { loadConfig } from '../../platform/config';
import { Lifecycle } from '../../platform/lifecycle';
import { ukDateTimeText } from '../../schema/calendar';
import { startTestProduct, type TestProduct } from './harness';
import { MPAN, seedStatusPageScenario, TEXT, type StatusPageScenario } from './support/status-page-scenario';

let t: TestProduct;
let scenario: StatusPageScenario;
let page: Response;
let html: string;

/** The HTML between an element's opening tag (found by `marker`) and the end of its `tag`. */
function elementAt(source: string, marker: string, tag: string): string {
  const start = source.indexOf(marker);
  expect(start, marker).toBeGreaterThanOrEqual(0);
  const open = source.lastIndexOf(`<${tag}`, start);
  return source.slice(open, source.indexOf(`</${tag}>`, start) + tag.length + 3);
}

const rowOf = (service: string) => elementAt(html, `<tr data-service="${service}">`, 'tr');

beforeAll(async () => {
  t = await startTestProduct();
  scenario = await seedStatusPageScenario(t);
  page = await fetch(`${t.product.gateway.http.url}/status`);
  html = await page.text();
});

afterAll(async () => {
  await t?.stop();
});

describe('GET /status without a token', () => {
  it('is an HTML page with the dashboard’s security headers, CSP included', () => {
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(page.headers.get('content-security-policy')).toBe(CONTENT_SECURITY_POLICY);
    for (const [name, value] of Object.entries(SECURITY_HEADERS)) expect(page.headers.get(name), name).toBe(value);
    expect(page.headers.get('cache-control')).toBe('public, max-age=10');
    expect(html).toMatch(/^<!doctype html>\n<html lang="en-GB">/);
  });

  it('marks DIP as having a major incident and the other services operational', () => {
    expect(html).toContain('<p class="overall overall-major-incident">1 major incident is in progress</p>');
    expect(rowOf('DIP')).toContain('<span class="status status-major-incident">Major incident</span>');
    expect(rowOf('DIP')).toContain(`<a href="#service-dip">${scenario.dip.reference}</a>`);
    for (const service of ['CSS', 'LSS', 'MDS', 'VAS', 'ISD', 'SETTLEMENT_OPERATIONS', 'BSC', 'MPAS', 'SMART_METERING', 'REC', 'EES', 'DTS']) {
      expect(rowOf(service), service).toContain('<span class="status status-operational">Operational</span>');
    }
  });

  it('shows the live MI under DIP with its latest published update, when it was posted and the next update due, in UK time', () => {
    const dip = elementAt(html, '<section class="service-incidents" aria-labelledby="service-dip">', 'section');
    const incident = elementAt(dip, `data-reference="${scenario.dip.reference}"`, 'article');
    expect(incident).toContain('<dt>Status</dt><dd>Major incident in progress</dd>');
    expect(incident).toContain('<dt>Led by</dt><dd>Elexon</dd>');
    expect(incident).toContain(
      `<dt>Latest update</dt><dd><p class="update-body">Messages are queued, not lost. Ignore any &quot;retry&quot; &lt;script&gt;alert(1)&lt;/script&gt; prompts; no action needed.</p>`,
    );
    const posted = ukDateTimeText(new Date(scenario.dip.latestUpdateAt));
    const due = ukDateTimeText(new Date(scenario.dip.nextUpdateDueAt));
    expect(posted).toMatch(/ (GMT|BST)$/);
    expect(incident).toContain(`<p class="posted">Posted <time datetime="${scenario.dip.latestUpdateAt}">${posted}</time></p>`);
    expect(incident).toContain(`<dt>Next update due</dt><dd><time datetime="${scenario.dip.nextUpdateDueAt}">${due}</time></dd>`);
    // The earlier update and the one for the MI list only are not the latest published one.
    expect(html).not.toContain(TEXT.dipInitial);
    // Only DIP has a section of live incidents.
    expect(html.match(/<section class="service-incidents"/g)).toHaveLength(1);
  });

  it('lists the resolved CSS outage under recent, with its resolution comms', () => {
    const recent = elementAt(html, '<h2 id="recent-heading">', 'section');
    const css = elementAt(recent, `data-reference="${scenario.css.reference}"`, 'article');
    expect(css).toContain(`<h3><span class="reference">${scenario.css.reference}</span> ${TEXT.cssTitle}</h3>`);
    expect(css).toContain('<dt>Status</dt><dd>Resolved</dd>');
    expect(css).toContain(`<dt>Final update</dt><dd><p class="update-body">${TEXT.cssResolution}</p>`);
    expect(recent).not.toContain(scenario.dip.reference);
  });

  it('carries no case, work note, MPAN, address or internal update', () => {
    for (const secret of [
      TEXT.caseSubject,
      TEXT.caseDescription,
      TEXT.workNote,
      TEXT.internal,
      'CSS registrations failing',
      MPAN,
      '10.20.30.40',
      TEXT.reviewNote,
    ]) {
      expect(html).not.toContain(secret);
    }
    expect(html).not.toContain('@');
  });

  it('escapes what the hub stores: no markup from a title or an update reaches the page', () => {
    expect(html).not.toMatch(/<script/i);
    expect(html).toContain('DIP message delivery outage &lt;script&gt;alert(&quot;title&quot;)&lt;/script&gt;');
    // Every tag on the page is one the page itself writes.
    const tags = new Set([...html.matchAll(/<\/?([a-z0-9]+)/gi)].map((m) => m[1].toLowerCase()));
    expect([...tags].sort()).toEqual(
      [
        'a',
        'article',
        'body',
        'dd',
        'dl',
        'dt',
        'footer',
        'h1',
        'h2',
        'h3',
        'h4',
        'head',
        'header',
        'html',
        'li',
        'link',
        'main',
        'meta',
        'p',
        'section',
        'span',
        'table',
        'tbody',
        'td',
        'th',
        'thead',
        'time',
        'title',
        'tr',
        'ul',
      ].sort(),
    );
  });

  it('refreshes itself without script, links its feeds and says when it was last updated', () => {
    expect(html).toContain('<meta http-equiv="refresh" content="60">');
    expect(html).toContain('<link rel="alternate" type="application/atom+xml" title="CPSD major incident status (Atom)" href="/status.atom">');
    expect(html).toContain('<link rel="alternate" type="application/json" title="CPSD major incident status (JSON)" href="/status.json">');
    expect(html).toContain('<a href="/status.atom">Atom feed</a>');
    expect(html).toMatch(/Last updated <time datetime="[^"]+">\d{1,2} [A-Z][a-z]{2,3} \d{4}, \d{2}:\d{2} (GMT|BST)<\/time>/);
  });

  it('its stylesheet comes from the gateway under the same CSP; only GET and HEAD', async () => {
    const css = await fetch(`${t.product.gateway.http.url}/status.css`);
    expect(css.status).toBe(200);
    expect(css.headers.get('content-type')).toBe('text/css; charset=utf-8');
    expect(css.headers.get('content-security-policy')).toBe(CONTENT_SECURITY_POLICY);
    expect(await css.text()).toContain('.status-major-incident');
    expect(html).toContain('<link rel="stylesheet" href="/status.css">');
    expect((await fetch(`${t.product.gateway.http.url}/status`, { method: 'POST', body: 'x' })).status).toBe(405);
    const head = await fetch(`${t.product.gateway.http.url}/status`, { method: 'HEAD' });
    expect(head.status).toBe(200);
    expect(await head.text()).toBe('');
  });
});

describe('GET /status when the hub cannot be reached', () => {
  const lifecycle = new Lifecycle();
  let url = '';

  beforeAll(async () => {
    // A port nothing listens on: every read of the hub is refused at once.
    const probe = createServer();
    await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
    const closedPort = (probe.address() as AddressInfo).port;
    await new Promise<void>((resolve) => probe.close(() => resolve()));
    const config = loadConfig({ ...process.env, CPSD_DATA_DIR: t.dataDir });
    const { jwtVerifier } = await configurePartnerAuth(config);
    const gateway = await startGateway({
      host: '127.0.0.1',
      port: 0,
      supergraphPath: config.supergraphPath,
      subgraphUrls: { ...Object.fromEntries(t.product.subgraphs.map((s) => [s.name, s.url])), elexon: `http://127.0.0.1:${closedPort}/graphql` },
      jwtVerifier,
      signer: t.product.signer,
      limits: config.limits,
      dev: true,
      lifecycle,
      bus: t.product.bus,
      allowedOrigins: [],
    });
    url = new URL('/status', gateway.url).href;
  });

  afterAll(async () => {
    await lifecycle.stop();
  });

  it('answers 503 with a plain explanation, under the same CSP, and retries by itself', async () => {
    const response = await fetch(url, { signal: AbortSignal.timeout(15_000) });
    expect(response.status).toBe(503);
    expect(response.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(response.headers.get('content-security-policy')).toBe(CONTENT_SECURITY_POLICY);
    expect(response.headers.get('retry-after')).toBe('10');
    expect(response.headers.get('cache-control')).toBe('no-store');
    const body = await response.text();
    expect(body).toContain('The status of the services cannot be shown right now; try again shortly.');
    expect(body).toContain('<meta http-equiv="refresh" content="60">');
    // The JSON feed says the same in its own format.
    const json = await fetch(new URL('/status.json', url));
    expect(json.status).toBe(503);
    expect(await json.json()).toEqual({ error: 'The status feed is unavailable; try again shortly' });
  });
});

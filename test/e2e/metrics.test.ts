/**
 * `GET /metrics` end to end (issue: run it like a production service): the gateway counts operations by name and
 * outcome, times subgraph fetches, counts query plan cache hits and refused tokens by reason, follows WebSocket
 * connections, subscriptions and the payloads fanned out; each subgraph reports its operations, pool and outbox; the
 * hub its cases open by desk × priority; the engine its queue; the bus its consumers — and no label or value carries
 * a person, a case reference or case text. Off with METRICS=off; behind METRICS_TOKEN in production.
 */
import { createClient, type Client } from 'graphql-ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { startHttpServer } from '../../platform/http';
import { callers, signIn, startTestProduct, waitFor, withEnv, type TestProduct } from './harness';

let t: TestProduct;
const tokens: Record<string, string> = {};
const { as, ok } = callers(() => t, tokens);
let ws: Client | undefined;
const SUBJECT = 'Volumes missing from the SF run for our portfolio';

/** One sample of the text exposition: name, labels and value. */
interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

function parse(text: string): Sample[] {
  const samples: Sample[] = [];
  for (const line of text.split('\n')) {
    if (!line || line.startsWith('#')) continue;
    const match = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (!match) throw new Error(`not a sample line: ${line}`);
    const labels: Record<string, string> = {};
    for (const [, key, value] of (match[2] ?? '').matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g)) labels[key!] = value!;
    samples.push({ name: match[1]!, labels, value: Number(match[3]) });
  }
  return samples;
}

async function scrape(url = t.product.gateway.http.url): Promise<{ text: string; samples: Sample[] }> {
  const response = await fetch(`${url}/metrics`);
  expect(response.status).toBe(200);
  expect(response.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
  const text = await response.text();
  return { text, samples: parse(text) };
}

const value = (samples: Sample[], name: string, labels: Record<string, string> = {}): number =>
  samples.filter((s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v)).reduce((sum, s) => sum + s.value, 0);

let restoreEnv: (() => void) | undefined;

beforeAll(async () => {
  // Read from the process environment when each gauge is registered: every scrape reads the database afresh.
  restoreEnv = withEnv({ METRICS_CACHE_MS: '0' });
  t = await startTestProduct();
  await signIn(
    t,
    {
      sally: { sub: 'sally@britishgas.example', org: 'british-gas', email: 'sally@britishgas.example' },
      elexonAgent: { sub: 'eve@elexon.example', org: 'elexon', roles: ['participant', 'desk_agent'], desks: ['elexon-service-desk'] },
    },
    tokens,
  );
});

afterAll(async () => {
  await ws?.dispose();
  await t?.stop();
  restoreEnv?.();
});

describe('the gateway’s metrics', () => {
  it('counts operations by name and outcome, times subgraph fetches and counts plan cache hits', async () => {
    const QUERY = 'query MyCases { cases(first: 5) { totalCount } }';
    for (let i = 0; i < 3; i++) await ok('sally', QUERY);
    const refused = await as('sally', 'query Broken { cases(first: 5) { noSuchField } }');
    expect(refused.errors?.length).toBeGreaterThan(0);
    const { samples } = await scrape();
    expect(value(samples, 'cpsd_gateway_requests_total', { operation: 'MyCases', outcome: 'ok' })).toBe(3);
    expect(value(samples, 'cpsd_gateway_requests_total', { operation: 'Broken', outcome: 'client_error' })).toBe(1);
    expect(value(samples, 'cpsd_gateway_request_duration_seconds_count', { operation: 'MyCases' })).toBe(3);
    expect(value(samples, 'cpsd_gateway_subgraph_fetch_duration_seconds_count', { subgraph: 'elexon', outcome: 'ok' })).toBeGreaterThanOrEqual(3);
    // The same document thrice: planned once, then found in the cache.
    expect(value(samples, 'cpsd_gateway_query_plan_cache_total', { result: 'hit' })).toBeGreaterThanOrEqual(2);
    expect(value(samples, 'cpsd_gateway_query_plan_cache_total', { result: 'miss' })).toBeGreaterThanOrEqual(1);
  });

  it('counts refused tokens by reason class, never the token', async () => {
    const before = (await scrape()).samples;
    const forged = `${tokens.sally!.slice(0, -6)}AAAAAA`;
    expect((await t.graphql('{ me { subject } }')).status).toBe(401);
    expect((await t.graphql('{ me { subject } }', { token: forged })).status).toBe(401);
    expect((await t.graphql('{ me { subject } }', { token: await t.token({ sub: 'mallory', org: 'no-such-organisation' }) })).status).toBe(401);
    const { text, samples } = await scrape();
    for (const reason of ['missing', 'invalid', 'not_granted']) {
      expect(value(samples, 'cpsd_gateway_auth_failures_total', { reason }) - value(before, 'cpsd_gateway_auth_failures_total', { reason })).toBe(1);
    }
    expect(text).not.toContain(forged.slice(0, 40));
    expect(text).not.toContain('mallory');
  });

  it('follows WebSocket connections, subscriptions by root field and the payloads fanned out', async () => {
    const { raiseCase } = await ok<{ raiseCase: { id: string } }>('sally', 'mutation($input: RaiseCaseInput!) { raiseCase(input: $input) { id } }', {
      input: { deskId: 'elexon-service-desk', category: 'SETTLEMENT_SERVICES', subject: SUBJECT, description: 'The D0296 for 14 March' },
    });
    ws = createClient({
      url: t.gatewayUrl.replace(/^http/, 'ws'),
      webSocketImpl: WebSocket,
      retryAttempts: 0,
      connectionParams: { authorization: `Bearer ${tokens.sally}` },
    });
    const events: unknown[] = [];
    ws.subscribe(
      { query: 'subscription($caseId: ID!) { caseEvents(caseId: $caseId) { type } }', variables: { caseId: raiseCase.id } },
      { next: (e) => void events.push(e), error: () => undefined, complete: () => undefined },
    );
    await waitFor(async () => value((await scrape()).samples, 'cpsd_gateway_subscriptions', { field: 'caseEvents' }) === 1, 'the subscription gauge');
    expect(value((await scrape()).samples, 'cpsd_gateway_websocket_connections')).toBe(1);
    await ok('elexonAgent', 'mutation($input: TriageCaseInput!) { triageCase(input: $input) { id } }', {
      input: { caseId: raiseCase.id, type: 'INCIDENT', impact: 'MEDIUM', urgency: 'HIGH' },
    });
    await waitFor(() => events.length >= 1, 'the triage event');
    expect(value((await scrape()).samples, 'cpsd_gateway_events_fanned_out_total', { field: 'caseEvents' })).toBe(events.length);
    await ws.dispose();
    ws = undefined;
    await waitFor(async () => value((await scrape()).samples, 'cpsd_gateway_websocket_connections') === 0, 'the connection gauge back to 0');
    expect(value((await scrape()).samples, 'cpsd_gateway_subscriptions', { field: 'caseEvents' })).toBe(0);
  });
});

describe('each subgraph’s metrics', () => {
  it('operations by root field, the pool, the outbox, the hub’s open cases by desk × priority, the engine’s queue and the bus', async () => {
    const elexon = t.product.subgraphs.find((s) => s.name === 'elexon')!;
    const { samples: first } = await scrape(elexon.http.url);
    const open = (s: Sample[]) => value(s, 'cpsd_cases_open', { desk: 'elexon-service-desk', priority: 'none' });
    await ok('sally', 'mutation($input: RaiseCaseInput!) { raiseCase(input: $input) { id } }', {
      input: { deskId: 'elexon-service-desk', category: 'MARKET_SYSTEMS', subject: SUBJECT, description: 'Since 09:00' },
    });
    const { text, samples } = await scrape(elexon.http.url);
    expect(open(samples)).toBe(open(first) + 1);
    expect(
      value(samples, 'cpsd_subgraph_operation_duration_seconds_count', { subgraph: 'elexon', field: 'Mutation.raiseCase', outcome: 'ok' }),
    ).toBeGreaterThan(0);
    expect(samples.some((s) => s.name === 'cpsd_db_pool_connections' && s.labels.subgraph === 'elexon' && s.labels.state === 'idle')).toBe(true);
    expect(samples.some((s) => s.name === 'cpsd_outbox_backlog' && s.labels.subgraph === 'elexon')).toBe(true);
    expect(samples.some((s) => s.name === 'cpsd_outbox_relay_lag_seconds' && s.labels.subgraph === 'elexon')).toBe(true);
    expect(value(samples, 'cpsd_major_incidents_open', { state: 'PROMOTED' })).toBe(0);
    for (const state of ['PENDING', 'IN_FLIGHT', 'RETRY_SCHEDULED', 'DEAD', 'DISABLED']) {
      expect(samples.some((s) => s.name === 'cpsd_delivery_queue' && s.labels.state === state)).toBe(true);
    }
    expect(samples.some((s) => s.name === 'cpsd_delivery_oldest_pending_seconds')).toBe(true);
    expect(samples.some((s) => s.name === 'cpsd_bus_consumer_lag' && s.labels.consumer === 'delivery:intake')).toBe(true);
    expect(samples.some((s) => s.name === 'cpsd_process_cpu_seconds_total')).toBe(true);
    // Nothing personal or about a case's content in any label or value.
    expect(text).not.toContain('sally');
    expect(text).not.toContain(SUBJECT);
    expect(text).not.toMatch(/CPSD-\d{6}/);
    expect(text).not.toMatch(/@/);
  });
});

describe('configuration', () => {
  async function server(env: Record<string, string | undefined>) {
    const restore = withEnv(env);
    try {
      return await startHttpServer({ name: 'probe', host: '127.0.0.1', port: 0, routes: {}, ready: async () => true });
    } finally {
      restore();
    }
  }

  it('METRICS=off: no endpoint', async () => {
    const http = await server({ METRICS: 'off' });
    try {
      expect((await fetch(`${http.url}/metrics`)).status).toBe(404);
    } finally {
      await http.close();
    }
  });

  it('in production: not served without METRICS_TOKEN; with it, only to the bearer of the token', async () => {
    const closed = await server({ NODE_ENV: 'production', METRICS_TOKEN: undefined });
    const guarded = await server({ NODE_ENV: 'production', METRICS_TOKEN: 'scrape-secret-0123456789' });
    try {
      expect((await fetch(`${closed.url}/metrics`)).status).toBe(404);
      expect((await fetch(`${guarded.url}/metrics`)).status).toBe(401);
      expect((await fetch(`${guarded.url}/metrics`, { headers: { authorization: 'Bearer wrong' } })).status).toBe(401);
      const allowed = await fetch(`${guarded.url}/metrics`, { headers: { authorization: 'Bearer scrape-secret-0123456789' } });
      expect(allowed.status).toBe(200);
      expect(await allowed.text()).toContain('cpsd_gateway_requests_total');
    } finally {
      await closed.close();
      await guarded.close();
    }
  });
});

/**
 * Attacks on the HTTP transport: cost hidden in variables, bodies and headers trickled in to hold a request open,
 * and cross-site mutations sent as simple (non-preflighted) requests. Each gets its exact refusal; the product
 * answers afterwards.
 */
import net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestProduct, waitFor, type TestProduct } from '../e2e/harness';

// Short deadlines, read by every HTTP server the product starts (this file runs in its own process).
process.env.HTTP_BODY_TIMEOUT_MS = '1000';
process.env.HTTP_HEADERS_TIMEOUT_MS = '1000';

let t: TestProduct;
let alice: string;

beforeAll(async () => {
  t = await startTestProduct();
  alice = await t.token({ sub: 'alice', org: 'ukpn', roles: ['participant'] });
});
afterAll(async () => {
  await t?.stop();
});

async function stillAnswers(): Promise<void> {
  const response = await t.graphql<{ me: { subject: string } }>('{ me { subject } }', { token: alice });
  expect(response.status).toBe(200);
  expect(response.data?.me.subject).toBe('alice');
}

describe('operation limits read the variables', () => {
  it('cases(first: $n) with n = 100000 is refused for cost with 400, as the literal is', async () => {
    for (const [query, variables] of [
      ['{ cases(first: 100000) { edges { node { id } } } }', {}],
      ['query($n: Int) { cases(first: $n) { edges { node { id } } } }', { n: 100_000 }],
      ['query($n: Int = 100000) { cases(first: $n) { edges { node { id } } } }', {}],
      ['query($n: Int) { ...Q } fragment Q on Query { cases(first: $n) { edges { node { id } } } }', { n: 100_000 }],
    ] as const) {
      const response = await t.graphql(query, { token: alice, variables });
      expect(response.status, query).toBe(400);
      expect(response.errors?.map((e) => e.extensions)).toEqual([expect.objectContaining({ code: 'GRAPHQL_VALIDATION_FAILED', limit: 'cost' })]);
      expect(response.data).toBeUndefined();
    }
    const small = await t.graphql('query($n: Int) { cases(first: $n) { edges { node { id } } } }', { token: alice, variables: { n: 5 } });
    expect(small.status).toBe(200);
    await stillAnswers();
  });
});

/** Sends `head` (and `body`) over raw TCP and resolves with the first line of the answer, or 'closed'. */
function rawRequest(head: string, body = ''): Promise<string> {
  const { port } = new URL(t.gatewayUrl);
  return new Promise((resolve) => {
    const socket = net.connect(Number(port), '127.0.0.1');
    const chunks: Buffer[] = [];
    socket.on('error', () => undefined);
    socket.on('data', (c: Buffer) => chunks.push(c));
    socket.on('close', () => resolve(Buffer.concat(chunks).toString('latin1').split('\r\n')[0] || 'closed'));
    socket.write(head + body);
  });
}

describe('slow clients are cut off', () => {
  it('a body trickled in slower than the deadline gets 408 and the connection is closed', async () => {
    const answer = await rawRequest(
      `POST /graphql HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${alice}\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n`,
      '{"query":',
    );
    expect(answer).toBe('HTTP/1.1 408 Request Timeout');
    await stillAnswers();
  });

  it('headers never finished get 408 and the connection is closed', async () => {
    expect(await rawRequest('POST /graphql HTTP/1.1\r\nHost: x\r\nX-Slow: ')).toBe('HTTP/1.1 408 Request Timeout');
    await stillAnswers();
  });
});

describe('cross-site request forgery', () => {
  it('a mutation sent as text/plain, a form or multipart is refused with 415 and does not run', async () => {
    const mutation = JSON.stringify({
      query: 'mutation($input: RaiseCaseInput!) { raiseCase(input: $input) { id } }',
      variables: { input: { deskId: 'elexon-service-desk', category: 'MARKET_SYSTEMS', subject: 'forged', description: 'csrf' } },
    });
    for (const contentType of ['text/plain', 'text/plain; application/json', 'application/x-www-form-urlencoded', 'multipart/form-data; boundary=x']) {
      const response = await fetch(t.gatewayUrl, {
        method: 'POST',
        headers: { 'content-type': contentType, authorization: `Bearer ${alice}` },
        body: mutation,
      });
      expect(response.status, contentType).toBe(415);
      expect(((await response.json()) as { errors: { extensions: { code: string } }[] }).errors[0].extensions.code).toBe('UNSUPPORTED_MEDIA_TYPE');
    }
    // The same mutation as JSON runs: the forged ones would be listed before it if any had.
    const legit = await t.graphql<{ raiseCase: { id: string } }>(JSON.parse(mutation).query, {
      token: alice,
      variables: { input: { ...JSON.parse(mutation).variables.input, subject: 'legit' } },
    });
    expect(legit.errors).toBeUndefined();
    const mine = await waitFor(
      async () =>
        (await t.graphql<{ cases: { edges: { node: { subject: string } }[] } }>('{ cases(first: 50) { edges { node { subject } } } }', { token: alice })).data,
      'the case list',
      10_000,
    );
    expect(mine.cases.edges.map((e) => e.node.subject)).toEqual(['legit']);
  });
});

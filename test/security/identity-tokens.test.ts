/**
 * Identity-token replay between subgraphs: the gateway signs each subgraph call for that subgraph alone, so a token
 * captured on its way to one subgraph (from its logs, its traffic, or by whoever runs it) is refused by every other
 * with the same bare 401 a call with no token gets.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SUBGRAPH_NAMES, type SubgraphName } from '../../platform/config';
import { IDENTITY_HEADER } from '../../platform/identity-token';
import { startTestProduct, type TestProduct } from '../e2e/harness';

let t: TestProduct;
/** Per subgraph, the identity header of the last request it received: what crossed the wire. */
const seen = new Map<SubgraphName, string>();

const PROBE = '{ __typename }';

/** An operation alice may run that the gateway plans through each subgraph. */
const THROUGH: Record<SubgraphName, string> = {
  elexon: '{ me { subject } }',
  mpas: '{ mpasDeskProfiles { deskId } }',
  dcc: '{ dccDeskProfiles { deskId } }',
  rec: '{ recDeskProfiles { deskId } }',
  partners: '{ partnersDeskProfiles { deskId } }',
  // Whatever the answer (alice may see no deliveries), the gateway asks the delivery subgraph as her.
  delivery: '{ delivery(id: "00000000-0000-4000-8000-000000000000") { id } }',
};

beforeAll(async () => {
  t = await startTestProduct();
  // A wiretap: one more listener on each subgraph's server reads the headers and leaves the request alone.
  for (const subgraph of t.product.subgraphs) {
    subgraph.http.server.on('request', (req: { headers: Record<string, string | string[] | undefined> }) => {
      const identity = req.headers[IDENTITY_HEADER];
      if (typeof identity === 'string') seen.set(subgraph.name, identity);
    });
  }
});

afterAll(async () => {
  await t?.stop();
});

function subgraphUrl(name: SubgraphName): string {
  return t.product.subgraphs.find((s) => s.name === name)!.url;
}

/** alice's token as the gateway last sent it to `subgraph`, captured on the wire. */
async function captured(subgraph: SubgraphName): Promise<string> {
  seen.delete(subgraph);
  const token = await t.token({ sub: 'alice', org: 'ukpn', roles: ['participant'] });
  const { status } = await t.graphql(THROUGH[subgraph], { token });
  expect(status, subgraph).toBe(200);
  const identity = seen.get(subgraph);
  if (!identity) throw new Error(`the gateway sent ${subgraph} no identity`);
  return identity;
}

async function direct(name: SubgraphName, identity?: string) {
  const response = await fetch(subgraphUrl(name), {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(identity ? { [IDENTITY_HEADER]: identity } : {}) },
    body: JSON.stringify({ query: PROBE }),
  });
  return { status: response.status, authenticate: response.headers.get('www-authenticate'), body: await response.json() };
}

describe('an identity token captured on its way to one subgraph', () => {
  it('works where it was sent: the gateway really sent it (the control)', async () => {
    expect(await direct('mpas', await captured('mpas'))).toMatchObject({ status: 200, body: { data: { __typename: 'Query' } } });
    expect(await direct('elexon', await captured('elexon'))).toMatchObject({ status: 200, body: { data: { __typename: 'Query' } } });
  });

  it('is refused by every other subgraph with exactly the 401 a call without any token gets', async () => {
    const bare = await direct('elexon');
    expect(bare).toEqual({ status: 401, authenticate: 'Bearer', body: { errors: [{ message: 'Unauthenticated', extensions: { code: 'UNAUTHENTICATED' } }] } });
    for (const from of SUBGRAPH_NAMES) {
      const token = await captured(from);
      for (const to of SUBGRAPH_NAMES) {
        if (to === from) continue;
        expect(await direct(to, token), `${from} → ${to}`).toEqual(bare);
      }
    }
  });

  it('a refusal elsewhere does not spoil it where it belongs (no cross-talk in the verifiers’ cache)', async () => {
    const token = await captured('mpas');
    expect((await direct('elexon', token)).status).toBe(401);
    expect((await direct('mpas', token)).status).toBe(200);
    expect((await direct('dcc', token)).status).toBe(401);
  });

  it('the hub’s own callers (the status feed) still reach elexon with a token for elexon', async () => {
    const response = await fetch(new URL('/status.json', t.gatewayUrl));
    expect(response.status).toBe(200);
  });
});

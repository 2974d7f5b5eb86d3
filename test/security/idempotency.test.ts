/**
 * Idempotency keys are the caller's own: a `sub` is unique only within one organisation's identity provider, so two
 * organisations' users with the same subject and the same key each get their own case — never the other's id back,
 * never refused because of the other's request.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signIn, startTestProduct, type GraphQLResponse, type TestProduct } from '../e2e/harness';

let t: TestProduct;
const tokens: Record<string, string> = {};

const RAISE = 'mutation($input: RaiseCaseInput!) { raiseCase(input: $input) { id subject raisedByOrganisation { id } } }';
const CASE = '{ id subject raisedByOrganisation { id } }';

interface Raised {
  id: string;
  subject: string;
  raisedByOrganisation: { id: string };
}

function raise(who: string, input: Record<string, unknown>): Promise<GraphQLResponse<{ raiseCase: Raised }>> {
  return t.graphql<{ raiseCase: Raised }>(RAISE, {
    token: tokens[who],
    variables: { input: { deskId: 'elexon-service-desk', category: 'MARKET_SYSTEMS', ...input } },
  });
}

async function raised(who: string, input: Record<string, unknown>): Promise<Raised> {
  const response = await raise(who, input);
  expect(response.errors, JSON.stringify(response.errors)).toBeUndefined();
  return response.data!.raiseCase;
}

beforeAll(async () => {
  t = await startTestProduct();
  // The same subject at two organisations (each organisation's identity provider issues its own subjects).
  await signIn(
    t,
    {
      ukpnAlice: { sub: 'alice', org: 'ukpn', roles: ['participant'] },
      britishGasAlice: { sub: 'alice', org: 'british-gas', roles: ['participant'] },
    },
    tokens,
  );
});

afterAll(async () => {
  await t?.stop();
});

describe('the same subject and idempotency key at two organisations', () => {
  it('with the same request: each gets a case of its own, and each retry returns its own', async () => {
    const input = { subject: 'DIP not delivering', description: 'No acknowledgements since 08:10.', idempotencyKey: 'raise-2025-11-24-001' };
    const ukpn = await raised('ukpnAlice', input);
    const britishGas = await raised('britishGasAlice', input);
    expect(britishGas.id).not.toBe(ukpn.id);
    expect(ukpn.raisedByOrganisation.id).toBe('ukpn');
    expect(britishGas.raisedByOrganisation.id).toBe('british-gas');
    expect((await raised('ukpnAlice', input)).id).toBe(ukpn.id);
    expect((await raised('britishGasAlice', input)).id).toBe(britishGas.id);
    // …and neither can see the other's case, so the id was never the other's to be handed.
    const { data } = await t.graphql<{ case: Raised | null }>(`query($id: ID!) { case(id: $id) ${CASE} }`, {
      token: tokens.britishGasAlice,
      variables: { id: ukpn.id },
    });
    expect(data?.case ?? null).toBeNull();
  });

  it('with different requests: neither is refused for the other’s use of the key', async () => {
    const ukpn = await raised('ukpnAlice', { subject: 'Meter exchange stuck', description: 'Awaiting D0150.', idempotencyKey: 'shared-key' });
    const britishGas = await raised('britishGasAlice', { subject: 'Switch rejected', description: 'Rejected with code 12.', idempotencyKey: 'shared-key' });
    expect(britishGas).toMatchObject({ subject: 'Switch rejected', raisedByOrganisation: { id: 'british-gas' } });
    expect(britishGas.id).not.toBe(ukpn.id);
    // The key still binds within one caller: the same caller reusing it for another request is refused.
    const reuse = await raise('ukpnAlice', { subject: 'Something else', description: 'Different.', idempotencyKey: 'shared-key' });
    expect(reuse.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'idempotencyKey' });
  });

  it('the key rows record whose they are', async () => {
    const elexon = t.product.subgraphs.find((s) => s.name === 'elexon')!.db;
    const rows = (await elexon.query(
      `SELECT organisation_id AS "organisationId", principal_kind AS kind, subject FROM elexon.idempotency_keys WHERE key = 'shared-key' ORDER BY organisation_id`,
    )) as { organisationId: string; kind: string; subject: string }[];
    expect(rows).toEqual([
      { organisationId: 'british-gas', kind: 'USER', subject: 'alice' },
      { organisationId: 'ukpn', kind: 'USER', subject: 'alice' },
    ]);
  });
});

/** The walking skeleton, as a partner desk would use it: who am I, the desk directory across subgraphs, MPAN routing. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DESKS, MPAS_DESK_BY_DISTRIBUTOR } from '../../demo/market';
import { makeMpan } from '../../schema/mpan';
import { startTestProduct, type TestProduct } from './harness';

let t: TestProduct;

beforeAll(async () => {
  t = await startTestProduct();
});

afterAll(async () => {
  await t?.stop();
});

const ME = '{ me { subject kind roles organisation { id name } visibleOrganisations { id } desks { id } } }';

describe('me: the principal the gateway established', () => {
  it('a parent account (UK Power Networks) sees itself and its three licence areas', async () => {
    const token = await t.token({ sub: 'alice', org: 'ukpn', roles: ['participant'] });
    const { status, data, errors } = await t.graphql<{ me: Record<string, unknown> }>(ME, { token });
    expect(status).toBe(200);
    expect(errors).toBeUndefined();
    expect(data?.me).toMatchObject({ subject: 'alice', kind: 'USER', roles: ['PARTICIPANT'], organisation: { id: 'ukpn' } });
    const visible = ((data?.me?.visibleOrganisations ?? []) as { id: string }[]).map((o) => o.id).sort();
    expect(visible).toEqual(['ukpn', 'ukpn-epn', 'ukpn-lpn', 'ukpn-spn']);
  });

  it('a child account (UKPN London) sees only itself, never its parent or siblings', async () => {
    const token = await t.token({ sub: 'bob', org: 'ukpn-lpn', roles: ['participant'] });
    const { data } = await t.graphql<{ me: { visibleOrganisations: { id: string }[] } }>(ME, { token });
    expect(data?.me.visibleOrganisations.map((o) => o.id)).toEqual(['ukpn-lpn']);
  });

  it('a desk agent carries its desks and roles', async () => {
    const token = await t.token({ sub: 'dana', org: 'elexon', roles: ['participant', 'desk_agent'], desks: ['elexon-service-desk'] });
    const { data } = await t.graphql<{ me: { roles: string[]; desks: { id: string }[] } }>(ME, { token });
    expect(data?.me.roles).toEqual(['PARTICIPANT', 'DESK_AGENT']);
    expect(data?.me.desks).toEqual([{ id: 'elexon-service-desk' }]);
  });
});

describe('the desk directory, federated across the five subgraphs', () => {
  it('every desk in the hub directory has its profile from the party that holds it', async () => {
    const token = await t.token({ sub: 'alice', org: 'ukpn' });
    const { data, errors } = await t.graphql<{
      desks: {
        id: string;
        party: string;
        organisation: { id: string };
        profile: { __typename: string; hours: { alwaysOpen: boolean }; contactMethod: { kind: string; address: string }; distributorIds?: string[] };
      }[];
    }>(
      `{ desks { id party organisation { id } profile { __typename hours { alwaysOpen opens closes } contactMethod { kind address } services
          ... on MpasDeskProfile { distributorIds } } } }`,
      { token },
    );
    expect(errors).toBeUndefined();
    expect(data?.desks).toHaveLength(DESKS.length);
    const typeByParty: Record<string, string> = {
      ELEXON: 'ElexonDeskProfile',
      MPAS: 'MpasDeskProfile',
      DCC: 'DccDeskProfile',
      REC: 'RecDeskProfile',
      PARTNERS: 'PartnersDeskProfile',
    };
    for (const desk of data!.desks) {
      const seed = DESKS.find((d) => d.id === desk.id)!;
      expect(desk.organisation.id).toBe(seed.organisationId);
      expect(desk.profile.__typename).toBe(typeByParty[desk.party]);
      expect(desk.profile.contactMethod).toEqual({ kind: seed.contactMethod.kind, address: seed.contactMethod.address });
      expect(desk.profile.hours.alwaysOpen).toBe(seed.hours.alwaysOpen);
    }
    const lpn = data!.desks.find((d) => d.id === MPAS_DESK_BY_DISTRIBUTOR.get('12'))!;
    expect(lpn.profile.distributorIds).toEqual(['12']);
  });

  it('filters the directory by service and returns the organisation hierarchy', async () => {
    const token = await t.token({ sub: 'alice', org: 'ukpn' });
    const { data } = await t.graphql<{ desks: { id: string }[]; organisation: { children: { id: string }[]; parent: null } }>(
      `{ desks(filter: { service: CSS }) { id } organisation(id: "ukpn") { parent { id } children { id } } }`,
      { token },
    );
    expect(data?.desks.map((d) => d.id)).toEqual(['dcc-switching']);
    expect(data?.organisation.children.map((c) => c.id).sort()).toEqual(['ukpn-epn', 'ukpn-lpn', 'ukpn-spn']);
    expect(data?.organisation.parent).toBeNull();
  });
});

describe('meteringPoint: MPAN validation and routing to the LDSO MPAS help desk', () => {
  it('a valid London MPAN names UKPN London and its MPAS help desk (fields from mpas and elexon)', async () => {
    const token = await t.token({ sub: 'sam', org: 'british-gas' });
    const mpan = makeMpan('12', '0002330596');
    const { data, errors } = await t.graphql<{ meteringPoint: Record<string, unknown> }>(
      'query($mpan: String!) { meteringPoint(mpan: $mpan) { mpan valid problem distributor { id ldsoGroup } desk { id name organisation { id } } } }',
      { token, variables: { mpan } },
    );
    expect(errors).toBeUndefined();
    expect(data?.meteringPoint).toEqual({
      mpan,
      valid: true,
      problem: null,
      distributor: { id: '12', ldsoGroup: 'UK Power Networks' },
      desk: { id: 'ukpn-lpn-mpas', name: DESKS.find((d) => d.id === 'ukpn-lpn-mpas')!.name, organisation: { id: 'ukpn-lpn' } },
    });
  });

  it.each([
    ['a wrong check digit', 'CHECK_DIGIT', (m: string) => m.slice(0, 12) + String((Number(m[12]) + 1) % 10)],
    ['letters', 'FORMAT', () => '12ABC'],
    ['an unknown distributor id', 'UNKNOWN_DISTRIBUTOR', () => makeMpan('98', '0000000001')],
  ])('an MPAN with %s is invalid (%s) and routes nowhere', async (_label, problem, mutate) => {
    const token = await t.token({ sub: 'sam', org: 'british-gas' });
    const mpan = mutate(makeMpan('12', '0002330596'));
    const { data } = await t.graphql<{ meteringPoint: { valid: boolean; problem: string; desk: null } }>(
      'query($mpan: String!) { meteringPoint(mpan: $mpan) { valid problem desk { id } } }',
      { token, variables: { mpan } },
    );
    expect(data?.meteringPoint).toEqual({ valid: false, problem, desk: null });
  });
});

describe('health and readiness', () => {
  it('every service answers /healthz and /readyz without authentication', async () => {
    const bases = [t.product.gateway.http.url, ...t.product.subgraphs.map((s) => s.http.url)];
    for (const base of bases) {
      expect((await fetch(`${base}/healthz`)).status).toBe(200);
      const ready = await fetch(`${base}/readyz`);
      expect(ready.status).toBe(200);
      expect(await ready.json()).toMatchObject({ status: 'ready' });
    }
  });
});

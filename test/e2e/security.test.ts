/**
 * Security at the gateway and the subgraphs: every bad token is the same bare 401, client identity headers are
 * ignored, subgraphs refuse anything without the gateway's signature, internal errors are masked, and production
 * mode hides the schema.
 */
import { readFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { exportJWK, generateKeyPair, importJWK, SignJWT, type JWK } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateIdentityKeyPair, IdentityTokenSigner, IDENTITY_HEADER } from '../../platform/identity-token';
import { startTestProduct, type TestProduct } from './harness';

const ME = '{ me { subject organisation { id } visibleOrganisations { id } } }';
const DEV_ISSUER = 'cpsd-dev-issuer';
const DEV_AUDIENCE = 'cpsd-gateway';

function base64url(value: object): string {
  return Buffer.from(JSON.stringify(value)).toString('base64url');
}

describe('in development mode', () => {
  let t: TestProduct;
  let devKey: JWK;

  beforeAll(async () => {
    t = await startTestProduct();
    devKey = JSON.parse(readFileSync(path.join(t.dataDir, 'dev-issuer.jwk.json'), 'utf8')) as JWK;
  });
  afterAll(async () => {
    await t?.stop();
  });

  /** Signs with the development issuer's real key, so only the claim under test is wrong. */
  async function devSigned(claims: Record<string, unknown>, options: { iss?: string; aud?: string; exp?: number } = {}): Promise<string> {
    const key = await importJWK(devKey, 'ES256');
    const now = Math.floor(Date.now() / 1000);
    return new SignJWT(claims)
      .setProtectedHeader({ alg: 'ES256', kid: devKey.kid! })
      .setSubject('mallory')
      .setIssuer(options.iss ?? DEV_ISSUER)
      .setAudience(options.aud ?? DEV_AUDIENCE)
      .setIssuedAt(now - 7200)
      .setExpirationTime(options.exp ?? now + 600)
      .sign(key);
  }

  async function expectBare401(token: string | undefined, headers: Record<string, string> = {}) {
    const response = await t.graphql(ME, { ...(token === undefined ? {} : { token }), headers });
    expect(response.status).toBe(401);
    expect(response.headers.get('www-authenticate')).toBe('Bearer');
    // No hint of why: expired, wrong key and wrong audience all look the same.
    expect(response.errors).toEqual([{ message: 'Unauthenticated', extensions: { code: 'UNAUTHENTICATED' } }]);
    expect(response.data).toBeUndefined();
  }

  it('a request without a token gets 401 UNAUTHENTICATED', async () => {
    await expectBare401(undefined);
  });

  it('a malformed token gets 401', async () => {
    await expectBare401('not-a-jwt');
    await expectBare401('eyJhbGciOiJFUzI1NiJ9.e30.c2lnbmF0dXJl');
  });

  it('a token with another scheme than Bearer gets 401', async () => {
    const token = await t.token({ sub: 'alice', org: 'ukpn' });
    const response = await t.graphql(ME, { headers: { authorization: `Basic ${token}` } });
    expect(response.status).toBe(401);
  });

  it('an expired token gets 401', async () => {
    await expectBare401(await devSigned({ org: 'ukpn', roles: ['participant'] }, { exp: Math.floor(Date.now() / 1000) - 120 }));
  });

  it('a token signed by a key not in the JWKS gets 401', async () => {
    const { privateKey } = await generateKeyPair('ES256');
    const token = await new SignJWT({ org: 'ukpn', roles: ['participant'] })
      .setProtectedHeader({ alg: 'ES256', kid: devKey.kid! })
      .setSubject('mallory')
      .setIssuer(DEV_ISSUER)
      .setAudience(DEV_AUDIENCE)
      .setExpirationTime('10m')
      .sign(privateKey);
    await expectBare401(token);
  });

  it('an unsigned token (alg: none) gets 401', async () => {
    const now = Math.floor(Date.now() / 1000);
    const payload = { sub: 'mallory', org: 'elexon', roles: ['cpsd_admin'], iss: DEV_ISSUER, aud: DEV_AUDIENCE, exp: now + 600 };
    await expectBare401(`${base64url({ alg: 'none', typ: 'JWT' })}.${base64url(payload)}.`);
  });

  it('an HS256 token "signed" with the public key gets 401 (algorithm confusion)', async () => {
    const { d: _private, ...publicJwk } = devKey;
    for (const secret of [JSON.stringify(publicJwk), JSON.stringify((await t.graphqlJwks()).keys[0])]) {
      const token = await new SignJWT({ org: 'elexon', roles: ['cpsd_admin'] })
        .setProtectedHeader({ alg: 'HS256', kid: devKey.kid! })
        .setSubject('mallory')
        .setIssuer(DEV_ISSUER)
        .setAudience(DEV_AUDIENCE)
        .setExpirationTime('10m')
        .sign(new TextEncoder().encode(secret));
      await expectBare401(token);
    }
  });

  it('a wrong issuer or a wrong audience gets 401', async () => {
    await expectBare401(await devSigned({ org: 'ukpn', roles: ['participant'] }, { iss: 'https://evil.example' }));
    await expectBare401(await devSigned({ org: 'ukpn', roles: ['participant'] }, { aud: 'another-api' }));
  });

  it('a token for an organisation the CPSD does not know, or with an unknown role, gets 401', async () => {
    await expectBare401(await devSigned({ org: 'no-such-org', roles: ['participant'] }));
    await expectBare401(await devSigned({ org: 'ukpn', roles: ['superuser'] }));
    await expectBare401(await devSigned({ org: 'ukpn', roles: ['participant'], desks: 'elexon-service-desk' }));
    await expectBare401(await devSigned({ roles: ['participant'] }));
  });

  it('an identity header sent by the client is ignored: the caller is who the JWT says', async () => {
    const forger = new IdentityTokenSigner((await generateIdentityKeyPair()).privateKey);
    const forged = await forger.sign(
      {
        subject: 'mallory',
        organisationId: 'elexon',
        visibleOrganisationIds: ['elexon', 'ukpn', 'british-gas'],
        roles: [],
        deskIds: [],
        kind: 'SERVICE',
      },
      'elexon',
    );
    const token = await t.token({ sub: 'carol', org: 'british-gas' });
    const { status, data } = await t.graphql<{ me: { subject: string; organisation: { id: string }; visibleOrganisations: { id: string }[] } }>(ME, {
      token,
      headers: { [IDENTITY_HEADER]: forged, 'x-forwarded-user': 'mallory' },
    });
    expect(status).toBe(200);
    expect(data?.me).toEqual({ subject: 'carol', organisation: { id: 'british-gas' }, visibleOrganisations: [{ id: 'british-gas' }] });
  });

  describe('a direct call to a subgraph', () => {
    const ENTITIES = '{ _entities(representations: [{ __typename: "Desk", id: "elexon-service-desk" }]) { ... on Desk { name } } }';

    it.each(['elexon', 'mpas', 'dcc', 'rec', 'partners'])('is refused by %s without the gateway-signed identity', async (name) => {
      const subgraph = t.product.subgraphs.find((s) => s.name === name)!;
      const response = await t.graphql('{ __typename }', { url: subgraph.url });
      expect(response.status).toBe(401);
      expect(response.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
    });

    it('is refused with a partner JWT, with a forged identity, and for _entities', async () => {
      const elexonUrl = t.product.subgraphs.find((s) => s.name === 'elexon')!.url;
      const partnerToken = await t.token({ sub: 'alice', org: 'ukpn' });
      const forged = await new IdentityTokenSigner((await generateIdentityKeyPair()).privateKey).sign(
        {
          subject: 'mallory',
          organisationId: 'elexon',
          visibleOrganisationIds: ['elexon'],
          roles: [],
          deskIds: [],
          kind: 'SERVICE',
        },
        'elexon',
      );
      for (const options of [{ token: partnerToken }, { headers: { [IDENTITY_HEADER]: forged } }, {}]) {
        const response = await t.graphql<{ _entities?: unknown }>(ENTITIES, { url: elexonUrl, ...options });
        expect(response.status).toBe(401);
        expect(response.data).toBeUndefined();
      }
    });
  });

  it('an operation deeper than the limit is refused before it reaches a subgraph', async () => {
    const token = await t.token({ sub: 'alice', org: 'ukpn' });
    const deep = `{ organisation(id: "ukpn") { ${'children { '.repeat(13)}id${' }'.repeat(13)} } }`;
    const { errors, data } = await t.graphql(deep, { token });
    expect(data).toBeUndefined();
    expect(errors?.[0]?.extensions).toMatchObject({ code: 'GRAPHQL_VALIDATION_FAILED', limit: 'depth' });
  });

  it('too many aliases are refused', async () => {
    const token = await t.token({ sub: 'alice', org: 'ukpn' });
    const aliased = `{ ${Array.from({ length: 31 }, (_, i) => `a${i}: me { subject }`).join(' ')} }`;
    const { errors } = await t.graphql(aliased, { token });
    expect(errors?.[0]?.extensions).toMatchObject({ code: 'GRAPHQL_VALIDATION_FAILED', limit: 'aliases' });
  });

  it('an internal failure in a subgraph is masked: INTERNAL_SERVER_ERROR and a correlation id, no detail', async () => {
    const dcc = t.product.subgraphs.find((s) => s.name === 'dcc')!;
    await dcc.db.query('ALTER TABLE dcc.desk_profiles RENAME TO desk_profiles_away');
    try {
      const token = await t.token({ sub: 'alice', org: 'ukpn' });
      const { errors } = await t.graphql('{ dccDeskProfiles { deskId } }', { token });
      expect(errors).toHaveLength(1);
      expect(errors![0].message).toBe('Internal server error');
      expect(errors![0].extensions?.code).toBe('INTERNAL_SERVER_ERROR');
      expect(errors![0].extensions?.correlationId).toMatch(/^[0-9a-f-]{36}$/);
      expect(errors![0].extensions).not.toHaveProperty('serviceName');
      expect(JSON.stringify(errors)).not.toMatch(/desk_profiles|does not exist|stacktrace|SELECT /);
    } finally {
      await dcc.db.query('ALTER TABLE dcc.desk_profiles_away RENAME TO desk_profiles');
    }
  });

  it('introspection and the development JWKS are available in development', async () => {
    const token = await t.token({ sub: 'alice', org: 'ukpn' });
    const { data } = await t.graphql<{ __schema: { queryType: { name: string } } }>('{ __schema { queryType { name } } }', { token });
    expect(data?.__schema.queryType.name).toBe('Query');
    const jwks = await t.graphqlJwks();
    expect(jwks.keys[0]).toMatchObject({ kty: 'EC', alg: 'ES256' });
    expect(jwks.keys[0]).not.toHaveProperty('d');
  });
});

describe('in production mode, with a real identity provider', () => {
  let t: TestProduct;
  let jwksServer: http.Server;
  let signingKey: CryptoKey;
  const ISSUER = 'https://login.example/tenant-1/v2.0';
  const AUDIENCE = 'api://cpsd-gateway';

  beforeAll(async () => {
    const pair = await generateKeyPair('RS256');
    signingKey = pair.privateKey;
    const publicJwk = { ...(await exportJWK(pair.publicKey)), kid: 'idp-1', alg: 'RS256', use: 'sig' };
    jwksServer = http.createServer((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ keys: [publicJwk] }));
    });
    await new Promise<void>((resolve) => jwksServer.listen(0, '127.0.0.1', resolve));
    const port = (jwksServer.address() as AddressInfo).port;
    t = await startTestProduct({
      NODE_ENV: 'production',
      JWKS_URL: `http://127.0.0.1:${port}/discovery/keys`,
      JWT_ISSUER: ISSUER,
      JWT_AUDIENCE: AUDIENCE,
      JWT_ALGORITHMS: 'RS256',
    });
  });
  afterAll(async () => {
    await t?.stop();
    jwksServer?.close();
  });

  function idpToken(claims: Record<string, unknown>): Promise<string> {
    return new SignJWT(claims)
      .setProtectedHeader({ alg: 'RS256', kid: 'idp-1' })
      .setSubject('erin@dcc.example')
      .setIssuer(ISSUER)
      .setAudience(AUDIENCE)
      .setIssuedAt()
      .setExpirationTime('5m')
      .sign(signingKey);
  }

  it('a token from the identity provider, checked against its JWKS, answers me', async () => {
    const token = await idpToken({ org: 'dcc', roles: ['participant', 'desk_agent'], desks: ['dcc-service-desk'] });
    const { status, data } = await t.graphql<{ me: { subject: string; organisation: { id: string } } }>(ME, { token });
    expect(status).toBe(200);
    expect(data?.me).toMatchObject({ subject: 'erin@dcc.example', organisation: { id: 'dcc' } });
  });

  it('introspection is off', async () => {
    const token = await idpToken({ org: 'dcc', roles: ['participant'] });
    const { data, errors } = await t.graphql('{ __schema { types { name } } }', { token });
    expect(data).toBeUndefined();
    expect(errors?.[0]?.extensions?.code).toBe('GRAPHQL_VALIDATION_FAILED');
  });

  it('field suggestions are off: a typo does not reveal the schema', async () => {
    const token = await idpToken({ org: 'dcc', roles: ['participant'] });
    const { errors } = await t.graphql('{ desk(id: "dcc-service-desk") { nam } }', { token });
    expect(errors?.[0]?.message).toBeDefined();
    expect(errors![0].message).not.toMatch(/Did you mean/);
  });

  it('the development issuer is gone: no JWKS route, and HS256 is not an accepted algorithm', async () => {
    const response = await fetch(`${t.product.gateway.http.url}/.well-known/jwks.json`);
    expect(response.status).toBe(404);
    const token = await new SignJWT({ org: 'dcc', roles: ['participant'] })
      .setProtectedHeader({ alg: 'HS256', kid: 'idp-1' })
      .setSubject('mallory')
      .setIssuer(ISSUER)
      .setAudience(AUDIENCE)
      .setExpirationTime('5m')
      .sign(new TextEncoder().encode('guessable-secret'));
    expect((await t.graphql(ME, { token })).status).toBe(401);
  });
});

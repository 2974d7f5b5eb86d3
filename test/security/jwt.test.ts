/**
 * Partner tokens, after RFC 8725 (JWT BCP): each case is an attack and its exact refusal — the same bare 401 with a
 * byte-identical body over HTTP, and close code 4403 on graphql-ws `connection_init` — against the product in
 * production mode with an identity provider of our own (JWKS_URL, JWT_TYP=at+jwt, JWT_ALGORITHMS=RS256,ES256).
 *
 * Decisions: an `aud` array that contains ours is accepted (RFC 7519 §4.1.3: the token is for several audiences, one of
 * them us); a token with duplicate member names is refused even when correctly signed (no parser differential).
 */
import http from 'node:http';
import net from 'node:net';
import { exportSPKI, exportJWK, generateKeyPair, SignJWT, type JWK } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestProduct, type TestProduct } from '../e2e/harness';
import { AUDIENCE, countingServer, ISSUER, startIdentityProvider, TYP, type IdentityProvider } from './support/identity-provider';
import { connectionInit, wsUrl } from './support/ws';

const ME = '{ me { subject } }';
const CLAIMS = { org: 'dcc', roles: ['participant'] };
const KID_INJECTIONS = [
  '../../../../../../dev/null',
  "' OR '1'='1",
  "es-1'; DROP TABLE elexon.cases; --",
  '$(curl 127.0.0.1)',
  '| whoami',
  'es-1\u0000',
  '\u0000',
  'ES-1',
  ' es-1',
  '{"$ne":null}',
  'https://evil.example/keys',
  'k'.repeat(4000),
];

let t: TestProduct;
let idp: IdentityProvider;
let attackerServer: Awaited<ReturnType<typeof countingServer>>;
let attacker: { privateKey: CryptoKey; publicJwk: JWK };
/** The body of the refusal of a request with no token at all: every refusal must be exactly this. */
let referenceBody: string;

const now = (): number => Math.floor(Date.now() / 1000);

function b64(value: unknown): string {
  return Buffer.from(typeof value === 'string' ? value : JSON.stringify(value)).toString('base64url');
}

async function post(
  headers: Record<string, string | string[]>,
  path = '/graphql',
): Promise<{ status: number; body: string; headers: http.IncomingHttpHeaders }> {
  const url = new URL(path, t.gatewayUrl);
  return new Promise((resolve, reject) => {
    const request = http.request(url, { method: 'POST', headers: { 'content-type': 'application/json', ...headers } }, (response) => {
      let body = '';
      response.setEncoding('utf8');
      response.on('data', (chunk: string) => (body += chunk));
      response.on('end', () => resolve({ status: response.statusCode ?? 0, body, headers: response.headers }));
    });
    request.on('error', reject);
    request.end(JSON.stringify({ query: ME }));
  });
}

/** Sends raw bytes (a whole HTTP request) and returns the status code of the answer. */
function rawRequest(bytes: Buffer): Promise<{ status: number; text: string }> {
  const { port } = new URL(t.gatewayUrl);
  return new Promise((resolve, reject) => {
    const socket = net.connect(Number(port), '127.0.0.1', () => socket.end(bytes));
    let text = '';
    socket.setEncoding('latin1');
    socket.on('data', (chunk: string) => (text += chunk));
    socket.on('end', () => resolve({ status: Number(/^HTTP\/1\.1 (\d{3})/.exec(text)?.[1] ?? 0), text }));
    socket.on('error', reject);
  });
}

async function expectBare401(headers: Record<string, string | string[]>, path?: string): Promise<void> {
  const response = await post(headers, path);
  expect(response.status).toBe(401);
  expect(response.headers['www-authenticate']).toBe('Bearer');
  expect(response.body).toBe(referenceBody);
}

async function expectRefused(token: string): Promise<void> {
  await expectBare401({ authorization: `Bearer ${token}` });
  const ws = await connectionInit(wsUrl(t.gatewayUrl), { authorization: `Bearer ${token}` });
  expect(ws).toMatchObject({ acked: false, code: 4403 });
}

async function expectAccepted(token: string): Promise<void> {
  const response = await post({ authorization: `Bearer ${token}` });
  expect(response.status, response.body).toBe(200);
  expect(JSON.parse(response.body)).toEqual({ data: { me: { subject: 'erin@dcc.example' } } });
  expect(await connectionInit(wsUrl(t.gatewayUrl), { authorization: `Bearer ${token}` })).toMatchObject({ acked: true });
}

beforeAll(async () => {
  idp = await startIdentityProvider();
  const pair = await generateKeyPair('ES256');
  attacker = { privateKey: pair.privateKey, publicJwk: { ...(await exportJWK(pair.publicKey)), kid: 'es-1', alg: 'ES256' } };
  attackerServer = await countingServer({ keys: [attacker.publicJwk] });
  t = await startTestProduct({
    NODE_ENV: 'production',
    JWKS_URL: idp.jwksUrl,
    JWT_ISSUER: ISSUER,
    JWT_AUDIENCE: AUDIENCE,
    JWT_ALGORITHMS: 'RS256,ES256',
    JWT_TYP: TYP,
  });
  const none = await post({});
  expect(none.status).toBe(401);
  referenceBody = none.body;
  expect(JSON.parse(referenceBody)).toEqual({ errors: [{ message: 'Unauthenticated', extensions: { code: 'UNAUTHENTICATED' } }] });
});

afterAll(async () => {
  await t?.stop();
  await idp?.close();
  await attackerServer?.close();
});

describe('a genuine token', () => {
  it('signed RS256 or ES256 by the identity provider, typ at+jwt, is accepted over HTTP and WebSocket', async () => {
    await expectAccepted(await idp.sign(CLAIMS));
    await expectAccepted(await idp.sign(CLAIMS, { alg: 'RS256' }));
    // RFC 8725 §3.11: the `application/` prefix is optional and the comparison case-insensitive.
    await expectAccepted(await idp.sign(CLAIMS, { header: { typ: 'application/AT+JWT' } }));
  });
});

describe('algorithms (RFC 8725 §3.1, §3.2)', () => {
  it('alg none, in any spelling, with or without a signature', async () => {
    const payload = { sub: 'erin@dcc.example', ...CLAIMS, iss: ISSUER, aud: AUDIENCE, iat: now(), exp: now() + 300 };
    for (const alg of ['none', 'None', 'NONE', 'nOnE']) {
      await expectRefused(`${b64({ alg, typ: TYP })}.${b64(payload)}.`);
      await expectRefused(`${b64({ alg, typ: TYP, kid: 'es-1' })}.${b64(payload)}.c2lnbmF0dXJl`);
    }
  });

  it('HS256 "signed" with the public key (JWK, JWKS or PEM) as the HMAC secret', async () => {
    const jwk = idp.publicJwks[0];
    const { importJWK } = await import('jose');
    const pem = await exportSPKI((await importJWK(jwk, 'RS256', { extractable: true })) as CryptoKey);
    for (const secret of [JSON.stringify(jwk), JSON.stringify({ keys: idp.publicJwks }), pem, jwk.n as string]) {
      for (const kid of ['rs-1', 'es-1']) {
        const token = await new SignJWT({ sub: 'erin@dcc.example', ...CLAIMS })
          .setProtectedHeader({ alg: 'HS256', kid, typ: TYP })
          .setIssuer(ISSUER)
          .setAudience(AUDIENCE)
          .setIssuedAt()
          .setExpirationTime('5m')
          .sign(new TextEncoder().encode(secret));
        await expectRefused(token);
      }
    }
  });

  it('an algorithm outside the allowlist, with a genuine key from the JWKS (PS256, ES384)', async () => {
    await expectRefused(await idp.sign(CLAIMS, { alg: 'PS256' }));
    await expectRefused(await idp.sign(CLAIMS, { alg: 'ES384' }));
  });

  it('a header that names one algorithm over a signature by another key', async () => {
    // ES256 over the RS256 key's kid: the JWKS key does not fit the algorithm.
    await expectRefused(await idp.sign(CLAIMS, { header: { kid: 'rs-1' } }));
    // ES256 over the ES384 key's kid: same family, another curve.
    await expectRefused(await idp.sign(CLAIMS, { header: { kid: 'es384-1' } }));
  });

  it('a signature stripped or swapped from another token', async () => {
    const [header, payload] = (await idp.sign(CLAIMS)).split('.');
    await expectRefused(`${header}.${payload}.`);
    await expectRefused(`${header}.${payload}`);
    const [, , otherSignature] = (await idp.sign({ org: 'dcc', roles: ['participant'], jti: 'other' })).split('.');
    await expectRefused(`${header}.${b64({ ...JSON.parse(Buffer.from(payload, 'base64url').toString()), org: 'elexon' })}.${otherSignature}`);
  });
});

describe('issuer and audience (RFC 8725 §3.8, §3.9)', () => {
  it('a wrong or missing iss', async () => {
    await expectRefused(await idp.sign({ ...CLAIMS, iss: 'https://evil.example/v2.0' }));
    await expectRefused(await idp.sign({ ...CLAIMS, iss: `${ISSUER}/` }));
    await expectRefused(await idp.sign({ ...CLAIMS, iss: [ISSUER] }));
    await expectRefused(await idp.sign(CLAIMS, { omit: ['iss'] }));
  });

  it('a wrong or missing aud, or an array without ours', async () => {
    await expectRefused(await idp.sign({ ...CLAIMS, aud: 'api://another-api' }));
    await expectRefused(await idp.sign({ ...CLAIMS, aud: ['api://another-api', 'api://a-third'] }));
    await expectRefused(await idp.sign({ ...CLAIMS, aud: [] }));
    await expectRefused(await idp.sign(CLAIMS, { omit: ['aud'] }));
  });

  it('an aud array that contains ours among others is accepted (decision: a token for several audiences, one of them us)', async () => {
    await expectAccepted(await idp.sign({ ...CLAIMS, aud: ['api://another-api', AUDIENCE] }));
  });
});

describe('time (30 s clock skew; at most 24 h lifetime)', () => {
  it('expired 20 s ago passes (within the skew), 60 s ago fails', async () => {
    await expectAccepted(await idp.sign({ ...CLAIMS, iat: now() - 600, exp: now() - 20 }));
    await expectRefused(await idp.sign({ ...CLAIMS, iat: now() - 600, exp: now() - 60 }));
  });

  it('nbf in the future beyond the skew', async () => {
    await expectRefused(await idp.sign({ ...CLAIMS, nbf: now() + 120 }));
    await expectAccepted(await idp.sign({ ...CLAIMS, nbf: now() + 10 }));
  });

  it('iat in the future beyond the skew', async () => {
    await expectRefused(await idp.sign({ ...CLAIMS, iat: now() + 120, exp: now() + 400 }));
    await expectAccepted(await idp.sign({ ...CLAIMS, iat: now() + 10 }));
  });

  it('a missing exp, or one that is not a number', async () => {
    await expectRefused(await idp.sign(CLAIMS, { omit: ['exp'] }));
    await expectRefused(await idp.sign({ ...CLAIMS, exp: String(now() + 300) }));
    await expectRefused(await idp.sign({ ...CLAIMS, exp: null }));
  });

  it('an absurd lifetime: exp 10 years ahead, or 25 h after iat', async () => {
    await expectRefused(await idp.sign({ ...CLAIMS, exp: now() + 10 * 365 * 86400 }));
    await expectRefused(await idp.sign({ ...CLAIMS, exp: now() + 2 * 86400 }, { omit: ['iat'] }));
    await expectRefused(await idp.sign({ ...CLAIMS, iat: now() - 3600, exp: now() + 24 * 3600 }));
    await expectAccepted(await idp.sign({ ...CLAIMS, exp: now() + 23 * 3600 }));
  });
});

describe('headers (RFC 8725 §3.10, §3.11; RFC 7515 §4.1.11)', () => {
  it('typ missing or not at+jwt, as JWT_TYP requires', async () => {
    await expectRefused(await idp.sign(CLAIMS, { header: { typ: undefined } }));
    await expectRefused(await idp.sign(CLAIMS, { header: { typ: 'JWT' } }));
    await expectRefused(await idp.sign(CLAIMS, { header: { typ: 'id_token+jwt' } }));
  });

  it('a crit header naming an unknown extension', async () => {
    const payload = JSON.stringify({ sub: 'erin@dcc.example', ...CLAIMS, iss: ISSUER, aud: AUDIENCE, iat: now(), exp: now() + 300 });
    await expectAccepted(await idp.signRaw(`{"alg":"ES256","kid":"es-1","typ":"${TYP}"}`, payload));
    await expectRefused(await idp.signRaw(`{"alg":"ES256","kid":"es-1","typ":"${TYP}","crit":["urn:x-cpsd:unknown"],"urn:x-cpsd:unknown":true}`, payload));
    await expectRefused(await idp.signRaw(`{"alg":"ES256","kid":"es-1","typ":"${TYP}","crit":[]}`, payload));
  });

  it('keys the token brings itself (jwk, jku, x5u, x5c) are never trusted, nor fetched', async () => {
    const sign = (header: Record<string, unknown>) => idp.sign(CLAIMS, { key: attacker.privateKey, header });
    await expectRefused(await sign({ jwk: attacker.publicJwk }));
    await expectRefused(await sign({ kid: undefined, jwk: attacker.publicJwk }));
    await expectRefused(await sign({ jku: `${attackerServer.url}/jwks.json` }));
    await expectRefused(await sign({ kid: 'attacker-1', jku: `${attackerServer.url}/jwks.json` }));
    await expectRefused(await sign({ x5u: `${attackerServer.url}/cert.pem` }));
    await expectRefused(await sign({ x5c: ['MIIBkTCB+wIJAKHHIG...'] }));
    // The refusals above are answered: had any URL been followed, the attacker's server would have seen it first.
    expect(attackerServer.requests()).toBe(0);
  });

  it('kid injection strings, signed by an unknown key, and unknown kids do not flood the JWKS', async () => {
    const before = idp.fetches();
    for (const kid of KID_INJECTIONS) {
      await expectRefused(await idp.sign(CLAIMS, { key: attacker.privateKey, header: { kid } }));
      const hs = await new SignJWT({ sub: 'erin@dcc.example', ...CLAIMS })
        .setProtectedHeader({ alg: 'HS256', kid, typ: TYP })
        .setIssuer(ISSUER)
        .setAudience(AUDIENCE)
        .setIssuedAt()
        .setExpirationTime('5m')
        .sign(new Uint8Array(32));
      await expectRefused(hs);
    }
    // jose refetches the JWKS for an unknown kid at most once per 30 s cooldown.
    expect(idp.fetches() - before).toBeLessThanOrEqual(2);
  });
});

describe('claims', () => {
  it('the right signature over CPSD claims of the wrong shape', async () => {
    for (const roles of ['cpsd_admin', ['participant', ['cpsd_admin']], [{ role: 'participant' }], [1], { 0: 'participant' }, ['participant', 'superuser']]) {
      await expectRefused(await idp.sign({ ...CLAIMS, roles }));
    }
    for (const org of [['dcc'], 42, '', { id: 'dcc' }]) await expectRefused(await idp.sign({ ...CLAIMS, org }));
    await expectRefused(await idp.sign({ ...CLAIMS, desks: 'dcc-service-desk' }));
    for (const sub of ['', 7, ['erin']]) await expectRefused(await idp.sign({ ...CLAIMS, sub }));
    await expectRefused(await idp.sign(CLAIMS, { omit: ['sub'] }));
  });

  it('duplicate member names, correctly signed, are refused (decision: no parser differential)', async () => {
    const base = `"sub":"erin@dcc.example","iss":"${ISSUER}","aud":"${AUDIENCE}","iat":${now()},"exp":${now() + 300}`;
    const header = `{"alg":"ES256","kid":"es-1","typ":"${TYP}"}`;
    await expectAccepted(await idp.signRaw(header, `{${base},"org":"dcc","roles":["participant"]}`));
    await expectRefused(await idp.signRaw(header, `{${base},"org":"dcc","roles":["participant"],"org":"elexon"}`));
    await expectRefused(await idp.signRaw(header, `{${base},"org":"dcc","roles":["participant"],"roles":["cpsd_admin"]}`));
    await expectRefused(await idp.signRaw(`{"alg":"ES256","kid":"es-1","typ":"${TYP}","alg":"none"}`, `{${base},"org":"dcc","roles":["participant"]}`));
  });
});

describe('transport', () => {
  it('a huge token (> 8 KiB), correctly signed, is a 401, never a 500; a header over the server limit is 431', async () => {
    const huge = await idp.sign({ ...CLAIMS, pad: 'x'.repeat(7000) });
    expect(huge.length).toBeGreaterThan(8192);
    await expectRefused(huge);
    // Over 8 KiB but under the frame limit: the same 4403 as any other bad token.
    expect(await connectionInit(wsUrl(t.gatewayUrl), { authorization: `Bearer ${await idp.sign({ ...CLAIMS, pad: 'x'.repeat(20_000) })}` })).toMatchObject({
      acked: false,
      code: 4403,
    });
    const enormous = await idp.sign({ ...CLAIMS, pad: 'x'.repeat(20_000) });
    const response = await post({ authorization: `Bearer ${enormous}` });
    expect(response.status).toBe(431);
    expect((await post({ authorization: `Bearer ${await idp.sign(CLAIMS)}` })).status).toBe(200);
  });

  it('a connection_init over the frame size limit is closed (1009), and the product keeps answering', async () => {
    // Today the upgraded socket has no 'error' handler: ws raises "Max payload size exceeded" as an uncaught exception.
    const enormous = await idp.sign({ ...CLAIMS, pad: 'x'.repeat(200_000) });
    const outcome = await connectionInit(wsUrl(t.gatewayUrl), { authorization: `Bearer ${enormous}` });
    expect(outcome.acked).toBe(false);
    expect([1009, 4403]).toContain(outcome.code);
    expect((await post({ authorization: `Bearer ${await idp.sign(CLAIMS)}` })).status).toBe(200);
    expect(await connectionInit(wsUrl(t.gatewayUrl), { authorization: `Bearer ${await idp.sign(CLAIMS)}` })).toMatchObject({ acked: true });
  });

  it('non-ASCII in the Authorization header', async () => {
    const token = await idp.sign(CLAIMS);
    const { port } = new URL(t.gatewayUrl);
    const body = JSON.stringify({ query: ME });
    for (const value of [`Bearer ${token}é`, `Bearer é${token}`, 'Bearer ünïcødé.tøkén.✓', `Bearer\u00a0${token}`, `Ｂearer ${token}`]) {
      const request = Buffer.concat([
        Buffer.from(
          `POST /graphql HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\nAuthorization: `,
        ),
        Buffer.from(value, 'utf8'),
        Buffer.from(`\r\n\r\n${body}`),
      ]);
      const { status, text } = await rawRequest(request);
      expect(status, value).toBe(401);
      expect(text.slice(text.indexOf('\r\n\r\n') + 4)).toContain(referenceBody);
    }
  });

  // Finding: Node keeps the first of repeated Authorization headers (req.headers), so [good, bad] is accepted while a
  // proxy in front may have authorised on the other; gateway/server.ts should pass req.headersDistinct.authorization
  // to bearerToken, which refuses more than one value.
  it('two Authorization headers are refused, whichever comes first', async () => {
    const good = `Bearer ${await idp.sign(CLAIMS)}`;
    const other = `Bearer ${await idp.sign({ org: 'dcc', roles: ['participant'], sub: 'someone-else' })}`;
    await expectBare401({ authorization: ['Bearer not-a-token', good] });
    await expectBare401({ authorization: [good, 'Bearer not-a-token'] });
    await expectBare401({ authorization: [good, other] });
    await expectBare401({ authorization: [good, good] });
  });

  it('a token in the query string is ignored, over HTTP and WebSocket', async () => {
    const token = await idp.sign(CLAIMS);
    for (const name of ['access_token', 'token', 'authorization', 'jwt']) {
      await expectBare401({}, `/graphql?${name}=${token}`);
      const url = `${wsUrl(t.gatewayUrl)}?${name}=${encodeURIComponent(name === 'authorization' ? `Bearer ${token}` : token)}`;
      expect(await connectionInit(url, {})).toMatchObject({ acked: false, code: 4403 });
    }
  });

  it('connection_init without a string authorization is closed with 4403', async () => {
    const token = await idp.sign(CLAIMS);
    for (const payload of [
      undefined,
      {},
      { authorization: token },
      { authorization: ['Bearer', token] },
      { authorization: { Bearer: token } },
      { authorization: 42 },
      { token },
      { authorization: `Basic ${token}` },
    ]) {
      expect(await connectionInit(wsUrl(t.gatewayUrl), payload), JSON.stringify(payload)).toMatchObject({ acked: false, code: 4403 });
    }
  });
});

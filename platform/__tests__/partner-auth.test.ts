import { beforeAll, describe, expect, it } from 'vitest';
import { base64url, exportJWK, exportSPKI, generateKeyPair, SignJWT, type CryptoKey, type JSONWebKeySet, type JWK, type JWTPayload } from 'jose';
import { bearerToken, JwtVerifier } from '../partner-auth';

const ISSUER = 'https://idp.example.test/';
const AUDIENCE = 'cpsd-gateway';
const KID = 'partner-idp-1';

interface Keys {
  trusted: { privateKey: CryptoKey; publicKey: CryptoKey; publicJwk: JWK };
  /** An RS256 key that is in the JWKS, for checking the algorithm allowlist. */
  rsa: { privateKey: CryptoKey; publicJwk: JWK };
  /** A key pair the identity provider never published. */
  attacker: { privateKey: CryptoKey; publicKey: CryptoKey; publicJwk: JWK };
  jwks: JSONWebKeySet;
}

let keys: Keys;

beforeAll(async () => {
  const trusted = await generateKeyPair('ES256');
  const rsa = await generateKeyPair('RS256');
  const attacker = await generateKeyPair('ES256');
  const trustedJwk: JWK = { ...(await exportJWK(trusted.publicKey)), kid: KID, alg: 'ES256', use: 'sig' };
  const rsaJwk: JWK = { ...(await exportJWK(rsa.publicKey)), kid: 'partner-idp-rsa', alg: 'RS256', use: 'sig' };
  keys = {
    trusted: { ...trusted, publicJwk: trustedJwk },
    rsa: { privateKey: rsa.privateKey, publicJwk: rsaJwk },
    attacker: { ...attacker, publicJwk: await exportJWK(attacker.publicKey) },
    jwks: { keys: [trustedJwk, rsaJwk] },
  };
});

function verifier(algorithms = ['ES256']): JwtVerifier {
  return new JwtVerifier({ jwks: { keys: keys.jwks }, issuer: ISSUER, audience: AUDIENCE, algorithms });
}

const nowSeconds = (): number => Math.floor(Date.now() / 1000);

const GOOD_CLAIMS = {
  sub: 'user-42',
  org: 'org-ukpn',
  roles: ['participant', 'desk_agent'],
  desks: ['desk-ukpn-mpas'],
};

interface SignOptions {
  claims?: JWTPayload;
  /** Claims to delete from the default set before signing. */
  omit?: string[];
  issuer?: string;
  audience?: string;
  expiresAt?: number | null;
  notBefore?: number;
  key?: CryptoKey;
  header?: Record<string, unknown>;
}

async function sign(options: SignOptions = {}): Promise<string> {
  const payload: JWTPayload = { ...GOOD_CLAIMS, ...(options.claims ?? {}) };
  for (const name of options.omit ?? []) delete payload[name];
  const jwt = new SignJWT(payload)
    .setProtectedHeader({ alg: 'ES256', kid: KID, typ: 'JWT', ...(options.header ?? {}) })
    .setIssuer(options.issuer ?? ISSUER)
    .setAudience(options.audience ?? AUDIENCE)
    .setIssuedAt();
  if (options.expiresAt !== null) jwt.setExpirationTime(options.expiresAt ?? nowSeconds() + 300);
  if (options.notBefore !== undefined) jwt.setNotBefore(options.notBefore);
  return jwt.sign(options.key ?? keys.trusted.privateKey);
}

function encodeJson(value: unknown): string {
  return base64url.encode(JSON.stringify(value));
}

describe('JwtVerifier: a valid token', () => {
  it('yields the CPSD claims', async () => {
    const exp = nowSeconds() + 300;
    const claims = await verifier().verify(await sign({ expiresAt: exp }));
    expect(claims).toEqual({
      subject: 'user-42',
      organisationId: 'org-ukpn',
      roles: ['participant', 'desk_agent'],
      deskIds: ['desk-ukpn-mpas'],
      expiresAt: exp,
    });
  });

  it('defaults missing roles and desks to empty lists', async () => {
    const claims = await verifier().verify(await sign({ omit: ['roles', 'desks'] }));
    expect(claims).toMatchObject({ subject: 'user-42', organisationId: 'org-ukpn', roles: [], deskIds: [] });
  });

  it('carries a well-formed email claim, and ignores one that is not an address instead of refusing the token', async () => {
    expect((await verifier().verify(await sign({ claims: { email: 'ana@ukpn.example' } })))?.email).toBe('ana@ukpn.example');
    for (const email of ['not an address', 'x@y', 42, 'a@b.example\r\nBcc: evil@x.example']) {
      const claims = await verifier().verify(await sign({ claims: { email } }));
      expect(claims).toMatchObject({ subject: 'user-42' });
      expect(claims?.email).toBeUndefined();
    }
  });

  it('accepts each of the four roles', async () => {
    const roles = ['participant', 'desk_agent', 'major_incident_manager', 'cpsd_admin'];
    const claims = await verifier().verify(await sign({ claims: { roles } }));
    expect(claims?.roles).toEqual(roles);
  });

  it('accepts a token signed by another allowed algorithm with a key from the JWKS', async () => {
    const token = await new SignJWT({ ...GOOD_CLAIMS })
      .setProtectedHeader({ alg: 'RS256', kid: 'partner-idp-rsa' })
      .setIssuer(ISSUER)
      .setAudience(AUDIENCE)
      .setExpirationTime('5m')
      .sign(keys.rsa.privateKey);
    expect(await verifier(['ES256', 'RS256']).verify(token)).not.toBeNull();
  });
});

describe('JwtVerifier: time claims', () => {
  it('refuses an expired token', async () => {
    expect(await verifier().verify(await sign({ expiresAt: nowSeconds() - 120 }))).toBeNull();
  });

  it('allows a small clock skew at expiry (30 s tolerance), not more', async () => {
    expect(await verifier().verify(await sign({ expiresAt: nowSeconds() - 5 }))).not.toBeNull();
    expect(await verifier().verify(await sign({ expiresAt: nowSeconds() - 60 }))).toBeNull();
  });

  it('refuses a token that is not yet valid (nbf in the future)', async () => {
    expect(await verifier().verify(await sign({ notBefore: nowSeconds() + 600 }))).toBeNull();
  });

  it('refuses a token without an expiry (it would be valid for ever)', async () => {
    expect(await verifier().verify(await sign({ expiresAt: null }))).toBeNull();
  });
});

describe('JwtVerifier: issuer, audience and subject', () => {
  it('refuses a token from another issuer', async () => {
    expect(await verifier().verify(await sign({ issuer: 'https://evil.example.test/' }))).toBeNull();
  });

  it('refuses a token for another audience', async () => {
    expect(await verifier().verify(await sign({ audience: 'some-other-api' }))).toBeNull();
  });

  it('refuses a token without a subject', async () => {
    expect(await verifier().verify(await sign({ omit: ['sub'] }))).toBeNull();
  });

  it('refuses a token with an empty subject', async () => {
    expect(await verifier().verify(await sign({ claims: { sub: '' } }))).toBeNull();
  });
});

describe('JwtVerifier: signature and algorithm attacks', () => {
  it('refuses a token signed by a key that is not in the JWKS (even claiming a published kid)', async () => {
    expect(await verifier().verify(await sign({ key: keys.attacker.privateKey }))).toBeNull();
    expect(await verifier().verify(await sign({ key: keys.attacker.privateKey, header: { kid: undefined } }))).toBeNull();
  });

  it('refuses a token naming an unknown kid', async () => {
    expect(await verifier().verify(await sign({ header: { kid: 'no-such-key' } }))).toBeNull();
  });

  it('refuses a token that brings its own key in the header (embedded jwk)', async () => {
    const token = await sign({ key: keys.attacker.privateKey, header: { kid: undefined, jwk: keys.attacker.publicJwk } });
    expect(await verifier().verify(token)).toBeNull();
  });

  it('refuses an unsecured token (alg: none)', async () => {
    const payload = { ...GOOD_CLAIMS, iss: ISSUER, aud: AUDIENCE, exp: nowSeconds() + 300 };
    for (const alg of ['none', 'None', 'NONE']) {
      const token = `${encodeJson({ alg, typ: 'JWT' })}.${encodeJson(payload)}.`;
      expect(await verifier().verify(token)).toBeNull();
    }
  });

  it('refuses a token with a valid signature whose payload was swapped afterwards', async () => {
    const [header, , signature] = (await sign()).split('.');
    const forged = { ...GOOD_CLAIMS, org: 'org-elexon', roles: ['cpsd_admin'], iss: ISSUER, aud: AUDIENCE, exp: nowSeconds() + 300 };
    expect(await verifier().verify(`${header}.${encodeJson(forged)}.${signature}`)).toBeNull();
  });

  it('refuses HS256 "signed" with the public key as the HMAC secret (algorithm confusion)', async () => {
    const pem = await exportSPKI(keys.trusted.publicKey);
    const secrets = [
      new TextEncoder().encode(JSON.stringify(keys.trusted.publicJwk)),
      new TextEncoder().encode(JSON.stringify(keys.jwks)),
      new TextEncoder().encode(pem),
    ];
    for (const secret of secrets) {
      const token = await new SignJWT({ ...GOOD_CLAIMS })
        .setProtectedHeader({ alg: 'HS256', kid: KID, typ: 'JWT' })
        .setIssuer(ISSUER)
        .setAudience(AUDIENCE)
        .setExpirationTime('5m')
        .sign(secret);
      expect(await verifier().verify(token)).toBeNull();
      // Not even when every asymmetric algorithm is allowed.
      expect(await verifier(['RS256', 'ES256', 'EdDSA', 'PS256']).verify(token)).toBeNull();
    }
  });

  it('enforces the algorithm allowlist even for a genuine key from the JWKS', async () => {
    const token = await new SignJWT({ ...GOOD_CLAIMS })
      .setProtectedHeader({ alg: 'RS256', kid: 'partner-idp-rsa' })
      .setIssuer(ISSUER)
      .setAudience(AUDIENCE)
      .setExpirationTime('5m')
      .sign(keys.rsa.privateKey);
    expect(await verifier(['ES256']).verify(token)).toBeNull();
  });

  it('returns null (never throws) for garbage', async () => {
    const v = verifier();
    for (const token of [undefined, '', 'not-a-jwt', 'a.b.c', '...', `${encodeJson({ alg: 'ES256' })}.%%%.xyz`]) {
      await expect(v.verify(token)).resolves.toBeNull();
    }
  });
});

describe('JwtVerifier: CPSD claims', () => {
  it('refuses a token without org', async () => {
    expect(await verifier().verify(await sign({ omit: ['org'] }))).toBeNull();
  });

  it('refuses an org that is not a non-empty string', async () => {
    for (const org of ['', 42, ['org-ukpn'], { id: 'org-ukpn' }, null]) {
      expect(await verifier().verify(await sign({ claims: { org } }))).toBeNull();
    }
  });

  it('refuses roles containing an unknown role, even alongside known ones', async () => {
    expect(await verifier().verify(await sign({ claims: { roles: ['participant', 'superuser'] } }))).toBeNull();
    // Case matters: a role is compared exactly.
    expect(await verifier().verify(await sign({ claims: { roles: ['CPSD_ADMIN'] } }))).toBeNull();
  });

  it('refuses roles that are not an array of strings', async () => {
    for (const roles of ['cpsd_admin', { 0: 'participant' }, [1], [null]]) {
      expect(await verifier().verify(await sign({ claims: { roles } }))).toBeNull();
    }
  });

  it('refuses desks that are not an array', async () => {
    for (const desks of ['desk-ukpn-mpas', { 0: 'desk-ukpn-mpas' }, 7]) {
      expect(await verifier().verify(await sign({ claims: { desks } }))).toBeNull();
    }
  });

  it('refuses desks containing a non-string', async () => {
    expect(await verifier().verify(await sign({ claims: { desks: ['desk-a', 3] } }))).toBeNull();
  });
});

describe('JwtVerifier: token size', () => {
  /**
   * A signed, otherwise valid token of exactly `length` characters, padded through claims the verifier ignores. A
   * base64url segment can never be 4k+1 characters long, so an extra header parameter shifts the total when needed.
   */
  async function tokenOfLength(length: number): Promise<string> {
    const base = (await sign({ claims: { pad: '' } })).length;
    const estimate = Math.floor(((length - base) * 3) / 4);
    for (let headerPad = 0; headerPad < 4; headerPad++) {
      for (let padLength = Math.max(0, estimate - 8); padLength <= estimate + 8; padLength++) {
        const token = await sign({ claims: { pad: 'x'.repeat(padLength) }, header: { x: 'y'.repeat(headerPad) } });
        if (token.length === length) return token;
      }
    }
    throw new Error(`no token of length ${length}`);
  }

  it('accepts a valid token of exactly 8192 characters', async () => {
    const token = await tokenOfLength(8192);
    expect(token.length).toBe(8192);
    expect(await verifier().verify(token)).not.toBeNull();
  });

  it('refuses an otherwise valid token of 8193 characters', async () => {
    const token = await tokenOfLength(8193);
    expect(token.length).toBe(8193);
    expect(await verifier().verify(token)).toBeNull();
  });
});

describe('JwtVerifier: configuration', () => {
  function construct(algorithms: string[]): () => JwtVerifier {
    return () => new JwtVerifier({ jwks: { keys: keys.jwks }, issuer: ISSUER, audience: AUDIENCE, algorithms });
  }

  it('refuses JWT_ALGORITHMS containing HS256', () => {
    expect(construct(['ES256', 'HS256'])).toThrow(/HS256/);
  });

  it('refuses JWT_ALGORITHMS containing none', () => {
    expect(construct(['none'])).toThrow(/none/);
    expect(construct(['RS256', 'none'])).toThrow(/asymmetric/);
  });

  it('refuses every HMAC variant and lookalikes of asymmetric names', () => {
    for (const alg of ['HS384', 'HS512', 'hs256', 'es256', 'ES256 ', 'XES256', 'RS256x', '']) {
      expect(construct([alg]), alg).toThrow();
    }
  });

  it('accepts the default asymmetric list (RS256, ES256, EdDSA) and the other asymmetric families', () => {
    expect(construct(['RS256', 'ES256', 'EdDSA'])).not.toThrow();
    expect(construct(['PS256', 'PS384', 'PS512', 'RS384', 'RS512', 'ES384', 'ES512', 'Ed25519'])).not.toThrow();
  });
});

describe('bearerToken', () => {
  it('extracts the token of a Bearer header', () => {
    expect(bearerToken('Bearer abc.def.ghi')).toBe('abc.def.ghi');
  });

  it('treats the scheme case-insensitively', () => {
    expect(bearerToken('bearer abc.def.ghi')).toBe('abc.def.ghi');
    expect(bearerToken('BEARER abc.def.ghi')).toBe('abc.def.ghi');
    expect(bearerToken('BeArEr abc.def.ghi')).toBe('abc.def.ghi');
  });

  it('tolerates surrounding and repeated whitespace', () => {
    expect(bearerToken('  Bearer    abc.def.ghi  ')).toBe('abc.def.ghi');
    expect(bearerToken('Bearer\tabc.def.ghi')).toBe('abc.def.ghi');
  });

  it('keeps the base64/base64url token characters', () => {
    expect(bearerToken('Bearer aZ09-_.~+/=')).toBe('aZ09-_.~+/=');
  });

  it('rejects other schemes', () => {
    expect(bearerToken('Basic dXNlcjpwYXNz')).toBeUndefined();
    expect(bearerToken('Token abc')).toBeUndefined();
    expect(bearerToken('abc.def.ghi')).toBeUndefined();
  });

  it('rejects garbage', () => {
    for (const header of ['', 'Bearer', 'Bearer ', 'Bearerabc', 'Bearer abc def', 'Bearer abc,def', 'Bearer abc"', 'Bearer a\nb', 'Bearer <script>']) {
      expect(bearerToken(header), JSON.stringify(header)).toBeUndefined();
    }
  });

  it('rejects a missing header and a repeated one (array)', () => {
    expect(bearerToken(undefined)).toBeUndefined();
    expect(bearerToken(['Bearer a', 'Bearer b'])).toBeUndefined();
  });
});

/** Signs exactly these header and claims JSON texts with the trusted key (no library normalisation). */
async function signRaw(header: string, payload: string): Promise<string> {
  const input = `${base64url.encode(header)}.${base64url.encode(payload)}`;
  const signature = new Uint8Array(await crypto.subtle.sign({ name: 'ECDSA', hash: 'SHA-256' }, keys.trusted.privateKey, new TextEncoder().encode(input)));
  return `${input}.${base64url.encode(signature)}`;
}

describe('JwtVerifier: RFC 8725 hardening', () => {
  it('refuses a token issued in the future beyond the clock skew, allows a small skew', async () => {
    const iat = (at: number) =>
      signRaw(`{"alg":"ES256","kid":"${KID}"}`, JSON.stringify({ ...GOOD_CLAIMS, iss: ISSUER, aud: AUDIENCE, iat: at, exp: at + 300 }));
    expect(await verifier().verify(await iat(nowSeconds() + 10))).not.toBeNull();
    expect(await verifier().verify(await iat(nowSeconds() + 120))).toBeNull();
  });

  it('refuses a lifetime beyond the maximum (24 h by default, configurable)', async () => {
    expect(await verifier().verify(await sign({ expiresAt: nowSeconds() + 10 * 365 * 86400 }))).toBeNull();
    // Without iat, the lifetime counts from now.
    expect(await verifier().verify(await sign({ omit: ['iat'], expiresAt: nowSeconds() + 2 * 86400 }))).toBeNull();
    expect(await verifier().verify(await sign({ expiresAt: nowSeconds() + 23 * 3600 }))).not.toBeNull();
    const short = new JwtVerifier({ jwks: { keys: keys.jwks }, issuer: ISSUER, audience: AUDIENCE, algorithms: ['ES256'], maxLifetimeSeconds: 600 });
    expect(await short.verify(await sign({ expiresAt: nowSeconds() + 300 }))).not.toBeNull();
    expect(await short.verify(await sign({ expiresAt: nowSeconds() + 3600 }))).toBeNull();
  });

  it('checks typ only when configured, as RFC 8725 §3.11 compares it', async () => {
    const typed = new JwtVerifier({ jwks: { keys: keys.jwks }, issuer: ISSUER, audience: AUDIENCE, algorithms: ['ES256'], typ: 'at+jwt' });
    expect(await typed.verify(await sign({ header: { typ: 'at+jwt' } }))).not.toBeNull();
    expect(await typed.verify(await sign({ header: { typ: 'application/at+JWT' } }))).not.toBeNull();
    expect(await typed.verify(await sign({ header: { typ: 'JWT' } }))).toBeNull();
    expect(await typed.verify(await sign({ header: { typ: undefined } }))).toBeNull();
    expect(await verifier().verify(await sign({ header: { typ: 'anything' } }))).not.toBeNull();
  });

  it('accepts an audience array that contains ours', async () => {
    const token = await new SignJWT({ ...GOOD_CLAIMS })
      .setProtectedHeader({ alg: 'ES256', kid: KID })
      .setIssuer(ISSUER)
      .setAudience(['another-api', AUDIENCE])
      .setExpirationTime('5m')
      .sign(keys.trusted.privateKey);
    expect(await verifier().verify(token)).not.toBeNull();
  });

  it('refuses an unknown crit extension', async () => {
    const claims = JSON.stringify({ ...GOOD_CLAIMS, iss: ISSUER, aud: AUDIENCE, exp: nowSeconds() + 300 });
    expect(await verifier().verify(await signRaw(`{"alg":"ES256","kid":"${KID}"}`, claims))).not.toBeNull();
    expect(await verifier().verify(await signRaw(`{"alg":"ES256","kid":"${KID}","crit":["x-cpsd-unknown"],"x-cpsd-unknown":true}`, claims))).toBeNull();
    // A crit naming a parameter that is absent, or a registered one, is malformed too.
    expect(await verifier().verify(await signRaw(`{"alg":"ES256","kid":"${KID}","crit":["exp"]}`, claims))).toBeNull();
  });

  it('refuses duplicate member names in the claims or the header, even correctly signed', async () => {
    const header = '{"alg":"ES256","kid":"partner-idp-1","alg":"ES256"}';
    const claims = (extra: string) =>
      `{"sub":"user-42","org":"org-ukpn","roles":["participant"],"iss":"${ISSUER}","aud":"${AUDIENCE}","exp":${nowSeconds() + 300}${extra}}`;
    const plainHeader = '{"alg":"ES256","kid":"partner-idp-1"}';
    expect(await verifier().verify(await signRaw(plainHeader, claims('')))).not.toBeNull();
    expect(await verifier().verify(await signRaw(plainHeader, claims(',"roles":["cpsd_admin"]')))).toBeNull();
    expect(await verifier().verify(await signRaw(header, claims('')))).toBeNull();
    // Nested objects have their own names: the same name in two objects is not a duplicate.
    expect(await verifier().verify(await signRaw(plainHeader, claims(',"a":{"sub":1},"b":{"sub":2}')))).not.toBeNull();
  });
});

describe('hasDuplicateNames', () => {
  const seg = (json: string) => base64url.encode(json);
  it('finds a repeated name at any depth, and nothing else', async () => {
    const { hasDuplicateNames } = await import('../partner-auth');
    expect(hasDuplicateNames(seg('{"a":1,"b":2}'))).toBe(false);
    expect(hasDuplicateNames(seg('{"a":1,"a":2}'))).toBe(true);
    expect(hasDuplicateNames(seg('{"x":{"a":1, "a" :2}}'))).toBe(true);
    expect(hasDuplicateNames(seg('{"x":["a","a"],"y":"a\\"","a":"a"}'))).toBe(false);
    expect(hasDuplicateNames(seg('{"\\u0061":1,"a":2}'))).toBe(true);
    expect(hasDuplicateNames(seg('[{"a":1},{"a":1}]'))).toBe(false);
    expect(hasDuplicateNames('%%%')).toBe(false);
  });
});

describe('bearerToken: a single value of headersDistinct', () => {
  it('takes a one-element array as the header, refuses two', () => {
    expect(bearerToken(['Bearer abc'])).toBe('abc');
    expect(bearerToken(['Bearer abc', 'Bearer abc'])).toBeUndefined();
  });
});

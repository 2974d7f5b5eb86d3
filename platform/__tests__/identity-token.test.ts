import { beforeAll, describe, expect, it } from 'vitest';
import { base64url, decodeJwt, SignJWT, type JWTPayload } from 'jose';
import { Role } from '../../schema/enums';
import type { Principal } from '../../schema/identity';
import {
  generateIdentityKeyPair,
  IDENTITY_TOKEN_TTL_SECONDS,
  IdentityTokenSigner,
  IdentityTokenVerifier,
  importIdentitySigningKey,
  importIdentityVerificationKey,
  type IdentityKeyPair,
} from '../identity-token';

/** A whole second, so iat/exp arithmetic in the assertions is exact. */
const T0 = Date.UTC(2025, 10, 24, 9, 0, 0);
const TTL_MS = IDENTITY_TOKEN_TTL_SECONDS * 1000;

const ALICE: Principal = {
  subject: 'user-alice',
  organisationId: 'org-ukpn',
  visibleOrganisationIds: ['org-ukpn', 'org-ukpn-east', 'org-ukpn-london'],
  roles: [Role.PARTICIPANT, Role.DESK_AGENT],
  deskIds: ['desk-ukpn-mpas'],
  kind: 'USER',
  email: 'alice@ukpn.example',
};

const SERVICE: Principal = {
  subject: 'svc-email-adapter',
  organisationId: 'org-elexon',
  visibleOrganisationIds: ['org-elexon'],
  roles: [],
  deskIds: [],
  kind: 'SERVICE',
};

let gateway: IdentityKeyPair;
let other: IdentityKeyPair;

beforeAll(async () => {
  gateway = await generateIdentityKeyPair();
  other = await generateIdentityKeyPair();
});

/** Signs an arbitrary identity-shaped token with the gateway's key, for claims the signer would never produce. */
async function signRaw(payload: JWTPayload, options: { issuer?: string; audience?: string; nowMs?: number } = {}): Promise<string> {
  const iat = Math.floor((options.nowMs ?? T0) / 1000);
  return new SignJWT(payload)
    .setProtectedHeader({ alg: 'EdDSA', typ: 'JWT' })
    .setSubject('user-mallory')
    .setIssuer(options.issuer ?? 'cpsd-gateway')
    .setAudience(options.audience ?? 'cpsd-subgraph:elexon')
    .setIssuedAt(iat)
    .setExpirationTime(iat + 60)
    .sign(gateway.privateKey);
}

const VALID_CLAIMS = { org: 'org-ukpn', orgs: ['org-ukpn'], roles: ['participant'], desks: [], kind: 'USER' };

describe('identity token: sign → verify', () => {
  it('round-trips a user principal unchanged', async () => {
    const token = await new IdentityTokenSigner(gateway.privateKey).sign(ALICE, 'elexon', T0);
    expect(await new IdentityTokenVerifier(gateway.publicKey).verify(token, 'elexon', T0)).toEqual(ALICE);
  });

  it('round-trips a service principal with no roles or desks', async () => {
    const token = await new IdentityTokenSigner(gateway.privateKey).sign(SERVICE, 'elexon', T0);
    expect(await new IdentityTokenVerifier(gateway.publicKey).verify(token, 'elexon', T0 + 1_000)).toEqual(SERVICE);
  });

  it('issues a token that lives exactly IDENTITY_TOKEN_TTL_SECONDS', async () => {
    const token = await new IdentityTokenSigner(gateway.privateKey).sign(ALICE, 'elexon', T0);
    const payload = decodeJwt(token);
    expect(payload.iat).toBe(T0 / 1000);
    expect(payload.exp).toBe(T0 / 1000 + IDENTITY_TOKEN_TTL_SECONDS);
    expect(IDENTITY_TOKEN_TTL_SECONDS).toBeLessThanOrEqual(300);
  });

  it('keeps principals apart (no cross-talk between cached tokens)', async () => {
    const signer = new IdentityTokenSigner(gateway.privateKey);
    const verifier = new IdentityTokenVerifier(gateway.publicKey);
    const a = await signer.sign(ALICE, 'elexon', T0);
    const s = await signer.sign(SERVICE, 'elexon', T0);
    expect(a).not.toBe(s);
    expect(await verifier.verify(a, 'elexon', T0)).toEqual(ALICE);
    expect(await verifier.verify(s, 'elexon', T0)).toEqual(SERVICE);
  });

  it('works with keys exported as JWK JSON and imported again (how the processes share them)', async () => {
    const signingKey = await importIdentitySigningKey(JSON.stringify(gateway.privateJwk));
    const verificationKey = await importIdentityVerificationKey(JSON.stringify(gateway.publicJwk));
    const token = await new IdentityTokenSigner(signingKey).sign(ALICE, 'elexon', T0);
    expect(await new IdentityTokenVerifier(verificationKey).verify(token, 'elexon', T0)).toEqual(ALICE);
    // …and a token from the imported key verifies with the original public key too: it is the same pair.
    expect(await new IdentityTokenVerifier(gateway.publicKey).verify(token, 'elexon', T0)).toEqual(ALICE);
  });
});

describe('identity token: refusals', () => {
  it('refuses a token signed by another key pair', async () => {
    const token = await new IdentityTokenSigner(other.privateKey).sign(ALICE, 'elexon', T0);
    expect(await new IdentityTokenVerifier(gateway.publicKey).verify(token, 'elexon', T0)).toBeNull();
  });

  it('refuses a missing or empty header value', async () => {
    const verifier = new IdentityTokenVerifier(gateway.publicKey);
    expect(await verifier.verify(undefined, 'elexon', T0)).toBeNull();
    expect(await verifier.verify('', 'elexon', T0)).toBeNull();
  });

  it('refuses garbage without throwing', async () => {
    const verifier = new IdentityTokenVerifier(gateway.publicKey);
    for (const token of ['x', 'a.b.c', 'Bearer abc', '...']) {
      await expect(verifier.verify(token, 'elexon', T0)).resolves.toBeNull();
    }
  });

  it('refuses an expired token, and accepts it until then', async () => {
    const token = await new IdentityTokenSigner(gateway.privateKey).sign(ALICE, 'elexon', T0);
    expect(await new IdentityTokenVerifier(gateway.publicKey).verify(token, 'elexon', T0 + TTL_MS - 1)).toEqual(ALICE);
    expect(await new IdentityTokenVerifier(gateway.publicKey).verify(token, 'elexon', T0 + TTL_MS)).toBeNull();
    expect(await new IdentityTokenVerifier(gateway.publicKey).verify(token, 'elexon', T0 + 10 * TTL_MS)).toBeNull();
  });

  it('refuses a token it has cached once that token expires', async () => {
    const token = await new IdentityTokenSigner(gateway.privateKey).sign(ALICE, 'elexon', T0);
    const verifier = new IdentityTokenVerifier(gateway.publicKey);
    expect(await verifier.verify(token, 'elexon', T0)).toEqual(ALICE); // now cached
    expect(await verifier.verify(token, 'elexon', T0 + TTL_MS - 1)).toEqual(ALICE); // served from the cache
    expect(await verifier.verify(token, 'elexon', T0 + TTL_MS)).toBeNull();
    expect(await verifier.verify(token, 'elexon', T0 + TTL_MS + 5_000)).toBeNull();
  });

  it('refuses a token whose payload was tampered with after signing', async () => {
    const token = await new IdentityTokenSigner(gateway.privateKey).sign(ALICE, 'elexon', T0);
    const [header, payload, signature] = token.split('.');
    const claims = JSON.parse(new TextDecoder().decode(base64url.decode(payload))) as Record<string, unknown>;
    const widened = { ...claims, orgs: [...(claims.orgs as string[]), 'org-elexon'], roles: ['cpsd_admin'] };
    const tampered = `${header}.${base64url.encode(JSON.stringify(widened))}.${signature}`;
    const verifier = new IdentityTokenVerifier(gateway.publicKey);
    expect(await verifier.verify(tampered, 'elexon', T0)).toBeNull();
    // A genuine token verified first (and cached) does not make its tampered twin pass.
    expect(await verifier.verify(token, 'elexon', T0)).toEqual(ALICE);
    expect(await verifier.verify(tampered, 'elexon', T0)).toBeNull();
  });

  it('refuses a token whose signature was altered', async () => {
    const token = await new IdentityTokenSigner(gateway.privateKey).sign(ALICE, 'elexon', T0);
    const [header, payload, signature] = token.split('.');
    const bytes = base64url.decode(signature);
    bytes[0] ^= 0x01;
    expect(await new IdentityTokenVerifier(gateway.publicKey).verify(`${header}.${payload}.${base64url.encode(bytes)}`, 'elexon', T0)).toBeNull();
  });

  it('refuses an unsecured (alg: none) token carrying a principal', async () => {
    const header = base64url.encode(JSON.stringify({ alg: 'none', typ: 'JWT' }));
    const payload = base64url.encode(
      JSON.stringify({ ...VALID_CLAIMS, sub: 'x', iss: 'cpsd-gateway', aud: 'cpsd-subgraph:elexon', iat: T0 / 1000, exp: T0 / 1000 + 60 }),
    );
    expect(await new IdentityTokenVerifier(gateway.publicKey).verify(`${header}.${payload}.`, 'elexon', T0)).toBeNull();
  });

  it('refuses a token from the right key for another issuer or audience', async () => {
    const verifier = new IdentityTokenVerifier(gateway.publicKey);
    expect(await verifier.verify(await signRaw(VALID_CLAIMS), 'elexon', T0)).not.toBeNull(); // the control
    expect(await verifier.verify(await signRaw(VALID_CLAIMS, { issuer: 'someone-else' }), 'elexon', T0)).toBeNull();
    expect(await verifier.verify(await signRaw(VALID_CLAIMS, { audience: 'cpsd-gateway' }), 'elexon', T0)).toBeNull();
  });

  it('refuses the old shared audience: a token must name the one subgraph it is for', async () => {
    const verifier = new IdentityTokenVerifier(gateway.publicKey);
    expect(await verifier.verify(await signRaw(VALID_CLAIMS, { audience: 'cpsd-subgraph' }), 'elexon', T0)).toBeNull();
    expect(await verifier.verify(await signRaw(VALID_CLAIMS, { audience: 'cpsd-subgraph:mpas' }), 'elexon', T0)).toBeNull();
  });

  it('refuses a signed token whose principal claims are malformed', async () => {
    const verifier = new IdentityTokenVerifier(gateway.publicKey);
    const malformed: JWTPayload[] = [
      { ...VALID_CLAIMS, org: undefined },
      { ...VALID_CLAIMS, orgs: 'org-ukpn' },
      { ...VALID_CLAIMS, orgs: [1] },
      { ...VALID_CLAIMS, roles: ['participant', 'root'] },
      { ...VALID_CLAIMS, roles: undefined },
      { ...VALID_CLAIMS, desks: 'desk-a' },
      { ...VALID_CLAIMS, kind: 'ADMIN' },
      { ...VALID_CLAIMS, kind: undefined },
    ];
    for (const claims of malformed) {
      expect(await verifier.verify(await signRaw(claims), 'elexon', T0), JSON.stringify(claims)).toBeNull();
    }
  });
});

describe('identity token: bound to one subgraph', () => {
  it('names the subgraph it was signed for as its only audience', async () => {
    const token = await new IdentityTokenSigner(gateway.privateKey).sign(ALICE, 'mpas', T0);
    expect(decodeJwt(token).aud).toBe('cpsd-subgraph:mpas');
  });

  it('is refused by every other subgraph, whether or not a verifier has seen it before', async () => {
    const token = await new IdentityTokenSigner(gateway.privateKey).sign(ALICE, 'dcc', T0);
    expect(await new IdentityTokenVerifier(gateway.publicKey).verify(token, 'elexon', T0)).toBeNull();
    // One verifier may serve several subgraphs in one process: a token cached for its own must not pass elsewhere.
    const shared = new IdentityTokenVerifier(gateway.publicKey);
    expect(await shared.verify(token, 'dcc', T0)).toEqual(ALICE);
    for (const other of ['elexon', 'mpas', 'rec', 'partners', 'delivery'] as const) {
      expect(await shared.verify(token, other, T0), other).toBeNull();
    }
    expect(await shared.verify(token, 'dcc', T0)).toEqual(ALICE);
  });

  it('keeps one cached token per principal and subgraph', async () => {
    const signer = new IdentityTokenSigner(gateway.privateKey);
    const forElexon = await signer.sign(ALICE, 'elexon', T0);
    const forMpas = await signer.sign(ALICE, 'mpas', T0);
    expect(forMpas).not.toBe(forElexon);
    expect(await signer.sign(ALICE, 'elexon', T0 + 1_000)).toBe(forElexon);
    expect(await signer.sign(ALICE, 'mpas', T0 + 1_000)).toBe(forMpas);
  });
});

describe('IdentityTokenSigner: reuse', () => {
  it('reuses a token while it has more than half its life left', async () => {
    const signer = new IdentityTokenSigner(gateway.privateKey);
    const first = await signer.sign(ALICE, 'elexon', T0);
    expect(await signer.sign(ALICE, 'elexon', T0 + 1_000)).toBe(first);
    expect(await signer.sign(ALICE, 'elexon', T0 + TTL_MS / 2 - 1)).toBe(first);
  });

  it('re-signs once half the life has passed, with a fresh expiry', async () => {
    const signer = new IdentityTokenSigner(gateway.privateKey);
    const first = await signer.sign(ALICE, 'elexon', T0);
    const second = await signer.sign(ALICE, 'elexon', T0 + TTL_MS / 2);
    expect(second).not.toBe(first);
    expect(decodeJwt(second).exp).toBe(T0 / 1000 + TTL_MS / 2 / 1000 + IDENTITY_TOKEN_TTL_SECONDS);
    // …and then reuses the new one.
    expect(await signer.sign(ALICE, 'elexon', T0 + TTL_MS / 2 + 1_000)).toBe(second);
  });

  it('never hands out a token that a verifier at the same instant would refuse', async () => {
    const signer = new IdentityTokenSigner(gateway.privateKey);
    const verifier = new IdentityTokenVerifier(gateway.publicKey);
    for (let t = T0; t <= T0 + 3 * TTL_MS; t += 7_000) {
      expect(await verifier.verify(await signer.sign(ALICE, 'elexon', t), 'elexon', t), `at +${t - T0} ms`).toEqual(ALICE);
    }
  });

  it('does not reuse a token for a principal that changed (e.g. a new role)', async () => {
    const signer = new IdentityTokenSigner(gateway.privateKey);
    const before = await signer.sign(ALICE, 'elexon', T0);
    const promoted: Principal = { ...ALICE, roles: [...ALICE.roles, Role.CPSD_ADMIN] };
    const after = await signer.sign(promoted, 'elexon', T0 + 1_000);
    expect(after).not.toBe(before);
    expect(await new IdentityTokenVerifier(gateway.publicKey).verify(after, 'elexon', T0 + 1_000)).toEqual(promoted);
  });

  it('evicts the oldest entry when the cache is full, and still signs correctly', async () => {
    const signer = new IdentityTokenSigner(gateway.privateKey, 1);
    const first = await signer.sign(ALICE, 'elexon', T0);
    await signer.sign(SERVICE, 'elexon', T0 + 1_000); // evicts ALICE's entry
    const again = await signer.sign(ALICE, 'elexon', T0 + 2_000);
    expect(again).not.toBe(first); // re-signed at a later iat
    expect(await new IdentityTokenVerifier(gateway.publicKey).verify(again, 'elexon', T0 + 2_000)).toEqual(ALICE);
  });
});

describe('importIdentityVerificationKey', () => {
  it('refuses a private JWK (a subgraph must never hold the signing key)', async () => {
    await expect(importIdentityVerificationKey(JSON.stringify(gateway.privateJwk))).rejects.toThrow(/public key/);
  });

  it('accepts the public JWK', async () => {
    await expect(importIdentityVerificationKey(JSON.stringify(gateway.publicJwk))).resolves.toBeDefined();
  });

  it('refuses something that is not JSON', async () => {
    await expect(importIdentityVerificationKey('not json')).rejects.toThrow();
  });
});

/**
 * The gateway-signed identity token: the only way a subgraph learns who is calling. The gateway signs a short-lived
 * EdDSA JWT carrying the expanded principal for one subgraph (its audience); that subgraph verifies it with the
 * gateway's public key and refuses anything else, a token signed for another subgraph included.
 */
import { exportJWK, generateKeyPair, importJWK, jwtVerify, SignJWT, type CryptoKey, type JWK } from 'jose';
import { isRole, type Role } from '../schema/enums';
import type { Principal } from '../schema/identity';
import type { SubgraphName } from './config';

export const IDENTITY_HEADER = 'x-cpsd-identity';
const ISSUER = 'cpsd-gateway';
const AUDIENCE_PREFIX = 'cpsd-subgraph:';
const ALG = 'EdDSA';
/** Short enough that a leaked token is of little use; long enough for a slow federated plan. */
export const IDENTITY_TOKEN_TTL_SECONDS = 60;

export interface IdentityKeyPair {
  privateKey: CryptoKey;
  publicKey: CryptoKey;
  publicJwk: JWK;
  privateJwk: JWK;
}

export async function generateIdentityKeyPair(): Promise<IdentityKeyPair> {
  const { privateKey, publicKey } = await generateKeyPair(ALG, { extractable: true });
  return { privateKey, publicKey, publicJwk: await exportJWK(publicKey), privateJwk: await exportJWK(privateKey) };
}

export async function importIdentitySigningKey(privateJwkJson: string): Promise<CryptoKey> {
  return (await importJWK(JSON.parse(privateJwkJson) as JWK, ALG)) as CryptoKey;
}

export async function importIdentityVerificationKey(publicJwkJson: string): Promise<CryptoKey> {
  const jwk = JSON.parse(publicJwkJson) as JWK;
  if (jwk.d) throw new Error('IDENTITY_VERIFICATION_KEY must be a public key (it contains a private part)');
  return (await importJWK(jwk, ALG)) as CryptoKey;
}

/**
 * The audience of a token for one subgraph. Per subgraph, so a token captured on its way to one (a log line, a
 * compromised subgraph) cannot be replayed against another.
 */
export function identityAudience(subgraph: SubgraphName): string {
  return `${AUDIENCE_PREFIX}${subgraph}`;
}

/** Signs identity tokens, reusing one per principal and subgraph while it has more than half its life left. */
export class IdentityTokenSigner {
  private readonly cache = new Map<string, { token: string; refreshAt: number }>();
  /** A principal is serialised once, not once per subgraph call of its request (principals are never mutated). */
  private readonly principalKeys = new WeakMap<Principal, string>();

  constructor(
    private readonly privateKey: CryptoKey,
    private readonly maxCacheEntries = 10_000,
  ) {}

  async sign(principal: Principal, audience: SubgraphName, nowMs = Date.now()): Promise<string> {
    const aud = identityAudience(audience);
    let principalKey = this.principalKeys.get(principal);
    if (principalKey === undefined) {
      principalKey = JSON.stringify(principal);
      this.principalKeys.set(principal, principalKey);
    }
    const cacheKey = `${aud} ${principalKey}`;
    const cached = this.cache.get(cacheKey);
    if (cached && cached.refreshAt > nowMs) return cached.token;
    const iat = Math.floor(nowMs / 1000);
    const token = await new SignJWT({
      org: principal.organisationId,
      orgs: principal.visibleOrganisationIds,
      roles: principal.roles,
      desks: principal.deskIds,
      kind: principal.kind,
      ...(principal.email ? { email: principal.email } : {}),
    })
      .setProtectedHeader({ alg: ALG, typ: 'JWT' })
      .setSubject(principal.subject)
      .setIssuer(ISSUER)
      .setAudience(aud)
      .setIssuedAt(iat)
      .setExpirationTime(iat + IDENTITY_TOKEN_TTL_SECONDS)
      .sign(this.privateKey);
    if (this.cache.size >= this.maxCacheEntries) this.cache.delete(this.cache.keys().next().value as string);
    this.cache.set(cacheKey, { token, refreshAt: nowMs + (IDENTITY_TOKEN_TTL_SECONDS * 1000) / 2 });
    return token;
  }
}

function stringArray(value: unknown): string[] | null {
  return Array.isArray(value) && value.every((v) => typeof v === 'string') ? (value as string[]) : null;
}

/**
 * Verifies identity tokens for the subgraph named at each call (one verifier may serve several subgraphs of one
 * process); a verified token is remembered until it expires, so the hot path is a map lookup.
 */
export class IdentityTokenVerifier {
  private readonly cache = new Map<string, { principal: Principal; audience: string; expiresAtMs: number }>();

  constructor(
    private readonly publicKey: CryptoKey,
    private readonly maxCacheEntries = 10_000,
  ) {}

  /** Returns the principal, or null for anything that is not a valid, current gateway-signed token for `audience`. */
  async verify(token: string | undefined, audience: SubgraphName, nowMs = Date.now()): Promise<Principal | null> {
    if (!token) return null;
    const aud = identityAudience(audience);
    const cached = this.cache.get(token);
    if (cached) {
      // A token is signed for exactly one audience, so a cached token shown to another subgraph is simply refused.
      if (cached.audience !== aud) return null;
      if (cached.expiresAtMs > nowMs) return cached.principal;
      this.cache.delete(token);
      return null;
    }
    try {
      const { payload } = await jwtVerify(token, this.publicKey, {
        issuer: ISSUER,
        audience: aud,
        algorithms: [ALG],
        currentDate: new Date(nowMs),
        requiredClaims: ['sub', 'exp', 'iat'],
      });
      const orgs = stringArray(payload.orgs);
      const roles = stringArray(payload.roles);
      const desks = stringArray(payload.desks);
      const kind = payload.kind;
      if (typeof payload.org !== 'string' || !orgs || !roles || !desks || (kind !== 'USER' && kind !== 'SERVICE')) return null;
      if (!roles.every(isRole)) return null;
      const principal: Principal = {
        subject: payload.sub as string,
        organisationId: payload.org,
        visibleOrganisationIds: orgs,
        roles: roles as Role[],
        deskIds: desks,
        kind,
        ...(typeof payload.email === 'string' && payload.email ? { email: payload.email } : {}),
      };
      if (this.cache.size >= this.maxCacheEntries) this.cache.delete(this.cache.keys().next().value as string);
      this.cache.set(token, { principal, audience: aud, expiresAtMs: (payload.exp as number) * 1000 });
      return principal;
    } catch {
      return null;
    }
  }
}

/**
 * Partner JWT verification (jose), after RFC 8725: signature against the JWKS only (embedded `jwk`/`jku`/`x5u` keys are
 * never used), an asymmetric algorithm allowlist, issuer, audience (a string, or an array that contains ours), an
 * optional `typ` (JWT_TYP, e.g. `at+jwt` per RFC 9068), unknown `crit` extensions refused, `exp` required with a 30 s
 * clock skew, `nbf` and `iat` not in the future beyond that skew, a lifetime of at most JWT_MAX_LIFETIME_SECONDS (24 h),
 * no duplicate member names in the header or the claims, and the CPSD claims `sub`, `org`, `roles`, `desks`.
 * Any failure is the same bare 401: no detail is leaked.
 */
import { createLocalJWKSet, createRemoteJWKSet, jwtVerify, type JSONWebKeySet, type JWTVerifyGetKey } from 'jose';
import { isRole, type Role } from '../schema/enums';
import { logger } from './logger';
import { isEmailAddress } from '../schema/email';

/** A token's `email` claim as the address notifications use, or null when it is absent or not an address. */
function emailClaim(value: unknown): string | null {
  return typeof value === 'string' && value.length <= 254 && isEmailAddress(value) ? value.trim() : null;
}

export interface PartnerClaims {
  subject: string;
  organisationId: string;
  roles: Role[];
  deskIds: string[];
  /** The `email` claim, when it is a well-formed address (anything else is ignored, not refused). */
  email?: string;
  /** Seconds since the epoch: the WebSocket transport closes a connection when its token expires. */
  expiresAt: number;
}

export interface JwtVerifierOptions {
  jwks: { url: string } | { keys: JSONWebKeySet };
  issuer: string;
  audience: string;
  algorithms: string[];
  /** The `typ` header every token must carry (compared as RFC 8725 §3.11 says: `application/` prefix optional, case-insensitive); unchecked when unset. */
  typ?: string | undefined;
  /** The longest lifetime accepted, in seconds: `exp` at most this far after `iat` and after now (default 24 h). */
  maxLifetimeSeconds?: number;
}

/** Seconds of clock skew tolerated on `exp`, `nbf` and `iat`. */
export const CLOCK_TOLERANCE_SECONDS = 30;
export const DEFAULT_MAX_TOKEN_LIFETIME_SECONDS = 24 * 3600;

/** Asymmetric algorithms only: an HMAC "signed" with a public key, or `alg: none`, can never pass. */
const ASYMMETRIC = /^(RS|PS|ES)(256|384|512)$|^EdDSA$|^Ed25519$/;

/** A verified token is remembered at most this long (and never past its own expiry), bounding JWKS-rotation lag. */
const VERIFIED_CACHE_MS = 5 * 60_000;
const VERIFIED_CACHE_ENTRIES = 10_000;

export class JwtVerifier {
  private readonly getKey: JWTVerifyGetKey;
  private readonly algorithms: string[];
  private readonly verified = new Map<string, { claims: PartnerClaims; until: number }>();

  constructor(private readonly options: JwtVerifierOptions) {
    const rejected = options.algorithms.filter((alg) => !ASYMMETRIC.test(alg));
    if (rejected.length) throw new Error(`JWT_ALGORITHMS may list asymmetric algorithms only; refused: ${rejected.join(', ')}`);
    this.algorithms = options.algorithms;
    this.getKey =
      'url' in options.jwks
        ? createRemoteJWKSet(new URL(options.jwks.url), { cooldownDuration: 30_000, cacheMaxAge: 10 * 60_000 })
        : createLocalJWKSet(options.jwks.keys);
  }

  /** The verified claims, or null. Never throws for a bad token. */
  async verify(token: string | undefined): Promise<PartnerClaims | null> {
    if (!token || token.length > 8192) return null;
    const now = Date.now();
    const cached = this.verified.get(token);
    if (cached) {
      if (cached.until > now) return cached.claims;
      this.verified.delete(token);
    }
    const claims = await this.verifyUncached(token);
    if (claims) {
      if (this.verified.size >= VERIFIED_CACHE_ENTRIES) this.verified.delete(this.verified.keys().next().value as string);
      this.verified.set(token, { claims, until: Math.min(now + VERIFIED_CACHE_MS, claims.expiresAt * 1000) });
    }
    return claims;
  }

  private async verifyUncached(token: string): Promise<PartnerClaims | null> {
    try {
      // JSON.parse keeps the last of duplicate names; another parser on the path may keep the first (RFC 7519 §4).
      const segments = token.split('.');
      if (segments.length !== 3 || segments.slice(0, 2).some((segment) => hasDuplicateNames(segment))) return null;
      const { payload } = await jwtVerify(token, this.getKey, {
        issuer: this.options.issuer,
        audience: this.options.audience,
        algorithms: this.algorithms,
        requiredClaims: ['sub', 'exp'],
        clockTolerance: CLOCK_TOLERANCE_SECONDS,
        ...(this.options.typ ? { typ: this.options.typ } : {}),
      });
      const nowSeconds = Date.now() / 1000;
      const exp = payload.exp as number;
      const maxLifetime = this.options.maxLifetimeSeconds ?? DEFAULT_MAX_TOKEN_LIFETIME_SECONDS;
      // jose checks `iat` only against a maximum age: a token "issued" in the future is refused here.
      if (payload.iat !== undefined && payload.iat > nowSeconds + CLOCK_TOLERANCE_SECONDS) return null;
      if (exp - nowSeconds > maxLifetime + CLOCK_TOLERANCE_SECONDS) return null;
      if (payload.iat !== undefined && exp - payload.iat > maxLifetime) return null;
      const roles = payload.roles ?? [];
      const desks = payload.desks ?? [];
      if (typeof payload.sub !== 'string' || !payload.sub) return null;
      if (typeof payload.org !== 'string' || !payload.org) return null;
      if (!Array.isArray(roles) || !roles.every((r) => typeof r === 'string' && isRole(r))) return null;
      if (!Array.isArray(desks) || !desks.every((d) => typeof d === 'string')) return null;
      return {
        subject: payload.sub,
        organisationId: payload.org,
        roles: roles as Role[],
        deskIds: desks as string[],
        ...(emailClaim(payload.email) ? { email: emailClaim(payload.email) as string } : {}),
        expiresAt: payload.exp as number,
      };
    } catch (error) {
      logger.debug({ reason: (error as Error).name }, 'partner token refused');
      return null;
    }
  }
}

/**
 * Whether a base64url JSON segment repeats a member name in any object. Undecodable input answers false: jose
 * refuses it anyway.
 */
export function hasDuplicateNames(segment: string): boolean {
  let json: string;
  try {
    json = Buffer.from(segment, 'base64url').toString('utf8');
    JSON.parse(json);
  } catch {
    return false;
  }
  // A scan of valid JSON: a stack of the names seen in each open object; a string followed by ':' is a name.
  const names: (Set<string> | null)[] = [];
  for (let i = 0; i < json.length; i++) {
    const c = json[i];
    if (c === '{') names.push(new Set());
    else if (c === '[') names.push(null);
    else if (c === '}' || c === ']') names.pop();
    else if (c === '"') {
      let end = i + 1;
      while (json[end] !== '"') end += json[end] === '\\' ? 2 : 1;
      const raw = json.slice(i, end + 1);
      let next = end + 1;
      while (/\s/.test(json[next] ?? '')) next++;
      const seen = names[names.length - 1];
      if (json[next] === ':' && seen) {
        const name = JSON.parse(raw) as string;
        if (seen.has(name)) return true;
        seen.add(name);
      }
      i = end;
    }
  }
  return false;
}

/**
 * The bearer token of an `Authorization` header, or undefined. A repeated header (an array, e.g. Node's
 * `req.headersDistinct.authorization` with two values) is refused: a proxy in front may have read the other one.
 */
export function bearerToken(header: string | string[] | undefined): string | undefined {
  if (Array.isArray(header) && header.length === 1) header = header[0];
  if (typeof header !== 'string') return undefined;
  const match = /^Bearer\s+([A-Za-z0-9._~+/=-]+)$/i.exec(header.trim());
  return match?.[1];
}

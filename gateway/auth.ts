/**
 * Partner JWT verification (jose): signature against the JWKS, issuer, audience, an algorithm allowlist, expiry,
 * and the CPSD claims `sub`, `org`, `roles`, `desks`. Any failure is the same bare 401: no detail is leaked.
 */
import { createLocalJWKSet, createRemoteJWKSet, jwtVerify, type JSONWebKeySet, type JWTVerifyGetKey } from 'jose';
import { isRole, type Role } from '../schema/enums';
import type { Config } from '../platform/config';
import { logger } from '../platform/logger';
import { loadDevIssuer, type DevIssuer } from './dev-issuer';

export interface PartnerClaims {
  subject: string;
  organisationId: string;
  roles: Role[];
  deskIds: string[];
  /** Seconds since the epoch: the WebSocket transport closes a connection when its token expires. */
  expiresAt: number;
}

export interface JwtVerifierOptions {
  jwks: { url: string } | { keys: JSONWebKeySet };
  issuer: string;
  audience: string;
  algorithms: string[];
}

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
      const { payload } = await jwtVerify(token, this.getKey, {
        issuer: this.options.issuer,
        audience: this.options.audience,
        algorithms: this.algorithms,
        requiredClaims: ['sub', 'exp'],
        clockTolerance: 30,
      });
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
        expiresAt: payload.exp as number,
      };
    } catch (error) {
      logger.debug({ reason: (error as Error).name }, 'partner token refused');
      return null;
    }
  }
}

/** The bearer token of an `Authorization` header, or undefined. */
export function bearerToken(header: string | string[] | undefined): string | undefined {
  if (typeof header !== 'string') return undefined;
  const match = /^Bearer\s+([A-Za-z0-9._~+/=-]+)$/i.exec(header.trim());
  return match?.[1];
}

/**
 * Partner authentication from configuration: a real identity provider's JWKS when JWKS_URL is set, otherwise (in
 * development only) the development issuer, whose public key the gateway also serves.
 */
export async function configurePartnerAuth(config: Config): Promise<{ jwtVerifier: JwtVerifier; devIssuer: DevIssuer | null }> {
  if (!config.dev && !config.jwt.jwksUrl) {
    throw new Error('JWKS_URL is required in production: the development token issuer only runs in development');
  }
  const devIssuer = config.jwt.jwksUrl ? null : await loadDevIssuer(config.dataDir, config.jwt.issuer, config.jwt.audience);
  const jwtVerifier = new JwtVerifier({
    jwks: devIssuer ? { keys: devIssuer.jwks } : { url: config.jwt.jwksUrl as string },
    issuer: config.jwt.issuer,
    audience: config.jwt.audience,
    algorithms: config.jwt.algorithms,
  });
  return { jwtVerifier, devIssuer };
}

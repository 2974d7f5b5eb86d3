/** Partner authentication for the gateway: which identity provider's keys verify partner tokens (platform/partner-auth.ts). */
import type { Config } from '../platform/config';
import { JwtVerifier } from '../platform/partner-auth';
import { loadDevIssuer, type DevIssuer } from './dev-issuer';

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
    typ: config.jwt.typ,
    maxLifetimeSeconds: config.jwt.maxLifetimeSeconds,
  });
  return { jwtVerifier, devIssuer };
}

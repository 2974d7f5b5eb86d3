/**
 * The development identity provider: with no JWKS configured, the product signs its own partner tokens with a key
 * kept in the data folder, serves the public half as a JWKS, and `npm run token` issues tokens with it.
 * Never used when JWKS_URL is set.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { exportJWK, generateKeyPair, importJWK, SignJWT, type CryptoKey, type JSONWebKeySet, type JWK } from 'jose';
import type { Role } from '../schema/enums';

const ALG = 'ES256';
const KID = 'cpsd-dev-1';

export interface DevIssuer {
  jwks: JSONWebKeySet;
  issue(claims: { sub: string; org: string; roles: Role[]; desks?: string[]; email?: string; ttlSeconds?: number }): Promise<string>;
}

/** Loads the development key from `<dataDir>/dev-issuer.jwk.json`, creating it on first use. */
export async function loadDevIssuer(dataDir: string, issuer: string, audience: string): Promise<DevIssuer> {
  const file = path.join(dataDir, 'dev-issuer.jwk.json');
  let privateJwk: JWK;
  if (existsSync(file)) {
    privateJwk = JSON.parse(readFileSync(file, 'utf8')) as JWK;
  } else {
    const { privateKey } = await generateKeyPair(ALG, { extractable: true });
    privateJwk = { ...(await exportJWK(privateKey)), kid: KID, alg: ALG };
    mkdirSync(dataDir, { recursive: true });
    writeFileSync(file, JSON.stringify(privateJwk), { mode: 0o600 });
  }
  const { d: _private, ...publicJwk } = privateJwk;
  const privateKey = (await importJWK(privateJwk, ALG)) as CryptoKey;
  return {
    jwks: { keys: [{ ...publicJwk, use: 'sig', alg: ALG, kid: privateJwk.kid ?? KID }] },
    issue: ({ sub, org, roles, desks = [], email, ttlSeconds = 8 * 3600 }) =>
      new SignJWT({ org, roles, desks, ...(email ? { email } : {}) })
        .setProtectedHeader({ alg: ALG, kid: privateJwk.kid ?? KID, typ: 'JWT' })
        .setSubject(sub)
        .setIssuer(issuer)
        .setAudience(audience)
        .setIssuedAt()
        .setExpirationTime(`${ttlSeconds}s`)
        .sign(privateKey),
  };
}

/**
 * A partner identity provider for the security suite: a JWKS served on 127.0.0.1 (RS256, ES256 and an RSA key that
 * names no algorithm), tokens signed with its keys, and raw signing of exact header and claims JSON texts.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { base64url, exportJWK, generateKeyPair, SignJWT, type CryptoKey, type JWK, type JWTPayload } from 'jose';

export const ISSUER = 'https://login.example/cpsd-security/v2.0';
export const AUDIENCE = 'api://cpsd-gateway';
export const TYP = 'at+jwt';

export interface IdentityProvider {
  jwksUrl: string;
  /** How many times the JWKS was fetched. */
  fetches(): number;
  keys: { rs256: CryptoKey; es256: CryptoKey; rsaNoAlg: CryptoKey; es384: CryptoKey };
  publicJwks: JWK[];
  /** A good token (typ at+jwt, ES256, iat now, 5 min) with `claims` over `sub`/`org`/`roles`; header fields override. */
  sign(claims: Record<string, unknown>, options?: { header?: Record<string, unknown>; key?: CryptoKey; alg?: string; omit?: string[] }): Promise<string>;
  /** Signs exactly these JSON texts with the ES256 key (no library normalisation). */
  signRaw(header: string, payload: string): Promise<string>;
  close(): Promise<void>;
}

/** A server answering every request with `body`, counting requests: an attacker's key URL. */
export async function countingServer(body: unknown): Promise<{ url: string; requests(): number; close(): Promise<void> }> {
  let count = 0;
  const server = http.createServer((_req, res) => {
    count += 1;
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify(body));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests: () => count,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

export async function startIdentityProvider(): Promise<IdentityProvider> {
  const rs256 = await generateKeyPair('RS256');
  const es256 = await generateKeyPair('ES256');
  const rsaNoAlg = await generateKeyPair('PS256');
  const es384 = await generateKeyPair('ES384');
  const publicJwks: JWK[] = [
    { ...(await exportJWK(rs256.publicKey)), kid: 'rs-1', alg: 'RS256', use: 'sig' },
    { ...(await exportJWK(es256.publicKey)), kid: 'es-1', alg: 'ES256', use: 'sig' },
    { ...(await exportJWK(rsaNoAlg.publicKey)), kid: 'rsa-any', use: 'sig' },
    { ...(await exportJWK(es384.publicKey)), kid: 'es384-1', alg: 'ES384', use: 'sig' },
  ];
  let fetches = 0;
  const server = http.createServer((_req, res) => {
    fetches += 1;
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ keys: publicJwks }));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  const kidOf: Record<string, string> = { RS256: 'rs-1', ES256: 'es-1', PS256: 'rsa-any', ES384: 'es384-1' };
  const keyOf: Record<string, CryptoKey> = { RS256: rs256.privateKey, ES256: es256.privateKey, PS256: rsaNoAlg.privateKey, ES384: es384.privateKey };
  return {
    jwksUrl: `http://127.0.0.1:${port}/discovery/keys`,
    fetches: () => fetches,
    keys: { rs256: rs256.privateKey, es256: es256.privateKey, rsaNoAlg: rsaNoAlg.privateKey, es384: es384.privateKey },
    publicJwks,
    sign: async (claims, options = {}) => {
      const alg = options.alg ?? 'ES256';
      const now = Math.floor(Date.now() / 1000);
      const payload: Record<string, unknown> = { sub: 'erin@dcc.example', iss: ISSUER, aud: AUDIENCE, iat: now, exp: now + 300, ...claims };
      for (const name of options.omit ?? []) delete payload[name];
      const header = { alg, kid: kidOf[alg], typ: TYP, ...options.header };
      for (const [name, value] of Object.entries(header)) if (value === undefined) delete (header as Record<string, unknown>)[name];
      return new SignJWT(payload as JWTPayload).setProtectedHeader(header as { alg: string }).sign(options.key ?? keyOf[alg]);
    },
    signRaw: async (header, payload) => {
      const input = `${base64url.encode(header)}.${base64url.encode(payload)}`;
      const signature = await crypto.subtle.sign({ name: 'ECDSA', hash: 'SHA-256' }, es256.privateKey, new TextEncoder().encode(input));
      return `${input}.${base64url.encode(new Uint8Array(signature))}`;
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

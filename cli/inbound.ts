/**
 * The inbound bridges as the product runs them: the email reply receiver (`EMAIL_INBOUND_PORT`) and the TMF621 REST
 * API (`TMF621_PORT`), each started only when its port is configured, calling the public API through the gateway.
 *
 * - `npm start` (development) defaults the ports to 2526 and 4010 and mints the bridges' service identities with the
 *   development issuer;
 * - `npm run service -- delivery` starts them beside the delivery subgraph, reaching the gateway at `GATEWAY_URL`;
 *   in production the service identities are OAuth2 client-credentials tokens (`BRIDGE_OAUTH_*`, below). Without
 *   them inbound is not started, and the log says why;
 * - the e2e tests start them only when a test sets the ports (0: a free port).
 *
 * | variable | meaning |
 * | --- | --- |
 * | `GATEWAY_URL` | the gateway's GraphQL URL (service mode), e.g. http://gateway:4000/graphql |
 * | `BRIDGE_OAUTH_TOKEN_URL` | the identity provider's token endpoint (client-credentials grant) |
 * | `BRIDGE_OAUTH_CLIENT_ID`, `BRIDGE_OAUTH_CLIENT_SECRET_ENV` | the bridges' client, and the NAME of the variable holding its secret (default `BRIDGE_OAUTH_CLIENT_SECRET`) |
 * | `BRIDGE_OAUTH_SCOPE`, `BRIDGE_OAUTH_AUDIENCE` | extra scope and audience of the token request (optional) |
 *
 * A service identity is asked for with the scope `cpsd:act-as:<subject>` (e.g. `cpsd:act-as:bridge:email:ukpn-lpn-mpas`):
 * the identity provider issues that service account's token, with its organisation, roles and desks as claims.
 */
import { emailBridgeFromEnv } from '../adapters/email';
import { serviceApi } from '../adapters/gateway-api';
import type { CpsdApi, ServiceIdentity } from '../adapters/sdk';
import { tmf621BridgeFromEnv } from '../adapters/tmf621';
import type { DevIssuer } from '../gateway/dev-issuer';
import type { Config } from '../platform/config';
import type { Lifecycle } from '../platform/lifecycle';
import { logger } from '../platform/logger';
import type { Role } from '../schema/enums';

export interface RunningInboundBridges {
  /** The email reply receiver, when it runs. */
  email: { host: string; port: number } | null;
  /** The TMF621 API's base URL (…/tmf-api/troubleTicket/v5), when it runs. */
  tmf621: { url: string; port: number } | null;
}

/** How a bridge gets a token for a service identity, or null (with the reason) when none can be had. */
export type ServiceTokens = ((identity: ServiceIdentity) => Promise<string>) | { unavailable: string };

/** Development: the development issuer signs each service identity's token (cached until close to expiry). */
export function devServiceTokens(issuer: DevIssuer): ServiceTokens {
  const cache = new Map<string, { token: string; expiresAt: number }>();
  return async (identity) => {
    const key = JSON.stringify(identity);
    const hit = cache.get(key);
    if (hit && hit.expiresAt > Date.now()) return hit.token;
    const token = await issuer.issue({
      sub: identity.subject,
      org: identity.organisationId,
      roles: identity.roles as Role[],
      desks: identity.deskIds,
      ttlSeconds: 3600,
    });
    cache.set(key, { token, expiresAt: Date.now() + 55 * 60_000 });
    return token;
  };
}

/** Production: OAuth2 client credentials (RFC 6749 §4.4) per service identity, cached until a minute before expiry. */
export function clientCredentialsTokens(env: Record<string, string | undefined>): ServiceTokens {
  const tokenUrl = env.BRIDGE_OAUTH_TOKEN_URL;
  const clientId = env.BRIDGE_OAUTH_CLIENT_ID;
  const secretEnv = env.BRIDGE_OAUTH_CLIENT_SECRET_ENV ?? 'BRIDGE_OAUTH_CLIENT_SECRET';
  if (!tokenUrl || !clientId) return { unavailable: 'no service credentials: set BRIDGE_OAUTH_TOKEN_URL and BRIDGE_OAUTH_CLIENT_ID (and the secret variable)' };
  if (!env[secretEnv]) return { unavailable: `no service credentials: ${secretEnv} is not set` };
  const cache = new Map<string, { token: string; expiresAt: number }>();
  return async (identity) => {
    const hit = cache.get(identity.subject);
    if (hit && hit.expiresAt > Date.now()) return hit.token;
    const form = new URLSearchParams({
      grant_type: 'client_credentials',
      client_id: clientId,
      client_secret: env[secretEnv] ?? '',
      scope: [env.BRIDGE_OAUTH_SCOPE, `cpsd:act-as:${identity.subject}`].filter(Boolean).join(' '),
      ...(env.BRIDGE_OAUTH_AUDIENCE ? { audience: env.BRIDGE_OAUTH_AUDIENCE } : {}),
    });
    const response = await fetch(tokenUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' },
      body: form,
      signal: AbortSignal.timeout(10_000),
    });
    if (!response.ok) throw Object.assign(new Error(`the token endpoint answered HTTP ${response.status}`), { code: 'UNAVAILABLE' });
    const body = (await response.json()) as { access_token?: string; expires_in?: number };
    if (!body.access_token) throw Object.assign(new Error('the token endpoint gave no access_token'), { code: 'UNAVAILABLE' });
    cache.set(identity.subject, { token: body.access_token, expiresAt: Date.now() + Math.max(0, (body.expires_in ?? 300) - 60) * 1000 });
    return body.access_token;
  };
}

/** The service tokens for this configuration: the development issuer, else configured client credentials. */
export function serviceTokensFor(config: Config, env: Record<string, string | undefined>, devIssuer: DevIssuer | null): ServiceTokens {
  if (config.dev && devIssuer && !config.jwt.jwksUrl) return devServiceTokens(devIssuer);
  return clientCredentialsTokens(env);
}

export interface StartInboundOptions {
  config: Config;
  env: Record<string, string | undefined>;
  /** The gateway's GraphQL URL. */
  gatewayUrl: string;
  tokens: ServiceTokens;
  lifecycle: Lifecycle;
}

/** Starts the configured inbound bridges and registers their stop; starts none (and logs why) without identities. */
export async function startInboundBridges(options: StartInboundOptions): Promise<RunningInboundBridges> {
  const { config, gatewayUrl, lifecycle } = options;
  // The TMF621 API forwards its callers to this gateway (and, in development, verifies them with its JWKS).
  const env = { ...options.env, TMF621_GATEWAY_URL: options.env.TMF621_GATEWAY_URL ?? gatewayUrl };
  const bridgeConfig = { dev: config.dev, env, ...(config.publicUrl ? { publicUrl: config.publicUrl } : {}) };
  const email = emailBridgeFromEnv(bridgeConfig);
  const tmf621 = tmf621BridgeFromEnv(bridgeConfig);
  const running: RunningInboundBridges = { email: null, tmf621: null };
  if (!email.hasInbound && !tmf621.hasInbound) return running;
  if (typeof options.tokens !== 'function') {
    logger.warn({ reason: options.tokens.unavailable }, 'inbound bridges not started (email replies, TMF621 API)');
    return running;
  }
  const api: CpsdApi = serviceApi({ url: gatewayUrl, tokenFor: options.tokens });
  if (email.hasInbound) {
    const receiver = await email.startReceiver(api);
    lifecycle.onStop('email reply receiver', () => receiver.stop());
    running.email = { host: receiver.host, port: receiver.port };
    logger.info({ host: receiver.host, port: receiver.port }, 'email bridge: reply receiver listening');
  }
  if (tmf621.hasInbound) {
    const server = await tmf621.startInbound({ api });
    lifecycle.onStop('TMF621 API', () => server.stop());
    if (server.url && server.port !== undefined) running.tmf621 = { url: server.url, port: server.port };
    logger.info({ url: server.url }, 'TMF621 API listening');
  }
  return running;
}

/**
 * The TMF621 v5 Trouble Ticket bridge's public surface, and its configuration from the environment:
 *
 * | variable | meaning | default |
 * | --- | --- | --- |
 * | `TMF621_PORT`, `TMF621_HOST` | where the inbound API listens; unset: outbound only | unset, 127.0.0.1 |
 * | `TMF621_PUBLIC_URL` | the URL partners reach it at (hrefs) | the listening address |
 * | `TMF621_GATEWAY_URL` | the gateway's GraphQL URL the bridge forwards callers to | `<publicUrl>/graphql` |
 * | `TMF621_DEFAULT_DESK` | the desk a POSTed ticket naming none goes to | `elexon-service-desk` |
 *
 * Hub listeners (`POST /hub`) are kept by the delivery subgraph (`delivery.ticket_hubs`) and sent their events by the
 * delivery engine from the event bus — persisted, retried and replayable like every delivery (hubs.ts); the hrefs in
 * those events start with `TMF621_PUBLIC_URL` (else `PUBLIC_URL`).
 * Per-desk outbound settings (endpoint, OAuth2 client credentials, mTLS files) are the desk's `bridge_config`
 * (see bridge.ts); secrets are named there by environment variable, never stored.
 */
export { Tmf621Bridge, tmf621Bridge, type Tmf621BridgeOptions, type Tmf621DeskConfig } from './bridge';
export * from './mapping';
export { startTmf621Server, type TokenVerifier, type Tmf621ServerOptions } from './server';
export {
  eventTicket,
  HUB_CASE_EVENT_TYPES,
  HUB_ENDPOINT_PREFIX,
  HUB_EVENT_OF_CASE_EVENT,
  hubAccepts,
  hubEndpointId,
  hubEventId,
  hubNotification,
  identityOfHub,
  isHubEndpoint,
  listenerOf,
  listenerUrl,
  parseHubQuery,
  TmfEventType,
  type HubFilter,
  type HubNotification,
  type HubRegistration,
} from './hubs';
export { tmf621Contract, type Tmf621Contract, type ValidationProblem } from './spec';

import { partnerJwtSettings } from '../../platform/config';
import { JwtVerifier } from '../../platform/partner-auth';
import { tmf621Bridge, type Tmf621Bridge as Tmf621BridgeType } from './bridge';

/**
 * The bridge from the environment. The inbound API runs only when `TMF621_PORT` is set; it verifies bearer tokens as
 * the gateway does (`JWKS_URL`, `JWT_ISSUER`, `JWT_AUDIENCE`, `JWT_ALGORITHMS`; in development the gateway's own
 * JWKS at `<gateway>/.well-known/jwks.json`) and forwards callers to `TMF621_GATEWAY_URL`.
 */
export function tmf621BridgeFromEnv(config: { dev: boolean; env: Record<string, string | undefined>; publicUrl?: string }): Tmf621BridgeType {
  const env = config.env;
  const port = env.TMF621_PORT ? Number(env.TMF621_PORT) : null;
  const gatewayUrl = env.TMF621_GATEWAY_URL ?? (config.publicUrl ? `${config.publicUrl.replace(/\/+$/, '')}/graphql` : 'http://127.0.0.1:4000/graphql');
  const jwksUrl = env.JWKS_URL ?? `${new URL(gatewayUrl).origin}/.well-known/jwks.json`;
  return tmf621Bridge({
    dev: config.dev,
    env,
    ...(port !== null && Number.isInteger(port)
      ? {
          inbound: {
            host: env.TMF621_HOST ?? '127.0.0.1',
            port,
            ...(env.TMF621_PUBLIC_URL ? { publicUrl: env.TMF621_PUBLIC_URL } : {}),
            gateway: { url: gatewayUrl },
            defaultDeskId: env.TMF621_DEFAULT_DESK ?? 'elexon-service-desk',
            verifier: new JwtVerifier({ jwks: { url: jwksUrl }, ...partnerJwtSettings(env) }),
          },
        }
      : {}),
  });
}

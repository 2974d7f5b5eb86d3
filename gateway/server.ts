/**
 * The CPSD gateway: Apollo Gateway on the checked-in supergraph, behind partner-JWT authentication. Each subgraph
 * call carries a gateway-signed identity token and nothing the client sent.
 */
import { readFileSync } from 'node:fs';
import { ApolloServer, type ApolloServerPlugin } from '@apollo/server';
import type { GraphQLError } from 'graphql';
import { ApolloServerPluginCacheControlDisabled, ApolloServerPluginLandingPageDisabled } from '@apollo/server/plugin/disabled';
import { ApolloGateway } from '@apollo/gateway';
import type { JSONWebKeySet } from 'jose';
import type { OperationLimits } from './limits';
import { operationLimitsPlugin, operationLimitsRule } from './limits';
import { websocketSettings } from '../platform/config';
import { DomainErrorCode } from '../schema/errors';
import { errorAnswer, maskError, maskErrorForProduction, TransportErrorCode, transportError } from '../platform/errors';
import { executeGraphQL, sendGraphQLError, sendJson, startHttpServer, type RunningHttpServer } from '../platform/http';
import type { IdentityTokenSigner } from '../platform/identity-token';
import type { Lifecycle } from '../platform/lifecycle';
import { logger } from '../platform/logger';
import { bearerToken, type JwtVerifier } from '../platform/partner-auth';
import { DirectoryScope, DirectoryUnavailableError } from './directory-scope';
import { statusFeedRoutes } from './status-feed';
import type { GatewayContext } from './context';
import { SubgraphClient } from './subgraph-client';
import { authFailures, countQueryPlanCache, requestMetricsPlugin, type AuthFailure } from './metrics';
import type { DevPersona } from '../platform/market';
import { dashboardRoutes, devSignInRoutes } from './dashboard';
import type { DevIssuer } from './dev-issuer';
import { startSubscriptions, type RunningSubscriptions, type SubscriptionLimits } from './subscriptions';
import type { EventBus } from '../platform/events';

export type { GatewayContext };

export interface GatewayOptions {
  host: string;
  port: number;
  supergraphSdl?: string;
  supergraphPath: string;
  /** Where each subgraph really is; overrides the URL in the supergraph SDL. */
  subgraphUrls: Record<string, string | undefined>;
  jwtVerifier: JwtVerifier;
  signer: IdentityTokenSigner;
  limits: OperationLimits;
  dev: boolean;
  lifecycle: Lifecycle;
  /** Served at /.well-known/jwks.json in development only (the development token issuer's public key). */
  devJwks?: JSONWebKeySet;
  /** The development token issuer: mounts the dashboard's demo sign-in (/dev/demo-users, /dev/token) in development only. */
  devIssuer?: DevIssuer;
  /** The people the development sign-in offers (with `devIssuer`). */
  devPersonas?: readonly DevPersona[];
  /** The built dashboard (default web/dist), served under /dashboard/. */
  dashboardDir?: string;
  /** The event bus that feeds subscriptions (every replica consumes it). */
  bus: EventBus;
  /** Browser origins allowed to open a WebSocket, besides the gateway's own. */
  allowedOrigins: string[];
  subscriptionLimits?: Partial<SubscriptionLimits>;
}

export interface RunningGateway {
  url: string;
  subscriptions: RunningSubscriptions;
  http: RunningHttpServer;
  apollo: ApolloServer<GatewayContext>;
  /** Authenticates a bearer token into a principal (shared with the WebSocket transport). */
  authenticate(token: string | undefined): Promise<GatewayContext | null>;
}

export async function startGateway(options: GatewayOptions): Promise<RunningGateway> {
  const supergraphSdl = options.supergraphSdl ?? readFileSync(options.supergraphPath, 'utf8');
  const clients: SubgraphClient[] = [];
  const gateway = new ApolloGateway({
    supergraphSdl,
    buildService: ({ name, url }) => {
      const target = options.subgraphUrls[name] ?? url;
      if (!target) throw new Error(`no URL for subgraph ${name}`);
      const client = new SubgraphClient(name, target, options.signer);
      clients.push(client);
      return client;
    },
  });
  const apollo = new ApolloServer<GatewayContext>({
    gateway,
    introspection: options.dev,
    hideSchemaDetailsFromClientErrors: !options.dev,
    includeStacktraceInErrorResponses: false,
    // Shutdown is ours (Lifecycle): Apollo's own signal handler would re-raise the signal and exit 143.
    stopOnTerminationSignals: false,
    formatError: options.dev ? maskError : maskErrorForProduction,
    validationRules: [operationLimitsRule(options.limits)],
    // The rule sees the document; the plugin sees the variables too (`first: $n` is costed as what `n` is).
    plugins: [
      ApolloServerPluginLandingPageDisabled(),
      ApolloServerPluginCacheControlDisabled(),
      operationLimitsPlugin<GatewayContext>(options.limits),
      operationShapePlugin,
      requestMetricsPlugin<GatewayContext>(),
    ],
  });
  if (!countQueryPlanCache(gateway)) logger.warn('metrics: the query plan cache of @apollo/gateway is not where it was; its hits are not counted');
  await apollo.start();
  options.lifecycle.onStop('gateway subgraph connections', async () => {
    await Promise.all(clients.map((client) => client.close()));
  });
  options.lifecycle.onStop('gateway graphql', () => apollo.stop());

  const elexonUrl = options.subgraphUrls.elexon ?? subgraphUrlFromSdl(supergraphSdl, 'elexon');
  const scope = new DirectoryScope(elexonUrl, options.signer);

  /** A verified token's claims, narrowed to what the directory grants; null for any token that grants nothing. */
  async function authenticate(token: string | undefined): Promise<GatewayContext | null> {
    const refused = (reason: AuthFailure) => {
      authFailures.inc({ reason });
      return null;
    };
    if (!token) return refused('missing');
    const claims = await options.jwtVerifier.verify(token);
    if (!claims) return refused('invalid');
    let principal: Awaited<ReturnType<DirectoryScope['principalFor']>>;
    try {
      principal = await scope.principalFor(claims);
    } catch (error) {
      if (error instanceof DirectoryUnavailableError) authFailures.inc({ reason: 'directory_unavailable' });
      throw error;
    }
    if (!principal) return refused('not_granted');
    return { principal, expiresAt: claims.expiresAt };
  }

  const routes: Parameters<typeof startHttpServer>[0]['routes'] = {
    '/graphql': async (req, res, url) => {
      let context: GatewayContext | null;
      try {
        // Every Authorization header, not Node's first: two of them (a proxy may have read the other) are refused.
        context = await authenticate(bearerToken(req.headersDistinct.authorization));
      } catch (error) {
        if (error instanceof DirectoryUnavailableError) return sendGraphQLError(res, TransportErrorCode.SERVICE_UNAVAILABLE, error.message);
        throw error;
      }
      if (!context) return sendGraphQLError(res, DomainErrorCode.UNAUTHENTICATED, 'Unauthenticated');
      return executeGraphQL(apollo, req, res, url, context);
    },
  };
  if (options.devJwks) {
    const jwks = options.devJwks;
    routes['/.well-known/jwks.json'] = (_req, res) => sendJson(res, 200, jwks, { 'cache-control': 'max-age=60' });
  }
  // The public major incident status page: no token, business language only (OM §5.22).
  Object.assign(routes, statusFeedRoutes({ elexonUrl, signer: options.signer }));
  Object.assign(routes, dashboardRoutes(options.dashboardDir));
  if (options.dev && options.devIssuer) Object.assign(routes, devSignInRoutes(options.devIssuer, options.devPersonas ?? []));

  const http = await startHttpServer({
    name: 'gateway',
    host: options.host,
    port: options.port,
    routes,
    ready: async () => (await scope.visibleFrom('elexon').catch(() => null)) !== null,
  });
  const subscriptions = await startSubscriptions({
    apollo,
    schema: () => {
      if (!gateway.schema) throw new Error('the gateway has no schema yet');
      return gateway.schema;
    },
    authenticate,
    bus: options.bus,
    operationLimits: options.limits,
    allowedOrigins: options.allowedOrigins,
    publicOrigins: gatewayOrigins(http.url, http.port),
    dev: options.dev,
    lifecycle: options.lifecycle,
    limits: { ...websocketSettings(), ...options.subscriptionLimits },
  });
  http.server.on('upgrade', (request, socket, head) => {
    // Node drops its own socket error listener on upgrade: a client reset before ws takes over must not end the process.
    socket.on('error', (error) => logger.debug({ err: error }, 'upgrade socket error'));
    if (new URL(request.url ?? '/', 'http://localhost').pathname !== '/graphql') {
      socket.end('HTTP/1.1 404 Not Found\r\nConnection: close\r\nContent-Length: 0\r\n\r\n');
      return;
    }
    subscriptions.handleUpgrade(request, socket, head);
  });
  // Registered after the HTTP server, so sockets close before HTTP drains.
  options.lifecycle.onStop('gateway http', () => http.close());
  logger.info({ url: http.url }, 'gateway listening');
  return { url: `${http.url}/graphql`, subscriptions, http, apollo, authenticate };
}

/** The gateway's own origins: PUBLIC_URL, and the listening address under each loopback name when bound locally. */
function gatewayOrigins(listeningUrl: string, port: number): string[] {
  const origins = [new URL(listeningUrl).origin];
  const host = new URL(listeningUrl).hostname;
  if (['127.0.0.1', '[::1]', 'localhost'].includes(host)) origins.push(`http://localhost:${port}`, `http://127.0.0.1:${port}`, `http://[::1]:${port}`);
  const publicUrl = websocketSettings().publicUrl;
  if (publicUrl) origins.push(new URL(publicUrl).origin);
  return origins;
}

/** The URL the supergraph SDL records for a subgraph (join__Graph). */
export function subgraphUrlFromSdl(sdl: string, name: string): string {
  const match = new RegExp(`@join__graph\\(name: "${name}", url: "([^"]+)"\\)`).exec(sdl);
  if (!match?.[1]) throw new Error(`subgraph ${name} is not in the supergraph`);
  return match[1];
}

/** A transport refusal Apollo Server answers with its status (the `http` extension is Apollo's, never sent). */
const refusal = (code: TransportErrorCode, message: string): GraphQLError => transportError(code, message, { http: { status: errorAnswer(code).status } });

/**
 * What `@apollo/gateway` cannot execute is the client's mistake, not an internal error: a subscription over HTTP
 * (served over WebSocket instead), and an `operationName` the document does not hold (the gateway's executor throws
 * a federation error that would otherwise be masked as a 500).
 */
const operationShapePlugin: ApolloServerPlugin<GatewayContext> = {
  async requestDidStart() {
    return {
      async didResolveOperation({ operation }) {
        if (!operation) {
          throw refusal(TransportErrorCode.OPERATION_RESOLUTION_FAILURE, 'The document has no operation by the name given in operationName');
        }
        if (operation.operation !== 'subscription') return;
        throw refusal(TransportErrorCode.BAD_REQUEST, 'Subscriptions are served over WebSocket (graphql-transport-ws) on /graphql, not over HTTP');
      },
    };
  },
};

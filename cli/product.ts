/**
 * The whole product on one machine: PostgreSQL (embedded or given), the six subgraphs, the gateway. Used by
 * `npm start`, the e2e tests and the benchmarks, so all three run exactly the same assembly.
 */
import { loadConfig, type Config } from '../platform/config';
import { ensureDatabase } from '../platform/db';
import { startEmbeddedPostgres } from '../platform/embedded-postgres';
import { createBus } from '../platform/bus';
import type { EventBus } from '../platform/events';
import { generateIdentityKeyPair, IdentityTokenSigner, IdentityTokenVerifier, type IdentityKeyPair } from '../platform/identity-token';
import { Lifecycle } from '../platform/lifecycle';
import { startSubgraph, type RunningSubgraph } from '../platform/subgraph';
import { configurePartnerAuth } from '../gateway/auth';
import type { DevIssuer } from '../gateway/dev-issuer';
import { startGateway, type GatewayOptions, type RunningGateway } from '../gateway/server';
import { SUBGRAPHS } from '../subgraphs';
import { deferredApi, serviceApi } from '../adapters/gateway-api';
import { serviceTokensFor, startInboundBridges, type RunningInboundBridges } from './inbound';
import { DEMO_MARKET } from '../demo/market';
import { DEMO_PERSONAS } from '../demo/personas';
import type { DemoWeek } from '../demo/week';
import { seedDemoWeekOnce, type DemoWeekSummary } from './demo-week';

export interface ProductOptions {
  config?: Config;
  /** Database name on the server (created if missing). */
  database?: string;
  seed?: boolean;
  /**
   * A week of the market to play through the services on a fresh data folder (once: a marker in the data folder
   * records it); none by default. `npm start` hands in demo/week.ts unless `--no-demo`.
   */
  demoWeek?: DemoWeek | null;
  /** 0 picks free ports (tests); otherwise the configured ones. */
  ephemeralPorts?: boolean;
  /** The gateway's identity key pair, instead of a fresh one (a benchmark shares it with a second gateway process). */
  identityKeys?: IdentityKeyPair;
  /** Where the inbound bridges read their settings (`EMAIL_INBOUND_PORT`, `TMF621_PORT`…); default process.env. */
  env?: Record<string, string | undefined>;
  /**
   * Where every resource registers its stop; default a new one. `npm start` passes one already stopping on signals,
   * so a Ctrl-C while starting stops what has started (the embedded PostgreSQL runs detached: nothing else would).
   */
  lifecycle?: Lifecycle;
}

export interface RunningProduct {
  gateway: RunningGateway;
  subgraphs: RunningSubgraph[];
  devIssuer: DevIssuer | null;
  databaseUrl: string;
  /** The event bus the subgraphs' outbox relays publish to and their consumers read. */
  bus: EventBus;
  /** The gateway's identity-token signer (benchmarks use it to let a stock gateway reach the subgraphs). */
  signer: IdentityTokenSigner;
  lifecycle: Lifecycle;
  /** The inbound bridges (email reply receiver, TMF621 API) when their ports are configured. */
  inbound: RunningInboundBridges;
  /** What the demo week seeded on this start; null when none was asked for or the data folder already had it. */
  demoWeek: DemoWeekSummary | null;
  stop(): Promise<void>;
}

/** The gateway's options from the configuration: what `npm start` and `npm run service -- gateway` share. */
export function gatewayOptions(
  config: Config,
  parts: Pick<GatewayOptions, 'bus' | 'host' | 'port' | 'subgraphUrls' | 'jwtVerifier' | 'signer' | 'lifecycle'> & { devIssuer: DevIssuer | null },
): GatewayOptions {
  const { devIssuer, ...rest } = parts;
  return {
    ...rest,
    allowedOrigins: config.allowedOrigins,
    supergraphPath: config.supergraphPath,
    limits: config.limits,
    dev: config.dev,
    // The development sign-in (the demo market's people) exists only with the development issuer, in development.
    ...(devIssuer && config.dev ? { devJwks: devIssuer.jwks, devIssuer, devPersonas: DEMO_PERSONAS } : {}),
  };
}

export async function startProduct(options: ProductOptions = {}): Promise<RunningProduct> {
  const config = options.config ?? loadConfig();
  const lifecycle = options.lifecycle ?? new Lifecycle();
  try {
    let serverUrl = config.databaseUrl;
    if (!serverUrl) {
      const embedded = await startEmbeddedPostgres(config.dataDir, config.embeddedPostgresPort);
      lifecycle.onStop('embedded postgres', () => embedded.stop());
      serverUrl = embedded.url;
    }
    const databaseUrl = options.database ? await ensureDatabase(serverUrl, options.database) : serverUrl;
    // Before the subgraphs, so it closes after them (their relays and consumers stop first).
    const bus = await createBus(config, databaseUrl, lifecycle);

    // One process: the gateway's identity-signing key never leaves memory.
    const keys = options.identityKeys ?? (await generateIdentityKeyPair());
    const signer = new IdentityTokenSigner(keys.privateKey);
    const verifier = new IdentityTokenVerifier(keys.publicKey);

    const { jwtVerifier, devIssuer } = await configurePartnerAuth(config);
    const env = options.env ?? process.env;
    // The bridges' service identities; the API they call is bound once the gateway listens (after the subgraphs).
    const tokens = serviceTokensFor(config, env, devIssuer);
    const gatewayApi = deferredApi();

    const subgraphs: RunningSubgraph[] = [];
    for (const definition of SUBGRAPHS) {
      subgraphs.push(
        await startSubgraph(definition, {
          databaseUrl,
          host: config.host,
          port: options.ephemeralPorts ? 0 : config.subgraphPorts[definition.name],
          verifier,
          bus,
          lifecycle,
          seed: (options.seed ?? true) ? DEMO_MARKET : null,
          dev: config.dev,
          config,
          gatewayApi: typeof tokens === 'function' ? gatewayApi : null,
        }),
      );
    }

    const gateway = await startGateway(
      gatewayOptions(config, {
        bus,
        host: config.host,
        port: options.ephemeralPorts ? 0 : config.gatewayPort,
        subgraphUrls: Object.fromEntries(subgraphs.map((s) => [s.name, s.url])),
        jwtVerifier,
        devIssuer,
        signer,
        lifecycle,
      }),
    );
    // WebSocket clients are told 1001 (going away) before the gateway's HTTP server waits for its connections: an
    // upgraded socket holds that wait open, and a client cut off by the process exit sees 1006. (gateway/server.ts
    // registers 'gateway http' after 'gateway websockets'; this keeps the stop order right until it no longer does.)
    lifecycle.stopBefore('gateway websockets', 'gateway http');
    // After the gateway: the bridges call the public API through it, as service identities.
    if (typeof tokens === 'function') gatewayApi.bind(serviceApi({ url: gateway.url, tokenFor: tokens }));
    const inbound = await startInboundBridges({ config, env, gatewayUrl: gateway.url, tokens, lifecycle });
    // Last, so the party subgraphs, the delivery engine and the gateway's subscriptions hear the week's events.
    let demoWeek: DemoWeekSummary | null = null;
    if (options.demoWeek && (options.seed ?? true)) {
      const elexon = subgraphs.find((s) => s.name === 'elexon');
      if (!elexon) throw new Error('the demo week needs the elexon subgraph');
      demoWeek = await seedDemoWeekOnce(elexon.db, options.demoWeek, config.dataDir);
    }
    return { gateway, subgraphs, devIssuer, databaseUrl, bus, signer, lifecycle, inbound, demoWeek, stop: () => lifecycle.stop() };
  } catch (error) {
    await lifecycle.stop();
    throw error;
  }
}

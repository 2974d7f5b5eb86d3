/** One service per process, configured by the environment (what each docker-compose container runs). */
import { loadConfig, SUBGRAPH_NAMES, type SubgraphName } from '../platform/config';
import { importIdentitySigningKey, importIdentityVerificationKey, IdentityTokenSigner, IdentityTokenVerifier } from '../platform/identity-token';
import { createBus } from '../platform/bus';
import { Lifecycle } from '../platform/lifecycle';
import { startSubgraph } from '../platform/subgraph';
import { configurePartnerAuth } from '../gateway/auth';
import { startGateway } from '../gateway/server';
import { SUBGRAPHS } from '../subgraphs';
import { loadDevIssuer } from '../gateway/dev-issuer';
import { logger } from '../platform/logger';
import { stopTracing } from '../platform/tracing';
import { serviceTokensFor, startInboundBridges } from './inbound';
import { gatewayOptions } from './product';
import { serviceApi } from '../adapters/gateway-api';
import { DEMO_MARKET } from '../demo/market';

function required(name: string, value: string | undefined): string {
  if (!value) throw new Error(`${name} is required to run a single service`);
  return value;
}

export async function runService(name: 'gateway' | SubgraphName): Promise<void> {
  const config = loadConfig();
  const lifecycle = new Lifecycle();
  lifecycle.stopOnSignals();
  // Tracing was started by the CLI before this module loaded; registered first, it stops (and flushes) last.
  lifecycle.onStop('traces', stopTracing);
  const host = process.env.HOST ?? '0.0.0.0';
  if (name === 'gateway') {
    const signer = new IdentityTokenSigner(await importIdentitySigningKey(required('IDENTITY_SIGNING_KEY', config.identitySigningKey)));
    const { jwtVerifier, devIssuer } = await configurePartnerAuth(config);
    // Subscriptions are fed by the bus: the gateway reads the same one the subgraphs publish to.
    const bus = await createBus(config, config.databaseUrl, lifecycle);
    await startGateway(
      gatewayOptions(config, { bus, host, port: config.gatewayPort, subgraphUrls: config.subgraphUrls, jwtVerifier, devIssuer, signer, lifecycle }),
    );
    return;
  }
  const definition = SUBGRAPHS.find((s) => s.name === name);
  if (!definition || !SUBGRAPH_NAMES.includes(name)) throw new Error(`unknown subgraph ${name}`);
  const databaseUrl = required('DATABASE_URL', config.databaseUrl);
  // The delivery engine's MI comms fan-out and the inbound bridges call the public API through the gateway.
  const gatewayUrl = process.env.GATEWAY_URL;
  const devIssuer =
    name === 'delivery' && config.dev && !config.jwt.jwksUrl ? await loadDevIssuer(config.dataDir, config.jwt.issuer, config.jwt.audience) : null;
  const tokens = serviceTokensFor(config, process.env, devIssuer);
  const gatewayApi = name === 'delivery' && gatewayUrl && typeof tokens === 'function' ? serviceApi({ url: gatewayUrl, tokenFor: tokens }) : null;
  const bus = await createBus(config, databaseUrl, lifecycle);
  await startSubgraph(definition, {
    databaseUrl,
    host,
    port: config.subgraphPorts[name],
    verifier: new IdentityTokenVerifier(await importIdentityVerificationKey(required('IDENTITY_VERIFICATION_KEY', config.identityVerificationKey))),
    bus,
    lifecycle,
    seed: process.env.SEED_DEMO_DATA === 'true' ? DEMO_MARKET : null,
    dev: config.dev,
    config,
    gatewayApi,
  });
  // The inbound bridges (email replies, TMF621 API) run beside the delivery engine, calling the gateway's API.
  if (name === 'delivery') {
    if (!gatewayUrl) {
      if (process.env.EMAIL_INBOUND_PORT || process.env.TMF621_PORT) logger.warn("inbound bridges not started: set GATEWAY_URL (the gateway's GraphQL URL)");
      return;
    }
    await startInboundBridges({ config, env: process.env, gatewayUrl, tokens, lifecycle });
  }
}

/** The runtime every subgraph shares: its database, its federated schema, and an HTTP front that only the gateway may call. */
import { ApolloServer, type ApolloServerPlugin } from '@apollo/server';
import { ApolloServerPluginCacheControlDisabled, ApolloServerPluginInlineTraceDisabled } from '@apollo/server/plugin/disabled';
import { GraphQLError, type GraphQLSchema } from 'graphql';
import type { CpsdApi } from './gateway-client';
import type { DataSource, EntitySchema, MixedList } from 'typeorm';
import { loadConfig, type Config, type SubgraphName } from './config';
import { createSubgraphContext, type SubgraphContext } from './context';
import { createDataSource, migrate, type EntityClass, type MigrationClass } from './db';
import { forbiddenCharacterMessage } from '../schema/text';
import { DomainError, DomainErrorCode } from '../schema/errors';
import { maskError, toGraphQLError } from './errors';
import { findForbiddenArgumentText } from './federation';
import type { DeliveredEvent, EventBus } from './events';
import { executeGraphQL, sendGraphQLError, startHttpServer, type RunningHttpServer } from './http';
import { IDENTITY_HEADER, type IdentityTokenVerifier } from './identity-token';
import type { Lifecycle } from './lifecycle';
import { logger } from './logger';
import type { MarketDirectory } from './market';
import { startOutboxRelay } from './outbox';
import { dropGaugeSource } from './metrics';
import { jobRuns, operationMetricsPlugin, registerSubgraphGauges, type SubgraphGauge } from './subgraph-metrics';

export interface SubgraphDefinition {
  name: SubgraphName;
  entities: MixedList<EntityClass | EntitySchema>;
  migrations: MigrationClass[];
  /** Builds the federated schema; pure, so composition can run without a database. */
  build(): { schema: GraphQLSchema; sdl: string };
  /** Idempotent demo data (run by `npm start` and the e2e tests, never in production unless asked). */
  seed?(db: DataSource, market: MarketDirectory): Promise<void>;
  /** Relay this subgraph's outbox to the bus; its `migrations` must then include `...outboxMigrations(name)`. */
  outbox?: boolean;
  /** Bus consumers, run under the durable name `<subgraph>:<name>` (one replica at a time handles each event). */
  consumers?: SubgraphConsumer[];
  /** Scheduled jobs (e.g. the 5-day auto-close). Each must be safe to run on several replicas at once. */
  jobs?: SubgraphJob[];
  /** Gauges read from its database when `/metrics` is scraped (platform/subgraph-metrics.ts). */
  gauges?: SubgraphGauge[];
  /**
   * Long-running background work beside the HTTP front (e.g. the delivery workers), started after the consumers.
   * It registers its own disposal with `runtime.lifecycle` and must be safe to run on several replicas at once.
   */
  start?(runtime: SubgraphRuntime): Promise<void>;
}

export interface SubgraphRuntime {
  db: DataSource;
  bus: EventBus;
  config: Config;
  lifecycle: Lifecycle;
  /** The public API through the gateway, as service identities (null when this process has no way to reach it). */
  gatewayApi: CpsdApi | null;
}

export interface SubgraphJob {
  name: string;
  everyMs: number;
  run: (db: DataSource, now: Date) => Promise<unknown>;
}

export interface SubgraphConsumer {
  name: string;
  types: string[];
  /** At least once, in bus order: must be idempotent (dedupe on `event.id`). A throw retries the event later. */
  handle: (event: DeliveredEvent, db: DataSource) => Promise<void>;
  /** Where a consumer the bus has never seen starts (default `end`: from now on). */
  from?: 'end' | 'beginning';
}

export interface RunningSubgraph {
  name: SubgraphName;
  url: string;
  db: DataSource;
  http: RunningHttpServer;
}

export interface StartSubgraphOptions {
  databaseUrl: string;
  host: string;
  port: number;
  verifier: IdentityTokenVerifier;
  /** Where the outbox relay publishes and the consumers read. */
  bus: EventBus;
  lifecycle: Lifecycle;
  /** The market directory to load (idempotently) after migrating; null loads nothing. */
  seed: MarketDirectory | null;
  dev: boolean;
  /** The product's configuration, for `start` hooks (read from the environment when not given). */
  config?: Config;
  /** The public API as service identities, for `start` hooks (e.g. the delivery engine's MI comms fan-out). */
  gatewayApi?: CpsdApi | null;
}

export async function startSubgraph(definition: SubgraphDefinition, options: StartSubgraphOptions): Promise<RunningSubgraph> {
  const db = createDataSource({
    url: options.databaseUrl,
    schema: definition.name,
    entities: definition.entities,
    migrations: definition.migrations,
  });
  await db.initialize();
  options.lifecycle.onStop(`${definition.name} database`, () => db.destroy());
  await migrate(db, definition.name);
  if (options.seed && definition.seed) await definition.seed(db, options.seed);

  // Registered after the database, so they stop (in-flight batch or handler done) before it closes.
  if (definition.outbox) await startOutboxRelay({ db, schema: definition.name, bus: options.bus, lifecycle: options.lifecycle });
  for (const consumer of definition.consumers ?? []) {
    const running = await options.bus.consume(
      { name: `${definition.name}:${consumer.name}`, types: consumer.types, ...(consumer.from ? { from: consumer.from } : {}) },
      (event) => consumer.handle(event, db),
    );
    options.lifecycle.onStop(`${definition.name} consumer ${consumer.name}`, () => running.stop());
  }

  for (const job of definition.jobs ?? []) startJob(definition.name, job, db, options.lifecycle);
  if (definition.start)
    await definition.start({
      db,
      bus: options.bus,
      config: options.config ?? loadConfig(),
      lifecycle: options.lifecycle,
      gatewayApi: options.gatewayApi ?? null,
    });

  const { schema } = definition.build();
  const apollo = new ApolloServer<SubgraphContext>({
    schema,
    introspection: options.dev,
    hideSchemaDetailsFromClientErrors: !options.dev,
    includeStacktraceInErrorResponses: false,
    // Shutdown is ours (Lifecycle): Apollo's own signal handler would re-raise the signal and exit 143.
    stopOnTerminationSignals: false,
    formatError: maskError,
    // Nothing here consumes federated traces or cache hints; computing them costs time on every request
    // (cache control wraps every resolver: about 15% of a queue page's CPU, measured with bench:cases).
    plugins: [
      ApolloServerPluginInlineTraceDisabled(),
      ApolloServerPluginCacheControlDisabled(),
      textHygienePlugin(),
      operationMetricsPlugin<SubgraphContext>(definition.name),
    ],
  });
  registerSubgraphGauges(definition.name, db, { outbox: definition.outbox === true, gauges: definition.gauges ?? [] });
  // Registered before the database closes (stops run in reverse): a scrape never reads a closed pool.
  options.lifecycle.onStop(`${definition.name} metrics`, async () => dropGaugeSource(definition.name));
  await apollo.start();
  options.lifecycle.onStop(`${definition.name} graphql`, () => apollo.stop());

  const http = await startHttpServer({
    name: definition.name,
    host: options.host,
    port: options.port,
    ready: async () => {
      await db.query('SELECT 1');
      return true;
    },
    routes: {
      '/graphql': async (req, res, url) => {
        const header = req.headers[IDENTITY_HEADER];
        const principal = await options.verifier.verify(Array.isArray(header) ? undefined : header, definition.name);
        // Only the gateway can mint identity tokens, each for one subgraph: a direct call, `_entities` included, or
        // a token replayed from another subgraph stops here.
        if (!principal) return sendGraphQLError(res, DomainErrorCode.UNAUTHENTICATED, 'Unauthenticated');
        return executeGraphQL(apollo, req, res, url, createSubgraphContext(principal, db));
      },
    },
  });
  options.lifecycle.onStop(`${definition.name} http`, () => http.close());
  logger.info({ subgraph: definition.name, url: http.url }, 'subgraph listening');
  return { name: definition.name, url: `${http.url}/graphql`, db, http };
}

/**
 * Refuses, before any resolver runs, an operation whose text arguments hold control, bidi-override or unpaired
 * surrogate characters (schema/text.ts): one rule for every field of every subgraph, so no service needs to remember
 * it and nothing reaches the database or a log line. BAD_USER_INPUT naming the argument passes through the gateway.
 */
export function textHygienePlugin(): ApolloServerPlugin<SubgraphContext> {
  return {
    async requestDidStart() {
      return {
        async didResolveOperation({ schema, document, operation, request }) {
          const bad = operation ? findForbiddenArgumentText(schema, document, operation, request.variables) : null;
          if (!bad) return;
          const refusal = toGraphQLError(DomainError.badUserInput(forbiddenCharacterMessage(bad.field, bad.found), bad.field));
          // A client error: 400, not the 500 Apollo gives an error thrown from a plugin by default.
          throw new GraphQLError(refusal.message, { extensions: { ...refusal.extensions, http: { status: 400 } } });
        },
      };
    },
  };
}

/** Runs a job every `everyMs` (first run after one period); stop waits for a run in progress. */
function startJob(subgraph: string, job: SubgraphJob, db: DataSource, lifecycle: Lifecycle): void {
  let running: Promise<unknown> | null = null;
  const timer = setInterval(() => {
    if (running) return;
    running = job
      .run(db, new Date())
      .then(() => jobRuns.inc({ subgraph, job: job.name, outcome: 'ok' }))
      .catch((error: unknown) => {
        jobRuns.inc({ subgraph, job: job.name, outcome: 'error' });
        logger.error({ err: error, subgraph, job: job.name }, 'scheduled job failed');
      })
      .finally(() => {
        running = null;
      });
  }, job.everyMs);
  timer.unref();
  lifecycle.onStop(`${subgraph} job ${job.name}`, async () => {
    clearInterval(timer);
    await running;
  });
}

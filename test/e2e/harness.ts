/**
 * Starts the whole product for an e2e test file on its own fresh database on a real PostgreSQL
 * (TEST_DATABASE_URL, or the machine's 127.0.0.1:5432), and gives the test a way to call it as a user.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { jetstreamManager } from '@nats-io/jetstream';
import { connect } from '@nats-io/transport-node';
import { Client } from 'pg';
import { loadConfig } from '../../platform/config';
import { dropDatabase } from '../../platform/db';
import type { Role } from '../../schema/enums';
import { startProduct, type ProductOptions, type RunningProduct } from '../../cli/product';

export const SERVER_URL = process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
export const NATS_URL = process.env.TEST_NATS_URL ?? 'nats://127.0.0.1:4222';

/** The event buses the product runs on: the PostgreSQL outbox bus (the default) and NATS JetStream. */
export const BUSES = ['postgres', 'nats'] as const;
export type Bus = (typeof BUSES)[number];

/** The environment that starts the product on `bus` (NATS at TEST_NATS_URL, or the machine's 127.0.0.1:4222). */
export function busEnv(bus: Bus): NodeJS.ProcessEnv {
  return bus === 'nats' ? { CPSD_BUS: 'nats', NATS_URL } : { CPSD_BUS: 'postgres' };
}

export interface GraphQLResponse<T = Record<string, unknown>> {
  status: number;
  data?: T | null;
  errors?: { message: string; path?: (string | number)[]; extensions?: Record<string, unknown> }[];
  headers: Headers;
}

export interface TestProduct {
  product: RunningProduct;
  gatewayUrl: string;
  /** The product's data folder (development issuer key and the like). */
  dataDir: string;
  /** A development token, as `npm run token` would issue it. */
  token(claims: { sub: string; org: string; roles?: `${Role}`[]; desks?: string[]; email?: string; ttlSeconds?: number }): Promise<string>;
  /** POSTs an operation to the gateway (or any URL) as the holder of `token`. */
  graphql<T = Record<string, unknown>>(
    query: string,
    options?: { token?: string; variables?: Record<string, unknown>; url?: string; headers?: Record<string, string> },
  ): Promise<GraphQLResponse<T>>;
  /** The event bus this product runs on. */
  bus: Bus;
  /**
   * Waits until the durable consumer `name` has acknowledged (handled) every event up to `sequence`: its offset in
   * `cpsd_bus.consumer_offsets`, or its JetStream ack floor with nothing pending.
   */
  waitForConsumer(name: string, sequence: string, timeoutMs?: number): Promise<void>;
  /** The development JWKS the gateway serves. */
  graphqlJwks(): Promise<{ keys: Record<string, unknown>[] }>;
  /**
   * Stops the product and starts it again on the same database, data folder and bus (a deployment restarting):
   * `product` and `gatewayUrl` are the new ones (new ports); tokens stay valid (the development key is kept).
   */
  restart(): Promise<void>;
  stop(): Promise<void>;
}

export async function startTestProduct(env: NodeJS.ProcessEnv = {}, options: Pick<ProductOptions, 'demoWeek'> = {}): Promise<TestProduct> {
  const database = `cpsd_e2e_${process.pid}_${Date.now().toString(36)}`;
  const dataDir = mkdtempSync(path.join(tmpdir(), 'cpsd-e2e-'));
  // With CPSD_BUS=nats: a JetStream stream of this run's own (deleted on stop), as the database is.
  const natsRun = `${process.pid}_${Date.now().toString(36)}`;
  const config = loadConfig({
    ...process.env,
    CPSD_DATA_DIR: dataDir,
    DATABASE_URL: SERVER_URL,
    NATS_STREAM: `CPSD_E2E_${natsRun}`,
    NATS_SUBJECT_PREFIX: `cpsd.e2e.${natsRun}`,
    ...env,
  });
  // The inbound bridges read the same settings (off unless the test sets EMAIL_INBOUND_PORT / TMF621_PORT; 0: a free port).
  const start = () => startProduct({ config, database, ephemeralPorts: true, seed: true, env: { ...process.env, ...env }, ...options });
  let product = await start();
  const running: TestProduct = {
    product,
    gatewayUrl: product.gateway.url,
    dataDir,
    token: async ({ sub, org, roles = ['participant'], desks = [], email, ttlSeconds }) => {
      if (!product.devIssuer) throw new Error('no development issuer: this product was started with a JWKS');
      return product.devIssuer.issue({ sub, org, roles: roles as Role[], desks, ...(email ? { email } : {}), ...(ttlSeconds ? { ttlSeconds } : {}) });
    },
    graphql: async (query, options = {}) => {
      const response = await fetch(options.url ?? running.gatewayUrl, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          ...(options.token ? { authorization: `Bearer ${options.token}` } : {}),
          ...options.headers,
        },
        body: JSON.stringify({ query, variables: options.variables }),
      });
      const body = (await response.json()) as { data?: never; errors?: never };
      return { status: response.status, data: body.data, errors: body.errors, headers: response.headers };
    },
    bus: config.bus as Bus,
    waitForConsumer: (name, sequence, timeoutMs = 10_000) =>
      config.bus === 'nats'
        ? natsConsumerCaughtUp(config.natsUrl, config.natsStream, name, sequence, timeoutMs)
        : postgresConsumerCaughtUp(product.databaseUrl, name, sequence, timeoutMs),
    graphqlJwks: async () => (await (await fetch(`${product.gateway.http.url}/.well-known/jwks.json`)).json()) as { keys: Record<string, unknown>[] },
    restart: async () => {
      await product.stop();
      product = await start();
      running.product = product;
      running.gatewayUrl = product.gateway.url;
    },
    stop: async () => {
      await product.stop();
      await dropDatabase(SERVER_URL, database);
      if (config.bus === 'nats') await deleteNatsStream(config.natsUrl, config.natsStream);
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
  return running;
}

async function deleteNatsStream(url: string, stream: string): Promise<void> {
  const nc = await connect({ servers: url });
  try {
    await (await jetstreamManager(nc)).streams.delete(stream);
  } finally {
    await nc.close();
  }
}

async function natsConsumerCaughtUp(url: string, stream: string, name: string, sequence: string, timeoutMs: number): Promise<void> {
  const nc = await connect({ servers: url });
  try {
    const jsm = await jetstreamManager(nc);
    await waitFor(
      async () => {
        const info = await jsm.consumers.info(stream, name);
        return info.ack_floor.stream_seq >= Number(sequence) && info.num_ack_pending === 0;
      },
      `consumer ${name} to acknowledge event ${sequence}`,
      timeoutMs,
    );
  } finally {
    await nc.close();
  }
}

async function postgresConsumerCaughtUp(databaseUrl: string, name: string, sequence: string, timeoutMs: number): Promise<void> {
  const client = new Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    await waitFor(
      async () => {
        const { rows } = await client.query<{ caught_up: boolean }>(
          'SELECT sequence >= $2::bigint AS caught_up FROM cpsd_bus.consumer_offsets WHERE consumer = $1',
          [name, sequence],
        );
        return rows[0]?.caught_up === true;
      },
      `consumer ${name} to acknowledge event ${sequence}`,
      timeoutMs,
    );
  } finally {
    await client.end();
  }
}

/**
 * Polls `probe` every `intervalMs` (100 ms) until it returns something truthy (returned), or fails after `timeoutMs`
 * (10 s).
 */
export async function waitFor<T>(
  probe: () => Promise<T | null | undefined | false> | T | null | undefined | false,
  what: string,
  timeoutMs = 10_000,
  intervalMs = 100,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    // The poll interval between probes; the verdict is always the probe's, never the time waited.
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
}

export * from './support/graphql';

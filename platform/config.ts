/** Typed configuration read from the environment, in one place; every variable is listed in the README. */
import path from 'node:path';

export type BusKind = 'postgres' | 'nats';

export interface Config {
  /** Development mode: introspection, field suggestions and the development token issuer. */
  dev: boolean;
  dataDir: string;
  /** Any PostgreSQL; when unset, `npm start` runs an embedded one in `dataDir`. */
  databaseUrl: string | undefined;
  embeddedPostgresPort: number;
  gatewayPort: number;
  host: string;
  /** Where the gateway finds each subgraph (`SUBGRAPH_<NAME>_URL`), and where a subgraph listens. */
  subgraphPorts: Record<SubgraphName, number>;
  subgraphUrls: Record<string, string | undefined>;
  supergraphPath: string;
  jwt: {
    jwksUrl: string | undefined;
    issuer: string;
    audience: string;
    algorithms: string[];
    /** The `typ` header every partner token must carry (`JWT_TYP`, e.g. `at+jwt` per RFC 9068); unchecked when unset. */
    typ: string | undefined;
    /** The longest partner token lifetime accepted, `exp` − `iat` and `exp` − now (`JWT_MAX_LIFETIME_SECONDS`, 24 h). */
    maxLifetimeSeconds: number;
  };
  /** The gateway's identity-signing key (private JWK, JSON) and the subgraphs' verification key (public JWK, JSON). */
  identitySigningKey: string | undefined;
  identityVerificationKey: string | undefined;
  /** The event bus (`CPSD_BUS`, default postgres); see platform/bus/index.ts. */
  bus: BusKind;
  /** With `CPSD_BUS=nats`: the server (`NATS_URL`), the JetStream stream (`NATS_STREAM`) and its subjects' prefix (`NATS_SUBJECT_PREFIX`). */
  natsUrl: string;
  natsStream: string;
  natsSubjectPrefix: string;
  /**
   * With `CPSD_BUS=nats`: how long JetStream waits for a durable consumer's ack before handing the event to another
   * replica (`NATS_ACK_WAIT_MS`, 30 s; at least 2 s) — how soon a killed replica's event in hand moves on. A running
   * handler keeps its event with "in progress" acks.
   */
  natsAckWaitMs: number;
  /** With `CPSD_BUS=nats`: the stream's replicas when the product creates it (`NATS_STREAM_REPLICAS`, 1; a JetStream cluster: 3). */
  natsStreamReplicas: number;
  publicUrl: string | undefined;
  limits: { maxDepth: number; maxAliases: number; maxCost: number };
  /** Browser origins (besides the gateway's own) allowed to open a WebSocket. */
  allowedOrigins: string[];
  delivery: DeliverySettings;
}

/** The delivery engine (subgraphs/delivery): how it pushes `ticket.*` events to the desks' own systems. */
export interface DeliverySettings {
  /** Worker loops per delivery process (`DELIVERY_WORKERS`, 2); 0 runs the API and the intake only. */
  workers: number;
  /** Deliveries one worker claims at a time and sends concurrently (`DELIVERY_BATCH_SIZE`, 10). */
  batchSize: number;
  /** Attempts before a delivery is dead-lettered (`DELIVERY_MAX_ATTEMPTS`, 8). */
  maxAttempts: number;
  /** Exponential backoff with full jitter: random(0, min(cap, base·2^(attempt−1))) (`DELIVERY_BACKOFF_BASE_MS`, `DELIVERY_BACKOFF_CAP_MS`). */
  backoffBaseMs: number;
  backoffCapMs: number;
  /** The longest Retry-After honoured (`DELIVERY_RETRY_AFTER_CAP_MS`, 1 h). */
  retryAfterCapMs: number;
  /** One attempt's time limit, passed to the bridge as an AbortSignal (`DELIVERY_TIMEOUT_MS`, 10 s). */
  timeoutMs: number;
  /** How long a claim holds a delivery before another worker may retry it (`DELIVERY_LEASE_MS`, 60 s; > timeout). */
  leaseMs: number;
  /** Fallback poll (`DELIVERY_POLL_MS`, 1 s); new deliveries wake the workers at once through NOTIFY. */
  pollMs: number;
}

export const SUBGRAPH_NAMES = ['elexon', 'mpas', 'dcc', 'rec', 'partners', 'delivery'] as const;
export type SubgraphName = (typeof SUBGRAPH_NAMES)[number];

function int(name: string, fallback: number, env: NodeJS.ProcessEnv): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < 0) throw new Error(`${name} must be a non-negative integer, got "${raw}"`);
  return value;
}

/** Whose partner tokens are accepted (JWT_ISSUER, JWT_AUDIENCE) and signed how (JWT_ALGORITHMS, asymmetric only). */
export function partnerJwtSettings(env: NodeJS.ProcessEnv | Record<string, string | undefined>): { issuer: string; audience: string; algorithms: string[] } {
  return {
    issuer: env.JWT_ISSUER ?? 'cpsd-dev-issuer',
    audience: env.JWT_AUDIENCE ?? 'cpsd-gateway',
    algorithms: (env.JWT_ALGORITHMS ?? 'RS256,ES256,EdDSA')
      .split(',')
      .map((a) => a.trim())
      .filter(Boolean),
  };
}

export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const dataDir = path.resolve(env.CPSD_DATA_DIR ?? '.data');
  const subgraphPorts = Object.fromEntries(
    SUBGRAPH_NAMES.map((name, index) => [name, int(`SUBGRAPH_${name.toUpperCase()}_PORT`, 4001 + index, env)]),
  ) as Record<SubgraphName, number>;
  const subgraphUrls: Record<string, string | undefined> = {};
  for (const name of SUBGRAPH_NAMES) subgraphUrls[name] = env[`SUBGRAPH_${name.toUpperCase()}_URL`];
  const bus = (env.CPSD_BUS ?? 'postgres') as BusKind;
  if (bus !== 'postgres' && bus !== 'nats') throw new Error(`CPSD_BUS must be postgres or nats, got "${bus}"`);
  return {
    dev: env.NODE_ENV !== 'production' && env.CPSD_DEV !== 'false',
    dataDir,
    databaseUrl: env.DATABASE_URL || undefined,
    embeddedPostgresPort: int('EMBEDDED_PG_PORT', 54329, env),
    gatewayPort: int('PORT', 4000, env),
    host: env.HOST ?? '127.0.0.1',
    subgraphPorts,
    subgraphUrls,
    supergraphPath: path.resolve(env.SUPERGRAPH_PATH ?? path.join(__dirname, '..', 'gateway', 'supergraph.graphql')),
    jwt: {
      jwksUrl: env.JWKS_URL || undefined,
      ...partnerJwtSettings(env),
      typ: env.JWT_TYP || undefined,
      maxLifetimeSeconds: Math.max(1, int('JWT_MAX_LIFETIME_SECONDS', 24 * 3600, env)),
    },
    identitySigningKey: env.IDENTITY_SIGNING_KEY || undefined,
    identityVerificationKey: env.IDENTITY_VERIFICATION_KEY || undefined,
    bus,
    natsUrl: env.NATS_URL ?? 'nats://127.0.0.1:4222',
    natsStream: env.NATS_STREAM || 'CPSD_EVENTS',
    natsSubjectPrefix: env.NATS_SUBJECT_PREFIX || 'cpsd.events',
    natsAckWaitMs: natsAckWait(env),
    natsStreamReplicas: natsStreamReplicas(env),
    publicUrl: env.PUBLIC_URL || undefined,
    allowedOrigins: (env.ALLOWED_ORIGINS ?? '')
      .split(',')
      .map((o) => o.trim())
      .filter(Boolean),
    delivery: deliverySettings(env),
    limits: {
      maxDepth: int('MAX_QUERY_DEPTH', 12, env),
      maxAliases: int('MAX_QUERY_ALIASES', 30, env),
      maxCost: int('MAX_QUERY_COST', 5000, env),
    },
  };
}

/**
 * WebSocket settings (`WS_PING_INTERVAL_MS` 30 s, `WS_MAX_CONNECTIONS_PER_PRINCIPAL` 10, `WS_MAX_BUFFERED_BYTES` 1 MiB)
 * and `PUBLIC_URL`, whose origin may always open a socket.
 */
export function websocketSettings(env: NodeJS.ProcessEnv = process.env) {
  return {
    pingIntervalMs: Math.max(10, int('WS_PING_INTERVAL_MS', 30_000, env)),
    maxConnectionsPerPrincipal: Math.max(1, int('WS_MAX_CONNECTIONS_PER_PRINCIPAL', 10, env)),
    maxBufferedBytes: Math.max(1024, int('WS_MAX_BUFFERED_BYTES', 1024 * 1024, env)),
    publicUrl: env.PUBLIC_URL || undefined,
  };
}

/** HTTP deadlines for every service (`HTTP_HEADERS_TIMEOUT_MS` 10 s, `HTTP_BODY_TIMEOUT_MS` 10 s, `HTTP_REQUEST_TIMEOUT_MS` 30 s). */
export function httpTimeouts(env: NodeJS.ProcessEnv = process.env) {
  const requestMs = Math.max(1, int('HTTP_REQUEST_TIMEOUT_MS', 30_000, env));
  return {
    // Node requires headersTimeout <= requestTimeout.
    headersMs: Math.min(requestMs, Math.max(1, int('HTTP_HEADERS_TIMEOUT_MS', 10_000, env))),
    bodyMs: Math.max(1, int('HTTP_BODY_TIMEOUT_MS', 10_000, env)),
    requestMs,
  };
}

function natsStreamReplicas(env: NodeJS.ProcessEnv): number {
  const replicas = int('NATS_STREAM_REPLICAS', 1, env);
  if (replicas < 1 || replicas > 5) throw new Error('NATS_STREAM_REPLICAS must be from 1 to 5 (JetStream allows at most 5)');
  return replicas;
}

function natsAckWait(env: NodeJS.ProcessEnv): number {
  const ms = int('NATS_ACK_WAIT_MS', 30_000, env);
  // In-progress acks go out every max(1 s, ack wait / 3): a shorter wait would hand a running handler's event on.
  if (ms < 2000) throw new Error('NATS_ACK_WAIT_MS must be at least 2000');
  return ms;
}

function deliverySettings(env: NodeJS.ProcessEnv): DeliverySettings {
  const settings: DeliverySettings = {
    workers: int('DELIVERY_WORKERS', 2, env),
    batchSize: Math.max(1, int('DELIVERY_BATCH_SIZE', 10, env)),
    maxAttempts: Math.max(1, int('DELIVERY_MAX_ATTEMPTS', 8, env)),
    backoffBaseMs: int('DELIVERY_BACKOFF_BASE_MS', 1000, env),
    backoffCapMs: int('DELIVERY_BACKOFF_CAP_MS', 600_000, env),
    retryAfterCapMs: int('DELIVERY_RETRY_AFTER_CAP_MS', 3_600_000, env),
    timeoutMs: Math.max(1, int('DELIVERY_TIMEOUT_MS', 10_000, env)),
    leaseMs: int('DELIVERY_LEASE_MS', 60_000, env),
    pollMs: Math.max(10, int('DELIVERY_POLL_MS', 1000, env)),
  };
  // A lease shorter than an attempt would let a second worker resend while the first is still waiting.
  if (settings.leaseMs <= settings.timeoutMs) throw new Error('DELIVERY_LEASE_MS must be longer than DELIVERY_TIMEOUT_MS');
  return settings;
}

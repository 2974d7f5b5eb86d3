/**
 * `npm run bench:broadcast`: one update broadcast to N concurrent graphql-ws subscribers over two gateway replicas
 * (docs/benchmarking.md; README "Live updates").
 *
 * - The product (PostgreSQL database `cpsd_bench_broadcast`, dropped and recreated per pass; the subgraphs; gateway
 *   A) starts in this process through `startProduct()`. Gateway B is its own process, exactly what
 *   `npm run service -- gateway` runs (`node --import tsx cli/cpsd.ts service gateway`, one process so that its RSS
 *   and CPU are its own), configured by environment: the product's identity signing key, the subgraphs' URLs, the
 *   same bus and the product's data dir (the development token issuer's key, so tokens match).
 * - Subscribers: two more processes (bench/broadcast-subscribers.ts), one per gateway, each opening half of the N
 *   connections, one subscription each, one development token per subscriber (distinct users of a few visibility
 *   scopes, so each gateway hydrates a few groups per event). Ready = every subscriber received a warm-up event
 *   (graphql-ws has no subscribe acknowledgement); gateway A's own count is checked too.
 * - The event: a major incident update (`postMajorIncidentUpdate`, subscribers on `majorIncidentUpdates`) when the
 *   supergraph has both; otherwise a customer-visible comment (`addComment`) on one case every subscriber may see,
 *   subscribers on `caseEvents(caseId)`. The bench prints which.
 * - Per round: one mutation through gateway A. The commit is bracketed by the mutation's start and its response's
 *   arrival; latencies are quoted from the response (the lower bound of the true commit→receipt time) and from the
 *   start (an upper bound). Each receipt is timestamped in the subscriber process (same machine clock). A probe
 *   consumer on the bus in this process records when the event came off the bus, which splits the path into
 *   commit → bus, bus → first receipt (hydration + first write), first → last receipt (fan-out).
 * - Memory per connection: gateway B's VmRSS (/proc) before subscribers connect and after all are subscribed,
 *   divided by its connections; gateway A shares this process with the subgraphs, so only its RSS delta is shown.
 * - The whole measurement runs on each bus in BENCH_BUSES: postgres, then nats (when platform/bus/nats.ts exists and
 *   a NATS server answers at NATS_URL; its own JetStream stream, deleted afterwards).
 *
 * Environment: DATABASE_URL (default postgres://postgres@127.0.0.1:5432/postgres), BENCH_SUBSCRIBERS (5000),
 * BENCH_ROUNDS (5), BENCH_BUSES (postgres,nats), BENCH_CONNECT_CONCURRENCY (200 connections opening at once per
 * subscriber process), BENCH_ROUND_TIMEOUT (s, 30), NATS_URL (nats://127.0.0.1:4222), BENCH_PROFILE (1: gateway B runs under
 * `--cpu-prof` and the bench prints where its CPU went during the measured rounds; profiling slows it).
 */
import { execFileSync, fork, spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import type { Role } from '../schema/enums';
import { summariseProfile, type ProfileSummary } from './broadcast-profile';
import type { ChildMessage, Collected, ParentMessage, SubscriberJob, SubscriberScope } from './broadcast-subscribers';
import { at, DEFAULT_SERVER_URL, intFromEnv, median, must, percentileOfSorted, printTable, redactUrl, REPO_ROOT, stopAll, type Cleanup } from './support';

// The logger reads LOG_LEVEL when it is first imported: set it before any product module loads.
process.env.LOG_LEVEL ??= 'warn';

const DATABASE = 'cpsd_bench_broadcast';
const NATS_STREAM = 'CPSD_BENCH_BROADCAST';
const NATS_SUBJECT_PREFIX = 'cpsd.bench.broadcast';
const SUBSCRIBER_SCRIPT = path.join(__dirname, 'broadcast-subscribers.ts');
const WARMUP_EVENTS = 2;
const MAX_WARMUP_EVENTS = 6;

const now = () => performance.timeOrigin + performance.now();
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const ms = (value: number | undefined) => (value !== undefined && Number.isFinite(value) ? `${value.toFixed(0)}` : 'n/a');
const kib = (bytes: number) => `${(bytes / 1024).toFixed(1)} KiB`;
const mibs = (bytes: number) => `${(bytes / 1024 / 1024).toFixed(0)} MiB`;

type BusName = 'postgres' | 'nats';

// ---------------------------------------------------------------------------------------------------------------
// Scenarios: what is subscribed to and what one update is
// ---------------------------------------------------------------------------------------------------------------

interface Person {
  sub: string;
  org: string;
  roles: Role[];
  desks: string[];
}

const ELEXON_AGENT: Person = { sub: 'bench-eve@elexon.example', org: 'elexon', roles: ['participant', 'desk_agent'] as Role[], desks: ['elexon-service-desk'] };
const MI_MANAGER: Person = { sub: 'bench-mim@elexon.example', org: 'elexon', roles: ['participant', 'major_incident_manager'] as Role[], desks: [] };

interface Scenario {
  name: 'majorIncidentUpdates' | 'caseEvents';
  description: string;
  rootField: string;
  /** The subscription every subscriber sends, and its variables (set by setup). */
  query: string;
  variables: Record<string, unknown>;
  scopes: SubscriberScope[];
  /** The bus event type one update produces. */
  eventType: string;
  /** Creates what is subscribed to; returns the subscription's variables. */
  setup(api: Api): Promise<void>;
  /** One update (a round's mutation). */
  update(api: Api, label: string): Promise<void>;
}

interface Api {
  call<T>(who: Person, query: string, variables?: Record<string, unknown>): Promise<T>;
}

const RAISE = 'mutation($input: RaiseCaseInput!) { raiseCase(input: $input) { id reference } }';

export function majorIncidentScenario(): Scenario {
  let majorIncidentId = '';
  const scenario: Scenario = {
    name: 'majorIncidentUpdates',
    description: 'a major incident update (postMajorIncidentUpdate) to subscribers of majorIncidentUpdates(services: [DIP])',
    rootField: 'majorIncidentUpdates',
    query: `subscription Broadcast {
  majorIncidentUpdates(services: [DIP]) {
    sequence type occurredAt
    majorIncident { id reference title state services updateOverdue lead { id name } updates { kind body postedAt } }
  }
}`,
    variables: {},
    // A promoted major incident is industry-wide comms: every participant sees it. Four organisations, four scopes.
    scopes: [
      { label: 'british-gas', org: 'british-gas', roles: ['participant'] as Role[], desks: [] },
      { label: 'eon-next', org: 'eon-next', roles: ['participant'] as Role[], desks: [] },
      { label: 'ukpn', org: 'ukpn', roles: ['participant'] as Role[], desks: [] },
      { label: 'kraken', org: 'kraken', roles: ['participant'] as Role[], desks: [] },
    ],
    eventType: 'major_incident.',
    async setup(api) {
      const raiser: Person = { sub: 'bench-sally@britishgas.example', org: 'british-gas', roles: ['participant'] as Role[], desks: [] };
      const raised = await api.call<{ raiseCase: { id: string } }>(raiser, RAISE, {
        input: {
          deskId: 'elexon-service-desk',
          category: 'MARKET_SYSTEMS',
          subject: 'DIP not accepting messages',
          description: 'Every message rejected since 09:00',
        },
      });
      const caseId = raised.raiseCase.id;
      await api.call(ELEXON_AGENT, 'mutation($input: TriageCaseInput!) { triageCase(input: $input) { id } }', {
        input: { caseId, type: 'INCIDENT', impact: 'HIGH', urgency: 'HIGH' },
      });
      const proposed = await api.call<{ proposeMajorIncident: { id: string } }>(
        ELEXON_AGENT,
        'mutation($caseId: ID!, $input: ProposeMajorIncidentInput!) { proposeMajorIncident(caseId: $caseId, input: $input) { id } }',
        {
          caseId,
          input: {
            title: 'DIP rejecting messages',
            services: ['DIP'],
            validityChecks: ['SERVICE_DISRUPTION'],
            thresholds: { participantImpact: true, duration: false, complianceRisk: false, securityBreach: false },
          },
        },
      );
      majorIncidentId = proposed.proposeMajorIncident.id;
      const reviewed = await api.call<{ reviewMajorIncident: { state: string } }>(
        MI_MANAGER,
        'mutation($id: ID!) { reviewMajorIncident(id: $id, decision: PROMOTE) { id state } }',
        { id: majorIncidentId },
      );
      if (reviewed.reviewMajorIncident.state !== 'PROMOTED') throw new Error(`the major incident is ${reviewed.reviewMajorIncident.state}, not PROMOTED`);
    },
    async update(api, label) {
      await api.call(MI_MANAGER, 'mutation($id: ID!, $input: MajorIncidentUpdateInput!) { postMajorIncidentUpdate(id: $id, input: $input) { id } }', {
        id: majorIncidentId,
        input: { body: `Update ${label}: the DIP is still rejecting messages; next update in 30 minutes`, kind: 'UPDATE' },
      });
    },
  };
  return scenario;
}

export function caseEventsScenario(): Scenario {
  let caseId = '';
  const scenario: Scenario = {
    name: 'caseEvents',
    description: 'a customer-visible comment (addComment) on one case to subscribers of caseEvents(caseId)',
    rootField: 'caseEvents',
    query: `subscription Broadcast($caseId: ID!) {
  caseEvents(caseId: $caseId) {
    sequence type occurredAt
    case { id reference state priority subject updatedAt desk { id name } raisedByOrganisation { id name } }
  }
}`,
    variables: {},
    // A case raised by UKPN Eastern is seen by its raiser, its parent group, the desk's agents and CPSD admins.
    scopes: [
      { label: 'ukpn-epn', org: 'ukpn-epn', roles: ['participant'] as Role[], desks: [] },
      { label: 'ukpn', org: 'ukpn', roles: ['participant'] as Role[], desks: [] },
      { label: 'elexon-agent', org: 'elexon', roles: ['participant', 'desk_agent'] as Role[], desks: ['elexon-service-desk'] },
      { label: 'admin', org: 'elexon', roles: ['participant', 'cpsd_admin'] as Role[], desks: [] },
    ],
    eventType: 'case.commented',
    async setup(api) {
      const raiser: Person = { sub: 'bench-ursula@ukpn.example', org: 'ukpn-epn', roles: ['participant'] as Role[], desks: [] };
      const raised = await api.call<{ raiseCase: { id: string } }>(raiser, RAISE, {
        input: { deskId: 'elexon-service-desk', category: 'MARKET_SYSTEMS', subject: 'DIP rejecting messages', description: 'Since 09:00' },
      });
      caseId = raised.raiseCase.id;
      scenario.variables = { caseId };
    },
    async update(api, label) {
      await api.call(ELEXON_AGENT, 'mutation($input: AddCommentInput!) { addComment(input: $input) { id } }', {
        input: { caseId, body: `Update ${label}: we are on it`, visibility: 'CUSTOMER_VISIBLE' },
      });
    },
  };
  return scenario;
}

// ---------------------------------------------------------------------------------------------------------------
// Processes
// ---------------------------------------------------------------------------------------------------------------

const children = new Set<ChildProcess>();
process.on('exit', () => {
  for (const child of children) child.kill('SIGKILL');
});

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

function procStatus(pid: number): { rss: number; hwm: number } {
  const text = readFileSync(`/proc/${pid}/status`, 'utf8');
  const field = (name: string) => Number(new RegExp(`^${name}:\\s+(\\d+) kB`, 'm').exec(text)?.[1] ?? Number.NaN) * 1024;
  return { rss: field('VmRSS'), hwm: field('VmHWM') };
}

let clockTicks = 100;
try {
  clockTicks = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
} catch {
  // 100 on Linux
}

/** User+system CPU of a process so far, ms (from /proc; resolution 1/CLK_TCK s). */
function procCpuMs(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return ((Number(fields[11]) + Number(fields[12])) * 1000) / clockTicks;
}

/** Busy CPU time of the whole machine so far (all cores; /proc/stat), ms. */
function machineBusyMs(): number {
  const line = at(readFileSync('/proc/stat', 'utf8').split('\n'), 0, "/proc/stat's first line");
  const fields = line.trim().split(/\s+/).slice(1).map(Number);
  // user nice system idle iowait irq softirq [steal]
  const field = (i: number) => at(fields, i, `field ${i + 1} of /proc/stat's cpu line`);
  return ((field(0) + field(1) + field(2) + field(5) + field(6) + (fields[7] || 0)) * 1000) / clockTicks;
}

const monotonicUs = () => Number(process.hrtime.bigint() / 1000n);

interface GatewayProcess {
  child: ChildProcess;
  pid: number;
  url: string;
  log: { warnings: number; errors: number; slowConsumer: number; samples: string[] };
  stop(): Promise<void>;
}

async function startGatewayProcess(env: NodeJS.ProcessEnv, profileDir: string | null): Promise<GatewayProcess> {
  const port = await freePort();
  const profiling = profileDir ? ['--cpu-prof', '--cpu-prof-interval=250', `--cpu-prof-dir=${profileDir}`] : [];
  const child = spawn(process.execPath, [...profiling, '--import', 'tsx', 'cli/cpsd.ts', 'service', 'gateway'], {
    cwd: REPO_ROOT,
    env: { ...env, PORT: String(port), HOST: '127.0.0.1', LOG_LEVEL: 'warn', CPSD_SERVICE: 'gateway-b' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.add(child);
  const log = { warnings: 0, errors: 0, slowConsumer: 0, samples: [] as string[] };
  let tail = '';
  const onLine = (line: string) => {
    if (!line.trim()) return;
    const level = Number(/"level":(\d+)/.exec(line)?.[1] ?? 50);
    if (/slow subscriber/.test(line)) log.slowConsumer += 1;
    if (level >= 50) log.errors += 1;
    else if (level >= 40) log.warnings += 1;
    if (level >= 40 && log.samples.length < 5) log.samples.push(line.slice(0, 400));
  };
  for (const stream of [child.stdout, child.stderr]) {
    stream?.setEncoding('utf8').on('data', (chunk: string) => {
      const lines = (tail + chunk).split('\n');
      tail = lines.pop() ?? '';
      lines.forEach(onLine);
    });
  }
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const base = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 60_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`gateway B exited with ${child.exitCode}: ${log.samples.join('\n')}`);
    try {
      const response = await fetch(`${base}/readyz`);
      if (response.ok) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) throw new Error(`gateway B not ready after 60 s: ${log.samples.join('\n')}`);
    await sleep(200);
  }
  return {
    child,
    pid: child.pid!,
    url: `${base}/graphql`,
    log,
    stop: async () => {
      if (child.exitCode === null) {
        child.kill('SIGTERM');
        const killer = setTimeout(() => child.kill('SIGKILL'), 15_000);
        await exited;
        clearTimeout(killer);
      }
      children.delete(child);
    },
  };
}

/** One subscriber process: a typed request/response channel over IPC. */
class SubscriberProcess {
  readonly child: ChildProcess;
  private readonly waiters: { type: ChildMessage['type']; resolve: (message: ChildMessage) => void }[] = [];
  private fatal: string | null = null;

  constructor(
    readonly name: string,
    readonly count: number,
  ) {
    this.child = fork(SUBSCRIBER_SCRIPT, [], { cwd: REPO_ROOT, execArgv: ['--import', 'tsx'], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    children.add(this.child);
    this.child.on('message', (message: ChildMessage) => {
      if (message.type === 'fatal') {
        this.fatal = message.message;
        for (const waiter of this.waiters.splice(0)) waiter.resolve(message);
        return;
      }
      if (message.type === 'progress') return;
      const index = this.waiters.findIndex((w) => w.type === message.type);
      const waiter = this.waiters[index];
      if (waiter) {
        this.waiters.splice(index, 1);
        waiter.resolve(message);
      }
    });
    this.child.on('exit', (code) => {
      children.delete(this.child);
      if (code !== 0 && !this.fatal) this.fatal = `subscriber process ${name} exited with ${code}`;
      for (const waiter of this.waiters.splice(0)) waiter.resolve({ type: 'fatal', message: this.fatal ?? 'exited' });
    });
  }

  request<T extends ChildMessage['type']>(message: ParentMessage, reply: T, timeoutMs = 30_000): Promise<Extract<ChildMessage, { type: T }>> {
    if (this.fatal) return Promise.reject(new Error(this.fatal));
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`subscriber process ${this.name}: no ${reply} within ${timeoutMs} ms`)), timeoutMs);
      this.waiters.push({
        type: reply,
        resolve: (answer) => {
          clearTimeout(timer);
          if (answer.type === 'fatal') reject(new Error(`subscriber process ${this.name}: ${answer.message}`));
          else resolve(answer as Extract<ChildMessage, { type: T }>);
        },
      });
      this.child.send(message);
    });
  }

  pid(): number {
    return this.child.pid!;
  }
}

// ---------------------------------------------------------------------------------------------------------------
// One pass: the whole measurement on one bus
// ---------------------------------------------------------------------------------------------------------------

interface RoundResult {
  round: number;
  expected: number;
  received: number;
  /** From the mutation's response (lower bound of commit → receipt). */
  p50: number;
  p99: number;
  last: number;
  first: number;
  /** From the mutation's start (upper bound). */
  p50FromStart: number;
  p99FromStart: number;
  lastFromStart: number;
  mutationMs: number;
  /** When the probe consumer had the event, relative to the response (negative: before the response arrived). */
  busFromCommit: number;
  perGateway: Record<string, { first: number; last: number; count: number }>;
  cpuMs: Record<string, number>;
  /** The whole machine's busy CPU over the same window, and that window's length, ms. */
  machineBusyMs: number;
  windowMs: number;
  loadAverage: number;
  sequences: number;
  extra: number;
  errors: number;
}

interface PassResult {
  bus: BusName;
  scenario: string;
  rounds: RoundResult[];
  connectSeconds: number;
  memory: { label: string; before: number; after: number; connections: number; perConnection: boolean }[];
  hydration: { perScopeMs: Record<string, number>; concurrentMs: number; bytes: number };
  closes: Record<string, number>;
  clientErrors: number;
  firstClientError?: string;
  gatewayLog: GatewayProcess['log'];
  peak: { label: string; bytes: number }[];
  groupsPerGateway: number;
  profile?: ProfileSummary;
  connectProfile?: ProfileSummary;
}

interface Settings {
  subscribers: number;
  rounds: number;
  concurrency: number;
  roundTimeoutMs: number;
  serverUrl: string;
  profile: boolean;
}

async function runPass(bus: BusName, settings: Settings): Promise<PassResult> {
  const { loadConfig } = await import('../platform/config');
  const { dropDatabase } = await import('../platform/db');
  const { startProduct } = await import('../cli/product');
  const { generateIdentityKeyPair } = await import('../platform/identity-token');
  const { compilePlan } = await import('../gateway/subscriptions');
  const { parse } = await import('graphql');

  const cleanups: Cleanup[] = [];
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'cpsd-bench-broadcast-'));
  cleanups.push({ name: 'data dir', run: () => rmSync(dataDir, { recursive: true, force: true }) });
  const busEnv: NodeJS.ProcessEnv = bus === 'nats' ? { CPSD_BUS: 'nats', NATS_STREAM, NATS_SUBJECT_PREFIX } : { CPSD_BUS: 'postgres' };
  try {
    await dropDatabase(settings.serverUrl, DATABASE);
    cleanups.push({ name: 'database', run: () => dropDatabase(settings.serverUrl, DATABASE) });
    if (bus === 'nats') {
      await deleteNatsStream();
      cleanups.push({ name: 'NATS stream', run: () => deleteNatsStream() });
    }
    const config = loadConfig({ ...process.env, ...busEnv, CPSD_DATA_DIR: dataDir, LOG_LEVEL: 'warn', DATABASE_URL: settings.serverUrl });
    const supergraph = readFileSync(config.supergraphPath, 'utf8');
    const scenario =
      /\bmajorIncidentUpdates\(/.test(supergraph) && /\bpostMajorIncidentUpdate\(/.test(supergraph) ? majorIncidentScenario() : caseEventsScenario();

    const identityKeys = await generateIdentityKeyPair();
    const startedAt = Date.now();
    const product = await startProduct({ config, database: DATABASE, ephemeralPorts: true, seed: true, identityKeys });
    cleanups.push({ name: 'product', run: () => product.stop() });
    const devIssuer = product.devIssuer;
    if (!devIssuer) throw new Error('the benchmark needs the development token issuer: unset JWKS_URL and NODE_ENV=production');

    const tokens = new Map<string, string>();
    const api: Api = {
      async call<T>(who: Person, query: string, variables: Record<string, unknown> = {}): Promise<T> {
        let token = tokens.get(who.sub);
        if (!token) {
          token = await devIssuer.issue({ sub: who.sub, org: who.org, roles: who.roles, desks: who.desks });
          tokens.set(who.sub, token);
        }
        const response = await fetch(product.gateway.url, {
          method: 'POST',
          headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
          body: JSON.stringify({ query, variables }),
        });
        const body = (await response.json()) as { data?: T; errors?: unknown[] };
        if (response.status !== 200 || body.errors || !body.data)
          throw new Error(`${query.slice(0, 80)}… answered ${response.status}: ${JSON.stringify(body).slice(0, 1000)}`);
        return body.data;
      },
    };
    await scenario.setup(api);

    const profileDir = settings.profile ? mkdtempSync(path.join(os.tmpdir(), 'cpsd-bench-broadcast-profile-')) : null;
    if (profileDir) cleanups.push({ name: 'profile dir', run: () => rmSync(profileDir, { recursive: true, force: true }) });
    const gatewayB = await startGatewayProcess(
      {
        ...process.env,
        ...busEnv,
        NODE_ENV: process.env.NODE_ENV ?? 'development',
        IDENTITY_SIGNING_KEY: JSON.stringify(identityKeys.privateJwk),
        DATABASE_URL: product.databaseUrl,
        CPSD_DATA_DIR: dataDir,
        ...Object.fromEntries(product.subgraphs.map((s) => [`SUBGRAPH_${s.name.toUpperCase()}_URL`, s.url])),
      },
      profileDir,
    );
    cleanups.push({ name: 'gateway B', run: () => gatewayB.stop() });
    const startupSeconds = (Date.now() - startedAt) / 1000;

    // The probe: when each event came off the bus (its own consumer, in this process).
    let probeArmedAt = Number.POSITIVE_INFINITY;
    let probeAt = Number.NaN;
    const probe = await product.bus.consume({ name: `bench-broadcast-probe-${process.pid}-${Date.now()}` }, async (event) => {
      if (event.type.startsWith(scenario.eventType) && Number.isNaN(probeAt) && now() >= probeArmedAt) probeAt = now();
    });
    cleanups.push({ name: 'probe consumer', run: () => probe.stop() });

    // Hydration in isolation: the exact query the gateway runs per group, as each scope's principal, on gateway A.
    const document = parse(scenario.query);
    const operation = document.definitions.find((d) => d.kind === 'OperationDefinition');
    if (operation?.kind !== 'OperationDefinition') throw new Error('no operation in the subscription');
    const plan = compilePlan(document, operation, scenario.variables);
    const hydrationId = await entityIdFor(scenario, api, plan.hydrationQuery);

    console.log(`\n=== bus: ${bus}${bus === 'nats' ? ` (${config.natsUrl}, stream ${NATS_STREAM})` : ` (cpsd_bus schema of ${DATABASE})`} ===`);
    console.log(`  event: ${scenario.description}`);
    console.log(`  product (subgraphs + gateway A, pid ${process.pid}) and gateway B (pid ${gatewayB.pid}) started in ${startupSeconds.toFixed(1)} s`);

    const hydrationTimes = async (): Promise<{ perScopeMs: Record<string, number>; concurrentMs: number; bytes: number }> => {
      const contexts = await Promise.all(
        scenario.scopes.map(async (scope) => {
          const token = await devIssuer.issue({ sub: `bench-hydrate-${scope.label}`, org: scope.org, roles: scope.roles, desks: scope.desks });
          const context = await product.gateway.authenticate(token);
          if (!context) throw new Error(`gateway A refused the ${scope.label} token`);
          return { scope, context };
        }),
      );
      let bytes = 0;
      const once = async (context: (typeof contexts)[number]['context']) => {
        const response = await product.gateway.apollo.executeOperation(
          { query: plan.hydrationQuery, variables: { ...plan.hydrationVariables, __cpsdEntityId: hydrationId } },
          { contextValue: context },
        );
        if (response.body.kind !== 'single' || response.body.singleResult.errors || !(response.body.singleResult.data as { entity?: unknown })?.entity) {
          throw new Error(`hydration failed: ${JSON.stringify(response.body).slice(0, 500)}`);
        }
        bytes = Buffer.byteLength(JSON.stringify(response.body.singleResult.data));
      };
      const perScopeMs: Record<string, number> = {};
      for (const { scope, context } of contexts) {
        for (let i = 0; i < 3; i++) await once(context);
        const times: number[] = [];
        for (let i = 0; i < 15; i++) {
          const began = now();
          await once(context);
          times.push(now() - began);
        }
        perScopeMs[scope.label] = median(times);
      }
      const concurrent: number[] = [];
      for (let i = 0; i < 15; i++) {
        const began = now();
        await Promise.all(contexts.map(({ context }) => once(context)));
        concurrent.push(now() - began);
      }
      return { perScopeMs, concurrentMs: median(concurrent), bytes };
    };
    const hydration = await hydrationTimes();
    // Warm gateway B's query plan cache for the hydration query too, before its baseline RSS.
    await warmGatewayB(gatewayB.url, devIssuer, scenario, plan.hydrationQuery, { ...plan.hydrationVariables, __cpsdEntityId: hydrationId });

    await sleep(1000);
    const bBefore = procStatus(gatewayB.pid);
    const aBefore = procStatus(process.pid);

    const half = Math.ceil(settings.subscribers / 2);
    const subscriberProcesses: [SubscriberProcess, SubscriberProcess] = [
      new SubscriberProcess('A', half),
      new SubscriberProcess('B', settings.subscribers - half),
    ];
    const subscriberProcess = (i: number) => at(subscriberProcesses, i, 'a subscriber process');
    cleanups.push({
      name: 'subscriber processes',
      run: async () => {
        for (const p of subscriberProcesses) if (p.child.exitCode === null) p.child.kill('SIGKILL');
      },
    });
    const urls = { A: product.gateway.url, B: gatewayB.url };
    const { issuer, audience } = config.jwt;
    const connectStarted = now();
    const connectStartedUs = monotonicUs();
    const bCpuBeforeConnect = procCpuMs(gatewayB.pid);
    const opened = await Promise.all(
      subscriberProcesses.map((p) => {
        const job: SubscriberJob = {
          url: urls[p.name as 'A' | 'B'].replace(/^http/, 'ws'),
          name: p.name,
          count: p.count,
          scopes: scenario.scopes,
          dataDir,
          issuer,
          audience,
          query: scenario.query,
          variables: scenario.variables,
          concurrency: settings.concurrency,
          rootField: scenario.rootField,
        };
        return p.request({ type: 'start', job }, 'opened', 180_000);
      }),
    );
    const connectSeconds = (now() - connectStarted) / 1000;
    const connectWindow: [number, number] = [connectStartedUs, monotonicUs()];
    const bConnectCpuMs = procCpuMs(gatewayB.pid) - bCpuBeforeConnect;
    for (const [i, o] of opened.entries()) {
      console.log(
        `  subscribers on gateway ${subscriberProcess(i).name}: ${o.connected} connected, ${o.failed} failed, in ${o.seconds.toFixed(1)} s (+${o.tokenSeconds.toFixed(1)} s issuing tokens)` +
          `${o.firstError ? `; first error: ${o.firstError}` : ''}`,
      );
      if (o.failed) throw new Error(`${o.failed} subscribers of gateway ${subscriberProcess(i).name} could not connect`);
    }

    // Ready: gateway A counts its subscriptions; for both, every subscriber must receive a warm-up event.
    const deadline = Date.now() + 60_000;
    while (product.gateway.subscriptions.count() < half) {
      if (Date.now() > deadline) throw new Error(`gateway A has ${product.gateway.subscriptions.count()} of ${half} subscriptions after 60 s`);
      await sleep(100);
    }
    let warmups = 0;
    for (;;) {
      warmups += 1;
      await Promise.all(subscriberProcesses.map((p) => p.request({ type: 'arm', round: `warm-up ${warmups}` }, 'armed')));
      await scenario.update(api, `warm-up ${warmups}`);
      const warmDeadline = Date.now() + 15_000;
      let statuses = await Promise.all(subscriberProcesses.map((p) => p.request({ type: 'status' }, 'status')));
      while (statuses.some((s, i) => s.received < subscriberProcess(i).count) && Date.now() < warmDeadline) {
        await sleep(100);
        statuses = await Promise.all(subscriberProcesses.map((p) => p.request({ type: 'status' }, 'status')));
      }
      const everyone = statuses.every((s, i) => s.everReceived === subscriberProcess(i).count);
      if (everyone && warmups >= WARMUP_EVENTS) break;
      if (warmups >= MAX_WARMUP_EVENTS) {
        throw new Error(
          `after ${warmups} warm-up events, subscribers that ever received one: ${statuses.map((s, i) => `${subscriberProcess(i).name} ${s.everReceived}/${subscriberProcess(i).count}`).join(', ')}; closes ${JSON.stringify(statuses.map((s) => s.closes))}`,
        );
      }
    }
    await sleep(1000);
    const bAfter = procStatus(gatewayB.pid);
    const aAfter = procStatus(process.pid);
    console.log(
      `  ready: every subscriber received a warm-up event (${warmups} warm-up events); gateway A counts ${product.gateway.subscriptions.count()} subscriptions; ` +
        `connect+subscribe took ${connectSeconds.toFixed(1)} s; gateway B spent ${(bConnectCpuMs / 1000).toFixed(1)} s of CPU accepting its ` +
        `${subscriberProcesses[1].count} connections and subscriptions (${(bConnectCpuMs / subscriberProcesses[1].count).toFixed(1)} ms each)`,
    );

    // Measured rounds.
    const rounds: RoundResult[] = [];
    const profileWindows: [number, number][] = [];
    const pids: Record<string, number> = {
      'product+A': process.pid,
      'gateway B': gatewayB.pid,
      'clients A': subscriberProcesses[0].pid(),
      'clients B': subscriberProcesses[1].pid(),
    };
    for (let round = 1; round <= settings.rounds; round++) {
      await sleep(500);
      await Promise.all(subscriberProcesses.map((p) => p.request({ type: 'arm', round: `round ${round}` }, 'armed')));
      const cpuBefore = Object.fromEntries(Object.entries(pids).map(([k, pid]) => [k, procCpuMs(pid)]));
      const machineBefore = machineBusyMs();
      const [loadAverage = Number.NaN] = os.loadavg();
      probeAt = Number.NaN;
      const startedUs = monotonicUs();
      const started = now();
      probeArmedAt = started;
      await scenario.update(api, `round ${round}`);
      const committed = now();
      const roundDeadline = committed + settings.roundTimeoutMs;
      let statuses = await Promise.all(subscriberProcesses.map((p) => p.request({ type: 'status' }, 'status')));
      while (statuses.some((s, i) => s.received < subscriberProcess(i).count) && now() < roundDeadline) {
        await sleep(25);
        statuses = await Promise.all(subscriberProcesses.map((p) => p.request({ type: 'status' }, 'status')));
      }
      await sleep(200); // anything late (a duplicate) lands in the bucket before it is read
      const cpuAfter = Object.fromEntries(Object.entries(pids).map(([k, pid]) => [k, procCpuMs(pid)]));
      const machineAfter = machineBusyMs();
      const windowMs = now() - started;
      const collected: Collected[] = await Promise.all(subscriberProcesses.map((p) => p.request({ type: 'collect' }, 'collected')));
      const all = collected.flatMap((c) => c.receipts).sort((a, b) => a - b);
      const fromCommit = all.map((t) => t - committed);
      const fromStart = all.map((t) => t - started);
      const perGateway: RoundResult['perGateway'] = {};
      collected.forEach((c, i) => {
        const sorted = [...c.receipts].sort((a, b) => a - b);
        // No receipts: NaN, which the summary leaves out.
        const first = sorted[0] ?? Number.NaN;
        const last = sorted[sorted.length - 1] ?? Number.NaN;
        perGateway[subscriberProcess(i).name] = { first: first - committed, last: last - committed, count: sorted.length };
      });
      const result: RoundResult = {
        round,
        expected: settings.subscribers,
        received: all.length,
        p50: percentileOfSorted(fromCommit, 50),
        p99: percentileOfSorted(fromCommit, 99),
        last: fromCommit[fromCommit.length - 1] ?? Number.NaN,
        first: fromCommit[0] ?? Number.NaN,
        p50FromStart: percentileOfSorted(fromStart, 50),
        p99FromStart: percentileOfSorted(fromStart, 99),
        lastFromStart: fromStart[fromStart.length - 1] ?? Number.NaN,
        mutationMs: committed - started,
        busFromCommit: probeAt - committed,
        perGateway,
        cpuMs: Object.fromEntries(
          Object.keys(pids).map((k) => [k, must(cpuAfter[k], `CPU after the round of ${k}`) - must(cpuBefore[k], `CPU before the round of ${k}`)]),
        ),
        machineBusyMs: machineAfter - machineBefore,
        windowMs,
        loadAverage,
        sequences: new Set(collected.flatMap((c) => c.sequences)).size,
        extra: collected.reduce((n, c) => n + c.extra, 0),
        errors: collected.reduce((n, c) => n + c.errors, 0),
      };
      rounds.push(result);
      profileWindows.push([startedUs, startedUs + Math.ceil((Number.isFinite(result.lastFromStart) ? result.lastFromStart : windowMs) * 1000) + 20_000]);
      const g = (name: string) => `${name} ${ms(perGateway[name]?.first)}…${ms(perGateway[name]?.last)}`;
      console.log(
        `  round ${round}: ${result.received}/${result.expected} received; from response p50 ${ms(result.p50)} ms, p99 ${ms(result.p99)} ms, last ${ms(result.last)} ms` +
          ` (from start: p50 ${ms(result.p50FromStart)}, p99 ${ms(result.p99FromStart)}, last ${ms(result.lastFromStart)}); mutation ${ms(result.mutationMs)} ms;` +
          ` bus ${ms(result.busFromCommit)} ms; first…last by gateway: ${g('A')}, ${g('B')}` +
          `${result.sequences !== 1 || result.extra || result.errors ? `; PROBLEMS: ${result.sequences} distinct sequences, ${result.extra} extra receipts, ${result.errors} errors` : ''}`,
      );
    }

    const peak = [
      { label: 'product + gateway A (this process)', bytes: procStatus(process.pid).hwm },
      { label: 'gateway B', bytes: procStatus(gatewayB.pid).hwm },
      ...subscriberProcesses.map((p) => ({ label: `subscriber process ${p.name}`, bytes: procStatus(p.pid()).hwm })),
    ];
    const finalStatus = await Promise.all(subscriberProcesses.map((p) => p.request({ type: 'status' }, 'status')));
    const stopped = await Promise.all(subscriberProcesses.map((p) => p.request({ type: 'stop' }, 'stopped', 60_000)));
    let profile: ProfileSummary | undefined;
    let connectProfile: ProfileSummary | undefined;
    if (profileDir) {
      await gatewayB.stop(); // the profile is written when it exits
      const file = readdirSync(profileDir).find((f) => f.endsWith('.cpuprofile'));
      if (file) {
        profile = summariseProfile(path.join(profileDir, file), profileWindows);
        connectProfile = summariseProfile(path.join(profileDir, file), [connectWindow]);
      } else console.log('  (gateway B wrote no CPU profile)');
    }
    const closes: Record<string, number> = {};
    for (const s of finalStatus) for (const [code, n] of Object.entries(s.closes)) closes[code] = (closes[code] ?? 0) + n;
    return {
      bus,
      scenario: scenario.name,
      rounds,
      connectSeconds,
      memory: [
        { label: 'gateway B (own process)', before: bBefore.rss, after: bAfter.rss, connections: subscriberProcesses[1].count, perConnection: true },
        { label: 'product + gateway A (shared process)', before: aBefore.rss, after: aAfter.rss, connections: half, perConnection: false },
      ],
      hydration,
      closes,
      clientErrors: stopped.reduce((n, s) => n + s.errors, 0),
      ...(stopped.find((s) => s.firstError)?.firstError ? { firstClientError: stopped.find((s) => s.firstError)!.firstError } : {}),
      gatewayLog: gatewayB.log,
      peak,
      groupsPerGateway: scenario.scopes.length,
      ...(profile ? { profile } : {}),
      ...(connectProfile ? { connectProfile } : {}),
    };
  } finally {
    const slow = await stopAll(cleanups, 2000, '  ');
    if (slow.length) console.log(`  (slow to stop: ${slow.join(', ')})`);
  }
}

/** The id the hydration query fetches: the case, or the major incident (the newest one). */
async function entityIdFor(scenario: Scenario, api: Api, _hydrationQuery: string): Promise<string> {
  if (scenario.name === 'caseEvents') return String(scenario.variables.caseId);
  const data = await api.call<{ majorIncidents: { id: string }[] }>(MI_MANAGER, '{ majorIncidents(first: 1) { id } }');
  const id = data.majorIncidents[0]?.id;
  if (!id) throw new Error('no major incident to hydrate');
  return id;
}

async function warmGatewayB(
  url: string,
  devIssuer: { issue(claims: { sub: string; org: string; roles: Role[]; desks?: string[] }): Promise<string> },
  scenario: Scenario,
  query: string,
  variables: Record<string, unknown>,
): Promise<void> {
  for (const scope of scenario.scopes) {
    const token = await devIssuer.issue({ sub: `bench-warm-${scope.label}`, org: scope.org, roles: scope.roles, desks: scope.desks });
    for (let i = 0; i < 3; i++) {
      const response = await fetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
        body: JSON.stringify({ query, variables }),
      });
      const body = (await response.json()) as { errors?: unknown };
      if (!response.ok || body.errors) throw new Error(`gateway B answered the hydration query with ${response.status}: ${JSON.stringify(body).slice(0, 500)}`);
    }
  }
}

async function deleteNatsStream(): Promise<void> {
  const { connect } = await import('@nats-io/transport-node');
  const { jetstreamManager } = await import('@nats-io/jetstream');
  const nc = await connect({ servers: (process.env.NATS_URL ?? 'nats://127.0.0.1:4222').split(','), timeout: 3000 });
  try {
    const jsm = await jetstreamManager(nc);
    try {
      await jsm.streams.delete(NATS_STREAM);
    } catch (error) {
      if (!/not found/i.test((error as Error).message)) throw error;
    }
  } finally {
    await nc.close();
  }
}

async function natsAvailable(): Promise<string | null> {
  if (!existsSync(path.join(REPO_ROOT, 'platform', 'bus', 'nats.ts'))) return 'platform/bus/nats.ts does not exist (no NATS bus in this tree)';
  const url = new URL(at((process.env.NATS_URL ?? 'nats://127.0.0.1:4222').split(','), 0, 'a NATS URL'));
  const reachable = await new Promise<boolean>((resolve) => {
    const socket = net.connect({ host: url.hostname, port: Number(url.port || 4222) });
    socket.setTimeout(2000, () => {
      socket.destroy();
      resolve(false);
    });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
  return reachable ? null : `no NATS server answers at ${url.host}`;
}

// ---------------------------------------------------------------------------------------------------------------
// Report
// ---------------------------------------------------------------------------------------------------------------

function summarise(pass: PassResult, settings: Settings): void {
  const r = pass.rounds;
  const med = (pick: (x: RoundResult) => number) => median(r.map(pick).filter(Number.isFinite));
  // A gateway with no receipts in a round: NaN, left out of the medians.
  const none = { first: Number.NaN, last: Number.NaN, count: 0 };
  const gw = (x: RoundResult, name: string) => x.perGateway[name] ?? none;
  const complete = r.filter((x) => x.received === x.expected).length;
  console.log(`\n  Summary (${pass.bus}, ${pass.scenario}): medians of ${r.length} rounds; ${complete}/${r.length} rounds reached every subscriber`);
  const rows = [
    ['measured from', 'p50 ms', 'p99 ms', 'last subscriber ms'],
    ['mutation response (lower bound)', ms(med((x) => x.p50)), ms(med((x) => x.p99)), ms(med((x) => x.last))],
    ['mutation start (upper bound)', ms(med((x) => x.p50FromStart)), ms(med((x) => x.p99FromStart)), ms(med((x) => x.lastFromStart))],
  ];
  printTable(rows, [false, true, true, true]);
  const target = med((x) => x.p99FromStart) < 1000 ? 'MET' : 'NOT MET';
  console.log(`  Target (p99 < 1 s for ${settings.subscribers} subscribers, counted from the mutation's start): ${target}`);

  console.log('\n  Where the time goes (medians, ms; from the mutation response unless said):');
  const mutation = med((x) => x.mutationMs);
  const busAt = med((x) => x.busFromCommit);
  const split = [['step', 'gateway A', 'gateway B']];
  split.push(['mutation round trip (start → response)', ms(mutation), '']);
  split.push(['event off the bus (probe consumer), from response', ms(busAt), '']);
  split.push(['first receipt, from response', ms(med((x) => gw(x, 'A').first)), ms(med((x) => gw(x, 'B').first))]);
  split.push([
    '  bus → first receipt (hydration + first write)',
    ms(med((x) => gw(x, 'A').first - x.busFromCommit)),
    ms(med((x) => gw(x, 'B').first - x.busFromCommit)),
  ]);
  split.push(['first → last receipt (fan-out)', ms(med((x) => gw(x, 'A').last - gw(x, 'A').first)), ms(med((x) => gw(x, 'B').last - gw(x, 'B').first))]);
  const perSub = (name: string) => {
    const v = med((x) => ((gw(x, name).last - gw(x, name).first) * 1000) / Math.max(1, gw(x, name).count - 1));
    return Number.isFinite(v) ? `${v.toFixed(0)} µs` : 'n/a';
  };
  split.push(['  fan-out per subscriber', perSub('A'), perSub('B')]);
  split.push(['last receipt, from response', ms(med((x) => gw(x, 'A').last)), ms(med((x) => gw(x, 'B').last))]);
  printTable(split, [false, true, true]);
  const h = pass.hydration;
  console.log(
    `  Hydration in isolation (gateway A's apollo.executeOperation of the gateway's own hydration query, idle, median of 15;` +
      ` ${h.bytes} bytes of data): ${Object.entries(h.perScopeMs)
        .map(([k, v]) => `${k} ${v.toFixed(1)} ms`)
        .join(', ')};` +
      ` all ${Object.keys(h.perScopeMs).length} groups at once (what one event costs a gateway) ${h.concurrentMs.toFixed(1)} ms`,
  );
  const cpuRows = [['CPU per round (user+system, ms)', 'median', 'per subscriber served']];
  const served: Record<string, number> = {
    'product+A': Math.ceil(settings.subscribers / 2),
    'gateway B': Math.floor(settings.subscribers / 2),
    'clients A': Math.ceil(settings.subscribers / 2),
    'clients B': Math.floor(settings.subscribers / 2),
  };
  for (const name of Object.keys(r[0]?.cpuMs ?? {})) {
    const v = med((x) => x.cpuMs[name] ?? Number.NaN);
    cpuRows.push([name, ms(v), `${((v * 1000) / must(served[name], `the subscribers ${name} serves`)).toFixed(0)} µs`]);
  }
  printTable(cpuRows, [false, true, true]);
  const ours = med((x) => Object.values(x.cpuMs).reduce((a, b) => a + b, 0));
  const busy = med((x) => x.machineBusyMs);
  const available = med((x) => x.windowMs * os.cpus().length);
  console.log(
    `  The machine over a round's window (${ms(med((x) => x.windowMs))} ms from the mutation to the last receipt + 200 ms): ${ms(busy)} ms of CPU busy of ${ms(available)} available` +
      ` (${((busy / available) * 100).toFixed(0)}%); these 4 Node processes ${ms(ours)} ms; the rest (PostgreSQL${pass.bus === 'nats' ? ', NATS' : ''}, other users of the machine) ${ms(busy - ours)} ms;` +
      ` 1-min load average ${med((x) => x.loadAverage).toFixed(1)}`,
  );
  if (pass.profile) {
    const p = pass.profile;
    console.log(
      `  Gateway B CPU profile over the measured rounds (BENCH_PROFILE=1; sampled ${ms(p.windowMs)} ms, busy ${ms(p.busyMs)} ms; profiling slows it):`,
    );
    printTable(
      [
        ['category (self time)', 'ms', 'share of busy'],
        ...p.categories
          .filter(([c]) => c !== 'idle')
          .slice(0, 12)
          .map(([c, v]) => [c, v.toFixed(1), `${((v / p.busyMs) * 100).toFixed(0)}%`]),
      ],
      [false, true, true],
    );
    printTable([['top functions (self time)', 'ms'], ...p.functions.slice(0, 15).map(([f, v]) => [f.slice(0, 110), v.toFixed(1)])], [false, true]);
  }
  if (pass.connectProfile) {
    const p = pass.connectProfile;
    console.log(`  Gateway B CPU profile while its subscribers connected and subscribed (sampled ${ms(p.windowMs)} ms, busy ${ms(p.busyMs)} ms):`);
    printTable(
      [
        ['category (self time)', 'ms', 'share of busy'],
        ...p.categories
          .filter(([c]) => c !== 'idle')
          .slice(0, 8)
          .map(([c, v]) => [c, v.toFixed(0), `${((v / p.busyMs) * 100).toFixed(0)}%`]),
      ],
      [false, true, true],
    );
    printTable([['top functions (self time)', 'ms'], ...p.functions.slice(0, 10).map(([f, v]) => [f.slice(0, 110), v.toFixed(0)])], [false, true]);
  }

  console.log('\n  Memory (VmRSS from /proc):');
  const memRows = [['process', 'before subscribers', 'all subscribed', 'delta', 'connections', 'per connection']];
  for (const m of pass.memory) {
    memRows.push([
      m.label,
      mibs(m.before),
      mibs(m.after),
      mibs(m.after - m.before),
      String(m.connections),
      m.perConnection ? kib((m.after - m.before) / m.connections) : `(${kib((m.after - m.before) / m.connections)}, shared)`,
    ]);
  }
  printTable(memRows, [false, true, true, true, true, true]);
  console.log(`  Peak RSS (VmHWM): ${pass.peak.map((p) => `${p.label} ${mibs(p.bytes)}`).join('; ')}`);

  const closes = Object.entries(pass.closes);
  const problems: string[] = [];
  if (closes.length)
    problems.push(
      `client sockets closed by the server during the run: ${closes.map(([code, n]) => `${n}× code ${code}`).join(', ')}${pass.closes['1013'] ? ' (1013 = slow consumer)' : ''}`,
    );
  if (pass.clientErrors) problems.push(`${pass.clientErrors} client-side errors${pass.firstClientError ? ` (first: ${pass.firstClientError})` : ''}`);
  const log = pass.gatewayLog;
  if (log.warnings || log.errors)
    problems.push(
      `gateway B logged ${log.warnings} warnings and ${log.errors} errors (${log.slowConsumer} slow-subscriber closes); first: ${log.samples.join(' | ')}`,
    );
  const incomplete = r.filter((x) => x.received < x.expected);
  if (incomplete.length) problems.push(`rounds missing receipts: ${incomplete.map((x) => `round ${x.round} ${x.expected - x.received}`).join(', ')}`);
  const odd = r.filter((x) => x.sequences !== 1 || x.extra || x.errors);
  if (odd.length) problems.push(`rounds with duplicates, mixed events or errors: ${odd.map((x) => x.round).join(', ')}`);
  console.log(
    `  Problems: ${problems.length ? `\n    - ${problems.join('\n    - ')}` : 'none (no server closes, no errors, every subscriber got every event exactly once)'}`,
  );
}

async function main(): Promise<void> {
  const settings: Settings = {
    subscribers: intFromEnv('BENCH_SUBSCRIBERS', 5000, 2),
    rounds: intFromEnv('BENCH_ROUNDS', 5),
    concurrency: intFromEnv('BENCH_CONNECT_CONCURRENCY', 200),
    roundTimeoutMs: intFromEnv('BENCH_ROUND_TIMEOUT', 30) * 1000,
    serverUrl: process.env.DATABASE_URL || DEFAULT_SERVER_URL,
    profile: process.env.BENCH_PROFILE === '1',
  };
  const buses = (process.env.BENCH_BUSES ?? 'postgres,nats')
    .split(',')
    .map((b) => b.trim())
    .filter(Boolean);
  for (const b of buses) if (b !== 'postgres' && b !== 'nats') throw new Error(`BENCH_BUSES: unknown bus "${b}" (known: postgres, nats)`);

  const startedAt = Date.now();
  const [softLimit, hardLimit] = execFileSync('bash', ['-c', 'ulimit -Sn; ulimit -Hn'], { encoding: 'utf8' }).trim().split('\n');
  const perProcess = Math.ceil(settings.subscribers / 2) + 200;
  console.log('CPSD gateway broadcast benchmark: one update to N graphql-ws subscribers over two gateway replicas');
  console.log(
    `  settings: ${settings.subscribers} subscribers (half on gateway A, half on gateway B; one connection and one subscription each), ` +
      `${settings.rounds} measured rounds after ${WARMUP_EVENTS}+ warm-up events, round timeout ${settings.roundTimeoutMs / 1000} s, ` +
      `${settings.concurrency} connections opening at once per subscriber process; buses: ${buses.join(', ')}` +
      `${settings.profile ? '; gateway B under --cpu-prof (BENCH_PROFILE=1: slower, for the breakdown only)' : ''}`,
  );
  console.log(
    `  machine: ${os.cpus().length} CPUs (${os.cpus()[0]?.model.trim() ?? '?'}), ${(os.totalmem() / 2 ** 30).toFixed(0)} GiB, Node ${process.version}, ` +
      `${os.platform()} ${os.release()}; PostgreSQL ${redactUrl(settings.serverUrl)} (database ${DATABASE})`,
  );
  console.log(
    `  open files: ulimit -n ${softLimit} (hard ${hardLimit}); each gateway and each subscriber process holds ~${perProcess} descriptors` +
      `${Number(softLimit) < perProcess ? ' — TOO LOW: raise it (e.g. bash -c "ulimit -n 65536; npm run bench:broadcast")' : ' — enough, no need to raise it'}`,
  );
  console.log(
    '  processes: this one (subgraphs + gateway A + harness), gateway B (node --import tsx cli/cpsd.ts service gateway),' +
      ' two subscriber processes (bench/broadcast-subscribers.ts, one per gateway), PostgreSQL' +
      `${buses.includes('nats') ? ', NATS' : ''}: all on these ${os.cpus().length} cores`,
  );
  if (Number(softLimit) < perProcess) throw new Error(`ulimit -n ${softLimit} is below the ~${perProcess} descriptors a process needs`);

  const passes: PassResult[] = [];
  const skipped: string[] = [];
  let exitCode = 0;
  for (const bus of buses as BusName[]) {
    if (bus === 'nats') {
      const reason = await natsAvailable();
      if (reason) {
        skipped.push(`nats skipped: ${reason}`);
        console.log(`\n=== bus: nats — SKIPPED: ${reason} ===`);
        continue;
      }
    }
    try {
      const pass = await runPass(bus, settings);
      passes.push(pass);
      summarise(pass, settings);
    } catch (error) {
      exitCode = 1;
      console.error(`\n  ${bus} pass failed: ${(error as Error).stack ?? String(error)}`);
    }
  }

  if (passes.length > 1) {
    console.log('\nSide by side (medians; ms from the mutation response / from its start):');
    const rows = [['bus', 'p50', 'p99', 'last', 'p99 from start', 'B RSS per connection']];
    for (const p of passes) {
      const med = (pick: (x: RoundResult) => number) => median(p.rounds.map(pick).filter(Number.isFinite));
      const b = at(p.memory, 0, "gateway B's memory");
      rows.push([
        p.bus,
        ms(med((x) => x.p50)),
        ms(med((x) => x.p99)),
        ms(med((x) => x.last)),
        ms(med((x) => x.p99FromStart)),
        kib((b.after - b.before) / b.connections),
      ]);
    }
    printTable(rows, [false, true, true, true, true, true]);
  }
  for (const s of skipped) console.log(`  ${s}`);
  console.log(`  Total time ${((Date.now() - startedAt) / 1000).toFixed(0)} s.`);
  process.exit(exitCode);
}

if (require.main === module) {
  main().catch((error: unknown) => {
    console.error(`benchmark failed: ${(error as Error).stack ?? String(error)}`);
    process.exit(1);
  });
}

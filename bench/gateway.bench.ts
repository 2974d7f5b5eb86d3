/**
 * `npm run bench:gateway`: our gateway against a stock `@apollo/gateway` on the same five subgraphs, side by side in
 * one run (docs/benchmarking.md).
 *
 * - The product (PostgreSQL database `cpsd_bench`, five subgraphs, our gateway) starts in this process through
 *   `startProduct()`, exactly as `npm start` and the e2e tests assemble it.
 * - The baseline is what a default user writes: `new ApolloGateway({ supergraphSdl, buildService })` in an
 *   `ApolloServer` with default settings, served by `startStandaloneServer`, with only what it takes to reach our
 *   subgraphs: their real URLs and a data source that adds a gateway-signed `x-cpsd-identity` header for a fixed
 *   principal (the one our gateway derives for the benchmark caller). It does no partner-token authentication;
 *   our gateway does, as in production: the difference is part of what we measure.
 * - Load comes from a second process (bench/load.ts, autocannon), one per round, so that it never takes the event
 *   loop of the gateways under test. Each target is warmed up once per query, then measured in alternating rounds
 *   (ours, stock / stock, ours / …); the figures quoted are the medians of the rounds.
 *
 * Environment: DATABASE_URL (a PostgreSQL server; default postgres://postgres@127.0.0.1:5432/postgres),
 * BENCH_DURATION (s, default 10), BENCH_CONNECTIONS (20), BENCH_ROUNDS (3), BENCH_WARMUP (s, 3),
 * BENCH_QUERIES (comma-separated names from QUERIES below; default all), BENCH_TARGETS (ours,stock: the default; name
 * one to load only it, e.g. under a profiler; both are still checked for identical data).
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { isDeepStrictEqual } from 'node:util';
import type { GraphQLDataSourceProcessOptions } from '@apollo/gateway';
import type { Role } from '../schema/enums';
import type { SubgraphName } from '../platform/config';
import type { LoadJob, LoadResult } from './load';
import { DEFAULT_SERVER_URL, intFromEnv, median, mib, pad, printTable, redactUrl, RssSampler, runChild, stopAll, type Cleanup } from './support';

// The logger reads LOG_LEVEL when it is first imported: set it before any product module loads.
process.env.LOG_LEVEL ??= 'warn';

const DATABASE = 'cpsd_bench';
const LOAD_SCRIPT = path.join(__dirname, 'load.ts');

interface BenchQuery {
  name: string;
  description: string;
  query: string;
}

const QUERIES: BenchQuery[] = [
  {
    name: 'desks',
    description: 'desk directory with profiles: elexon, then each desk profile from mpas, dcc, rec, partners',
    query: '{ desks { id name kind organisation { id name } profile { __typename hours { alwaysOpen opens closes } contactMethod { kind } } } }',
  },
  {
    name: 'meteringPoint',
    description: 'one metering point: mpas, then its desk from elexon',
    query: '{ meteringPoint(mpan: "1200023305967") { valid distributor { areaName } desk { id name organisation { name } } } }',
  },
];

type TargetName = 'ours' | 'stock';

interface Target {
  name: TargetName;
  label: string;
  url: string;
  headers: Record<string, string>;
}

interface RoundRecord {
  query: string;
  round: number;
  target: TargetName;
  result: LoadResult;
  /** CPU time of this (server) process during the measured round, per request, milliseconds. */
  serverCpuMsPerRequest: number;
  /** Peak RSS of this process sampled while this target was under load, bytes. */
  serverPeakRssBytes: number;
}

/** Runs one load job in a child process and returns its result. */
function runLoad(job: LoadJob): Promise<LoadResult> {
  return runChild<LoadJob, LoadResult>(LOAD_SCRIPT, job, (job.durationSeconds + 30) * 1000);
}

async function post(target: Target, body: string): Promise<{ status: number; text: string }> {
  const response = await fetch(target.url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...target.headers },
    body,
  });
  return { status: response.status, text: await response.text() };
}

/**
 * Both targets must answer the query with the same data and no errors before anything is measured. Returns, per
 * target, the exact body to expect under load when the target answers byte-for-byte the same twice.
 */
async function verify(query: BenchQuery, body: string, targets: Target[]): Promise<Map<TargetName, string | undefined>> {
  const expected = new Map<TargetName, string | undefined>();
  let reference: { target: string; data: unknown } | null = null;
  for (const target of targets) {
    const first = await post(target, body);
    const parsed = JSON.parse(first.text) as { data?: unknown; errors?: unknown[] };
    if (first.status !== 200 || parsed.errors || !parsed.data) {
      throw new Error(`${target.label} answered query "${query.name}" with HTTP ${first.status}: ${first.text.slice(0, 1000)}`);
    }
    if (!reference) reference = { target: target.label, data: parsed.data };
    else if (!isDeepStrictEqual(reference.data, parsed.data)) {
      throw new Error(
        `query "${query.name}": ${target.label} and ${reference.target} return different data\n` +
          `${reference.target}: ${JSON.stringify(reference.data).slice(0, 2000)}\n${target.label}: ${JSON.stringify(parsed.data).slice(0, 2000)}`,
      );
    }
    const second = await post(target, body);
    expected.set(target.name, second.text === first.text ? first.text : undefined);
  }
  return expected;
}

function summarise(query: BenchQuery, records: RoundRecord[], targets: Target[]): void {
  const perTarget = new Map<TargetName, { rps: number; p50: number; p99: number; cpu: number; rss: number; errors: string }>();
  for (const target of targets) {
    const mine = records.filter((r) => r.query === query.name && r.target === target.name);
    const sum = (pick: (r: LoadResult) => number) => mine.reduce((acc, r) => acc + pick(r.result), 0);
    perTarget.set(target.name, {
      rps: median(mine.map((r) => r.result.requestsPerSecond)),
      p50: median(mine.map((r) => r.result.latencyMs.p50)),
      p99: median(mine.map((r) => r.result.latencyMs.p99)),
      cpu: median(mine.map((r) => r.serverCpuMsPerRequest)),
      rss: Math.max(...mine.map((r) => r.serverPeakRssBytes)),
      errors: `${sum((r) => r.errors)}/${sum((r) => r.non2xx)}/${sum((r) => r.mismatches)} of ${sum((r) => r.totalRequests)}`,
    });
  }
  console.log(`\nQuery "${query.name}" (${query.description}); medians of ${records.filter((r) => r.query === query.name).length / targets.length} rounds`);
  const rows = [['target', 'req/s', 'p50 ms', 'p99 ms', 'errors/non-2xx/wrong body', 'server CPU ms/req', 'server peak RSS*']];
  for (const target of targets) {
    const s = perTarget.get(target.name)!;
    rows.push([target.label, s.rps.toFixed(0), s.p50.toFixed(0), s.p99.toFixed(0), s.errors, s.cpu.toFixed(2), mib(s.rss)]);
  }
  const ours = perTarget.get('ours');
  const stock = perTarget.get('stock');
  const ratio = (a: number, b: number) => (b > 0 ? `${(a / b).toFixed(2)}×` : 'n/a');
  if (ours && stock) {
    rows.push(['ours/stock', ratio(ours.rps, stock.rps), ratio(ours.p50, stock.p50), ratio(ours.p99, stock.p99), '', ratio(ours.cpu, stock.cpu), '']);
  }
  printTable(rows, [false, true, true, true, true, true, true]);
}

async function main(): Promise<void> {
  const durationSeconds = intFromEnv('BENCH_DURATION', 10);
  const connections = intFromEnv('BENCH_CONNECTIONS', 20);
  const rounds = intFromEnv('BENCH_ROUNDS', 3);
  const warmupSeconds = intFromEnv('BENCH_WARMUP', 3, 0);
  const queryNames = (process.env.BENCH_QUERIES ?? QUERIES.map((q) => q.name).join(','))
    .split(',')
    .map((name) => name.trim())
    .filter(Boolean);
  const queries = queryNames.map((name) => {
    const found = QUERIES.find((q) => q.name === name);
    if (!found) throw new Error(`BENCH_QUERIES: unknown query "${name}" (known: ${QUERIES.map((q) => q.name).join(', ')})`);
    return found;
  });
  if (!queries.length) throw new Error('BENCH_QUERIES names no query');
  const measuredNames = (process.env.BENCH_TARGETS ?? 'ours,stock')
    .split(',')
    .map((name) => name.trim())
    .filter(Boolean);
  for (const name of measuredNames) {
    if (name !== 'ours' && name !== 'stock') throw new Error(`BENCH_TARGETS: unknown target "${name}" (known: ours, stock)`);
  }
  if (!measuredNames.length) throw new Error('BENCH_TARGETS names no target');
  const serverUrl = process.env.DATABASE_URL || DEFAULT_SERVER_URL;

  const { loadConfig } = await import('../platform/config');
  const { startProduct } = await import('../cli/product');
  const { IDENTITY_HEADER } = await import('../platform/identity-token');
  const { ApolloServer } = await import('@apollo/server');
  const { startStandaloneServer } = await import('@apollo/server/standalone');
  const { ApolloGateway, RemoteGraphQLDataSource } = await import('@apollo/gateway');

  const startedAt = Date.now();
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'cpsd-bench-'));
  const cleanups: Cleanup[] = [];
  cleanups.push({ name: 'data dir', run: () => rmSync(dataDir, { recursive: true, force: true }) });
  const sampler = new RssSampler();
  let exitCode = 0;

  try {
    const config = loadConfig({ ...process.env, CPSD_DATA_DIR: dataDir, LOG_LEVEL: 'warn', DATABASE_URL: serverUrl });
    const product = await startProduct({ config, database: DATABASE, ephemeralPorts: true, seed: true });
    cleanups.push({ name: 'product', run: () => product.stop() });
    if (!product.devIssuer) throw new Error('the benchmark needs the development token issuer: unset JWKS_URL and NODE_ENV=production');

    const token = await product.devIssuer.issue({ sub: 'bench', org: 'ukpn', roles: ['participant' as Role] });
    // The principal our gateway derives for this caller: the stock gateway sends the subgraphs the same identity.
    const context = await product.gateway.authenticate(token);
    if (!context) throw new Error('our gateway refused the benchmark token');
    const { principal } = context;
    const signer = product.signer;

    class SignedIdentityDataSource extends RemoteGraphQLDataSource {
      constructor(
        private readonly subgraph: SubgraphName,
        url: string,
      ) {
        super({ url });
      }

      override async willSendRequest({ request }: GraphQLDataSourceProcessOptions): Promise<void> {
        // Each token is for one subgraph (its audience), as our gateway signs them.
        request.http?.headers.set(IDENTITY_HEADER, await signer.sign(principal, this.subgraph));
      }
    }
    const subgraphUrls: Record<string, string> = Object.fromEntries(product.subgraphs.map((s) => [s.name, s.url]));
    const stockGateway = new ApolloGateway({
      supergraphSdl: readFileSync(config.supergraphPath, 'utf8'),
      buildService: ({ name, url }) => new SignedIdentityDataSource(name as SubgraphName, subgraphUrls[name] ?? url ?? ''),
    });
    const stockServer = new ApolloServer({ gateway: stockGateway });
    const { url: stockUrl } = await startStandaloneServer(stockServer, { listen: { host: '127.0.0.1', port: 0 } });
    cleanups.push({ name: 'stock gateway', run: () => stockServer.stop() });

    const ours: Target = { name: 'ours', label: 'ours (CPSD gateway)', url: product.gateway.url, headers: { authorization: `Bearer ${token}` } };
    const stock: Target = { name: 'stock', label: 'stock @apollo/gateway', url: stockUrl, headers: {} };
    const targets: Target[] = [ours, stock];
    const measured = targets.filter((t) => measuredNames.includes(t.name));
    const startupSeconds = (Date.now() - startedAt) / 1000;

    console.log('CPSD gateway benchmark: ours vs a stock @apollo/gateway on the same subgraphs');
    console.log(
      `  settings: ${durationSeconds} s × ${rounds} rounds per target and query, alternating; ${warmupSeconds} s warm-up per target and query; ` +
        `${connections} connections, pipelining 1${measured.length < targets.length ? `; measuring ${measured.map((t) => t.name).join(', ')} only` : ''}`,
    );
    console.log(
      `  load: autocannon 8 in a separate Node process per round, loopback; server: ${os.cpus().length} CPUs (${os.cpus()[0]?.model.trim() ?? '?'}), ` +
        `Node ${process.version}, ${os.platform()} ${os.release()}, NODE_ENV=${process.env.NODE_ENV ?? '(unset)'}`,
    );
    console.log(`  PostgreSQL: ${redactUrl(product.databaseUrl)}; product started in ${startupSeconds.toFixed(1)} s`);
    console.log(`  ours: ${ours.url} (bearer token for sub=bench org=ukpn roles=participant)`);
    console.log(`  stock: ${stock.url} (default ApolloServer + ApolloGateway; identity header only; no caller auth)`);

    const records: RoundRecord[] = [];
    sampler.start();
    for (const query of queries) {
      const body = JSON.stringify({ query: query.query });
      const expectedBodies = await verify(query, body, targets);
      const bytes = Buffer.byteLength(expectedBodies.get('ours') ?? '');
      console.log(
        `\n[${query.name}] same data from both targets (${bytes ? `${bytes} bytes` : 'response not byte-stable, bodies unchecked under load'}); measuring…`,
      );
      const warmed = new Set<TargetName>();
      for (let round = 1; round <= rounds; round++) {
        const order = round % 2 === 1 ? measured : [...measured].reverse();
        for (const target of order) {
          const expectBody = expectedBodies.get(target.name);
          const job: LoadJob = {
            url: target.url,
            headers: target.headers,
            body,
            durationSeconds,
            connections,
            ...(expectBody !== undefined ? { expectBody } : {}),
          };
          if (!warmed.has(target.name) && warmupSeconds > 0) await runLoad({ ...job, durationSeconds: warmupSeconds });
          warmed.add(target.name);
          sampler.beginPhase();
          const cpuBefore = process.cpuUsage();
          const result = await runLoad(job);
          const cpu = process.cpuUsage(cpuBefore);
          const serverPeakRssBytes = sampler.endPhase();
          // Includes the load generator's start-up (~0.5 s of an idle server), spread over the round's requests.
          const serverCpuMsPerRequest = (cpu.user + cpu.system) / 1000 / Math.max(result.totalRequests, 1);
          records.push({ query: query.name, round, target: target.name, result, serverCpuMsPerRequest, serverPeakRssBytes });
          const bad = result.errors + result.non2xx + result.mismatches;
          console.log(
            `  round ${round} ${pad(target.label, 22)} ${pad(result.requestsPerSecond.toFixed(0), 6, true)} req/s  ` +
              `p50 ${pad(String(result.latencyMs.p50), 4, true)} ms  p99 ${pad(String(result.latencyMs.p99), 4, true)} ms  ` +
              `${bad ? `PROBLEMS: errors ${result.errors} (timeouts ${result.timeouts}), non-2xx ${result.non2xx} ${JSON.stringify(result.statusCodes)}, wrong body ${result.mismatches}` : 'no errors'}`,
          );
        }
      }
      summarise(query, records, measured);
    }
    sampler.stop();

    const loadGeneratorPeak = Math.max(...records.map((r) => r.result.loadGeneratorMaxRssBytes));
    console.log(
      `\n* Both gateways, the five subgraphs and this harness share one process (PostgreSQL excepted), so RSS cannot be split` +
        ` between the gateways: "server peak RSS" is this process's RSS (process.memoryUsage().rss, sampled every 100 ms)` +
        ` while that target was under load. Likewise "server CPU ms/req" is this process's user+system CPU per request.`,
    );
    console.log(
      `  Peak RSS: bench process ${mib(sampler.peak)} sampled during the measurements, ${mib(process.resourceUsage().maxRSS * 1024)} max over its life;` +
        ` load generator ${mib(loadGeneratorPeak)} (its own process).`,
    );
    console.log(
      `  errors/non-2xx/wrong body: socket errors+timeouts / HTTP status not 2xx / 2xx whose body differed from the verified answer, summed over rounds.`,
    );
    console.log(`  Total time ${((Date.now() - startedAt) / 1000).toFixed(0)} s.`);
  } catch (error) {
    exitCode = 1;
    console.error(`\nbenchmark failed: ${(error as Error).stack ?? String(error)}`);
  } finally {
    sampler.stop();
    // The load generator hangs up with requests in flight; the stock gateway keeps executing those plans against the
    // subgraphs. Stopping at once leaves a subgraph's graceful close waiting out its 10 s grace for a keep-alive
    // connection the stock gateway opened in those last moments; one second of quiet avoids it.
    await new Promise((resolve) => setTimeout(resolve, 1000));
    const stopping = Date.now();
    const slow = await stopAll(cleanups, 1000, '');
    console.log(`  Stopped in ${((Date.now() - stopping) / 1000).toFixed(1)} s${slow.length ? ` (slow: ${slow.join(', ')})` : ''}.`);
  }
  process.exit(exitCode);
}

void main();

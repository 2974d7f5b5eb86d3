/**
 * `npm run bench:reports`: the service-management reports on PostgreSQL through the gateway (docs/benchmarking.md).
 *
 * 1. The product (database `cpsd_bench_reports`, dropped and recreated for every run; five subgraphs; our gateway)
 *    starts in this process through `startProduct()`, as bench/cases.bench.ts does.
 * 2. Two years of cases: BENCH_CASES (1,000,000) inserted straight into elexon.cases in batches of BENCH_BATCH, each
 *    one INSERT … SELECT over generate_series (bench/report-fixture.ts): 20 desks, all states, P1–P4, every type and
 *    category, raised by every organisation of the directory (Centrica's brands among them); hand-offs, holds, a
 *    timeline, major incidents and their comms updates; then VACUUM ANALYZE.
 * 3. Each report of REPORTS below (a name, a document, its variables, the caller) is loaded through the gateway with
 *    autocannon from a second process (bench/load.ts): a warm-up, then BENCH_ROUNDS rounds of BENCH_DURATION s at
 *    BENCH_CONNECTIONS. The statements the elexon subgraph ran for it are captured from its DataSource and replayed
 *    from a second process as the resolver sends them (at once, on a pool of the subgraph's size: PostgreSQL's own
 *    time, bench/sql-load.ts), and each is explained (EXPLAIN (ANALYZE, BUFFERS)); the slowest one's plan is printed.
 * 4. With BENCH_INDEX_BASELINE=1 every round is run twice, alternating: with the report indexes of migrations
 *    1763900008000 and 1763900016000 and without them (dropped for that half of the round, made again after it).
 *
 * Environment: DATABASE_URL (a PostgreSQL server; default postgres://postgres@127.0.0.1:5432/postgres),
 * BENCH_CASES (1000000), BENCH_BATCH (250000), BENCH_DURATION (s, 10), BENCH_CONNECTIONS (10), BENCH_ROUNDS (3),
 * BENCH_WARMUP (s, 3), BENCH_SQL_DURATION (s, 5; 0 skips the SQL-only replay), BENCH_INDEX_BASELINE (1; 0 skips the
 * runs without the report indexes), BENCH_QUERIES (comma-separated names from REPORTS below; default all).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Client as PgClient } from 'pg';
import type { Role } from '../schema/enums';
import type { TrendInterval } from '../subgraphs/elexon/reports/case-report';
import { REPORT_INDEXES as TIME_KEYED_REPORT_INDEXES } from '../subgraphs/elexon/migrations/1763900008000-report-indexes';
import { REPORT_ORG_INDEXES } from '../subgraphs/elexon/migrations/1763900016000-report-org-indexes';
import type { LoadJob, LoadResult } from './load';
import { fixtureShape, insertReportFixture } from './report-fixture';
import type { SqlLoadJob, SqlLoadResult, SqlStatement } from './sql-load';
import { captureStatements, type Explained, explain, explainText, gatewayPost, oneLine } from './statements';
import { at, DEFAULT_SERVER_URL, intFromEnv, median, mib, pad, printTable, redactUrl, RssSampler, runChild, stopAll, type Cleanup } from './support';

// The logger reads LOG_LEVEL when it is first imported: set it before any product module loads.
process.env.LOG_LEVEL ??= 'warn';

const DATABASE = 'cpsd_bench_reports';
const LOAD_SCRIPT = path.join(__dirname, 'load.ts');
const SQL_LOAD_SCRIPT = path.join(__dirname, 'sql-load.ts');
const ELEXON_DESK = 'elexon-service-desk';
const P99_LIMIT_MS = 200;
const DAY_MS = 24 * 3600_000;
/** The report indexes the baseline half of a round goes without: migrations 1763900008000 and 1763900016000. */
const REPORT_INDEXES = [...TIME_KEYED_REPORT_INDEXES, ...REPORT_ORG_INDEXES];

/** The callers: Elexon service management (sees every case) and a parent account (sees its brands' cases). */
const PEOPLE = {
  serviceManagement: { sub: 'bench-sam@elexon.example', org: 'elexon', roles: ['participant', 'cpsd_admin'], desks: [] as string[] },
  parentAccount: { sub: 'bench-pat@centrica.example', org: 'centrica', roles: ['participant'], desks: [] as string[] },
} as const;
type Caller = keyof typeof PEOPLE;

const CASE_REPORT = `query CaseReport($period: ReportPeriod!) {
  caseReport(period: $period) {
    from to
    openByDeskAndPriority { deskId priority count }
    resolvedByDesk { deskId count }
    ageing { bucket count }
    raisedByCategory { category count }
    slaByPriority { priority resolved resolutionMet resolutionBreached responseMet responseBreached achievementPercent meanMinutesToResolve }
    resolved reopened reopenRatePercent
  }
}`;

const MAJOR_INCIDENT_REPORT = `query MajorIncidentReport($period: ReportPeriod!) {
  majorIncidentReport(period: $period) {
    from to promoted
    byService { service count }
    byLead { organisationId count }
    meanMinutesToFirstComms firstCommsOnTime updatesDue updatesOnTime updatePunctualityPercent
  }
}`;

const CASE_TREND = `query CaseTrend($period: ReportPeriod!, $interval: TrendInterval) {
  caseTrend(period: $period, interval: $interval) { start priority resolved resolutionMet achievementPercent meanMinutesToResolve }
}`;

const DAILY_LIST = 'count cases { reference deskId priority state raisedAt resolutionDueAt }';
/** What the delivery engine asks for when it sends the report (subgraphs/delivery/daily-report.ts). */
const HYPERCARE_DAILY_REPORT = `query HypercareDailyReport($to: DateTimeISO) {
  hypercareDailyReport(to: $to) {
    from to
    newIncidents { ${DAILY_LIST} }
    pendingRequests { ${DAILY_LIST} }
    breaches { ${DAILY_LIST} }
    nearBreaches { ${DAILY_LIST} }
    openMajorIncidents { reference title services nextUpdateDueAt }
  }
}`;

/** A period ending at `now` (the benchmark's fixed instant), `days` long. */
const lastDays = (days: number) => (now: Date) => ({ period: { from: new Date(now.getTime() - days * DAY_MS).toISOString(), to: now.toISOString() } });

/** A trend of the last `days` days in buckets of `interval`. */
const trendOf = (days: number, interval: 'DAY' | 'WEEK' | 'MONTH') => (now: Date) => ({ ...lastDays(days)(now), interval });

interface ReportQuery {
  /** What BENCH_QUERIES names. */
  name: string;
  /** The top-level field the document asks for (the load generator checks the answer starts with it). */
  field: string;
  document: string;
  variables: (now: Date) => Record<string, unknown>;
  caller: Caller;
  description: string;
}

/** The benchmarked report queries: add a row for a new report (or another caller, another period). */
const REPORTS: ReportQuery[] = [
  {
    name: 'caseReport-30d-admin',
    field: 'caseReport',
    document: CASE_REPORT,
    variables: lastDays(30),
    caller: 'serviceManagement',
    description: 'caseReport, the last 30 days, Elexon service management (all cases)',
  },
  {
    name: 'caseReport-30d-parent',
    field: 'caseReport',
    document: CASE_REPORT,
    variables: lastDays(30),
    caller: 'parentAccount',
    description: "caseReport, the last 30 days, parent account centrica (its brands' cases)",
  },
  {
    name: 'caseReport-1y-admin',
    field: 'caseReport',
    document: CASE_REPORT,
    variables: lastDays(365),
    caller: 'serviceManagement',
    description: 'caseReport, the last 365 days, Elexon service management',
  },
  {
    name: 'caseTrend-30d-day-admin',
    field: 'caseTrend',
    document: CASE_TREND,
    variables: trendOf(30, 'DAY'),
    caller: 'serviceManagement',
    description: 'caseTrend, the last 30 days by UK day, Elexon service management',
  },
  {
    name: 'caseTrend-30d-day-parent',
    field: 'caseTrend',
    document: CASE_TREND,
    variables: trendOf(30, 'DAY'),
    caller: 'parentAccount',
    description: 'caseTrend, the last 30 days by UK day, parent account centrica',
  },
  {
    name: 'caseTrend-1y-month-admin',
    field: 'caseTrend',
    document: CASE_TREND,
    variables: trendOf(365, 'MONTH'),
    caller: 'serviceManagement',
    description: 'caseTrend, the last 365 days by UK month, Elexon service management',
  },
  {
    name: 'caseTrend-1y-month-parent',
    field: 'caseTrend',
    document: CASE_TREND,
    variables: trendOf(365, 'MONTH'),
    caller: 'parentAccount',
    description: 'caseTrend, the last 365 days by UK month, parent account centrica',
  },
  {
    name: 'hypercareDailyReport-24h-admin',
    field: 'hypercareDailyReport',
    document: HYPERCARE_DAILY_REPORT,
    variables: (now) => ({ to: now.toISOString() }),
    caller: 'serviceManagement',
    description: 'hypercareDailyReport, the 24 hours to the benchmark start, Elexon service management (as the daily email reads it)',
  },
  {
    name: 'majorIncidentReport-30d-admin',
    field: 'majorIncidentReport',
    document: MAJOR_INCIDENT_REPORT,
    variables: lastDays(30),
    caller: 'serviceManagement',
    description: 'majorIncidentReport, the last 30 days, Elexon service management (all major incidents)',
  },
  {
    name: 'majorIncidentReport-30d-parent',
    field: 'majorIncidentReport',
    document: MAJOR_INCIDENT_REPORT,
    variables: lastDays(30),
    caller: 'parentAccount',
    description: 'majorIncidentReport, the last 30 days, parent account centrica (published ones)',
  },
];

type Variant = 'with' | 'without';

interface VariantRecord {
  rounds: LoadResult[];
  cpuMsPerRequest: number[];
  sqlOnly: SqlLoadResult | null;
  explains: Explained[];
}

interface ReportRecord {
  query: ReportQuery;
  statements: SqlStatement[];
  answer: string;
  variants: Record<Variant, VariantRecord>;
}

const fmt = (value: number, digits = 1) => (Number.isFinite(value) ? value.toFixed(digits) : 'n/a');
/** A round's latency percentile; a round in which no response came back counts as longer than the round. */
const latency = (x: LoadResult, pick: (l: LoadResult['latencyMs']) => number) => (x.totalRequests > 0 ? pick(x.latencyMs) : Number.POSITIVE_INFINITY);
const ms = (value: number, durationSeconds: number) => (Number.isFinite(value) ? value.toFixed(0) : `>${durationSeconds * 1000}`);
const emptyVariant = (): VariantRecord => ({ rounds: [], cpuMsPerRequest: [], sqlOnly: null, explains: [] });

/** The baseline half of a round: the report indexes dropped (made again for the other half). */
async function dropReportIndexes(sql: PgClient): Promise<void> {
  for (const index of REPORT_INDEXES) await sql.query(`DROP INDEX IF EXISTS elexon.${index.name}`);
}

async function createReportIndexes(sql: PgClient): Promise<void> {
  const tables = new Set<string>();
  for (const index of REPORT_INDEXES) {
    const exists = (await sql.query(`SELECT 1 FROM pg_indexes WHERE schemaname = 'elexon' AND indexname = $1`, [index.name])).rowCount;
    if (!exists) {
      await sql.query(index.create);
      tables.add(index.table);
    }
  }
  // The statistics of an expression index are gathered by ANALYZE only.
  for (const table of tables) await sql.query(`ANALYZE elexon.${table}`);
}

/**
 * Waits until no other statement runs on the benchmark's database: when autocannon stops, the requests still in
 * flight go on in the subgraph (a slow report can leave its pool busy for seconds), and would load the next round.
 */
async function drain(sql: PgClient, limitMs = 180_000): Promise<number> {
  const began = Date.now();
  for (;;) {
    const { rows } = await sql.query(
      `SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = current_database() AND state = 'active' AND pid <> pg_backend_pid()
         AND backend_type = 'client backend' AND query NOT ILIKE '%outbox%' AND query NOT ILIKE '%pg_try_advisory%'`,
    );
    if ((rows[0] as { n: number }).n === 0 || Date.now() - began > limitMs) return Date.now() - began;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

async function main(): Promise<void> {
  const caseCount = intFromEnv('BENCH_CASES', 1_000_000);
  const batch = intFromEnv('BENCH_BATCH', 250_000);
  const durationSeconds = intFromEnv('BENCH_DURATION', 10);
  const connections = intFromEnv('BENCH_CONNECTIONS', 10);
  const rounds = intFromEnv('BENCH_ROUNDS', 3);
  const warmupSeconds = intFromEnv('BENCH_WARMUP', 3, 0);
  const sqlSeconds = intFromEnv('BENCH_SQL_DURATION', 5, 0);
  const compareIndexes = intFromEnv('BENCH_INDEX_BASELINE', 1, 0) === 1 && REPORT_INDEXES.length > 0;
  const queryNames = (process.env.BENCH_QUERIES ?? REPORTS.map((q) => q.name).join(','))
    .split(',')
    .map((name) => name.trim())
    .filter(Boolean);
  const queries = queryNames.map((name) => {
    const found = REPORTS.find((q) => q.name === name);
    if (!found) throw new Error(`BENCH_QUERIES: unknown query "${name}" (known: ${REPORTS.map((q) => q.name).join(', ')})`);
    return found;
  });
  const serverUrl = process.env.DATABASE_URL || DEFAULT_SERVER_URL;

  const { loadConfig } = await import('../platform/config');
  const { startProduct } = await import('../cli/product');
  const { dropDatabase } = await import('../platform/db');
  const { caseReportOf, caseTrendOf } = await import('../subgraphs/elexon/reports/case-report');
  const { Client } = await import('pg');

  const startedAt = Date.now();
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'cpsd-bench-reports-'));
  const cleanups: Cleanup[] = [];
  cleanups.push({ name: 'data dir', run: () => rmSync(dataDir, { recursive: true, force: true }) });
  const sampler = new RssSampler();
  let exitCode = 0;

  try {
    await dropDatabase(serverUrl, DATABASE);
    const config = loadConfig({ ...process.env, CPSD_DATA_DIR: dataDir, LOG_LEVEL: 'warn', DATABASE_URL: serverUrl });
    const product = await startProduct({ config, database: DATABASE, ephemeralPorts: true, seed: true });
    cleanups.push({ name: 'product', run: () => product.stop() });
    const issuer = product.devIssuer;
    if (!issuer) throw new Error('the benchmark needs the development token issuer: unset JWKS_URL and NODE_ENV=production');
    const tokens: Record<Caller, string> = {
      serviceManagement: await issuer.issue({ ...PEOPLE.serviceManagement, roles: [...PEOPLE.serviceManagement.roles] as Role[], desks: [] }),
      parentAccount: await issuer.issue({ ...PEOPLE.parentAccount, roles: [...PEOPLE.parentAccount.roles] as Role[], desks: [] }),
    };
    const elexon = product.subgraphs.find((s) => s.name === 'elexon');
    if (!elexon) throw new Error('no elexon subgraph');
    const elexonPoolSize = (elexon.db.options as { extra?: { max?: number } }).extra?.max ?? 10;
    const sql = new Client({ connectionString: product.databaseUrl, application_name: 'cpsd-bench-reports' });
    await sql.connect();
    cleanups.push({ name: 'bench SQL client', run: () => sql.end() });
    const { server_version: pgVersion } = at((await sql.query('SHOW server_version')).rows as { server_version: string }[], 0, 'a server_version row');
    const pgSettings = (
      await sql.query(
        `SELECT name, setting, unit FROM pg_settings WHERE name IN ('shared_buffers', 'work_mem', 'random_page_cost', 'effective_cache_size', 'jit', 'max_parallel_workers_per_gather') ORDER BY name`,
      )
    ).rows as { name: string; setting: string; unit: string | null }[];
    const gatewayUrl = product.gateway.url;

    console.log(
      'CPSD service-management reports benchmark: caseReport, caseTrend, hypercareDailyReport and majorIncidentReport through the gateway on PostgreSQL',
    );
    console.log(
      `  ${caseCount.toLocaleString('en-GB')} synthetic cases over two years; per report ${warmupSeconds} s warm-up + ${durationSeconds} s × ${rounds} rounds, ` +
        `${connections} connections, pipelining 1 (autocannon in a separate process); medians of rounds` +
        `${compareIndexes ? `; every round also without the report indexes (${REPORT_INDEXES.map((i) => i.name).join(', ')}), alternating` : ''}`,
    );
    console.log(
      `  SQL-only baseline: ${sqlSeconds ? `the statements the elexon subgraph ran for the request, sent at once as the resolver does, replayed ${sqlSeconds} s from a separate process, ${connections} callers on a pool of ${elexonPoolSize}` : 'skipped (BENCH_SQL_DURATION=0)'}`,
    );
    console.log(
      `  machine: ${os.cpus().length} CPUs (${os.cpus()[0]?.model.trim() ?? '?'}), ${mib(os.totalmem())} RAM, Node ${process.version}, ${os.platform()} ${os.release()}, NODE_ENV=${process.env.NODE_ENV ?? '(unset)'}`,
    );
    console.log(
      `  PostgreSQL ${pgVersion} at ${redactUrl(product.databaseUrl)} (dropped and recreated); ${pgSettings.map((s) => `${s.name}=${s.setting}${s.unit ?? ''}`).join(', ')}`,
    );
    console.log(
      `  product started in ${((Date.now() - startedAt) / 1000).toFixed(1)} s; gateway ${gatewayUrl}; load average ${os
        .loadavg()
        .map((l) => l.toFixed(2))
        .join(' ')} (a shared machine: compare within a run)`,
    );
    sampler.start();

    // ---- 1. the fixture -------------------------------------------------------------------------------------------
    const now = new Date();
    const otherDesks = (await sql.query(`SELECT id FROM elexon.desks WHERE id <> $1 ORDER BY id LIMIT 19`, [ELEXON_DESK])).rows.map(
      (r: { id: string }) => r.id,
    );
    const orgs = (await sql.query('SELECT id FROM elexon.organisations ORDER BY id')).rows.map((r: { id: string }) => r.id);
    const centrica = (
      await sql.query(
        `WITH RECURSIVE d AS (SELECT id FROM elexon.organisations WHERE id = 'centrica' UNION SELECT o.id FROM elexon.organisations o JOIN d ON o.parent_id = d.id)
         SELECT id FROM d ORDER BY id`,
      )
    ).rows.map((r: { id: string }) => r.id);
    console.log(
      `\n[fixture] ${caseCount.toLocaleString('en-GB')} cases over ${otherDesks.length + 1} desks (${ELEXON_DESK} ~30%), raised by ${orgs.length} organisations ` +
        `(centrica and its descendants: ${centrica.join(', ')}), in batches of ${batch.toLocaleString('en-GB')}…`,
    );
    const fixtureStarted = Date.now();
    await insertReportFixture(sql, {
      count: caseCount,
      batch,
      elexonDesk: ELEXON_DESK,
      otherDesks,
      orgs,
      now,
      log: (line) => console.log(`  ${line}`),
    });
    const insertSeconds = (Date.now() - fixtureStarted) / 1000;
    for (const table of [
      'cases',
      'handoffs',
      'case_holds',
      'case_timeline',
      'major_incidents',
      'mi_updates',
      'report_resolved_daily',
      'report_raised_daily',
      'report_open_by_desk',
      'report_open_by_raised_hour',
      'report_open_by_due_hour',
    ])
      await sql.query(`VACUUM (ANALYZE) elexon.${table}`);
    const fixtureSeconds = (Date.now() - fixtureStarted) / 1000;
    const shape = await fixtureShape(sql, now);
    const parentCases = (await sql.query('SELECT count(*)::int AS n FROM elexon.cases WHERE raised_by_org = ANY($1::text[])', [centrica])).rows[0].n as number;
    console.log(
      `  fixture in ${fixtureSeconds.toFixed(1)} s (inserts ${insertSeconds.toFixed(1)} s, VACUUM ANALYZE ${(fixtureSeconds - insertSeconds).toFixed(1)} s): ` +
        `elexon.cases ${shape.cases.toLocaleString('en-GB')} rows (${shape.size} with indexes), open ${shape.open.toLocaleString('en-GB')}, ` +
        `raised in the last 30 days ${shape.raisedLast30Days.toLocaleString('en-GB')}, resolved in them ${shape.resolvedLast30Days.toLocaleString('en-GB')}, ` +
        `reopened ${shape.reopened.toLocaleString('en-GB')}; centrica's ${parentCases.toLocaleString('en-GB')}; ${shape.handoffs.toLocaleString('en-GB')} hand-offs, ` +
        `${shape.holds.toLocaleString('en-GB')} holds, ${shape.timeline.toLocaleString('en-GB')} timeline rows, ${shape.majorIncidents} major incidents with ${shape.miUpdates} updates`,
    );

    // ---- 2. the reports -------------------------------------------------------------------------------------------
    const records: ReportRecord[] = [];
    for (const query of queries) {
      const variables = query.variables(now);
      const token = tokens[query.caller];
      let first: { status: number; text: string; body: { data?: Record<string, unknown>; errors?: unknown[] } } | null = null;
      const statements = await captureStatements(elexon.db, async () => {
        first = await gatewayPost(gatewayUrl, token, query.document, variables);
      });
      const answer = first! as { status: number; text: string; body: { data?: Record<string, unknown>; errors?: unknown[] } };
      if (answer.status !== 200 || answer.body.errors || !answer.body.data?.[query.field]) {
        throw new Error(`query ${query.name} answered HTTP ${answer.status}: ${answer.text.slice(0, 1000)}`);
      }
      console.log(`\n[${query.name}] ${query.description}; period ${JSON.stringify(variables)}`);
      console.log(`  ${Buffer.byteLength(answer.text)} bytes; the elexon subgraph ran ${statements.length} statement(s)`);
      console.log(`  answer: ${JSON.stringify(answer.body.data[query.field]).slice(0, 600)}`);
      if (query.field === 'caseReport' || query.field === 'caseTrend') {
        // The rollup-served report (Elexon service management) against the raw scan, on the whole fixture.
        const person = PEOPLE[query.caller];
        const principal = {
          subject: person.sub,
          organisationId: person.org,
          visibleOrganisationIds: person.org === 'centrica' ? centrica : [person.org],
          roles: person.roles as unknown as Role[],
          deskIds: [...person.desks],
          kind: 'USER' as const,
        };
        const period = variables.period as { from: string; to: string };
        const [from, to] = [new Date(period.from), new Date(period.to)];
        const [served, raw] = await Promise.all(
          [{}, { raw: true }].map((source) =>
            query.field === 'caseReport'
              ? caseReportOf(elexon.db, principal, from, to, source)
              : caseTrendOf(elexon.db, principal, from, to, variables.interval as TrendInterval, source),
          ),
        );
        const same = JSON.stringify(served) === JSON.stringify(raw);
        console.log(`  report as served ${same ? 'equals' : 'DIFFERS FROM'} the raw scan of the cases`);
        if (!same) throw new Error(`query ${query.name}: served ${JSON.stringify(served)}\n raw ${JSON.stringify(raw)}`);
      }
      records.push({ query, statements, answer: answer.text, variants: { with: emptyVariant(), without: emptyVariant() } });
    }

    const variants: Variant[] = compareIndexes ? ['with', 'without'] : ['with'];
    const label = (v: Variant) => (v === 'with' ? 'with report indexes' : 'without report indexes');
    const setVariant = async (v: Variant) => {
      const began = Date.now();
      if (v === 'with') await createReportIndexes(sql);
      else await dropReportIndexes(sql);
      if (compareIndexes) console.log(`\n  -- ${label(v)} (${((Date.now() - began) / 1000).toFixed(1)} s to ${v === 'with' ? 'make' : 'drop'} them)`);
    };
    const warmed = new Set<string>();
    for (let round = 1; round <= rounds; round++) {
      const order = round % 2 === 1 ? variants : [...variants].reverse();
      for (const variant of order) {
        await setVariant(variant);
        for (const r of records) {
          const job: LoadJob = {
            url: gatewayUrl,
            headers: { authorization: `Bearer ${tokens[r.query.caller]}` },
            body: JSON.stringify({ query: r.query.document, variables: r.query.variables(now) }),
            durationSeconds,
            connections,
            // An object or a list, as the first answer was.
            bodyStartsWith: r.answer.slice(0, `{"data":{"${r.query.field}":`.length + 1),
            bodyExcludes: '"errors"',
            timeoutSeconds: 30,
          };
          const drained = await drain(sql);
          if (drained > 1000) console.log(`  (waited ${(drained / 1000).toFixed(1)} s for the statements still running from the previous load)`);
          const key = `${r.query.name}/${variant}`;
          if (!warmed.has(key) && warmupSeconds > 0) {
            await runChild<LoadJob, LoadResult>(LOAD_SCRIPT, { ...job, durationSeconds: warmupSeconds }, (warmupSeconds + 60) * 1000);
          }
          warmed.add(key);
          sampler.beginPhase();
          const cpu0 = process.cpuUsage();
          const result = await runChild<LoadJob, LoadResult>(LOAD_SCRIPT, job, (durationSeconds + 60) * 1000);
          const cpu = process.cpuUsage(cpu0);
          sampler.endPhase();
          const v = r.variants[variant];
          v.rounds.push(result);
          v.cpuMsPerRequest.push((cpu.user + cpu.system) / 1000 / Math.max(result.totalRequests, 1));
          const bad = result.errors + result.non2xx + result.mismatches;
          console.log(
            `  round ${round} ${pad(r.query.name, 32)} ${pad(variant, 7)} ${pad(result.requestsPerSecond.toFixed(1), 7, true)} req/s  p50 ${pad(String(result.latencyMs.p50), 5, true)} ms  ` +
              `p99 ${pad(String(result.latencyMs.p99), 5, true)} ms  max ${pad(String(result.latencyMs.max), 5, true)} ms  ` +
              `${result.totalRequests === 0 ? `NO RESPONSE within the ${durationSeconds} s round; ` : ''}${bad ? `PROBLEMS: errors ${result.errors} (timeouts ${result.timeouts}), non-2xx ${result.non2xx} ${JSON.stringify(result.statusCodes)}, wrong body ${result.mismatches}` : 'no errors'}`,
          );
        }
        // PostgreSQL's own time, once per variant (in its first round): the replay and the plans.
        if (round <= variants.length && records.every((r) => !r.variants[variant].explains.length)) {
          for (const r of records) {
            const v = r.variants[variant];
            await drain(sql);
            if (sqlSeconds > 0 && r.statements.length) {
              v.sqlOnly = await runChild<SqlLoadJob, SqlLoadResult>(
                SQL_LOAD_SCRIPT,
                {
                  databaseUrl: product.databaseUrl,
                  statements: r.statements,
                  durationSeconds: sqlSeconds,
                  concurrency: connections,
                  poolSize: elexonPoolSize,
                  parallel: true,
                },
                (sqlSeconds + 60) * 1000,
              );
            }
            await drain(sql);
            for (const statement of r.statements) v.explains.push(await explain(sql, statement));
            const s = v.sqlOnly;
            console.log(
              `  [${r.query.name}, ${variant}] SQL only: ${s ? `${fmt(s.iterationsPerSecond)} req/s, p50 ${fmt(s.latencyMs.p50)} ms, p99 ${fmt(s.latencyMs.p99)} ms${s.errors ? `, ERRORS ${s.errors}: ${s.errorSamples.join('; ')}` : ''}` : 'skipped'}`,
            );
            v.explains.forEach((e, i) => {
              const statement = at(r.statements, i, 'a statement');
              console.log(
                `    #${i + 1} exec ${pad(e.executionMs.toFixed(2), 8, true)} ms (plan ${e.planningMs.toFixed(2)} ms) ${e.top}; indexes ${e.indexes.join(', ') || 'none'}` +
                  `  — ${oneLine(statement.sql).slice(0, 110)}…`,
              );
            });
            const slowest = v.explains.reduce((best, e, i) => (e.executionMs > (v.explains[best]?.executionMs ?? -1) ? i : best), 0);
            const slowStatement = r.statements[slowest];
            if (slowStatement) {
              console.log(`    slowest, #${slowest + 1}, in full: ${oneLine(slowStatement.sql)}`);
              console.log(`    params ${JSON.stringify(slowStatement.params)}`);
              for (const line of await explainText(sql, slowStatement)) console.log(`      ${line}`);
            }
          }
        }
      }
    }
    // Leave the database as the migrations made it.
    await createReportIndexes(sql);
    sampler.stop();

    // ---- summary ----------------------------------------------------------------------------------------------------
    console.log('\n==== Summary ====');
    console.log(
      `\nReports (${shape.cases.toLocaleString('en-GB')} cases over two years, fixture ${fixtureSeconds.toFixed(1)} s; ${connections} connections; medians of ${rounds} rounds of ${durationSeconds} s)`,
    );
    const rows = [
      [
        'query',
        'caller',
        'indexes',
        'req/s',
        'p50 ms',
        'p99 ms',
        `p99 < ${P99_LIMIT_MS} ms`,
        'errors',
        'SQL-only p50/p99 ms',
        'EXPLAIN exec ms per statement',
        'slowest',
      ],
    ];
    for (const r of records) {
      for (const variant of variants) {
        const v = r.variants[variant];
        const p99 = median(v.rounds.map((x) => latency(x, (l) => l.p99)));
        const sum = (pick: (x: LoadResult) => number) => v.rounds.reduce((acc, x) => acc + pick(x), 0);
        const slowest = Math.max(...v.explains.map((e) => e.executionMs), 0);
        rows.push([
          r.query.name,
          `${PEOPLE[r.query.caller].org} (${PEOPLE[r.query.caller].roles.join('+')})`,
          variant,
          median(v.rounds.map((x) => x.requestsPerSecond)).toFixed(1),
          ms(median(v.rounds.map((x) => latency(x, (l) => l.p50))), durationSeconds),
          ms(p99, durationSeconds),
          p99 < P99_LIMIT_MS ? 'met' : 'NOT met',
          `${sum((x) => x.errors + x.non2xx + x.mismatches)}/${sum((x) => x.totalRequests)}`,
          v.sqlOnly ? `${fmt(v.sqlOnly.latencyMs.p50)}/${fmt(v.sqlOnly.latencyMs.p99)}` : '-',
          v.explains.map((e) => e.executionMs.toFixed(1)).join(' + ') || '-',
          fmt(slowest),
        ]);
      }
    }
    printTable(rows, [false, false, false, true, true, true, false, true, true, false, true]);
    if (compareIndexes) {
      console.log(`\n  Without → with the report indexes (same run, alternating rounds; EXPLAIN ANALYZE execution times):`);
      for (const r of records) {
        const w = r.variants.with.rounds;
        const wo = r.variants.without.rounds;
        const p = (rs: LoadResult[], pick: (l: LoadResult['latencyMs']) => number) => median(rs.map((x) => latency(x, pick)));
        const rps = (rs: LoadResult[]) => median(rs.map((x) => x.requestsPerSecond));
        console.log(
          `    ${pad(r.query.name, 32)} req/s ${fmt(rps(wo))} → ${fmt(rps(w))}, p50 ${ms(
            p(wo, (l) => l.p50),
            durationSeconds,
          )} → ${ms(
            p(w, (l) => l.p50),
            durationSeconds,
          )} ms, ` +
            `p99 ${ms(
              p(wo, (l) => l.p99),
              durationSeconds,
            )} → ${ms(
              p(w, (l) => l.p99),
              durationSeconds,
            )} ms; ` +
            `slowest statement ${fmt(Math.max(...r.variants.without.explains.map((e) => e.executionMs), 0))} → ${fmt(Math.max(...r.variants.with.explains.map((e) => e.executionMs), 0))} ms, ` +
            `sum ${fmt(r.variants.without.explains.reduce((a, e) => a + e.executionMs, 0))} → ${fmt(r.variants.with.explains.reduce((a, e) => a + e.executionMs, 0))} ms`,
        );
      }
    }
    const cpuRows = [['query', 'bench process CPU ms/req (gateway + subgraphs)']];
    for (const r of records)
      for (const variant of variants) cpuRows.push([`${r.query.name} ${variant}`, median(r.variants[variant].cpuMsPerRequest).toFixed(2)]);
    printTable(cpuRows, [false, true]);
    console.log('  errors: socket errors+timeouts + non-2xx + 2xx bodies that were not the report or carried "errors", summed over rounds.');
    console.log(`  Peak RSS of the bench process ${mib(sampler.peak)} sampled.`);
    console.log(
      `  Total time ${((Date.now() - startedAt) / 1000).toFixed(0)} s; load average at the end ${os
        .loadavg()
        .map((l) => l.toFixed(2))
        .join(' ')}.`,
    );
  } catch (error) {
    exitCode = 1;
    console.error(`\nbenchmark failed: ${(error as Error).stack ?? String(error)}`);
  } finally {
    sampler.stop();
    await new Promise((resolve) => setTimeout(resolve, 500));
    const stopping = Date.now();
    const slow = await stopAll(cleanups, 1000, '');
    console.log(`  Stopped in ${((Date.now() - stopping) / 1000).toFixed(1)} s${slow.length ? ` (slow: ${slow.join(', ')})` : ''}.`);
  }
  process.exit(exitCode);
}

void main();

/**
 * `npm run bench:cases`: the case exchange on PostgreSQL through the gateway (docs/benchmarking.md).
 *
 * 1. The product (database `cpsd_bench_cases`, dropped and recreated for every run; five subgraphs; our gateway)
 *    starts in this process through `startProduct()`, exactly as `npm start` and the e2e tests assemble it.
 * 2. Lifecycle throughput: BENCH_FLOWS complete flows — raise (supplier) → triage → hand-off to the DCC Service Desk
 *    (Elexon agent) → acknowledge → resolve the hand-off (DCC agent) → resolve the case (Elexon agent) — with
 *    BENCH_CONCURRENCY flows in flight, from a client in a second process (bench/case-flows.ts). Afterwards SQL
 *    checks that every case is RESOLVED, every hand-off RESOLVED and that DCC's tickets followed (events).
 * 3. Desk queue: BENCH_CASES cases (100,000) inserted straight into elexon.cases with one INSERT … SELECT over
 *    generate_series (20 desks, the Elexon Service Desk ~30%; raised over a year; state by age; hand-offs and holds
 *    for a share of them; the due times of cases still on a clock from the product's own SLA clock), then VACUUM
 *    ANALYZE. Four `cases(filter, first, after)` queries of the Elexon desk agent are
 *    loaded through the gateway with autocannon from a second process (bench/load.ts): the first page of the open
 *    queue, a deep page (after row 1,000), the breached queue and a text search. The baseline is PostgreSQL's own
 *    time for the same request: the statements the elexon subgraph ran for it, captured from its DataSource and
 *    replayed from a second process with the subgraph's concurrency and pool size (bench/sql-load.ts); and one
 *    EXPLAIN (ANALYZE, BUFFERS) of the page statement, with its plan (and without the queue index of migration
 *    1763900003000, in a rolled-back transaction). The first page is also loaded without that index, alternating.
 *
 * Environment: DATABASE_URL (a PostgreSQL server; default postgres://postgres@127.0.0.1:5432/postgres),
 * BENCH_FLOWS (200), BENCH_CONCURRENCY (8), BENCH_CASES (100000), BENCH_DURATION (s, 10), BENCH_CONNECTIONS (20),
 * BENCH_ROUNDS (3), BENCH_WARMUP (s, 3), BENCH_LIGHT_DURATION (s, 3: one more autocannon run with 1 connection; 0 skips),
 * BENCH_SQL_DURATION (s, 5; 0 skips the SQL-only replay), BENCH_INDEX_BASELINE (1: the first page is also loaded without
 * the queue index of migration 1763900003000, in alternating rounds, the index dropped for those rounds; 0 skips),
 * BENCH_QUERIES (comma-separated names from QUERIES below; default all).
 */
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Role } from '../schema/enums';
import { MUTATIONS, type FlowJob, type FlowResult } from './case-flows';
import type { LoadJob, LoadResult } from './load';
import type { SqlLoadJob, SqlLoadResult, SqlStatement } from './sql-load';
import { captureStatements, type Explained, explain, gatewayPost, oneLine } from './statements';
import { at, DEFAULT_SERVER_URL, intFromEnv, median, mib, pad, printTable, redactUrl, RssSampler, runChild, stopAll, type Cleanup } from './support';

// The logger reads LOG_LEVEL when it is first imported: set it before any product module loads.
process.env.LOG_LEVEL ??= 'warn';

const DATABASE = 'cpsd_bench_cases';
const LOAD_SCRIPT = path.join(__dirname, 'load.ts');
const FLOWS_SCRIPT = path.join(__dirname, 'case-flows.ts');
const SQL_LOAD_SCRIPT = path.join(__dirname, 'sql-load.ts');
const QUEUE_DESK = 'elexon-service-desk';
const QUEUE_LIMIT_MS = 50;
const QUEUE_INDEX = 'cases_open_queue_idx';

const PEOPLE = {
  supplier: { sub: 'bench-sally@britishgas.example', org: 'british-gas', roles: ['participant'], desks: [] as string[] },
  elexonAgent: { sub: 'bench-eve@elexon.example', org: 'elexon', roles: ['participant', 'desk_agent'], desks: ['elexon-service-desk'] },
  dccAgent: { sub: 'bench-dan@dcc.example', org: 'dcc', roles: ['participant', 'desk_agent'], desks: ['dcc-service-desk'] },
};

/** The queue page a desk agent's screen asks for. */
const QUEUE_DOCUMENT = `query Queue($filter: CaseFilter, $first: Int, $after: String) {
  cases(filter: $filter, first: $first, after: $after) {
    edges { cursor node { id reference subject state priority sla { resolutionDueAt breached } } }
    pageInfo { hasNextPage endCursor }
  }
}`;
const OPEN_STATES = ['NEW', 'IN_PROGRESS', 'ON_HOLD'];
const SEARCH_TEXT = 'certificate adaptor';

interface QueueQuery {
  name: string;
  description: string;
  /** Variables; `after` is filled in at run time for the deep page. */
  variables: { filter: Record<string, unknown>; first: number; after?: string };
  deepPage?: boolean;
}

const QUERIES: QueueQuery[] = [
  {
    name: 'firstPage',
    description: `(a) first page of the open queue: desk ${QUEUE_DESK}, states NEW/IN_PROGRESS/ON_HOLD, first 20`,
    variables: { filter: { deskIds: [QUEUE_DESK], states: OPEN_STATES }, first: 20 },
  },
  {
    name: 'deepPage',
    description: '(b) the same queue, page 51: after the cursor of row 1,000',
    variables: { filter: { deskIds: [QUEUE_DESK], states: OPEN_STATES }, first: 20 },
    deepPage: true,
  },
  {
    name: 'breached',
    description: '(c) the breached open queue: the same filter with breached: true',
    variables: { filter: { deskIds: [QUEUE_DESK], states: OPEN_STATES, breached: true }, first: 20 },
  },
  {
    name: 'textSearch',
    description: `(d) text search in the desk's cases (any state): text "${SEARCH_TEXT}"`,
    variables: { filter: { deskIds: [QUEUE_DESK], text: SEARCH_TEXT }, first: 20 },
  },
];

interface QueueResponse {
  data?: {
    cases: {
      edges: { cursor: string; node: { id: string; state: string; sla: { breached: boolean } } }[];
      pageInfo: { hasNextPage: boolean; endCursor: string | null };
    };
  };
  errors?: unknown[];
}

interface RoundRecord {
  result: LoadResult;
  serverCpuMsPerRequest: number;
  serverPeakRssBytes: number;
}

interface QueueRecord {
  query: QueueQuery;
  rows: number;
  matching: number | null;
  statements: SqlStatement[];
  rounds: RoundRecord[];
  /** firstPage only: the same load without the queue index (alternating rounds). */
  baselineRounds: RoundRecord[];
  sqlOnly: SqlLoadResult | null;
  /** One connection: the request's own latency, without queueing behind the other 19. */
  light: LoadResult | null;
  explain: Explained | null;
  /** The same EXPLAIN with the queue index of migration 1763900003000 dropped (in a rolled-back transaction). */
  withoutQueueIndex: Explained | null;
}

/**
 * The synthetic desk queues: one INSERT … SELECT, deterministic for a given `now()` (setseed). State follows age —
 * the last fortnight mostly open, older cases mostly closed, with a stale open tail — so a desk has a few thousand
 * open cases among tens of thousands.
 */
const BULK_INSERT = `
WITH base AS (
  SELECT n,
    CASE WHEN random() < 0.30 THEN $2::text ELSE ($3::text[])[1 + floor(random() * array_length($3::text[], 1))::int] END AS desk_id,
    ($4::text[])[1 + floor(random() * array_length($4::text[], 1))::int] AS org,
    now() - random() * interval '365 days' AS raised_at,
    random() AS r_state, random() AS r_type, random() AS r_prio, random() AS r_cat, random() AS r_resp, random() AS r_res, random() AS r_hold,
    floor(random() * 12)::int AS r_subject, floor(random() * 8)::int AS r_cause, floor(random() * 7)::int AS r_effect
  FROM generate_series(1, $1::int) AS n
), staged AS (
  SELECT b.*,
    CASE
      WHEN b.raised_at > now() - interval '14 days' THEN
        CASE WHEN r_state < 0.20 THEN 'NEW' WHEN r_state < 0.70 THEN 'IN_PROGRESS' WHEN r_state < 0.85 THEN 'ON_HOLD' ELSE 'RESOLVED' END
      WHEN b.raised_at > now() - interval '60 days' THEN
        CASE WHEN r_state < 0.15 THEN 'IN_PROGRESS' WHEN r_state < 0.25 THEN 'ON_HOLD' WHEN r_state < 0.35 THEN 'RESOLVED'
             WHEN r_state < 0.95 THEN 'CLOSED' ELSE 'CANCELLED' END
      ELSE
        CASE WHEN r_state < 0.03 THEN 'IN_PROGRESS' WHEN r_state < 0.05 THEN 'ON_HOLD' WHEN r_state < 0.95 THEN 'CLOSED' ELSE 'CANCELLED' END
    END AS state
  FROM base b
), typed AS (
  SELECT s.*,
    CASE WHEN s.state = 'NEW' THEN NULL WHEN r_type < 0.60 THEN 'INCIDENT' WHEN r_type < 0.90 THEN 'SERVICE_REQUEST'
         WHEN r_type < 0.95 THEN 'PROBLEM' ELSE 'CHANGE' END AS type
  FROM staged s
), prioritised AS (
  SELECT t.*,
    CASE WHEN t.type IS NULL THEN NULL WHEN t.type = 'SERVICE_REQUEST' THEN 'P4'
         WHEN r_prio < 0.05 THEN 'P1' WHEN r_prio < 0.20 THEN 'P2' WHEN r_prio < 0.60 THEN 'P3' ELSE 'P4' END AS priority
  FROM typed t
), timed AS (
  SELECT p.*,
    CASE WHEN p.state = 'NEW' THEN NULL ELSE p.raised_at + (1 + r_resp * 17) * interval '1 minute' END AS responded_at,
    -- How long the work took (or would take): by priority.
    CASE p.priority WHEN 'P1' THEN interval '1 hour' + r_res * interval '7 hours' WHEN 'P2' THEN interval '4 hours' + r_res * interval '44 hours'
         WHEN 'P3' THEN interval '1 day' + r_res * interval '7 days' ELSE interval '2 days' + r_res * interval '33 days' END AS work,
    CASE p.priority WHEN 'P1' THEN interval '6 hours' WHEN 'P2' THEN interval '1 day' WHEN 'P3' THEN interval '7 days'
         WHEN 'P4' THEN interval '28 days' END AS resolution_target,
    now() - p.raised_at AS age
  FROM prioritised p
), finished AS (
  SELECT t.*,
    CASE WHEN t.state IN ('RESOLVED', 'CLOSED') THEN t.raised_at + LEAST(t.work, t.age * 0.9) END AS resolved_at,
    CASE WHEN t.state = 'ON_HOLD' THEN t.raised_at + t.age * (0.1 + 0.8 * r_hold) END AS hold_started_at
  FROM timed t
), closed AS (
  SELECT f.*,
    CASE WHEN f.state = 'CLOSED' THEN LEAST(f.resolved_at + (1 + 4 * r_hold) * interval '1 day', now() - interval '1 minute')
         WHEN f.state = 'CANCELLED' THEN f.raised_at + LEAST(f.work, f.age) * 0.5 END AS closed_at
  FROM finished f
)
INSERT INTO elexon.cases (id, reference, desk_id, type, category, subject, description, impact, urgency, priority, state, hold_reason,
  raised_by_org, raised_by_subject, evidence, resolution, sla_policy, sla_calendar, raised_at, responded_at, hold_started_at,
  resolved_at, closed_at, updated_at, response_due_at, resolution_due_at)
SELECT gen_random_uuid(), 'BENCH-' || lpad(c.n::text, 6, '0'), c.desk_id, c.type,
  (ARRAY['SETTLEMENT_SERVICES', 'DATA_SUBMISSION', 'MARKET_SYSTEMS', 'PARTICIPANT_ISSUES', 'DATA_AGGREGATION_AND_REPORTING',
         'REGULATORY_COMPLIANCE', 'SECURITY', 'COMMUNICATIONS', 'CHANGE_MANAGEMENT', 'THIRD_PARTY_SERVICES'])[1 + floor(c.r_cat * 10)::int],
  (ARRAY['DIP rejecting consumption messages', 'Missing meter reads for the settlement run', 'Smart meter not communicating after install',
         'Registration switch stuck pending', 'Certificate expired on our DIP connection', 'Data aggregation report delivered late',
         'Portal login failing for a new user', 'Incorrect MPAN address details', 'Duplicate market messages received',
         'Settlement variance in the reconciliation run', 'Access request for the market data service',
         'Change of supplier read disputed'])[1 + c.r_subject] || ' (' || c.n || ')',
  (ARRAY['Since this morning our adaptor reports failures.', 'The overnight batch stopped part way through.',
         'A configuration change was deployed yesterday.', 'Our monitoring shows a growing backlog.',
         'The counterparty says nothing changed on their side.', 'Only half-hourly sites seem affected.',
         'The error started after the maintenance window.', 'Users see a timeout on the portal.'])[1 + c.r_cause] || ' ' ||
  (ARRAY['Messages fail schema validation with E-SCHEMA-400.', 'Reads are missing for several settlement days.',
         'We need this fixed before the next reconciliation run.', 'Please advise on the expected resolution time.',
         'Logs and message ids are available on request.', 'This blocks our customer switches.',
         'We have raised a ticket with our software provider too.'])[1 + c.r_effect] || ' Ref ' || c.n || '.',
  CASE c.priority WHEN 'P1' THEN 'HIGH' WHEN 'P2' THEN 'MEDIUM' WHEN 'P3' THEN 'MEDIUM' WHEN 'P4' THEN 'LOW' END,
  CASE c.priority WHEN 'P1' THEN 'HIGH' WHEN 'P2' THEN 'HIGH' WHEN 'P3' THEN 'MEDIUM' WHEN 'P4' THEN 'MEDIUM' END,
  c.priority, c.state,
  CASE WHEN c.state = 'ON_HOLD' THEN (ARRAY['AWAITING_CALLER', 'CHANGE', 'PROBLEM', 'VENDOR'])[1 + floor(c.r_hold * 4)::int] END,
  c.org, 'agent' || (c.n % 40) || '@' || c.org || '.example', '{}'::jsonb,
  CASE WHEN c.state IN ('RESOLVED', 'CLOSED') THEN 'Fixed at source; messages replayed.' END,
  'STANDARD', '24x7', c.raised_at, c.responded_at, c.hold_started_at, c.resolved_at, c.closed_at,
  COALESCE(c.closed_at, c.resolved_at, c.hold_started_at, c.responded_at, c.raised_at),
  c.raised_at + interval '15 minutes',
  c.raised_at + c.resolution_target
FROM closed c`;

/** Hand-offs for ~5% of the triaged synthetic cases (the visibility predicate looks them up), holds for the On Hold ones. */
const BULK_HANDOFFS = `
INSERT INTO elexon.handoffs (id, case_id, to_desk_id, party, reason, state, external_reference, resolution, created_by_subject, created_at, updated_at)
SELECT gen_random_uuid(), c.id, d.id, d.party, 'Cause sits with the other party', 
  CASE WHEN c.state IN ('RESOLVED', 'CLOSED', 'CANCELLED') THEN 'RESOLVED' ELSE 'ACKNOWLEDGED' END,
  'EXT-' || c.reference, CASE WHEN c.state IN ('RESOLVED', 'CLOSED', 'CANCELLED') THEN 'Fixed on our side.' END,
  'bench-agent', c.responded_at + interval '1 hour', c.responded_at + interval '2 hours'
FROM elexon.cases c
JOIN elexon.desks d ON d.id = CASE WHEN c.desk_id = 'dcc-service-desk' THEN $1 ELSE 'dcc-service-desk' END
WHERE c.reference LIKE 'BENCH-%' AND c.responded_at IS NOT NULL AND abs(hashtext(c.reference)) % 20 = 0`;

const BULK_HOLDS = `
INSERT INTO elexon.case_holds (case_id, started_at, reason)
SELECT id, hold_started_at, hold_reason FROM elexon.cases WHERE reference LIKE 'BENCH-%' AND state = 'ON_HOLD'`;

const fmt = (value: number, digits = 1) => (Number.isFinite(value) ? value.toFixed(digits) : 'n/a');

async function main(): Promise<void> {
  const flows = intFromEnv('BENCH_FLOWS', 200);
  const concurrency = intFromEnv('BENCH_CONCURRENCY', 8);
  const caseCount = intFromEnv('BENCH_CASES', 100_000);
  const durationSeconds = intFromEnv('BENCH_DURATION', 10);
  const connections = intFromEnv('BENCH_CONNECTIONS', 20);
  const rounds = intFromEnv('BENCH_ROUNDS', 3);
  const warmupSeconds = intFromEnv('BENCH_WARMUP', 3, 0);
  const sqlSeconds = intFromEnv('BENCH_SQL_DURATION', 5, 0);
  const lightSeconds = intFromEnv('BENCH_LIGHT_DURATION', 3, 0);
  const compareIndex = intFromEnv('BENCH_INDEX_BASELINE', 1, 0) === 1;
  const warmupFlows = concurrency * 2;
  const queryNames = (process.env.BENCH_QUERIES ?? QUERIES.map((q) => q.name).join(','))
    .split(',')
    .map((name) => name.trim())
    .filter(Boolean);
  const queries = queryNames.map((name) => {
    const found = QUERIES.find((q) => q.name === name);
    if (!found) throw new Error(`BENCH_QUERIES: unknown query "${name}" (known: ${QUERIES.map((q) => q.name).join(', ')})`);
    return found;
  });
  const serverUrl = process.env.DATABASE_URL || DEFAULT_SERVER_URL;

  const { loadConfig } = await import('../platform/config');
  const { startProduct } = await import('../cli/product');
  const { dropDatabase } = await import('../platform/db');
  const { Client } = await import('pg');
  const { CASE_COLUMNS, toCase } = await import('../subgraphs/elexon/cases/case.repository');
  const { slaClock } = await import('../subgraphs/elexon/cases/case.steps');

  const startedAt = Date.now();
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'cpsd-bench-cases-'));
  const cleanups: Cleanup[] = [];
  cleanups.push({ name: 'data dir', run: () => rmSync(dataDir, { recursive: true, force: true }) });
  const sampler = new RssSampler();
  let exitCode = 0;

  try {
    // A clean, repeatable run: the database is dropped and made again (startProduct creates it and migrates).
    await dropDatabase(serverUrl, DATABASE);
    const config = loadConfig({ ...process.env, CPSD_DATA_DIR: dataDir, LOG_LEVEL: 'warn', DATABASE_URL: serverUrl });
    const product = await startProduct({ config, database: DATABASE, ephemeralPorts: true, seed: true });
    cleanups.push({ name: 'product', run: () => product.stop() });
    const issuer = product.devIssuer;
    if (!issuer) throw new Error('the benchmark needs the development token issuer: unset JWKS_URL and NODE_ENV=production');
    const tokens = {
      supplier: await issuer.issue({ ...PEOPLE.supplier, roles: PEOPLE.supplier.roles as Role[] }),
      elexonAgent: await issuer.issue({ ...PEOPLE.elexonAgent, roles: PEOPLE.elexonAgent.roles as Role[] }),
      dccAgent: await issuer.issue({ ...PEOPLE.dccAgent, roles: PEOPLE.dccAgent.roles as Role[] }),
    };
    const elexon = product.subgraphs.find((s) => s.name === 'elexon');
    if (!elexon) throw new Error('no elexon subgraph');
    const elexonPoolSize = (elexon.db.options as { extra?: { max?: number } }).extra?.max ?? 10;
    const sql = new Client({ connectionString: product.databaseUrl, application_name: 'cpsd-bench-cases' });
    await sql.connect();
    cleanups.push({ name: 'bench SQL client', run: () => sql.end() });
    const { server_version: pgVersion } = at((await sql.query('SHOW server_version')).rows as { server_version: string }[], 0, 'a server_version row');
    const pgSettings = (
      await sql.query(
        `SELECT name, setting, unit FROM pg_settings WHERE name IN ('shared_buffers', 'work_mem', 'random_page_cost', 'effective_cache_size', 'jit') ORDER BY name`,
      )
    ).rows as { name: string; setting: string; unit: string | null }[];
    const startupSeconds = (Date.now() - startedAt) / 1000;
    const gatewayUrl = product.gateway.url;

    console.log('CPSD case-exchange benchmark: case lifecycle throughput and desk-queue queries through the gateway on PostgreSQL');
    console.log(
      `  lifecycle: ${flows} flows (+${warmupFlows} warm-up) × 6 mutations, ${concurrency} flows in flight; client: undici Pool (keep-alive) in a separate Node process`,
    );
    console.log(
      `  queue: ${caseCount.toLocaleString('en-GB')} synthetic cases; per query ${warmupSeconds} s warm-up + ${durationSeconds} s × ${rounds} rounds, ` +
        `${connections} connections, pipelining 1 (autocannon 8 in a separate process); medians of rounds` +
        `${lightSeconds ? `; then ${lightSeconds} s with 1 connection` : ''}` +
        `${compareIndex && queries.some((q) => q.name === 'firstPage') ? `; firstPage also without ${QUEUE_INDEX}, alternating rounds` : ''}`,
    );
    console.log(
      `  SQL-only baseline: ${sqlSeconds ? `the subgraph's statements for the request replayed ${sqlSeconds} s from a separate process, ${connections} callers on a pool of ${elexonPoolSize} (the elexon subgraph's pool size)` : 'skipped (BENCH_SQL_DURATION=0)'}`,
    );
    console.log(
      `  machine: ${os.cpus().length} CPUs (${os.cpus()[0]?.model.trim() ?? '?'}), ${mib(os.totalmem())} RAM, Node ${process.version}, ${os.platform()} ${os.release()}, NODE_ENV=${process.env.NODE_ENV ?? '(unset)'}`,
    );
    console.log(
      `  PostgreSQL ${pgVersion} at ${redactUrl(product.databaseUrl)} (dropped and recreated); ${pgSettings.map((s) => `${s.name}=${s.setting}${s.unit ?? ''}`).join(', ')}`,
    );
    console.log(
      `  product started in ${startupSeconds.toFixed(1)} s; gateway ${gatewayUrl}; LOG_LEVEL=${process.env.LOG_LEVEL}; ` +
        `load average ${os
          .loadavg()
          .map((l) => l.toFixed(2))
          .join(' ')} (a shared machine: compare within a run)`,
    );
    sampler.start();

    // ---- 1. lifecycle throughput --------------------------------------------------------------------------------
    console.log(`\n[lifecycle] ${warmupFlows} warm-up flows, then ${flows} measured…`);
    sampler.beginPhase();
    const cpuBefore = process.cpuUsage();
    const flowJob: FlowJob = { url: gatewayUrl, tokens, flows, warmupFlows, concurrency, runId: randomUUID().slice(0, 8) };
    const flowResult = await runChild<FlowJob, FlowResult>(FLOWS_SCRIPT, flowJob, 300_000);
    const flowCpu = process.cpuUsage(cpuBefore);
    const flowRss = sampler.endPhase();
    const flowsPerSecond = flowResult.flowsCompleted / flowResult.seconds;
    const mutationsPerSecond = flowResult.mutations / flowResult.seconds;
    console.log(
      `  ${flowResult.flowsCompleted}/${flows} flows in ${flowResult.seconds.toFixed(2)} s: ${flowsPerSecond.toFixed(1)} flows/s, ${mutationsPerSecond.toFixed(0)} mutations/s; ` +
        `failed flows ${flowResult.flowsFailed}${flowResult.errorSamples.length ? `\n  errors:\n    ${flowResult.errorSamples.join('\n    ')}` : ''}`,
    );
    // Every case the client raised must now be RESOLVED, with its hand-off RESOLVED and DCC's ticket following.
    const caseIds = flowResult.caseIds;
    const caseStates = (
      await sql.query('SELECT state, count(*)::int AS n FROM elexon.cases WHERE id = ANY($1::uuid[]) GROUP BY state ORDER BY state', [caseIds])
    ).rows as { state: string; n: number }[];
    const handoffStates = (
      await sql.query('SELECT state, count(*)::int AS n FROM elexon.handoffs WHERE case_id = ANY($1::uuid[]) GROUP BY state ORDER BY state', [caseIds])
    ).rows as { state: string; n: number }[];
    const timelineRows = (await sql.query('SELECT count(*)::int AS n FROM elexon.case_timeline WHERE case_id = ANY($1::uuid[])', [caseIds])).rows[0]
      .n as number;
    const ticketsWaitStarted = Date.now();
    let ticketsResolved = 0;
    for (;;) {
      ticketsResolved = (
        await sql.query(`SELECT count(*)::int AS n FROM dcc.external_tickets WHERE case_id = ANY($1::uuid[]) AND state = 'RESOLVED'`, [caseIds])
      ).rows[0].n;
      if (ticketsResolved >= caseIds.length || Date.now() - ticketsWaitStarted > 15_000) break;
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
    const ticketsLagSeconds = (Date.now() - ticketsWaitStarted) / 1000;
    const resolvedCases = caseStates.find((s) => s.state === 'RESOLVED')?.n ?? 0;
    const allResolved = resolvedCases === caseIds.length && caseIds.length === flows + warmupFlows;
    console.log(
      `  check: ${caseIds.length} cases raised; states ${caseStates.map((s) => `${s.state} ${s.n}`).join(', ')}; hand-offs ${handoffStates.map((s) => `${s.state} ${s.n}`).join(', ')}; ` +
        `${timelineRows} timeline rows (${(timelineRows / Math.max(caseIds.length, 1)).toFixed(1)}/case)`,
    );
    console.log(
      `  check: DCC tickets RESOLVED ${ticketsResolved}/${caseIds.length} (events), ${ticketsLagSeconds < 0.3 ? 'already there when the flows ended' : `${ticketsLagSeconds.toFixed(1)} s after the flows ended`}`,
    );
    if (!allResolved) {
      exitCode = 1;
      console.log(`  PROBLEM: expected ${flows + warmupFlows} RESOLVED cases`);
    }

    // One more flow, step by step from here, capturing the statements the elexon subgraph runs for each mutation
    // (BEGIN/COMMIT are not counted). After triage, the stored due times — which the `breached` queue filter
    // reads — should match what the API shows.
    const probeStatements: Record<string, number> = {};
    const probeStep = async <T>(name: string, token: string, query: string, input: Record<string, unknown>): Promise<T> => {
      let answer: { status: number; text: string; body: { data?: Record<string, T>; errors?: unknown[] } } | null = null;
      const statements = await captureStatements(elexon.db, async () => {
        answer = await gatewayPost<{ data?: Record<string, T>; errors?: unknown[] }>(gatewayUrl, token, query, { input });
      });
      const got = answer! as { status: number; text: string; body: { data?: Record<string, T>; errors?: unknown[] } };
      if (got.status !== 200 || got.body.errors || !got.body.data?.[name]) throw new Error(`probe ${name}: HTTP ${got.status} ${got.text.slice(0, 500)}`);
      probeStatements[name] = statements.length;
      return got.body.data[name];
    };
    const probeCase = await probeStep<{ id: string }>('raiseCase', tokens.supplier, 'mutation($input: RaiseCaseInput!) { raiseCase(input: $input) { id } }', {
      deskId: QUEUE_DESK,
      category: 'MARKET_SYSTEMS',
      subject: 'Due-time probe',
      description: 'Checks the stored due times after triage.',
    });
    const triagedProbe = await probeStep<{ sla: { resolutionDueAt: string | null } }>(
      'triageCase',
      tokens.elexonAgent,
      'mutation($input: TriageCaseInput!) { triageCase(input: $input) { sla { resolutionDueAt } } }',
      { caseId: probeCase.id, type: 'INCIDENT', impact: 'HIGH', urgency: 'HIGH' },
    );
    const [stored] = (await sql.query('SELECT resolution_due_at AS "due" FROM elexon.cases WHERE id = $1', [probeCase.id])).rows as { due: Date | null }[];
    const shown = triagedProbe.sla.resolutionDueAt;
    const consistent = shown !== null && stored?.due instanceof Date && Math.abs(stored.due.getTime() - Date.parse(shown)) < 1000;
    const probeHandedOff = await probeStep<{ handoffs: { id: string }[] }>(
      'handOffCase',
      tokens.elexonAgent,
      'mutation($input: HandOffCaseInput!) { handOffCase(input: $input) { handoffs { id } } }',
      { caseId: probeCase.id, toDeskId: 'dcc-service-desk', reason: 'Probe' },
    );
    const probeHandoffId = probeHandedOff.handoffs[0]?.id;
    await probeStep('acknowledgeHandoff', tokens.dccAgent, 'mutation($input: AcknowledgeHandoffInput!) { acknowledgeHandoff(input: $input) { id } }', {
      handoffId: probeHandoffId,
      externalReference: 'DCC-PROBE',
    });
    await probeStep('resolveHandoff', tokens.dccAgent, 'mutation($input: ResolveHandoffInput!) { resolveHandoff(input: $input) { id } }', {
      handoffId: probeHandoffId,
      resolution: 'Probe resolved',
    });
    await probeStep('resolveCase', tokens.elexonAgent, 'mutation($input: ResolveCaseInput!) { resolveCase(input: $input) { id } }', {
      caseId: probeCase.id,
      resolution: 'Probe resolved',
    });
    console.log(
      `  statements per mutation (elexon subgraph, one flow, minimal selections, no idempotency key): ${Object.entries(probeStatements)
        .map(([m, n]) => `${m} ${n}`)
        .join(', ')}`,
    );
    console.log(
      `  check: after triage (P1) the API shows resolutionDueAt ${shown ?? 'null'}; elexon.cases.resolution_due_at holds ${stored?.due?.toISOString() ?? 'NULL'}` +
        `${consistent ? ' (consistent)' : ' — INCONSISTENT: the `breached` filter reads the stored column, so this case cannot show as breached'}`,
    );

    // ---- 2. the desk queue --------------------------------------------------------------------------------------
    const desks = (await sql.query(`SELECT id FROM elexon.desks WHERE id <> $1 ORDER BY id LIMIT 19`, [QUEUE_DESK])).rows.map((r: { id: string }) => r.id);
    const wantedOrgs = [
      'british-gas',
      'british-gas-business',
      'eon-next',
      'npower-business-solutions',
      'ukpn-lpn',
      'nged-west-midlands',
      'npg-yorkshire',
      'gridlink',
      'kraken',
    ];
    const orgs = (await sql.query('SELECT id FROM elexon.organisations WHERE id = ANY($1::text[]) ORDER BY id', [wantedOrgs])).rows.map(
      (r: { id: string }) => r.id,
    );
    console.log(
      `\n[queue] inserting ${caseCount.toLocaleString('en-GB')} cases over ${desks.length + 1} desks (${QUEUE_DESK} ~30%), raised by ${orgs.length} organisations…`,
    );
    const insertStarted = Date.now();
    await sql.query('BEGIN');
    await sql.query('SELECT setseed(0.42)');
    await sql.query(BULK_INSERT, [caseCount, QUEUE_DESK, desks, orgs]);
    await sql.query(BULK_HANDOFFS, [QUEUE_DESK]);
    await sql.query(BULK_HOLDS);
    // The stored due times of cases still on a clock, as the service's refreshDueTimes would store them now.
    const clocked = (
      await sql.query(
        `SELECT ${CASE_COLUMNS}, h.started_at AS "holdFrom" FROM elexon.cases c LEFT JOIN elexon.case_holds h ON h.case_id = c.id AND h.ended_at IS NULL
         WHERE c.reference LIKE 'BENCH-%' AND c.state IN ('NEW', 'IN_PROGRESS', 'ON_HOLD', 'RESOLVED')`,
      )
    ).rows as (Record<string, unknown> & { holdFrom: Date | null })[];
    const now = new Date();
    const ids: string[] = [];
    const responseDue: Date[] = [];
    const resolutionDue: (Date | null)[] = [];
    for (const row of clocked) {
      const c = toCase(row);
      const { clock, hasResolutionTarget } = slaClock(c, row.holdFrom ? [{ from: row.holdFrom, to: null }] : [], now);
      ids.push(c.id);
      responseDue.push(clock.responseDueAt);
      resolutionDue.push(hasResolutionTarget ? clock.resolutionDueAt : null);
    }
    await sql.query(
      `UPDATE elexon.cases c SET response_due_at = u.response_due_at, resolution_due_at = u.resolution_due_at
       FROM unnest($1::uuid[], $2::timestamptz[], $3::timestamptz[]) AS u(id, response_due_at, resolution_due_at) WHERE c.id = u.id`,
      [ids, responseDue, resolutionDue],
    );
    await sql.query('COMMIT');
    const insertSeconds = (Date.now() - insertStarted) / 1000;
    // What autovacuum would have done by the time anyone pages the queue: statistics, the visibility map, and the
    // GIN pending list of the search index flushed (a bulk load leaves up to 4 MB of it, scanned on every search).
    await sql.query('VACUUM (ANALYZE) elexon.cases');
    await sql.query('VACUUM (ANALYZE) elexon.handoffs');
    await sql.query('VACUUM (ANALYZE) elexon.case_holds');
    const shape = (
      await sql.query(
        `SELECT count(*)::int AS total,
           count(*) FILTER (WHERE desk_id = $1)::int AS desk,
           count(*) FILTER (WHERE desk_id = $1 AND state IN ('NEW', 'IN_PROGRESS', 'ON_HOLD'))::int AS desk_open,
           (SELECT count(*)::int FROM elexon.handoffs) AS handoffs,
           (SELECT count(*)::int FROM elexon.case_holds) AS holds,
           pg_size_pretty(pg_total_relation_size('elexon.cases')) AS size
         FROM elexon.cases`,
        [QUEUE_DESK],
      )
    ).rows[0] as { total: number; desk: number; desk_open: number; handoffs: number; holds: number; size: string };
    console.log(
      `  inserted in ${insertSeconds.toFixed(1)} s (due times of ${clocked.length.toLocaleString('en-GB')} open/resolved cases from the product's SLA clock; then VACUUM ANALYZE): elexon.cases ${shape.total.toLocaleString('en-GB')} rows (${shape.size} with indexes); ` +
        `${QUEUE_DESK} ${shape.desk.toLocaleString('en-GB')}, of which open ${shape.desk_open.toLocaleString('en-GB')}; ${shape.handoffs} hand-offs, ${shape.holds} holds`,
    );

    const records: QueueRecord[] = [];
    for (const query of queries) {
      const variables: QueueQuery['variables'] = { ...query.variables, filter: { ...query.variables.filter } };
      let deepRow = 0;
      if (query.deepPage) {
        // Walk the queue as a client would, 100 at a time, to the cursor of row 1,000 (less on a small queue).
        let after: string | null = null;
        for (let page = 0; page < 10; page++) {
          const { body }: { body: QueueResponse } = await gatewayPost<QueueResponse>(gatewayUrl, tokens.elexonAgent, QUEUE_DOCUMENT, {
            ...variables,
            first: 100,
            ...(after ? { after } : {}),
          });
          if (body.errors || !body.data) throw new Error(`walking the queue: ${JSON.stringify(body.errors)}`);
          if (!body.data.cases.pageInfo.hasNextPage || !body.data.cases.pageInfo.endCursor) break;
          after = body.data.cases.pageInfo.endCursor;
          deepRow += 100;
        }
        if (!after) throw new Error('the queue has fewer than 100 open cases: no deep page');
        variables.after = after;
      }
      const payload = JSON.stringify({ query: QUEUE_DOCUMENT, variables });
      let first: { status: number; text: string; body: QueueResponse } | null = null;
      const statements = await captureStatements(elexon.db, async () => {
        first = await gatewayPost<QueueResponse>(gatewayUrl, tokens.elexonAgent, QUEUE_DOCUMENT, variables);
      });
      const answer = first! as { status: number; text: string; body: QueueResponse };
      if (answer.status !== 200 || answer.body.errors || !answer.body.data) {
        throw new Error(`query ${query.name} answered HTTP ${answer.status}: ${answer.text.slice(0, 1000)}`);
      }
      const edges = answer.body.data.cases.edges;
      const page = statements.find((s) => /FROM elexon\.cases c WHERE/.test(s.sql) && /ORDER BY c\.raised_at DESC, c\.id DESC LIMIT/.test(s.sql));
      let matching: number | null = null;
      if (page && /LIMIT \$\d+$/.test(page.sql)) {
        const counted = await sql.query(
          `SELECT count(*)::int AS n FROM (${page.sql.replace(/ ORDER BY c\.raised_at DESC, c\.id DESC LIMIT \$\d+$/, '')}) q`,
          page.params.slice(0, -1),
        );
        matching = counted.rows[0].n as number;
      }
      const states = [...new Set(edges.map((e) => e.node.state))].join('/');
      const breachedShown = edges.filter((e) => e.node.sla.breached).length;
      console.log(`\n[${query.name}] ${query.description}${query.deepPage && deepRow !== 1000 ? ` (here after row ${deepRow}: the queue is short)` : ''}`);
      console.log(
        `  ${edges.length} cases (${states || 'none'}; ${breachedShown} shown breached), hasNextPage ${answer.body.data.cases.pageInfo.hasNextPage}; ` +
          `${matching ?? '?'} matching rows; ${Buffer.byteLength(answer.text)} bytes; the elexon subgraph ran ${statements.length} statement(s)`,
      );
      if (page) console.log(`  page SQL: … WHERE ${oneLine(page.sql).replace(/^.* WHERE /, '')}  params ${JSON.stringify(page.params).slice(0, 200)}`);
      for (const other of statements.filter((s) => s !== page)) console.log(`  also: ${oneLine(other.sql).slice(0, 160)}`);
      if (!page) console.log('  PROBLEM: the page statement was not captured (did the resolver SQL change?)');
      if (query.name === 'breached' && edges.some((e) => !e.node.sla.breached)) {
        console.log(`  NOTE: ${edges.filter((e) => !e.node.sla.breached).length} case(s) returned by breached: true show sla.breached false`);
      }

      const job: LoadJob = {
        url: gatewayUrl,
        headers: { authorization: `Bearer ${tokens.elexonAgent}` },
        body: payload,
        durationSeconds,
        connections,
        bodyStartsWith: '{"data":{"cases":{"edges":[',
        bodyExcludes: '"errors"',
      };
      const record: QueueRecord = {
        query,
        rows: edges.length,
        matching,
        statements,
        rounds: [],
        baselineRounds: [],
        sqlOnly: null,
        light: null,
        explain: null,
        withoutQueueIndex: null,
      };
      // The first page is also measured without the queue index of migration 1763900003000 (dropped for the round,
      // made again after it), in alternating rounds: the index's effect, side by side on the same machine state.
      const compare = compareIndex && query.name === 'firstPage';
      const variants: { name: 'with' | 'without'; label: string }[] = [{ name: 'with', label: 'gateway' }];
      if (compare) variants.push({ name: 'without', label: `gateway, no ${QUEUE_INDEX}` });
      const withoutIndex = async <T>(work: () => Promise<T>): Promise<T> => {
        await sql.query(`DROP INDEX elexon.${QUEUE_INDEX}`);
        try {
          return await work();
        } finally {
          await sql.query(`CREATE INDEX ${QUEUE_INDEX} ON elexon.cases (raised_at DESC, id DESC) WHERE state IN ('NEW', 'IN_PROGRESS', 'ON_HOLD')`);
        }
      };
      const warmed = new Set<string>();
      for (let round = 1; round <= rounds; round++) {
        const order = round % 2 === 1 ? variants : [...variants].reverse();
        for (const variant of order) {
          const measure = async () => {
            if (!warmed.has(variant.name) && warmupSeconds > 0) {
              await runChild<LoadJob, LoadResult>(LOAD_SCRIPT, { ...job, durationSeconds: warmupSeconds }, (warmupSeconds + 30) * 1000);
            }
            warmed.add(variant.name);
            sampler.beginPhase();
            const cpu0 = process.cpuUsage();
            const result = await runChild<LoadJob, LoadResult>(LOAD_SCRIPT, job, (durationSeconds + 30) * 1000);
            const cpu = process.cpuUsage(cpu0);
            const serverPeakRssBytes = sampler.endPhase();
            const serverCpuMsPerRequest = (cpu.user + cpu.system) / 1000 / Math.max(result.totalRequests, 1);
            return { result, serverCpuMsPerRequest, serverPeakRssBytes };
          };
          const measured = variant.name === 'with' ? await measure() : await withoutIndex(measure);
          (variant.name === 'with' ? record.rounds : record.baselineRounds).push(measured);
          const { result } = measured;
          const bad = result.errors + result.non2xx + result.mismatches;
          console.log(
            `  round ${round} ${pad(variant.label, Math.max(...variants.map((v) => v.label.length)))} ${pad(result.requestsPerSecond.toFixed(0), 6, true)} req/s  p50 ${pad(String(result.latencyMs.p50), 4, true)} ms  ` +
              `p99 ${pad(String(result.latencyMs.p99), 4, true)} ms  max ${pad(String(result.latencyMs.max), 4, true)} ms  ` +
              `${bad ? `PROBLEMS: errors ${result.errors} (timeouts ${result.timeouts}), non-2xx ${result.non2xx} ${JSON.stringify(result.statusCodes)}, wrong body ${result.mismatches}` : 'no errors'}`,
          );
        }
      }
      if (lightSeconds > 0) {
        record.light = await runChild<LoadJob, LoadResult>(LOAD_SCRIPT, { ...job, durationSeconds: lightSeconds, connections: 1 }, (lightSeconds + 30) * 1000);
        const l = record.light;
        const bad = l.errors + l.non2xx + l.mismatches;
        console.log(
          `  1 connection    ${pad(l.requestsPerSecond.toFixed(0), 6, true)} req/s  p50 ${pad(String(l.latencyMs.p50), 4, true)} ms  p99 ${pad(String(l.latencyMs.p99), 4, true)} ms  ` +
            `max ${pad(String(l.latencyMs.max), 4, true)} ms  ${bad ? `PROBLEMS: ${bad} bad responses` : 'no errors'}`,
        );
      }
      if (sqlSeconds > 0 && statements.length) {
        record.sqlOnly = await runChild<SqlLoadJob, SqlLoadResult>(
          SQL_LOAD_SCRIPT,
          { databaseUrl: product.databaseUrl, statements, durationSeconds: sqlSeconds, concurrency: connections, poolSize: elexonPoolSize },
          (sqlSeconds + 30) * 1000,
        );
        const s = record.sqlOnly;
        console.log(
          `  SQL only (${statements.length} statement(s) per request) ${pad(s.iterationsPerSecond.toFixed(0), 6, true)} req/s  p50 ${fmt(s.latencyMs.p50)} ms  p99 ${fmt(s.latencyMs.p99)} ms` +
            `${s.errors ? `  ERRORS ${s.errors}: ${s.errorSamples.join('; ')}` : ''}`,
        );
      }
      if (page) {
        record.explain = await explain(sql, page);
        const e = record.explain;
        console.log(
          `  EXPLAIN (ANALYZE, BUFFERS) of the page statement: planning ${e.planningMs.toFixed(2)} ms, execution ${e.executionMs.toFixed(2)} ms; indexes ${e.indexes.join(', ') || 'none'}`,
        );
        for (const line of e.lines) console.log(`    ${line}`);
        if (e.indexes.includes(QUEUE_INDEX)) {
          // The plan before migration 1763900003000: DROP INDEX is transactional, so roll it back.
          await sql.query('BEGIN');
          try {
            await sql.query(`SET LOCAL lock_timeout = '2s'`);
            await sql.query(`DROP INDEX elexon.${QUEUE_INDEX}`);
            record.withoutQueueIndex = await explain(sql, page);
          } finally {
            await sql.query('ROLLBACK');
          }
          const w = record.withoutQueueIndex;
          console.log(
            `  without ${QUEUE_INDEX} (migration 1763900003000, dropped in a rolled-back transaction): planning ${w.planningMs.toFixed(2)} ms, ` +
              `execution ${w.executionMs.toFixed(2)} ms; ${w.top}; ${w.lines.find((l) => /Scan/.test(l))?.trim() ?? ''}`,
          );
        }
        for (const other of statements.filter((s) => s !== page)) {
          const o = await explain(sql, other);
          console.log(
            `  EXPLAIN of "${oneLine(other.sql).slice(0, 60)}…": planning ${o.planningMs.toFixed(2)} ms, execution ${o.executionMs.toFixed(2)} ms; ${o.top}`,
          );
        }
      }
      records.push(record);
    }
    sampler.stop();

    // ---- summary ------------------------------------------------------------------------------------------------
    console.log('\n==== Summary ====');
    console.log(
      `\nLifecycle (${flowResult.flowsCompleted} flows, ${concurrency} in flight): ${flowsPerSecond.toFixed(1)} flows/s, ${mutationsPerSecond.toFixed(0)} mutations/s; ` +
        `flow p50 ${fmt(flowResult.flowLatency.p50, 0)} ms, p99 ${fmt(flowResult.flowLatency.p99, 0)} ms; ` +
        `server CPU ${((flowCpu.user + flowCpu.system) / 1000 / Math.max(flowResult.mutations + MUTATIONS.length * warmupFlows, 1)).toFixed(2)} ms/mutation; ` +
        `all ${caseIds.length} cases RESOLVED: ${allResolved ? 'yes' : 'NO'}`,
    );
    const lifecycleRows = [['mutation', 'count', 'errors', 'p50 ms', 'p90 ms', 'p99 ms', 'max ms']];
    for (const m of MUTATIONS) {
      const s = flowResult.perMutation[m];
      lifecycleRows.push([m, String(s.count), String(s.errors), fmt(s.p50), fmt(s.p90), fmt(s.p99), fmt(s.max)]);
    }
    printTable(lifecycleRows, [false, true, true, true, true, true, true]);

    console.log(`\nDesk queue (${shape.total.toLocaleString('en-GB')} cases; Elexon desk agent; ${connections} connections; medians of ${rounds} rounds)`);
    const queueRows = [
      [
        'query',
        'rows',
        'matching',
        'req/s',
        'p50 ms',
        'p99 ms',
        'errors',
        '1-conn p50/p99 ms',
        'SQL-only p50/p99 ms',
        'SQL-only req/s',
        'EXPLAIN plan+exec ms',
        'plan (top ← scan)',
      ],
    ];
    const queueRow = (name: string, r: QueueRecord, roundsOf: RoundRecord[], baseline: boolean): string[] => {
      const results = roundsOf.map((x) => x.result);
      const sum = (pick: (x: LoadResult) => number) => results.reduce((acc, x) => acc + pick(x), 0);
      return [
        name,
        String(r.rows),
        r.matching === null ? '?' : r.matching.toLocaleString('en-GB'),
        median(results.map((x) => x.requestsPerSecond)).toFixed(0),
        median(results.map((x) => x.latencyMs.p50)).toFixed(0),
        median(results.map((x) => x.latencyMs.p99)).toFixed(0),
        `${sum((x) => x.errors + x.non2xx + x.mismatches)}/${sum((x) => x.totalRequests)}`,
        !baseline && r.light ? `${r.light.latencyMs.p50}/${r.light.latencyMs.p99}` : '-',
        !baseline && r.sqlOnly ? `${fmt(r.sqlOnly.latencyMs.p50)}/${fmt(r.sqlOnly.latencyMs.p99)}` : '-',
        !baseline && r.sqlOnly ? r.sqlOnly.iterationsPerSecond.toFixed(0) : '-',
        baseline
          ? r.withoutQueueIndex
            ? `${r.withoutQueueIndex.planningMs.toFixed(2)}+${r.withoutQueueIndex.executionMs.toFixed(2)}`
            : '-'
          : r.explain
            ? `${r.explain.planningMs.toFixed(2)}+${r.explain.executionMs.toFixed(2)}`
            : '-',
        (baseline ? r.withoutQueueIndex?.top : r.explain?.top) ?? '-',
      ];
    };
    for (const r of records) {
      queueRows.push(queueRow(r.query.name, r, r.rounds, false));
      if (r.baselineRounds.length) queueRows.push(queueRow(`  ${r.query.name}, no ${QUEUE_INDEX}`, r, r.baselineRounds, true));
    }
    printTable(queueRows, [false, true, true, true, true, true, true, true, true, true, true, false]);
    const cpuRows = [['query', 'server CPU ms/req', 'gateway req/s ÷ SQL-only req/s', 'peak RSS (bench process)']];
    for (const r of records) {
      const rps = median(r.rounds.map((x) => x.result.requestsPerSecond));
      cpuRows.push([
        r.query.name,
        median(r.rounds.map((x) => x.serverCpuMsPerRequest)).toFixed(2),
        r.sqlOnly ? `${(rps / r.sqlOnly.iterationsPerSecond).toFixed(2)}×` : '-',
        mib(Math.max(...r.rounds.map((x) => x.serverPeakRssBytes))),
      ]);
      if (r.baselineRounds.length) {
        cpuRows.push([
          `  ${r.query.name}, no ${QUEUE_INDEX}`,
          median(r.baselineRounds.map((x) => x.serverCpuMsPerRequest)).toFixed(2),
          '-',
          mib(Math.max(...r.baselineRounds.map((x) => x.serverPeakRssBytes))),
        ]);
      }
    }
    printTable(cpuRows, [false, true, true, true]);

    const firstPage = records.find((r) => r.query.name === 'firstPage');
    if (firstPage) {
      const p99 = median(firstPage.rounds.map((x) => x.result.latencyMs.p99));
      console.log(
        `\n  (a) first page p99 ${p99.toFixed(0)} ms at ${connections} connections: ${p99 < QUEUE_LIMIT_MS / 2 ? 'well under' : p99 < QUEUE_LIMIT_MS ? 'under, but not well under,' : 'NOT under'} ${QUEUE_LIMIT_MS} ms` +
          `${firstPage.light ? `; with 1 connection p99 ${firstPage.light.latencyMs.p99} ms` : ''}` +
          `${firstPage.explain ? `; PostgreSQL executes the page statement in ${firstPage.explain.executionMs.toFixed(2)} ms` : ''}.`,
      );
      if (firstPage.baselineRounds.length) {
        const ratio = (pick: (x: LoadResult) => number) =>
          (median(firstPage.rounds.map((x) => pick(x.result))) / median(firstPage.baselineRounds.map((x) => pick(x.result)))).toFixed(2);
        console.log(
          `  ${QUEUE_INDEX} (migration 1763900003000) vs without, first page, same run: req/s ${ratio((x) => x.requestsPerSecond)}×, ` +
            `p50 ${ratio((x) => x.latencyMs.p50)}×, p99 ${ratio((x) => x.latencyMs.p99)}×` +
            `${firstPage.explain && firstPage.withoutQueueIndex ? `; page statement ${firstPage.withoutQueueIndex.executionMs.toFixed(2)} → ${firstPage.explain.executionMs.toFixed(2)} ms` : ''}.`,
        );
      }
    }
    const loadPeak = Math.max(...records.flatMap((r) => [...r.rounds, ...r.baselineRounds].map((x) => x.result.loadGeneratorMaxRssBytes)), 0);
    console.log(
      `  Peak RSS: bench process (gateway + five subgraphs + harness) ${mib(sampler.peak)} sampled, ${mib(flowRss)} during the lifecycle, ${mib(process.resourceUsage().maxRSS * 1024)} max over its life;` +
        ` flow client ${mib(flowResult.loadGeneratorMaxRssBytes)}; autocannon ${mib(loadPeak)}; SQL replay ${mib(Math.max(...records.map((r) => r.sqlOnly?.loadGeneratorMaxRssBytes ?? 0), 0))}.`,
    );
    console.log('  errors: socket errors+timeouts + non-2xx + 2xx bodies that were not a `cases` page or carried "errors", summed over rounds.');
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

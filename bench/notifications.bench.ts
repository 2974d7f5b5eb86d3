/**
 * `npm run bench:notifications`: the CPSD's own notices through the delivery engine — an MI update to a comms list of
 * BENCH_COMMS_LIST (5,000) addresses while case events run at BENCH_RATE (200) per second, each fanning out to the
 * case's raiser — and the time from commit to the notice handed to the SMTP relay or the raiser's webhook.
 *
 * - The product (PostgreSQL database `cpsd_bench_notifications`, six subgraphs, the gateway) starts in this process
 *   through `startProduct()`, with its fan-outs (MI comms, raiser notices: each reads the API as the comms identity),
 *   and DELIVERY_WORKERS workers (default 2) with `startDeliveryWorkers`, the function the delivery subgraph starts
 *   them with. The whole path is measured: elexon outbox → relay → bus → fan-out (API read, one delivery per
 *   recipient) → workers (claim, compose, SMTP or signed POST, mark) → receiver.
 * - The receivers (bench/notification-sinks.ts) are a second process: an SMTP sink keyed by Message-ID and a webhook
 *   receiver verifying each signature, keyed by webhook-id; both ids carry the delivery id, so duplicates are seen.
 * - Raisers: BENCH_RAISERS people of two supplier organisations, each with an `email` claim; every tenth keeps a
 *   personal webhook preference instead (all kinds). A case flow is raise (the raiser), triage, a customer-visible
 *   comment, resolve (the Elexon agent), through the case service in this process (each call one committed
 *   transaction, its events in the elexon outbox); its four steps are half a second apart and flows start at
 *   BENCH_RATE / 4 per second, so events run at BENCH_RATE per second. Each event is one notice to the raiser.
 * - A round: case events for BENCH_DURATION seconds; one second in, the lead's MI manager posts an update
 *   (postMajorIncidentUpdate through the gateway; its commit is taken as the mutation's answer) to a promoted DIP major
 *   incident whose comms list holds BENCH_COMMS_LIST addresses. Then everything is awaited. BENCH_ROUNDS rounds;
 *   the figures are medians of the rounds (max: the worst).
 *
 * Environment: DATABASE_URL (default postgres://postgres@127.0.0.1:5432/postgres), DELIVERY_WORKERS (2),
 * DELIVERY_BATCH_SIZE (10), BENCH_COMMS_LIST (5000), BENCH_RATE (200), BENCH_DURATION (10), BENCH_RAISERS (200),
 * BENCH_ROUNDS (3). `--cpu-prof` on node (NODE_OPTIONS) profiles the product's process.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Principal } from '../schema/identity';
import type { Arrival } from './notification-sinks';
import { at, DEFAULT_SERVER_URL, intFromEnv, median, must, percentileOfSorted, printTable, redactUrl } from './support';

// The logger reads LOG_LEVEL when it is first imported: set it before any product module loads.
process.env.LOG_LEVEL ??= 'warn';

const DATABASE = 'cpsd_bench_notifications';
const DESK = 'elexon-service-desk';
const ORGANISATIONS = ['british-gas', 'eon-next'];
const now = (): number => performance.timeOrigin + performance.now();
const sleepUntil = (t: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, Math.max(0, t - now())));

interface SinkStats {
  arrivals: Arrival[];
  tickets: number;
  peakRss: number;
}

interface RoundResult {
  caseEvents: number;
  offeredPerSecond: number;
  deliveries: number;
  comms: LatencyFigures;
  raiser: LatencyFigures;
  all: LatencyFigures;
  deliveriesPerSecond: number;
  duplicates: number;
  errors: number;
  fanOutMs: number;
}

interface LatencyFigures {
  count: number;
  p50: number;
  p99: number;
  max: number;
}

function figures(latencies: number[]): LatencyFigures {
  const sorted = [...latencies].sort((a, b) => a - b);
  return { count: sorted.length, p50: percentileOfSorted(sorted, 50), p99: percentileOfSorted(sorted, 99), max: sorted.at(-1) ?? Number.NaN };
}

async function main(): Promise<void> {
  const settings = {
    commsList: intFromEnv('BENCH_COMMS_LIST', 5000),
    rate: intFromEnv('BENCH_RATE', 200),
    duration: intFromEnv('BENCH_DURATION', 10),
    raisers: intFromEnv('BENCH_RAISERS', 200),
    rounds: intFromEnv('BENCH_ROUNDS', 3),
  };
  const serverUrl = process.env.DATABASE_URL ?? DEFAULT_SERVER_URL;
  const workerCount = intFromEnv('DELIVERY_WORKERS', 2);
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'cpsd-bench-notifications-'));

  const sinksProcess: ChildProcess = fork(path.join(__dirname, 'notification-sinks.ts'), [], {
    env: { ...process.env, NODE_OPTIONS: '' },
    execArgv: ['--import', 'tsx'],
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const sinks = await new Promise<{ smtpPort: number; webhookBase: string }>((resolve, reject) => {
    sinksProcess.once('message', (message: { smtpPort: number; webhookBase: string }) => resolve(message));
    sinksProcess.once('exit', (code) => reject(new Error(`the sinks exited ${code}`)));
  });
  const sinkStats = (): Promise<SinkStats> =>
    new Promise((resolve) => {
      sinksProcess.once('message', (message: SinkStats) => resolve(message));
      sinksProcess.send({ kind: 'stats' });
    });

  const smtpEnv = { SMTP_HOST: '127.0.0.1', SMTP_PORT: String(sinks.smtpPort), SMTP_REQUIRE_TLS: 'false', EMAIL_FROM: 'CPSD <cpsd@cpsd.example>' };
  const { loadConfig } = await import('../platform/config');
  const { dropDatabase } = await import('../platform/db');
  const { startProduct } = await import('../cli/product');
  const { createBridges } = await import('../adapters');
  const { startDeliveryWorkers } = await import('../subgraphs/delivery/engine');
  const { caseService } = await import('../subgraphs/elexon/cases/case.runtime');
  const config = loadConfig({ ...process.env, ...smtpEnv, CPSD_DATA_DIR: dataDir, DATABASE_URL: serverUrl, DELIVERY_WORKERS: '0' });
  await dropDatabase(serverUrl, DATABASE);
  const startedAt = Date.now();
  const product = await startProduct({ config, database: DATABASE, ephemeralPorts: true, seed: true, env: { ...process.env, ...smtpEnv } });
  let enginePeakRss = 0;
  const sampler = setInterval(() => (enginePeakRss = Math.max(enginePeakRss, process.memoryUsage().rss)), 100);
  const elexon = must(
    product.subgraphs.find((s) => s.name === 'elexon'),
    'the elexon subgraph',
  ).db;
  const deliveryDb = must(
    product.subgraphs.find((s) => s.name === 'delivery'),
    'the delivery subgraph',
  ).db;
  const issuer = must(product.devIssuer, 'a development issuer');
  const cases = caseService(elexon);
  const workers = await startDeliveryWorkers({
    db: deliveryDb,
    bridges: createBridges({ dev: true, env: { ...process.env, ...smtpEnv } }),
    settings: { ...config.delivery, workers: workerCount },
  });

  const gql = async <T>(token: string, query: string, variables: Record<string, unknown>): Promise<T> => {
    const response = await fetch(product.gateway.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
      body: JSON.stringify({ query, variables }),
    });
    const body = (await response.json()) as { data?: T; errors?: { message: string }[] };
    if (body.errors?.length || !body.data) throw new Error(`bench: ${query.slice(0, 60)}… failed: ${JSON.stringify(body.errors)}`);
    return body.data;
  };

  // ---- the market: raisers, their preferences, the comms list, a promoted DIP major incident ----
  const agent: Principal = {
    subject: 'eve@elexon.example',
    organisationId: 'elexon',
    visibleOrganisationIds: ['elexon'],
    roles: ['participant', 'desk_agent'] as Principal['roles'],
    deskIds: [DESK],
    kind: 'USER',
  };
  const raisers: Principal[] = Array.from({ length: settings.raisers }, (_, i) => {
    const organisationId = at(ORGANISATIONS, i % ORGANISATIONS.length);
    const subject = `raiser-${i}`;
    return {
      subject,
      organisationId,
      visibleOrganisationIds: [organisationId],
      roles: ['participant'] as Principal['roles'],
      deskIds: [],
      kind: 'USER',
      email: `${subject}@${organisationId}.example`,
    };
  });
  const SET = 'mutation($input: NotificationPreferenceInput!) { setNotificationPreference(input: $input) { id } }';
  for (const [i, raiser] of raisers.entries()) {
    if (i % 10 !== 9) continue;
    const token = await issuer.issue({
      sub: raiser.subject,
      org: raiser.organisationId,
      roles: raiser.roles,
      desks: [],
      email: must(raiser.email, 'an email'),
    });
    await gql(token, SET, {
      input: {
        channel: 'WEBHOOK',
        address: `${sinks.webhookBase}/${raiser.organisationId}/${raiser.subject}`,
        kinds: ['ACKNOWLEDGEMENT', 'STATE_CHANGE', 'COMMENT', 'RESOLUTION'],
      },
    });
  }
  const tokenOf = (sub: string, org: string, roles: Principal['roles'], desks: string[] = []) => issuer.issue({ sub, org, roles, desks });
  const agentToken = await tokenOf(agent.subject, 'elexon', agent.roles, [DESK]);
  const mimToken = await tokenOf('mim@elexon.example', 'elexon', ['participant', 'major_incident_manager'] as Principal['roles']);
  const supplierToken = await tokenOf('bella@britishgas.example', 'british-gas', ['participant'] as Principal['roles']);
  const { raiseCase: miCase } = await gql<{ raiseCase: { id: string } }>(
    supplierToken,
    'mutation($input: RaiseCaseInput!) { raiseCase(input: $input) { id } }',
    { input: { deskId: DESK, category: 'MARKET_SYSTEMS', subject: 'DIP not delivering our messages', description: 'No acknowledgements since 08:10' } },
  );
  await gql(agentToken, 'mutation($input: TriageCaseInput!) { triageCase(input: $input) { id } }', {
    input: { caseId: miCase.id, type: 'INCIDENT', impact: 'HIGH', urgency: 'HIGH' },
  });
  const { proposeMajorIncident } = await gql<{ proposeMajorIncident: { id: string } }>(
    agentToken,
    'mutation($caseId: ID!, $input: ProposeMajorIncidentInput!) { proposeMajorIncident(caseId: $caseId, input: $input) { id } }',
    {
      caseId: miCase.id,
      input: {
        title: 'DIP message delivery outage',
        services: ['DIP'],
        validityChecks: ['SETTLEMENT_IMPACT', 'SERVICE_DISRUPTION'],
        thresholds: { participantImpact: true, duration: false, complianceRisk: true, securityBreach: false },
      },
    },
  );
  const miId = proposeMajorIncident.id;
  // Promoted with an empty comms list (its comms go nowhere); the list is filled before the measured updates.
  await gql(mimToken, 'mutation($id: ID!, $input: ReviewMajorIncidentInput) { reviewMajorIncident(id: $id, decision: PROMOTE, input: $input) { id } }', {
    id: miId,
    input: { note: 'DIP down for all publishers', initialUpdate: { body: 'The DIP is not delivering messages.', statusPage: true } },
  });
  // The promotion's fan-out reads the list when it runs: let it run on the empty list first.
  for (const deadline = Date.now() + 60_000; ; ) {
    const [row] = (await deliveryDb.query(
      `SELECT COALESCE((SELECT sequence FROM cpsd_bus.consumer_offsets WHERE consumer = 'delivery:comms'), 0)
              >= (SELECT max(sequence) FROM cpsd_bus.events WHERE type = 'major_incident.promoted') AS done`,
    )) as { done: boolean }[];
    if (row?.done) break;
    if (Date.now() > deadline) throw new Error('bench: the promotion was not fanned out in time');
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  await elexon.query(
    `INSERT INTO elexon.mi_comms_list (id, organisation_id, services, address, name, created_by_subject, created_at, updated_at)
     SELECT gen_random_uuid(), (ARRAY['british-gas', 'eon-next'])[1 + n % 2], ARRAY['DIP'], 'ops' || n || '@' || (ARRAY['britishgas', 'eonnext'])[1 + n % 2] || '.example',
            NULL, 'bench', now(), now()
     FROM generate_series(1, $1) AS n`,
    [settings.commsList],
  );

  /** Awaits `expected` distinct arrivals (ok) among the delivery ids given; returns every arrival seen. */
  const awaitArrivals = async (expected: Set<string>, timeoutMs: number): Promise<Arrival[]> => {
    const deadline = Date.now() + timeoutMs;
    const all: Arrival[] = [];
    const seen = new Set<string>();
    while (seen.size < expected.size) {
      if (Date.now() > deadline) {
        const [states] = (await deliveryDb.query(
          `SELECT json_object_agg(state, n) AS states FROM (SELECT state, count(*) AS n FROM delivery.deliveries GROUP BY state) s`,
        )) as { states: unknown }[];
        throw new Error(`only ${seen.size} of ${expected.size} notices arrived in ${timeoutMs / 1000} s; deliveries by state: ${JSON.stringify(states)}`);
      }
      await new Promise((resolve) => setTimeout(resolve, 100));
      const stats = await sinkStats();
      all.push(...stats.arrivals);
      for (const a of stats.arrivals) {
        const id = deliveryIdOf(a);
        if (a.ok && expected.has(id)) seen.add(id);
      }
    }
    return all;
  };

  /** The delivery id in a Message-ID (`<CPSD-000123.<id>@domain>` or `<<id>@domain>`) or a webhook-id (the id). */
  const deliveryIdOf = (a: Arrival): string =>
    a.channel === 'webhook' ? a.key : (/([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})@/.exec(a.key)?.[1] ?? a.key);

  let caseSerial = 0;
  const round = async (): Promise<RoundResult> => {
    const flows = Math.round((settings.rate / 4) * settings.duration);
    const commits = new Map<string, number>(); // `${caseId}/${eventType}` and the MI update's event id → commit time
    const start = now() + 50;
    let miCommit = 0;
    let miEventId = '';
    const mi = (async () => {
      await sleepUntil(start + 1000);
      await gql(mimToken, 'mutation($id: ID!, $input: MajorIncidentUpdateInput!) { postMajorIncidentUpdate(id: $id, input: $input) { id } }', {
        id: miId,
        input: {
          body: `A fix is being deployed to the DIP message brokers (${randomUUID().slice(0, 8)}).`,
          nextUpdateDueAt: new Date(Date.now() + 1800_000).toISOString(),
          statusPage: true,
        },
      });
      miCommit = now();
      const [row] = (await elexon.query(
        `SELECT id FROM elexon.outbox WHERE type = 'major_incident.updated' AND entity_id = $1 ORDER BY occurred_at DESC LIMIT 1`,
        [miId],
      )) as { id: string }[];
      miEventId = must(row, 'the MI update event').id;
    })();
    let caseEvents = 0;
    const flow = async (f: number): Promise<void> => {
      const raiser = at(raisers, (caseSerial + f) % raisers.length);
      const t0 = start + (f * 4000) / settings.rate;
      await sleepUntil(t0);
      const c = await cases.raiseCase(raiser, {
        deskId: DESK,
        category: 'SETTLEMENT_SERVICES' as never,
        subject: `Settlement volumes missing ${caseSerial + f}`,
        description: 'Our D0296 was not included in the SF run',
      });
      commits.set(`${c.id}/case.raised`, now());
      const steps: [string, () => Promise<unknown>][] = [
        ['case.triaged', () => cases.triageCase(agent, { caseId: c.id, type: 'INCIDENT' as never, impact: 'MEDIUM' as never, urgency: 'MEDIUM' as never })],
        ['case.commented', () => cases.addComment(agent, { caseId: c.id, body: 'We are re-running the aggregation.', visibility: 'CUSTOMER_VISIBLE' })],
        ['case.resolved', () => cases.resolveCase(agent, { caseId: c.id, resolution: 'Re-ran the aggregation.' })],
      ];
      for (const [k, [type, step]] of steps.entries()) {
        await sleepUntil(t0 + (k + 1) * 500);
        await step();
        commits.set(`${c.id}/${type}`, now());
      }
      caseEvents += 4;
    };
    await Promise.all([mi, ...Array.from({ length: flows }, (_, f) => flow(f))]);
    const offeredPerSecond = caseEvents / ((now() - start) / 1000);
    caseSerial += flows;
    commits.set(miEventId, miCommit);

    // The notices this round made: raiser notices of this round's cases, and the update's comms.
    const caseIds = [...new Set([...commits.keys()].filter((k) => k.includes('/')).map((k) => k.split('/')[0]))];
    const expectedCount = caseIds.length * 4 + settings.commsList;
    const rows = await (async () => {
      const deadline = Date.now() + 300_000;
      for (;;) {
        const found = (await deliveryDb.query(
          `SELECT id, event_id::text, case_id::text, event_type, extract(epoch FROM created_at) * 1000 AS created FROM delivery.deliveries
           WHERE (event_id = $1::uuid OR case_id = ANY($2::uuid[])) AND desk_id <> $3`,
          [miEventId, caseIds, DESK],
        )) as { id: string; event_id: string; case_id: string | null; event_type: string; created: number }[];
        if (found.length >= expectedCount) return found;
        if (Date.now() > deadline) throw new Error(`only ${found.length} of ${expectedCount} notices were fanned out`);
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
    })();
    const arrivals = await awaitArrivals(new Set(rows.map((r) => r.id)), 300_000);
    const first = new Map<string, number>();
    const copies = new Map<string, number>();
    let errors = 0;
    for (const a of arrivals) {
      const id = deliveryIdOf(a);
      if (!a.ok) errors += 1;
      copies.set(id, (copies.get(id) ?? 0) + 1);
      if (a.ok && !first.has(id)) first.set(id, a.at);
    }
    const latency = (r: (typeof rows)[number]): number =>
      must(first.get(r.id), 'an arrival') - must(commits.get(r.case_id ? `${r.case_id}/${r.event_type}` : r.event_id), `the commit of ${r.event_type}`);
    const comms = rows.filter((r) => r.event_id === miEventId);
    const raiser = rows.filter((r) => r.event_id !== miEventId);
    const lastArrival = Math.max(...rows.map((r) => must(first.get(r.id), 'an arrival')));
    const lastCommsRow = Math.max(...comms.map((r) => Number(r.created)));
    return {
      caseEvents,
      offeredPerSecond,
      deliveries: rows.length,
      comms: figures(comms.map(latency)),
      raiser: figures(raiser.map(latency)),
      all: figures(rows.map(latency)),
      deliveriesPerSecond: rows.length / ((lastArrival - start) / 1000),
      duplicates: [...copies.values()].filter((n) => n > 1).length,
      errors,
      fanOutMs: lastCommsRow - miCommit,
    };
  };

  try {
    const startupSeconds = (Date.now() - startedAt) / 1000;
    const results: RoundResult[] = [];
    for (let r = 1; r <= settings.rounds; r++) {
      const result = await round();
      results.push(result);
      console.error(
        `  round ${r}: ${result.caseEvents} case events (${result.offeredPerSecond.toFixed(0)}/s) + 1 MI update → ${result.deliveries} notices, ` +
          `${result.deliveriesPerSecond.toFixed(0)}/s; comms p50 ${result.comms.p50.toFixed(0)} / p99 ${result.comms.p99.toFixed(0)} / max ${result.comms.max.toFixed(0)} ms ` +
          `(fan-out to the last comms row ${result.fanOutMs.toFixed(0)} ms); raiser p50 ${result.raiser.p50.toFixed(0)} / p99 ${result.raiser.p99.toFixed(0)} / max ${result.raiser.max.toFixed(0)} ms; ` +
          `duplicates ${result.duplicates}, errors ${result.errors}`,
      );
    }
    const stats = await sinkStats();
    const [states] = (await deliveryDb.query(
      `SELECT count(*) FILTER (WHERE state = 'DELIVERED')::int AS delivered, count(*) FILTER (WHERE state <> 'DELIVERED')::int AS other FROM delivery.deliveries`,
    )) as { delivered: number; other: number }[];
    // Where a notice's time goes: waiting in the queue (row created → its attempt started) and the attempt itself
    // (the bridge: compose, SMTP or signed POST), from the engine's own records.
    const [split] = (await deliveryDb.query(
      `SELECT percentile_cont(0.5) WITHIN GROUP (ORDER BY a.duration_ms) AS attempt_p50, percentile_cont(0.99) WITHIN GROUP (ORDER BY a.duration_ms) AS attempt_p99,
              percentile_cont(0.5) WITHIN GROUP (ORDER BY EXTRACT(EPOCH FROM a.started_at - d.created_at) * 1000) AS queued_p50,
              percentile_cont(0.99) WITHIN GROUP (ORDER BY EXTRACT(EPOCH FROM a.started_at - d.created_at) * 1000) AS queued_p99
       FROM delivery.attempts a JOIN delivery.deliveries d ON d.id = a.delivery_id WHERE a.outcome = 'DELIVERED' AND d.desk_id <> $1`,
      [DESK],
    )) as { attempt_p50: number; attempt_p99: number; queued_p50: number; queued_p99: number }[];
    const d = config.delivery;
    console.log('\nCPSD notifications benchmark');
    console.log(
      `  settings: DELIVERY_WORKERS=${workerCount} DELIVERY_BATCH_SIZE=${d.batchSize} DELIVERY_TIMEOUT_MS=${d.timeoutMs} DELIVERY_LEASE_MS=${d.leaseMs}; ` +
        `BENCH_COMMS_LIST=${settings.commsList} BENCH_RATE=${settings.rate} BENCH_DURATION=${settings.duration} BENCH_RAISERS=${settings.raisers} BENCH_ROUNDS=${settings.rounds}`,
    );
    console.log(
      `  PostgreSQL: ${redactUrl(product.databaseUrl)}; product started in ${startupSeconds.toFixed(1)} s; ${os.cpus().length} CPUs; node ${process.version}; bus ${config.bus}`,
    );
    console.log(
      `  path: elexon outbox → relay → bus → fan-out (API read, deliverTo) → ${workerCount} workers → SMTP sink / signed webhook receiver (another process)`,
    );
    const m = (pick: (r: RoundResult) => number, digits = 0) => median(results.map(pick)).toFixed(digits);
    const worst = (pick: (r: RoundResult) => number) => Math.max(...results.map(pick)).toFixed(0);
    const rows: string[][] = [['notices', 'per round', 'p50 ms', 'p99 ms', 'max ms']];
    rows.push([
      `MI update → ${settings.commsList} comms list`,
      String(at(results, 0).comms.count),
      m((r) => r.comms.p50),
      m((r) => r.comms.p99),
      worst((r) => r.comms.max),
    ]);
    rows.push([
      `case events → raisers (${m((r) => r.offeredPerSecond)}/s)`,
      String(at(results, 0).raiser.count),
      m((r) => r.raiser.p50),
      m((r) => r.raiser.p99),
      worst((r) => r.raiser.max),
    ]);
    rows.push(['all notices', String(at(results, 0).all.count), m((r) => r.all.p50), m((r) => r.all.p99), worst((r) => r.all.max)]);
    printTable(rows, [false, true, true, true, true]);
    console.log(`  latency: commit (the service call or the MI mutation answered) → the sink has the email / the receiver the webhook (first arrival).`);
    console.log(
      `  recipients: ${settings.commsList} comms addresses + ${settings.raisers} raisers (every tenth by webhook); throughput ${m((r) => r.deliveriesPerSecond)} notices/s ` +
        `(first commit → last arrival, median); MI fan-out (commit → last comms delivery row) median ${m((r) => r.fanOutMs)} ms.`,
    );
    console.log(
      `  split, all rounds: delivery row → attempt started p50 ${Number(split?.queued_p50).toFixed(0)} ms / p99 ${Number(split?.queued_p99).toFixed(0)} ms (fan-out done, waiting for a worker); ` +
        `the attempt (compose, SMTP or POST, until the answer) p50 ${Number(split?.attempt_p50).toFixed(0)} ms / p99 ${Number(split?.attempt_p99).toFixed(0)} ms`,
    );
    console.log(
      `  deliveries DELIVERED ${states?.delivered}, other states ${states?.other}; duplicates ${results.reduce((n, r) => n + r.duplicates, 0)} ` +
        `(ids that arrived more than once); errors ${results.reduce((n, r) => n + r.errors, 0)}; sink tickets ${stats.tickets}; ` +
        `peak RSS: engine process ${(enginePeakRss / 2 ** 20).toFixed(0)} MiB, sinks ${(stats.peakRss / 2 ** 20).toFixed(0)} MiB. Total ${((Date.now() - startedAt) / 1000).toFixed(0)} s.`,
    );
  } finally {
    clearInterval(sampler);
    await workers.stop();
    sinksProcess.send({ kind: 'stop' });
    await product.stop();
    await dropDatabase(serverUrl, DATABASE);
    rmSync(dataDir, { recursive: true, force: true });
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});

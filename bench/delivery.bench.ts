/**
 * `npm run bench:delivery`: ticket events per second through the delivery engine to a local webhook receiver, and
 * the time from commit (the party's outbox row committed) to delivery (the receiver has the signed webhook).
 *
 * - The product (PostgreSQL database `cpsd_bench_delivery`, six subgraphs, the gateway) starts in this process
 *   through `startProduct()`, and DELIVERY_WORKERS workers (default 2) with `startDeliveryWorkers`, the function the
 *   delivery subgraph starts them with (here, so the drain phase can hold them back). The whole path is measured: partners outbox → relay → event bus → delivery intake (one
 *   delivery row per event) → workers (claim, sign, POST, mark) → receiver.
 * - The receiver (bench/webhook-receiver.ts) is a second process: it verifies every signature with the
 *   `standardwebhooks` library and dedupes on webhook-id, as a desk's endpoint would.
 * - Events are `ticket.updated` events written with the party's own outbox writer, spread over BENCH_CASES cases so
 *   the engine's per-case ordering holds them to one delivery in flight per case.
 * - Three phases, alternating, BENCH_ROUNDS rounds each (figures are medians of the rounds):
 *   burst — BENCH_EVENTS events committed as fast as possible (100 per transaction): events/s from the first commit
 *           to the last delivery, and commit→delivery latency under that backlog;
 *   steady — BENCH_RATE events/s, one per transaction, for BENCH_DURATION seconds: commit→delivery latency when the
 *           engine keeps up (what a desk sees);
 *   drain — BENCH_EVENTS events queued (through relay, bus and intake) while the workers are held back, then the
 *           workers alone: their events/s, without the bus in the way.
 *
 * Environment: DATABASE_URL (default postgres://postgres@127.0.0.1:5432/postgres), DELIVERY_WORKERS (2),
 * DELIVERY_BATCH_SIZE (10), BENCH_EVENTS (3000), BENCH_CASES (300), BENCH_RATE (100), BENCH_DURATION (10),
 * BENCH_ROUNDS (3).
 */
import { fork, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { ContactMethodKind } from '../schema/enums';
import os from 'node:os';
import path from 'node:path';
import { at } from './support';

// The logger reads LOG_LEVEL when it is first imported: set it before any product module loads.
process.env.LOG_LEVEL ??= 'warn';

const DEFAULT_SERVER_URL = 'postgres://postgres@127.0.0.1:5432/postgres';
const DATABASE = 'cpsd_bench_delivery';
const DESK = 'wheatley-software-desk';

interface Received {
  handoffId: string;
  webhookId: string;
  verified: boolean;
  answer: number | 'hang';
  at: number;
}

interface ReceiverStats {
  received: Received[];
  tickets: number;
  peakRss: number;
}

interface PhaseResult {
  phase: 'burst' | 'steady' | 'drain';
  events: number;
  seconds: number;
  eventsPerSecond: number;
  p50: number;
  p99: number;
  max: number;
  errors: number;
  duplicates: number;
}

function intFromEnv(name: string, fallback: number, min = 1): number {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < min) throw new Error(`${name} must be an integer ≥ ${min}, got "${raw}"`);
  return value;
}

const now = (): number => performance.timeOrigin + performance.now();

function percentile(sorted: number[], p: number): number {
  if (!sorted.length) return Number.NaN;
  return at(sorted, Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1));
}

function median(values: number[]): number {
  if (!values.length) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? at(sorted, mid) : (at(sorted, mid - 1) + at(sorted, mid)) / 2;
}

/** A latency for the table; a phase that measures none (drain) shows a dash. */
function ms(value: number, digits: number): string {
  return Number.isFinite(value) ? value.toFixed(digits) : '—';
}

function redactUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = '***';
    return parsed.toString();
  } catch {
    return url;
  }
}

async function main(): Promise<void> {
  const settings = {
    events: intFromEnv('BENCH_EVENTS', 3000),
    cases: intFromEnv('BENCH_CASES', 300),
    rate: intFromEnv('BENCH_RATE', 100),
    duration: intFromEnv('BENCH_DURATION', 10),
    rounds: intFromEnv('BENCH_ROUNDS', 3),
  };
  const serverUrl = process.env.DATABASE_URL ?? DEFAULT_SERVER_URL;
  const workerCount = intFromEnv('DELIVERY_WORKERS', 2);
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'cpsd-bench-delivery-'));

  const receiverProcess: ChildProcess = fork(path.join(__dirname, 'webhook-receiver.ts'), [], {
    env: { ...process.env, BENCH_DESK: DESK },
    execArgv: ['--import', 'tsx'],
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const receiverUrl = await new Promise<string>((resolve, reject) => {
    receiverProcess.once('message', (message: { kind: string; url: string }) => resolve(message.url));
    receiverProcess.once('exit', (code) => reject(new Error(`receiver exited ${code}`)));
  });
  const receiverStats = (): Promise<ReceiverStats> =>
    new Promise((resolve) => {
      receiverProcess.once('message', (message: ReceiverStats & { kind: string }) => resolve(message));
      receiverProcess.send({ kind: 'stats' });
    });

  const { loadConfig } = await import('../platform/config');
  const { dropDatabase } = await import('../platform/db');
  const { createOutboxWriter } = await import('../platform/outbox');
  const { startProduct } = await import('../cli/product');
  const { createBridges } = await import('../adapters');
  const { startDeliveryWorkers } = await import('../subgraphs/delivery/engine');
  // The delivery subgraph's workers are started here (the same function its start hook calls), so the drain phase
  // can hold them back while a backlog builds.
  const config = loadConfig({ ...process.env, CPSD_DATA_DIR: dataDir, DATABASE_URL: serverUrl, DELIVERY_WORKERS: '0' });
  await dropDatabase(serverUrl, DATABASE);
  const startedAt = Date.now();
  const product = await startProduct({ config, database: DATABASE, ephemeralPorts: true, seed: true });
  let enginePeakRss = 0;
  const sampler = setInterval(() => (enginePeakRss = Math.max(enginePeakRss, process.memoryUsage().rss)), 100);
  const partners = product.subgraphs.find((s) => s.name === 'partners')!.db;
  const deliveryDb = product.subgraphs.find((s) => s.name === 'delivery')!.db;
  const write = createOutboxWriter('partners', 'partners');
  const cases = Array.from({ length: settings.cases }, () => randomUUID());
  const workerSettings = { ...config.delivery, workers: workerCount };
  const startWorkers = () => startDeliveryWorkers({ db: deliveryDb, bridges: createBridges({ dev: true, env: process.env }), settings: workerSettings });
  let workers = await startWorkers();

  /** Commits `count` ticket events (round-robin over the cases), `perTransaction` at a time; returns commit times. */
  const commitEvents = async (count: number, perTransaction: number, commits: Map<string, number>): Promise<void> => {
    for (let done = 0; done < count; done += perTransaction) {
      const batch = Array.from({ length: Math.min(perTransaction, count - done) }, (_, i) => ({
        caseId: at(cases, (done + i) % cases.length, 'a case'),
        handoffId: randomUUID(),
      }));
      await partners.transaction(async (tx) => {
        for (const event of batch) {
          await write(tx, {
            type: 'ticket.updated',
            entity: { __typename: 'PartnersExternalTicket', id: event.handoffId },
            caseId: event.caseId,
            payload: {
              handoffId: event.handoffId,
              caseId: event.caseId,
              caseReference: `CPSD-${event.caseId.slice(0, 6).toUpperCase()}`,
              deskId: DESK,
              party: 'PARTNERS',
              state: 'IN_PROGRESS',
              externalReference: null,
              subject: 'Benchmark',
              contactMethod: { kind: ContactMethodKind.WEBHOOK, address: receiverUrl },
              bridgeConfig: {},
              bridgeEnabled: true,
            },
          });
        }
      });
      const committedAt = now();
      for (const event of batch) commits.set(event.handoffId, committedAt);
    }
  };

  const awaitDelivered = async (commits: Map<string, number>, timeoutMs: number): Promise<ReceiverStats> => {
    const deadline = Date.now() + timeoutMs;
    const all: Received[] = [];
    let tickets = 0;
    let peakRss = 0;
    const delivered = new Set<string>();
    while (delivered.size < commits.size) {
      if (Date.now() > deadline) {
        const missing = [...commits.keys()].filter((id) => !delivered.has(id));
        const rows = await deliveryDb.query(`SELECT state, attempts, last_error FROM delivery.deliveries WHERE handoff_id = ANY($1::uuid[])`, [missing]);
        const seen = all.filter((r) => missing.includes(r.handoffId));
        throw new Error(
          `only ${delivered.size} of ${commits.size} events delivered in ${timeoutMs / 1000} s; missing: ${JSON.stringify(rows)} ${JSON.stringify(seen)} total received ${all.length} ${JSON.stringify(all.filter((r) => !commits.has(r.handoffId)))}`,
        );
      }
      await new Promise((resolve) => setTimeout(resolve, 50));
      const stats = await receiverStats();
      all.push(...stats.received);
      tickets = stats.tickets;
      peakRss = stats.peakRss;
      for (const r of stats.received) if (r.answer === 200 && commits.has(r.handoffId)) delivered.add(r.handoffId);
    }
    return { received: all, tickets, peakRss };
  };

  const summarise = (phase: PhaseResult['phase'], commits: Map<string, number>, stats: ReceiverStats, firstCommit: number): PhaseResult => {
    const firstReceipt = new Map<string, number>();
    const perWebhook = new Map<string, number>();
    let errors = 0;
    for (const r of stats.received) {
      if (!r.verified || r.answer !== 200) errors += 1;
      perWebhook.set(r.webhookId, (perWebhook.get(r.webhookId) ?? 0) + 1);
      if (!firstReceipt.has(r.handoffId)) firstReceipt.set(r.handoffId, r.at);
    }
    const latencies = [...commits].map(([handoffId, committedAt]) => firstReceipt.get(handoffId)! - committedAt).sort((a, b) => a - b);
    const lastReceipt = Math.max(...firstReceipt.values());
    const seconds = (lastReceipt - firstCommit) / 1000;
    return {
      phase,
      events: commits.size,
      seconds,
      eventsPerSecond: commits.size / seconds,
      p50: percentile(latencies, 50),
      p99: percentile(latencies, 99),
      max: latencies.at(-1) ?? Number.NaN,
      errors,
      duplicates: [...perWebhook.values()].filter((n) => n > 1).length,
    };
  };

  const burst = async (): Promise<PhaseResult> => {
    const commits = new Map<string, number>();
    const firstCommit = now();
    await commitEvents(settings.events, 100, commits);
    return summarise('burst', commits, await awaitDelivered(commits, 300_000), firstCommit);
  };

  const steady = async (): Promise<PhaseResult> => {
    const commits = new Map<string, number>();
    const total = settings.rate * settings.duration;
    const firstCommit = now();
    const start = performance.now();
    for (let i = 0; i < total; i++) {
      const due = start + (i * 1000) / settings.rate;
      const wait = due - performance.now();
      if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
      await commitEvents(1, 1, commits);
    }
    const offered = total / ((performance.now() - start) / 1000);
    const result = summarise('steady', commits, await awaitDelivered(commits, 300_000), firstCommit);
    return { ...result, eventsPerSecond: offered };
  };

  /** Workers held back while a backlog is queued (through relay, bus and intake); then how fast two workers drain it. */
  const drained: string[] = [];
  const drain = async (): Promise<PhaseResult> => {
    await workers.stop();
    const commits = new Map<string, number>();
    await commitEvents(settings.events, 100, commits);
    drained.push(...commits.keys());
    const deadline = Date.now() + 300_000;
    for (;;) {
      const { n } = at(
        (await deliveryDb.query(`SELECT count(*)::int AS n FROM delivery.deliveries WHERE state = 'PENDING'`)) as { n: number }[],
        0,
        'a count row',
      );
      if (n >= commits.size) break;
      if (Date.now() > deadline) throw new Error('the backlog was not queued in time');
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    const startedDraining = now();
    workers = await startWorkers();
    const result = summarise('drain', commits, await awaitDelivered(commits, 300_000), startedDraining);
    return { ...result, p50: Number.NaN, p99: Number.NaN, max: Number.NaN };
  };

  try {
    const startupSeconds = (Date.now() - startedAt) / 1000;
    // Warm-up: connections, JIT, the receiver's keep-alive sockets.
    {
      const commits = new Map<string, number>();
      await commitEvents(200, 100, commits);
      await awaitDelivered(commits, 20_000);
    }
    const results: PhaseResult[] = [];
    for (let round = 1; round <= settings.rounds; round++) {
      for (const run of [burst, steady, drain]) {
        const result = await run();
        results.push(result);
        console.error(
          `  round ${round} ${result.phase}: ${result.events} events, ${result.eventsPerSecond.toFixed(0)} ev/s, p50 ${ms(result.p50, 1)} ms, p99 ${ms(result.p99, 1)} ms, max ${ms(result.max, 0)} ms, errors ${result.errors}, duplicates ${result.duplicates}`,
        );
      }
    }
    const { n: delivered } = at(
      (await deliveryDb.query(`SELECT count(*)::int AS n FROM delivery.deliveries WHERE state = 'DELIVERED'`)) as { n: number }[],
      0,
      'a count row',
    );
    const { n: notDelivered } = at(
      (await deliveryDb.query(`SELECT count(*)::int AS n FROM delivery.deliveries WHERE state <> 'DELIVERED'`)) as { n: number }[],
      0,
      'a count row',
    );
    const receiver = await receiverStats();
    // Where the time goes: commit → delivery row (relay, bus, intake) and delivery row → delivered (workers, HTTP).
    const [split] = (await deliveryDb.query(
      `SELECT percentile_cont(0.5) WITHIN GROUP (ORDER BY intake) AS intake_p50, percentile_cont(0.99) WITHIN GROUP (ORDER BY intake) AS intake_p99,
              percentile_cont(0.5) WITHIN GROUP (ORDER BY engine) AS engine_p50, percentile_cont(0.99) WITHIN GROUP (ORDER BY engine) AS engine_p99
       FROM (SELECT EXTRACT(EPOCH FROM created_at - (event->>'occurredAt')::timestamptz) * 1000 AS intake,
                    EXTRACT(EPOCH FROM delivered_at - created_at) * 1000 AS engine
             FROM delivery.deliveries WHERE state = 'DELIVERED' AND NOT (handoff_id = ANY($1::uuid[]))) t`,
      [drained],
    )) as { intake_p50: number; intake_p99: number; engine_p50: number; engine_p99: number }[];
    if (!split) throw new Error('the latency split query returned no row');

    const d = config.delivery;
    console.log('\nCPSD delivery engine benchmark');
    console.log(
      `  settings: DELIVERY_WORKERS=${workerCount} DELIVERY_BATCH_SIZE=${d.batchSize} DELIVERY_TIMEOUT_MS=${d.timeoutMs} DELIVERY_LEASE_MS=${d.leaseMs} DELIVERY_POLL_MS=${d.pollMs}; ` +
        `BENCH_EVENTS=${settings.events} BENCH_CASES=${settings.cases} BENCH_RATE=${settings.rate} BENCH_DURATION=${settings.duration} BENCH_ROUNDS=${settings.rounds}`,
    );
    console.log(
      `  PostgreSQL: ${redactUrl(product.databaseUrl)}; product started in ${startupSeconds.toFixed(1)} s; ${os.cpus().length} CPUs; node ${process.version}`,
    );
    console.log(
      `  path: partners outbox → relay → bus (${config.bus}) → delivery intake → ${workerCount} workers → signed webhook → receiver process (verifies, dedupes)`,
    );
    const rows: string[][] = [['phase', 'events', 'events/s', 'p50 ms', 'p99 ms', 'max ms', 'errors', 'duplicates']];
    const labels = { burst: `burst (${settings.events} at once)`, steady: `steady (${settings.rate}/s offered)`, drain: `drain (${settings.events} queued)` };
    for (const phase of ['burst', 'steady', 'drain'] as const) {
      const mine = results.filter((r) => r.phase === phase);
      rows.push([
        labels[phase],
        String(mine[0]?.events ?? 0),
        median(mine.map((r) => r.eventsPerSecond)).toFixed(0),
        ms(median(mine.map((r) => r.p50)), 1),
        ms(median(mine.map((r) => r.p99)), 1),
        ms(Math.max(...mine.map((r) => r.max)), 0),
        String(mine.reduce((n, r) => n + r.errors, 0)),
        String(mine.reduce((n, r) => n + r.duplicates, 0)),
      ]);
    }
    const widths = at(rows, 0, 'a header row').map((_, col) => Math.max(...rows.map((row) => (row[col] ?? '').length)));
    for (const row of rows)
      console.log(`  ${row.map((cell, col) => (col === 0 ? cell.padEnd(widths[col] ?? 0) : cell.padStart(widths[col] ?? 0))).join('  ')}`);
    console.log(`  medians of ${settings.rounds} rounds; max is the worst of all rounds. Latency: outbox commit → receiver has the webhook (first arrival).`);
    console.log(`  burst events/s: first commit → last delivery; steady events/s: the rate offered (each event its own transaction);`);
    console.log(`  drain events/s: the workers alone, from their start to the last delivery of a backlog already through the intake.`);
    console.log(
      `  split, burst and steady rounds: outbox write → delivery row p50 ${Number(split.intake_p50).toFixed(0)} ms / p99 ${Number(split.intake_p99).toFixed(0)} ms (relay, bus, intake); ` +
        `delivery row → delivered p50 ${Number(split.engine_p50).toFixed(0)} ms / p99 ${Number(split.engine_p99).toFixed(0)} ms (queue, claim, sign, POST, mark)`,
    );
    console.log(
      `  deliveries DELIVERED ${delivered}, other states ${notDelivered}; receiver tickets ${receiver.tickets}; peak RSS: engine process ${(enginePeakRss / 2 ** 20).toFixed(0)} MiB, receiver ${(receiver.peakRss / 2 ** 20).toFixed(0)} MiB`,
    );
    console.log(
      `  errors: requests not verified or not answered 200; duplicates: webhook-ids that arrived more than once. Total time ${((Date.now() - startedAt) / 1000).toFixed(0)} s.`,
    );
  } finally {
    clearInterval(sampler);
    await workers.stop();
    receiverProcess.send({ kind: 'stop' });
    await product.stop();
    await dropDatabase(serverUrl, DATABASE);
    rmSync(dataDir, { recursive: true, force: true });
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});

/**
 * The case-lifecycle client of the cases benchmark, run as its own process so that it never takes the event loop of
 * the product under test. Reads one FlowJob (JSON) on stdin, runs `flows` complete case flows through the gateway
 * with `concurrency` flows in flight, and prints one line of JSON (a FlowResult) on stdout.
 *
 * A flow, each step by the party that does it in production:
 *   raiseCase (supplier) → triageCase (Elexon agent) → handOffCase to dcc-service-desk (Elexon agent)
 *   → acknowledgeHandoff → resolveHandoff (DCC agent) → resolveCase (Elexon agent).
 * Each flow is sequential (a step needs the previous one's answer); every mutation carries an idempotency key, as
 * a well-behaved client sends. The client is an undici Pool with keep-alive: one connection per flow in flight.
 */
import { Pool } from 'undici';
import { makeMpan } from '../schema/mpan';
import { percentileOfSorted, readJob } from './support';

export interface FlowJob {
  url: string;
  tokens: { supplier: string; elexonAgent: string; dccAgent: string };
  /** Measured flows. */
  flows: number;
  /** Flows run first and not measured (JIT, pools, caches). */
  warmupFlows: number;
  concurrency: number;
  /** Makes idempotency keys and subjects unique to this run. */
  runId: string;
}

export const MUTATIONS = ['raiseCase', 'triageCase', 'handOffCase', 'acknowledgeHandoff', 'resolveHandoff', 'resolveCase'] as const;
export type MutationName = (typeof MUTATIONS)[number];

export interface LatencySummary {
  count: number;
  errors: number;
  p50: number;
  p90: number;
  p99: number;
  mean: number;
  max: number;
}

export interface FlowResult {
  flowsCompleted: number;
  flowsFailed: number;
  warmupFlowsCompleted: number;
  /** Wall time of the measured flows, seconds. */
  seconds: number;
  /** Successful mutations in the measured window. */
  mutations: number;
  perMutation: Record<MutationName, LatencySummary>;
  /** Latency of a whole flow (six mutations back to back), milliseconds. */
  flowLatency: LatencySummary;
  /** The first few errors, verbatim. */
  errorSamples: string[];
  /** Ids of the cases raised (warm-up and measured). */
  caseIds: string[];
  loadGeneratorMaxRssBytes: number;
}

const RAISE = 'mutation($input: RaiseCaseInput!) { raiseCase(input: $input) { id reference state } }';
const TRIAGE = 'mutation($input: TriageCaseInput!) { triageCase(input: $input) { id state priority sla { resolutionDueAt } } }';
const HAND_OFF = 'mutation($input: HandOffCaseInput!) { handOffCase(input: $input) { id state handoffs { id state toDesk { id } } } }';
const ACKNOWLEDGE = 'mutation($input: AcknowledgeHandoffInput!) { acknowledgeHandoff(input: $input) { id state externalReference } }';
const RESOLVE_HANDOFF = 'mutation($input: ResolveHandoffInput!) { resolveHandoff(input: $input) { id state } }';
const RESOLVE_CASE = 'mutation($input: ResolveCaseInput!) { resolveCase(input: $input) { id state resolution } }';

class FlowError extends Error {}

async function main(): Promise<void> {
  const job = await readJob<FlowJob>();
  const url = new URL(job.url);
  const pool = new Pool(url.origin, { connections: job.concurrency, pipelining: 1, keepAliveTimeout: 30_000 });
  const samples = new Map<MutationName, number[]>(MUTATIONS.map((m) => [m, []]));
  const errorCounts = new Map<MutationName, number>(MUTATIONS.map((m) => [m, 0]));
  const flowTimes: number[] = [];
  const errorSamples: string[] = [];
  const caseIds: string[] = [];
  let measuring = false;

  async function call<T>(name: MutationName, token: string, query: string, input: Record<string, unknown>): Promise<T> {
    const started = process.hrtime.bigint();
    let text = '';
    let status = 0;
    try {
      const response = await pool.request({
        path: url.pathname,
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
        body: JSON.stringify({ query, variables: { input } }),
      });
      status = response.statusCode;
      text = await response.body.text();
    } catch (error) {
      text = `request failed: ${(error as Error).message}`;
    }
    const ms = Number(process.hrtime.bigint() - started) / 1e6;
    type Answer = { data?: Record<string, T> | null; errors?: unknown[] };
    let parsed: Answer | null = null;
    try {
      parsed = JSON.parse(text) as Answer;
    } catch {
      /* not JSON: an error below */
    }
    const data = parsed?.data?.[name];
    if (status !== 200 || parsed?.errors || !data) {
      if (measuring) errorCounts.set(name, (errorCounts.get(name) ?? 0) + 1);
      if (errorSamples.length < 10) errorSamples.push(`${name}: HTTP ${status} ${text.slice(0, 500)}`);
      throw new FlowError(name);
    }
    if (measuring) samples.get(name)!.push(ms);
    return data;
  }

  function expectState(name: MutationName, got: { state: string }, want: string): void {
    if (got.state !== want) {
      if (measuring) errorCounts.set(name, (errorCounts.get(name) ?? 0) + 1);
      if (errorSamples.length < 10) errorSamples.push(`${name}: state ${got.state}, expected ${want}`);
      throw new FlowError(name);
    }
  }

  async function flow(n: number): Promise<boolean> {
    const key = `${job.runId}-${n}`;
    const started = process.hrtime.bigint();
    try {
      const raised = await call<{ id: string; state: string }>('raiseCase', job.tokens.supplier, RAISE, {
        deskId: 'elexon-service-desk',
        category: 'MARKET_SYSTEMS',
        subject: `DIP rejecting consumption messages (bench flow ${n})`,
        description: 'Since 09:00 every MHHS consumption message we send is rejected with a schema error E-SCHEMA-400.',
        evidence: { mpans: [makeMpan('12', String(1_000_000_000 + n).slice(-10))], dipMessageIds: [`DIP-${key}`], errorCodes: ['E-SCHEMA-400'] },
        idempotencyKey: `${key}-raise`,
      });
      caseIds.push(raised.id);
      expectState('raiseCase', raised, 'NEW');
      const triaged = await call<{ state: string }>('triageCase', job.tokens.elexonAgent, TRIAGE, {
        caseId: raised.id,
        type: 'INCIDENT',
        impact: 'MEDIUM',
        urgency: 'HIGH',
        idempotencyKey: `${key}-triage`,
      });
      expectState('triageCase', triaged, 'IN_PROGRESS');
      const handedOff = await call<{ state: string; handoffs: { id: string; state: string; toDesk: { id: string } }[] }>(
        'handOffCase',
        job.tokens.elexonAgent,
        HAND_OFF,
        { caseId: raised.id, toDeskId: 'dcc-service-desk', reason: 'Adaptor at DCC drops the read type field', idempotencyKey: `${key}-handoff` },
      );
      const handoff = handedOff.handoffs.find((h) => h.toDesk.id === 'dcc-service-desk' && h.state === 'REQUESTED');
      if (!handoff) {
        if (errorSamples.length < 10) errorSamples.push(`handOffCase: no REQUESTED hand-off in ${JSON.stringify(handedOff.handoffs)}`);
        if (measuring) errorCounts.set('handOffCase', (errorCounts.get('handOffCase') ?? 0) + 1);
        throw new FlowError('handOffCase');
      }
      const acknowledged = await call<{ state: string }>('acknowledgeHandoff', job.tokens.dccAgent, ACKNOWLEDGE, {
        handoffId: handoff.id,
        externalReference: `DCC-INC-${n}`,
        idempotencyKey: `${key}-ack`,
      });
      expectState('acknowledgeHandoff', acknowledged, 'ACKNOWLEDGED');
      const handoffResolved = await call<{ state: string }>('resolveHandoff', job.tokens.dccAgent, RESOLVE_HANDOFF, {
        handoffId: handoff.id,
        resolution: 'Adaptor patched; rejected messages replayed.',
        idempotencyKey: `${key}-resolve-handoff`,
      });
      expectState('resolveHandoff', handoffResolved, 'RESOLVED');
      const resolved = await call<{ state: string }>('resolveCase', job.tokens.elexonAgent, RESOLVE_CASE, {
        caseId: raised.id,
        resolution: 'DCC patched the adaptor; please resend anything still rejected.',
        idempotencyKey: `${key}-resolve`,
      });
      expectState('resolveCase', resolved, 'RESOLVED');
      if (measuring) flowTimes.push(Number(process.hrtime.bigint() - started) / 1e6);
      return true;
    } catch (error) {
      if (!(error instanceof FlowError)) throw error;
      return false;
    }
  }

  /** Runs flows numbered [from, to) with `concurrency` in flight; returns how many completed. */
  async function runFlows(from: number, to: number): Promise<{ completed: number; failed: number }> {
    let next = from;
    let completed = 0;
    let failed = 0;
    const worker = async () => {
      while (next < to) {
        const n = next++;
        if (await flow(n)) completed++;
        else failed++;
      }
    };
    await Promise.all(Array.from({ length: Math.min(job.concurrency, to - from) }, worker));
    return { completed, failed };
  }

  const warmup = await runFlows(0, job.warmupFlows);
  measuring = true;
  const started = process.hrtime.bigint();
  const measured = await runFlows(job.warmupFlows, job.warmupFlows + job.flows);
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  await pool.close();

  const summarise = (values: number[], errors: number): LatencySummary => {
    const sorted = [...values].sort((a, b) => a - b);
    const round = (v: number) => Math.round(v * 10) / 10;
    return {
      count: values.length,
      errors,
      p50: round(percentileOfSorted(sorted, 50)),
      p90: round(percentileOfSorted(sorted, 90)),
      p99: round(percentileOfSorted(sorted, 99)),
      mean: round(values.reduce((a, b) => a + b, 0) / Math.max(values.length, 1)),
      max: round(sorted.at(-1) ?? Number.NaN),
    };
  };
  const perMutation = Object.fromEntries(MUTATIONS.map((m) => [m, summarise(samples.get(m)!, errorCounts.get(m) ?? 0)])) as Record<
    MutationName,
    LatencySummary
  >;
  const result: FlowResult = {
    flowsCompleted: measured.completed,
    flowsFailed: measured.failed + warmup.failed,
    warmupFlowsCompleted: warmup.completed,
    seconds,
    mutations: MUTATIONS.reduce((sum, m) => sum + samples.get(m)!.length, 0),
    perMutation,
    flowLatency: summarise(flowTimes, measured.failed),
    errorSamples,
    caseIds,
    loadGeneratorMaxRssBytes: process.resourceUsage().maxRSS * 1024,
  };
  process.stdout.write(`${JSON.stringify(result)}\n`);
}

// Only when run as the child process: the benchmark imports this module for its types and constants.
if (require.main === module) {
  main().catch((error: unknown) => {
    process.stderr.write(`case flows failed: ${(error as Error).stack ?? String(error)}\n`);
    process.exit(1);
  });
}

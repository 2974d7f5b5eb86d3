/**
 * The load generator of the gateway benchmark, run as its own process so that it never competes with the gateways
 * under test for their event loop. Reads one job (a LoadJob, JSON) from stdin, runs autocannon for one
 * round, and prints one line of JSON (a LoadResult) on stdout.
 *
 *   echo '{"url":"http://127.0.0.1:4000/graphql","body":"{\"query\":\"{ __typename }\"}","durationSeconds":10,"connections":20}' \
 *     | node --import tsx bench/load.ts
 */
import autocannon from 'autocannon';
import { readJob } from './support';

export interface LoadJob {
  url: string;
  headers?: Record<string, string>;
  /** The POST body, already serialised. */
  body: string;
  durationSeconds: number;
  connections: number;
  /** When set, a response whose body differs from this one counts as a mismatch. */
  expectBody?: string;
  /**
   * For answers that are not byte-stable (they carry the time): a response whose body does not start with
   * `bodyStartsWith`, or contains `bodyExcludes` (e.g. `"errors":`), counts as a mismatch. Ignored with expectBody.
   */
  bodyStartsWith?: string;
  bodyExcludes?: string;
  timeoutSeconds?: number;
}

export interface LoadResult {
  url: string;
  durationSeconds: number;
  connections: number;
  /** Mean of the per-second request counts (every completed response, whatever its status). */
  requestsPerSecond: number;
  totalRequests: number;
  latencyMs: { p50: number; p90: number; p99: number; mean: number; max: number };
  /** Socket errors and timeouts (autocannon counts timeouts among errors). */
  errors: number;
  timeouts: number;
  non2xx: number;
  /** 2xx responses whose body was not the expected one (a GraphQL error in a 200, partial data…). */
  mismatches: number;
  statusCodes: Record<string, number>;
  /** Peak resident set size of this load-generator process, bytes. */
  loadGeneratorMaxRssBytes: number;
}

function run(options: autocannon.Options): Promise<autocannon.Result> {
  return new Promise((resolve, reject) => {
    autocannon(options, (error, result) => (error ? reject(error) : resolve(result)));
  });
}

async function main(): Promise<void> {
  const job = await readJob<LoadJob>();
  const { bodyStartsWith, bodyExcludes } = job;
  const verifyBody =
    job.expectBody === undefined && (bodyStartsWith !== undefined || bodyExcludes !== undefined)
      ? (body: string) => (bodyStartsWith === undefined || body.startsWith(bodyStartsWith)) && (bodyExcludes === undefined || !body.includes(bodyExcludes))
      : undefined;
  const base: autocannon.Options = {
    url: job.url,
    method: 'POST',
    headers: { 'content-type': 'application/json', ...job.headers },
    body: job.body,
    connections: job.connections,
    pipelining: 1,
    timeout: job.timeoutSeconds ?? 10,
  };
  const result = await run({
    ...base,
    duration: job.durationSeconds,
    ...(job.expectBody !== undefined ? { expectBody: job.expectBody } : {}),
    ...(verifyBody ? { verifyBody } : {}),
  });
  const statusCodes: Record<string, number> = {};
  for (const [code, stats] of Object.entries(result.statusCodeStats ?? {})) statusCodes[code] = (stats as { count: number }).count;
  const output: LoadResult = {
    url: job.url,
    durationSeconds: result.duration,
    connections: job.connections,
    requestsPerSecond: result.requests.average,
    totalRequests: result.requests.total,
    latencyMs: {
      p50: result.latency.p50,
      p90: result.latency.p90,
      p99: result.latency.p99,
      mean: result.latency.average,
      max: result.latency.max,
    },
    errors: result.errors,
    timeouts: result.timeouts,
    non2xx: result.non2xx,
    mismatches: result.mismatches,
    statusCodes,
    loadGeneratorMaxRssBytes: process.resourceUsage().maxRSS * 1024,
  };
  process.stdout.write(`${JSON.stringify(output)}\n`);
}

main().catch((error: unknown) => {
  process.stderr.write(`load generator failed: ${(error as Error).stack ?? String(error)}\n`);
  process.exit(1);
});

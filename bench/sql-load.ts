/**
 * PostgreSQL's own time for a request's statements, the baseline of the cases benchmark: replays the statements the
 * elexon subgraph ran for one GraphQL request (same SQL, same parameters, in the same order) from its own process,
 * with `concurrency` callers sharing a pool of `poolSize` connections — the subgraph's own arrangement (20 requests
 * in flight, a pool of 10) — for `durationSeconds`. Reads one SqlLoadJob (JSON) on stdin, prints one SqlLoadResult.
 */
import pg from 'pg';
import { percentileOfSorted, readJob } from './support';

export interface SqlStatement {
  sql: string;
  params: unknown[];
}

export interface SqlLoadJob {
  databaseUrl: string;
  statements: SqlStatement[];
  durationSeconds: number;
  concurrency: number;
  poolSize: number;
  /** The statements of one iteration at once, as a resolver's Promise.all sends them (default: in turn). */
  parallel?: boolean;
}

export interface SqlLoadResult {
  iterations: number;
  iterationsPerSecond: number;
  /** Per iteration (all statements in turn, pool waits included), milliseconds. */
  latencyMs: { p50: number; p90: number; p99: number; mean: number; max: number };
  errors: number;
  errorSamples: string[];
  loadGeneratorMaxRssBytes: number;
}

async function main(): Promise<void> {
  const job = await readJob<SqlLoadJob>();
  const pool = new pg.Pool({ connectionString: job.databaseUrl, max: job.poolSize, application_name: 'cpsd-bench-sql-load' });
  // Open the connections before the clock starts, as the subgraph's pool has them open.
  const clients = await Promise.all(Array.from({ length: job.poolSize }, () => pool.connect()));
  for (const client of clients) client.release();

  const latencies: number[] = [];
  const errorSamples: string[] = [];
  let errors = 0;
  const deadline = Date.now() + job.durationSeconds * 1000;
  const started = process.hrtime.bigint();
  const worker = async () => {
    while (Date.now() < deadline) {
      const began = process.hrtime.bigint();
      try {
        if (job.parallel) await Promise.all(job.statements.map((statement) => pool.query(statement.sql, statement.params)));
        else for (const statement of job.statements) await pool.query(statement.sql, statement.params);
        latencies.push(Number(process.hrtime.bigint() - began) / 1e6);
      } catch (error) {
        errors++;
        if (errorSamples.length < 5) errorSamples.push((error as Error).message);
      }
    }
  };
  await Promise.all(Array.from({ length: job.concurrency }, worker));
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  await pool.end();

  const sorted = [...latencies].sort((a, b) => a - b);
  const round = (v: number) => Math.round(v * 100) / 100;
  const result: SqlLoadResult = {
    iterations: latencies.length,
    iterationsPerSecond: latencies.length / seconds,
    latencyMs: {
      p50: round(percentileOfSorted(sorted, 50)),
      p90: round(percentileOfSorted(sorted, 90)),
      p99: round(percentileOfSorted(sorted, 99)),
      mean: round(latencies.reduce((a, b) => a + b, 0) / Math.max(latencies.length, 1)),
      max: round(sorted.at(-1) ?? Number.NaN),
    },
    errors,
    errorSamples,
    loadGeneratorMaxRssBytes: process.resourceUsage().maxRSS * 1024,
  };
  process.stdout.write(`${JSON.stringify(result)}\n`);
}

// Only when run as the child process: the benchmark imports this module for its types and constants.
if (require.main === module) {
  main().catch((error: unknown) => {
    process.stderr.write(`sql load failed: ${(error as Error).stack ?? String(error)}\n`);
    process.exit(1);
  });
}

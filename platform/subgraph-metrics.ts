/**
 * What every subgraph reports (platform/metrics.ts serves it): operation latency by root field, its database pool
 * (in use, idle, waiting), its outbox backlog and relay lag, its scheduled jobs' runs, and the gauges its definition
 * declares (e.g. the hub's cases open by desk × priority), each read at scrape time and cached for ten seconds.
 */
import type { ApolloServerPlugin } from '@apollo/server';
import { Kind, type OperationDefinitionNode } from 'graphql';
import type { DataSource } from 'typeorm';
import { counter, histogram, sourcedGauge, type GaugeReading } from './metrics';

/** A gauge a subgraph declares: read from its database when scraped. */
export interface SubgraphGauge {
  name: string;
  help: string;
  labelNames: readonly string[];
  read(db: DataSource): Promise<GaugeReading[]>;
}

const operationSeconds = histogram('cpsd_subgraph_operation_duration_seconds', 'Subgraph operations, by subgraph, root field and outcome', [
  'subgraph',
  'field',
  'outcome',
]);
export const jobRuns = counter('cpsd_subgraph_job_runs_total', 'Scheduled job runs, by subgraph, job and outcome', ['subgraph', 'job', 'outcome']);

/** The operation's first root field, typed (`Query.cases`, `Mutation.raiseCase`, `Query._entities`): bounded by the schema. */
function rootFieldOf(operation: OperationDefinitionNode | null | undefined): string {
  if (!operation) return 'unknown';
  const type = operation.operation === 'mutation' ? 'Mutation' : operation.operation === 'subscription' ? 'Subscription' : 'Query';
  const field = operation.selectionSet.selections.find((s) => s.kind === Kind.FIELD);
  return field && field.kind === Kind.FIELD ? `${type}.${field.name.value}` : type;
}

export function operationMetricsPlugin<T extends object>(subgraph: string): ApolloServerPlugin<T> {
  return {
    async requestDidStart() {
      const started = process.hrtime.bigint();
      let field = 'unknown';
      return {
        async didResolveOperation({ operation }) {
          field = rootFieldOf(operation);
        },
        async willSendResponse({ response, errors }) {
          const body = response.body.kind === 'single' ? response.body.singleResult : null;
          const outcome = (errors ?? body?.errors)?.length ? 'error' : 'ok';
          operationSeconds.observe({ subgraph, field, outcome }, Number(process.hrtime.bigint() - started) / 1e9);
        },
      };
    },
  };
}

interface PgPool {
  totalCount: number;
  idleCount: number;
  waitingCount: number;
}

/** The pool, the outbox and the declared gauges of one subgraph, registered as its own source of each gauge. */
export function registerSubgraphGauges(subgraph: string, db: DataSource, options: { outbox: boolean; gauges: readonly SubgraphGauge[] }): void {
  sourcedGauge(
    'cpsd_db_pool_connections',
    'Database pool connections, by subgraph and state (in_use, idle, waiting: requests queued for a connection)',
    ['subgraph', 'state'],
    subgraph,
    async () => {
      const pool = (db.driver as unknown as { master?: PgPool }).master;
      if (!pool) return [];
      return [
        { labels: { subgraph, state: 'in_use' }, value: pool.totalCount - pool.idleCount },
        { labels: { subgraph, state: 'idle' }, value: pool.idleCount },
        { labels: { subgraph, state: 'waiting' }, value: pool.waitingCount },
      ];
    },
    0,
  );
  if (options.outbox) {
    const outbox = (async () => {
      const [row] = (await db.query(
        `SELECT count(*)::int AS backlog, coalesce(extract(epoch FROM now() - min(created_at)), 0)::float8 AS lag FROM "${subgraph}".outbox WHERE published_at IS NULL`,
      )) as { backlog: number; lag: number }[];
      return row ?? { backlog: 0, lag: 0 };
    }) as () => Promise<{ backlog: number; lag: number }>;
    let shared: Promise<{ backlog: number; lag: number }> | null = null;
    const once = () => {
      shared ??= outbox().finally(() => setTimeout(() => (shared = null), 1_000).unref());
      return shared;
    };
    sourcedGauge('cpsd_outbox_backlog', 'Outbox events not yet published to the bus, by subgraph', ['subgraph'], subgraph, async () => [
      { labels: { subgraph }, value: (await once()).backlog },
    ]);
    sourcedGauge(
      'cpsd_outbox_relay_lag_seconds',
      'Age of the oldest outbox event not yet published (0 when none waits), by subgraph',
      ['subgraph'],
      subgraph,
      async () => [{ labels: { subgraph }, value: (await once()).lag }],
    );
  }
  for (const declared of options.gauges) sourcedGauge(declared.name, declared.help, declared.labelNames, subgraph, () => declared.read(db));
}

/**
 * The delivery engine's gauges (read when `/metrics` is scraped): deliveries waiting by state (pending, in flight,
 * retry scheduled, dead-lettered, parked on a disabled endpoint) and the age of the oldest one still to be delivered.
 * Each read uses the partial indexes the workers claim with, so it costs the backlog, not the history.
 */
import type { SubgraphGauge } from '../../platform/subgraph-metrics';

const WAITING = ['PENDING', 'IN_FLIGHT', 'RETRY_SCHEDULED', 'DEAD', 'DISABLED'] as const;

export const deliveryGauges: SubgraphGauge[] = [
  {
    name: 'cpsd_delivery_queue',
    help: 'Deliveries not delivered, by state (DEAD: dead letters, replayable with retryDelivery)',
    labelNames: ['state'],
    async read(db) {
      const rows = (await db.query(
        `SELECT s.state, (SELECT count(*) FROM delivery.deliveries d WHERE d.state = s.state)::int AS n FROM unnest($1::text[]) AS s(state)`,
        [WAITING],
      )) as { state: string; n: number }[];
      return rows.map((r) => ({ labels: { state: r.state }, value: r.n }));
    },
  },
  {
    name: 'cpsd_delivery_oldest_pending_seconds',
    help: 'Age of the oldest delivery still to be made (pending, in flight or retry scheduled); 0 when none waits',
    labelNames: [],
    async read(db) {
      const [row] = (await db.query(
        `SELECT coalesce(extract(epoch FROM now() - min(created_at)), 0)::float8 AS age FROM delivery.deliveries
          WHERE state IN ('PENDING', 'IN_FLIGHT', 'RETRY_SCHEDULED')`,
      )) as { age: number }[];
      return [{ labels: {}, value: row?.age ?? 0 }];
    },
  },
];

import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The open desk queue, newest first, for `cases(filter: { deskIds, states: [NEW, IN_PROGRESS, ON_HOLD] }, after)`.
 *
 * The queue statement filters `c.desk_id = ANY($n::text[])` and orders by `raised_at DESC, id DESC`. A btree scan
 * with `= ANY(array)` on its leading column does not give the planner that order (it cannot merge the array's
 * elements), so neither `cases_desk_queue_idx` nor `cases_desk_state_idx` can stop after the page: PostgreSQL read
 * every open case of the desk and sorted them (3,104 heap rows for a 20-row page of a desk with 30,000 cases; 5–8 ms
 * per page, the largest single cost of the request under load, see bench/cases.bench.ts).
 *
 * This partial index holds only the open cases in queue order. The planner walks it newest first, checks the desk
 * (and `breached`, visibility) per row and stops at the page size; the keyset cursor `(raised_at, id) < (…)` is an
 * index condition, so a deep page costs the same as the first. The state filter must imply the predicate (a subset
 * of the three open states does); desks with few open cases keep using `cases_desk_state_idx` + a small sort.
 */
export class QueueIndexes1763900003000 implements MigrationInterface {
  name = 'QueueIndexes1763900003000';

  async up(runner: QueryRunner): Promise<void> {
    await runner.query(`CREATE INDEX cases_open_queue_idx ON elexon.cases (raised_at DESC, id DESC) WHERE state IN ('NEW', 'IN_PROGRESS', 'ON_HOLD')`);
  }

  async down(runner: QueryRunner): Promise<void> {
    await runner.query('DROP INDEX elexon.cases_open_queue_idx');
  }
}

import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The case hub: cases with their SLA clock inputs, holds, comments, the timeline (audit trail), hand-offs and
 * idempotency records. Indexes follow the queue queries: a desk's queue by state/priority/raise time, an
 * organisation's cases, children of a parent, and free-text search over subject and description.
 */
export class Cases1763900001000 implements MigrationInterface {
  name = 'Cases1763900001000';

  async up(runner: QueryRunner): Promise<void> {
    await runner.query(`ALTER TABLE elexon.desks
      ADD COLUMN sla_policy text NOT NULL DEFAULT 'STANDARD' CHECK (sla_policy IN ('STANDARD', 'HYPERCARE')),
      ADD COLUMN sla_calendar text NOT NULL DEFAULT 'BUSINESS' CHECK (sla_calendar IN ('24x7', 'BUSINESS')),
      ADD COLUMN distributor_ids text[] NOT NULL DEFAULT '{}'`);
    await runner.query('CREATE INDEX desks_distributor_ids_idx ON elexon.desks USING gin (distributor_ids)');
    await runner.query('CREATE SEQUENCE elexon.case_reference_seq');
    await runner.query(`
      CREATE TABLE elexon.cases (
        id uuid PRIMARY KEY,
        reference text NOT NULL UNIQUE,
        desk_id text NOT NULL REFERENCES elexon.desks(id),
        type text,
        category text NOT NULL,
        subject text NOT NULL,
        description text NOT NULL,
        impact text,
        urgency text,
        priority text,
        state text NOT NULL,
        hold_reason text,
        raised_by_org text NOT NULL REFERENCES elexon.organisations(id),
        raised_by_subject text NOT NULL,
        parent_id uuid REFERENCES elexon.cases(id),
        references_case_id uuid REFERENCES elexon.cases(id),
        evidence jsonb NOT NULL DEFAULT '{}',
        resolution text,
        misrouted_to_desk_id text REFERENCES elexon.desks(id),
        sla_policy text NOT NULL,
        sla_calendar text NOT NULL,
        raised_at timestamptz NOT NULL,
        responded_at timestamptz,
        hold_started_at timestamptz,
        resolved_at timestamptz,
        closed_at timestamptz,
        updated_at timestamptz NOT NULL,
        response_due_at timestamptz NOT NULL,
        resolution_due_at timestamptz,
        search tsvector GENERATED ALWAYS AS (to_tsvector('english', subject || ' ' || description)) STORED,
        CHECK (parent_id IS DISTINCT FROM id)
      )`);
    await runner.query('CREATE INDEX cases_desk_queue_idx ON elexon.cases (desk_id, raised_at DESC, id DESC)');
    await runner.query('CREATE INDEX cases_desk_state_idx ON elexon.cases (desk_id, state, priority, raised_at DESC, id DESC)');
    await runner.query('CREATE INDEX cases_raised_by_org_idx ON elexon.cases (raised_by_org, raised_at DESC, id DESC)');
    await runner.query('CREATE INDEX cases_parent_idx ON elexon.cases (parent_id) WHERE parent_id IS NOT NULL');
    await runner.query(`CREATE INDEX cases_auto_close_idx ON elexon.cases (resolved_at) WHERE state = 'RESOLVED'`);
    await runner.query('CREATE INDEX cases_search_idx ON elexon.cases USING gin (search)');

    await runner.query(`
      CREATE TABLE elexon.case_holds (
        case_id uuid NOT NULL REFERENCES elexon.cases(id),
        started_at timestamptz NOT NULL,
        ended_at timestamptz,
        reason text NOT NULL,
        PRIMARY KEY (case_id, started_at)
      )`);
    await runner.query(`
      CREATE TABLE elexon.case_comments (
        id uuid PRIMARY KEY,
        case_id uuid NOT NULL REFERENCES elexon.cases(id),
        author_subject text NOT NULL,
        author_org text NOT NULL,
        visibility text NOT NULL CHECK (visibility IN ('CUSTOMER_VISIBLE', 'WORK_NOTE')),
        body text NOT NULL,
        created_at timestamptz NOT NULL
      )`);
    await runner.query('CREATE INDEX case_comments_case_idx ON elexon.case_comments (case_id, created_at)');
    await runner.query(`
      CREATE TABLE elexon.case_timeline (
        id bigserial PRIMARY KEY,
        case_id uuid NOT NULL REFERENCES elexon.cases(id),
        at timestamptz NOT NULL,
        actor_subject text NOT NULL,
        actor_org text NOT NULL,
        action text NOT NULL,
        field text,
        from_value text,
        to_value text,
        note text,
        customer_visible boolean NOT NULL
      )`);
    await runner.query('CREATE INDEX case_timeline_case_idx ON elexon.case_timeline (case_id, id)');
    await runner.query(`
      CREATE TABLE elexon.handoffs (
        id uuid PRIMARY KEY,
        case_id uuid NOT NULL REFERENCES elexon.cases(id),
        to_desk_id text NOT NULL REFERENCES elexon.desks(id),
        party text NOT NULL,
        reason text NOT NULL,
        state text NOT NULL,
        external_reference text,
        resolution text,
        rejection_reason text,
        suggested_desk_id text REFERENCES elexon.desks(id),
        created_by_subject text NOT NULL,
        created_at timestamptz NOT NULL,
        updated_at timestamptz NOT NULL
      )`);
    await runner.query('CREATE INDEX handoffs_case_idx ON elexon.handoffs (case_id)');
    await runner.query('CREATE INDEX handoffs_desk_idx ON elexon.handoffs (to_desk_id, state)');
    await runner.query(`
      CREATE TABLE elexon.idempotency_keys (
        subject text NOT NULL,
        key text NOT NULL,
        operation text NOT NULL,
        request_hash text NOT NULL,
        result_id text NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (subject, key)
      )`);
  }

  async down(runner: QueryRunner): Promise<void> {
    for (const table of ['idempotency_keys', 'handoffs', 'case_timeline', 'case_comments', 'case_holds', 'cases']) {
      await runner.query(`DROP TABLE elexon.${table}`);
    }
    await runner.query('DROP SEQUENCE elexon.case_reference_seq');
    await runner.query('ALTER TABLE elexon.desks DROP COLUMN sla_policy, DROP COLUMN sla_calendar, DROP COLUMN distributor_ids');
  }
}

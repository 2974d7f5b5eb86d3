import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Industry-wide major incidents (OM §5.6–5.11, §5.17–5.24, App. E): the major incident over its case (candidate →
 * promoted or rejected → resolved), its comms updates in business language, the post-incident review, and the MI
 * comms list organisations opt people into per service. At most one live (candidate or promoted) major incident per
 * case.
 */
export class MajorIncidents1763900002000 implements MigrationInterface {
  name = 'MajorIncidents1763900002000';

  async up(runner: QueryRunner): Promise<void> {
    await runner.query('CREATE SEQUENCE elexon.major_incident_reference_seq');
    await runner.query(`
      CREATE TABLE elexon.major_incidents (
        id uuid PRIMARY KEY,
        reference text NOT NULL UNIQUE,
        case_id uuid NOT NULL REFERENCES elexon.cases(id),
        title text NOT NULL,
        state text NOT NULL CHECK (state IN ('CANDIDATE', 'PROMOTED', 'REJECTED', 'RESOLVED')),
        services text[] NOT NULL,
        validity_checks text[] NOT NULL,
        threshold_participant_impact boolean NOT NULL,
        threshold_duration boolean NOT NULL,
        threshold_compliance_risk boolean NOT NULL,
        threshold_security_breach boolean NOT NULL,
        proposed_by_subject text NOT NULL,
        proposed_by_org text NOT NULL,
        proposed_at timestamptz NOT NULL,
        reviewed_by_subject text,
        reviewed_at timestamptz,
        review_note text,
        triggered_criteria text[] NOT NULL DEFAULT '{}',
        lead_org_id text REFERENCES elexon.organisations(id),
        lead_desk_id text REFERENCES elexon.desks(id),
        lead_sla_policy text,
        impacted_org_ids text[] NOT NULL DEFAULT '{}',
        promoted_at timestamptz,
        next_update_due_at timestamptz,
        resolved_at timestamptz,
        resolution text,
        problem_case_id uuid REFERENCES elexon.cases(id),
        updated_at timestamptz NOT NULL,
        CHECK (state NOT IN ('PROMOTED', 'RESOLVED') OR (lead_org_id IS NOT NULL AND lead_desk_id IS NOT NULL AND promoted_at IS NOT NULL)),
        CHECK (state <> 'RESOLVED' OR resolved_at IS NOT NULL)
      )`);
    await runner.query(`CREATE UNIQUE INDEX major_incidents_live_case_idx ON elexon.major_incidents (case_id) WHERE state IN ('CANDIDATE', 'PROMOTED')`);
    await runner.query('CREATE INDEX major_incidents_case_idx ON elexon.major_incidents (case_id)');
    await runner.query('CREATE INDEX major_incidents_state_idx ON elexon.major_incidents (state, proposed_at DESC, id DESC)');

    await runner.query(`
      CREATE TABLE elexon.mi_updates (
        id uuid PRIMARY KEY,
        major_incident_id uuid NOT NULL REFERENCES elexon.major_incidents(id),
        kind text NOT NULL CHECK (kind IN ('INITIAL', 'UPDATE', 'ESCALATION', 'RESOLUTION')),
        body text NOT NULL,
        services text[] NOT NULL,
        next_update_due_at timestamptz,
        industry_circular boolean NOT NULL,
        status_page boolean NOT NULL,
        author_subject text NOT NULL,
        author_org text NOT NULL,
        posted_at timestamptz NOT NULL
      )`);
    await runner.query('CREATE INDEX mi_updates_incident_idx ON elexon.mi_updates (major_incident_id, posted_at, id)');
    await runner.query('CREATE INDEX mi_updates_status_page_idx ON elexon.mi_updates (major_incident_id, posted_at DESC) WHERE status_page');

    await runner.query(`
      CREATE TABLE elexon.mi_pirs (
        major_incident_id uuid PRIMARY KEY REFERENCES elexon.major_incidents(id),
        report_reference text,
        service_impacted_at timestamptz NOT NULL,
        service_restored_at timestamptz NOT NULL,
        incident_managers text[] NOT NULL,
        description text NOT NULL,
        business_impact text NOT NULL,
        summary text NOT NULL,
        resolution text NOT NULL,
        affected_services text[] NOT NULL,
        affected_users text NOT NULL,
        timeline jsonb NOT NULL,
        root_cause text NOT NULL,
        actions jsonb NOT NULL,
        process_review text NOT NULL,
        additional_notes text,
        recorded_by_subject text NOT NULL,
        recorded_at timestamptz NOT NULL,
        updated_at timestamptz NOT NULL,
        CHECK (service_restored_at >= service_impacted_at)
      )`);

    await runner.query(`
      CREATE TABLE elexon.mi_comms_list (
        id uuid PRIMARY KEY,
        organisation_id text NOT NULL REFERENCES elexon.organisations(id),
        services text[] NOT NULL CHECK (cardinality(services) > 0),
        address text NOT NULL,
        name text,
        created_by_subject text NOT NULL,
        created_at timestamptz NOT NULL,
        updated_at timestamptz NOT NULL
      )`);
    await runner.query('CREATE UNIQUE INDEX mi_comms_list_address_idx ON elexon.mi_comms_list (organisation_id, lower(address))');
    await runner.query('CREATE INDEX mi_comms_list_services_idx ON elexon.mi_comms_list USING gin (services)');
  }

  async down(runner: QueryRunner): Promise<void> {
    for (const table of ['mi_comms_list', 'mi_pirs', 'mi_updates', 'major_incidents']) await runner.query(`DROP TABLE elexon.${table}`);
    await runner.query('DROP SEQUENCE elexon.major_incident_reference_seq');
  }
}

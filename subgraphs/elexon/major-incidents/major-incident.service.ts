/**
 * The industry-wide major incident process (OM §5.6–5.11, §5.17–5.24, App. E) in one place: any open incident can be
 * proposed as a candidate against the validity checks and thresholds; a Major Incident Manager of the provider owning
 * the case's desk promotes it (recording the triggering criteria; that provider leads, OM §5.24) or rejects it; the lead's managers send comms
 * in business language on a 30–60 minute cadence, resolve it (resolving its case and the raisers' linked cases) and
 * record the post-incident review, from which a problem record may follow. Every mutation validates its input,
 * checks who may do it, and runs in one transaction with a case timeline entry and an outbox event; retries with an
 * idempotency key return the first result.
 */
import { randomUUID } from 'node:crypto';
import type { DataSource, EntityManager } from 'typeorm';
import { isOpen } from '../../../schema/case-state';
import { CaseType, OrganisationKind, Role, type Service } from '../../../schema/enums';
import { DomainError } from '../../../schema/errors';
import { hasRole, type Principal } from '../../../schema/identity';
import {
  MAJOR_INCIDENT_LIMITS as LIMITS,
  STATUS_FEED_RESOLVED_WINDOW_MS,
  UPDATE_CADENCE,
  businessText,
  nextUpdateDue,
  serviceList,
  thresholdAnswers,
  thresholdsMet,
  validatePir,
  type PirInput,
  type ThresholdAnswers,
} from '../../../schema/major-incident';
import { requiredText as text } from '../../../schema/text';
import { queryOne } from '../../../platform/db';
import { cpsdEvent, type EventPayloads, type EventType, type MajorIncidentEventBase } from '../../../schema/events';
import type { OutboxEntry, OutboxWriter } from '../../../platform/events';

import { runIdempotent } from '../idempotency';
import { accessTo, canSee, worksTheCase } from '../cases/case.access';
import { deskTerms, insertTimeline, isUuid, lockCase, lockCaseRow, type Actor, type TimelineWrite } from '../cases/case.repository';
import { CaseSteps } from '../cases/case.steps';
import type { Case } from '../cases/case.types';
import {
  canSeeMajorIncident,
  leadOrganisationFor,
  majorIncidentAccess,
  majorIncidentVisibilityParams,
  majorIncidentVisibilityPredicate,
} from './major-incident.access';
import {
  MajorIncident,
  MajorIncidentDecision,
  MajorIncidentState,
  MajorIncidentThresholds,
  MajorIncidentUpdateKind,
  type MajorIncidentValidityCheck,
  PostIncidentReview,
  StatusFeedEntry,
} from './major-incident.types';

/**
 * The Central Service Provider owning the case's desk (`mc`): the desk's organisation if it is one, else its nearest
 * ancestor that is one; NULL when none is (OM §5.24: jurisdiction over the major incident is that provider's).
 */
const CASE_PROVIDER_SQL = `(WITH RECURSIVE up(id, parent_id, csp, depth) AS (
    SELECT o.id, o.parent_id, o.central_service_provider, 0 FROM elexon.desks d JOIN elexon.organisations o ON o.id = d.organisation_id WHERE d.id = mc.desk_id
    UNION ALL SELECT p.id, p.parent_id, p.central_service_provider, up.depth + 1 FROM elexon.organisations p JOIN up ON p.id = up.parent_id WHERE up.depth < 16
  ) SELECT id FROM up WHERE csp ORDER BY depth LIMIT 1)`;

export const MI_COLUMNS = `mi.id, mi.reference, mi.case_id AS "caseId", mc.desk_id AS "caseDeskId", ${CASE_PROVIDER_SQL} AS "caseProviderId", mi.title, mi.state, mi.services,
  mi.validity_checks AS "validityChecks", mi.threshold_participant_impact AS "participantImpact", mi.threshold_duration AS "duration",
  mi.threshold_compliance_risk AS "complianceRisk", mi.threshold_security_breach AS "securityBreach",
  mi.proposed_by_subject AS "proposedBy", mi.proposed_by_org AS "proposedByOrganisationId", mi.proposed_at AS "proposedAt",
  mi.reviewed_by_subject AS "reviewedBy", mi.reviewed_at AS "reviewedAt", mi.review_note AS "reviewNote",
  mi.triggered_criteria AS "triggeredCriteria", mi.lead_org_id AS "leadOrganisationId", mi.lead_desk_id AS "leadDeskId",
  mi.lead_sla_policy AS "leadSlaPolicy", mi.impacted_org_ids AS "impactedOrganisationIds", mi.promoted_at AS "promotedAt",
  mi.next_update_due_at AS "nextUpdateDueAt", mi.resolved_at AS "resolvedAt", mi.resolution, mi.problem_case_id AS "problemCaseId",
  mi.updated_at AS "updatedAt"`;

export const MI_FROM = 'elexon.major_incidents mi JOIN elexon.cases mc ON mc.id = mi.case_id';

export function toMajorIncident(row: Record<string, unknown>): MajorIncident {
  const { participantImpact, duration, complianceRisk, securityBreach, ...rest } = row;
  return Object.assign(new MajorIncident(), rest, {
    thresholds: Object.assign(new MajorIncidentThresholds(), { participantImpact, duration, complianceRisk, securityBreach }),
  });
}

interface CommsInput {
  body: string;
  nextUpdateDueAt?: Date | null;
  industryCircular?: boolean | null;
  statusPage?: boolean | null;
}

interface Comms {
  body: string;
  nextUpdateDueAt: Date;
  industryCircular: boolean;
  statusPage: boolean;
}

function comms(prefix: string, input: CommsInput, now: Date): Comms {
  return {
    body: businessText(`${prefix}body`, input.body, LIMITS.body),
    nextUpdateDueAt: nextUpdateDue(input.nextUpdateDueAt, now, `${prefix}nextUpdateDueAt`),
    industryCircular: input.industryCircular ?? false,
    statusPage: input.statusPage ?? false,
  };
}

function actorOf(principal: Principal): Actor {
  return { subject: principal.subject, organisationId: principal.organisationId };
}

export const PIR_COLUMNS = `p.major_incident_id AS "majorIncidentId", p.report_reference AS "reportReference", p.service_impacted_at AS "serviceImpactedAt",
  p.service_restored_at AS "serviceRestoredAt", p.incident_managers AS "incidentManagers", p.description, p.business_impact AS "businessImpact",
  p.summary, p.resolution, p.affected_services AS "affectedServices", p.affected_users AS "affectedUsers", p.timeline, p.root_cause AS "rootCause",
  p.actions, p.process_review AS "processReview", p.additional_notes AS "additionalNotes", p.recorded_at AS "recordedAt", p.updated_at AS "updatedAt"`;

export function toPir(row: Record<string, unknown>): PostIncidentReview {
  const timeline = (row.timeline as { at: string; event: string; comments: string | null }[]).map((e) => ({ ...e, at: new Date(e.at) }));
  const actions = (row.actions as { owner: string; action: string; dueAt: string }[]).map((a) => ({ ...a, dueAt: new Date(a.dueAt) }));
  return Object.assign(new PostIncidentReview(), row, { timeline, actions });
}

type MajorIncidentEventType = Extract<EventType, `major_incident.${string}`>;
/** What a `major_incident.*` event of type K adds to the incident's own fields. */
type MajorIncidentEventExtra<K extends MajorIncidentEventType> = Omit<EventPayloads[K], keyof MajorIncidentEventBase>;

export class MajorIncidentService {
  constructor(
    private readonly db: DataSource,
    private readonly outbox: OutboxWriter,
    private readonly clock: () => Date = () => new Date(),
  ) {
    this.steps = new CaseSteps(outbox);
  }

  /** The case lifecycle's steps, taken inside the major incident's own transaction. */
  private readonly steps: CaseSteps;

  // ---- reads -------------------------------------------------------------------------------------------------

  async byIds(ids: readonly string[]): Promise<MajorIncident[]> {
    const valid = ids.filter(isUuid);
    if (!valid.length) return [];
    const rows = (await this.db.query(`SELECT ${MI_COLUMNS} FROM ${MI_FROM} WHERE mi.id = ANY($1::uuid[])`, [valid])) as Record<string, unknown>[];
    return rows.map(toMajorIncident);
  }

  async visibleMajorIncident(principal: Principal, id: string): Promise<MajorIncident | null> {
    const [mi] = await this.byIds([id]);
    return mi && canSeeMajorIncident(principal, mi) ? mi : null;
  }

  /** Major incidents the caller may see, newest first. */
  async list(principal: Principal, options: { state?: MajorIncidentState | null; first: number }): Promise<MajorIncident[]> {
    const params: unknown[] = [...majorIncidentVisibilityParams(principal)];
    const where = [majorIncidentVisibilityPredicate('$1', '$2')];
    if (options.state) {
      params.push(options.state);
      where.push(`mi.state = $${params.length}`);
    }
    params.push(options.first);
    const rows = (await this.db.query(
      `SELECT ${MI_COLUMNS} FROM ${MI_FROM} WHERE ${where.join(' AND ')} ORDER BY COALESCE(mi.promoted_at, mi.proposed_at) DESC, mi.id DESC LIMIT $${params.length}`,
      params,
    )) as Record<string, unknown>[];
    return rows.map(toMajorIncident);
  }

  /**
   * The public status page: live major incidents and those resolved in the last 24 hours that the MI team chose to
   * publish (at least one update with `statusPage`), each with its latest published update. Nothing else: no case,
   * no work notes, no people.
   */
  async statusFeed(now: Date = this.clock()): Promise<StatusFeedEntry[]> {
    const rows = (await this.db.query(
      `SELECT mi.reference, mi.title, mi.state, mi.services, o.name AS "leadName", mi.promoted_at AS "startedAt", mi.resolved_at AS "resolvedAt",
         u.body AS "latestUpdate", u.posted_at AS "latestUpdateAt",
         CASE WHEN mi.state = 'PROMOTED' THEN mi.next_update_due_at END AS "nextUpdateDueAt"
       FROM elexon.major_incidents mi
       JOIN elexon.organisations o ON o.id = mi.lead_org_id
       JOIN LATERAL (SELECT body, posted_at FROM elexon.mi_updates WHERE major_incident_id = mi.id AND status_page ORDER BY posted_at DESC, id DESC LIMIT 1) u ON true
       WHERE mi.state = 'PROMOTED' OR (mi.state = 'RESOLVED' AND mi.resolved_at > $1)
       ORDER BY mi.promoted_at DESC, mi.id DESC LIMIT 200`,
      [new Date(now.getTime() - STATUS_FEED_RESOLVED_WINDOW_MS)],
    )) as Record<string, unknown>[];
    return rows.map((row) => Object.assign(new StatusFeedEntry(), row));
  }

  // ---- mutations ---------------------------------------------------------------------------------------------

  /** Any open incident can be a candidate (OM §5.11 step 3): its desk's agents or a Major Incident Manager propose it. */
  async propose(
    principal: Principal,
    caseId: string,
    input: { title: string; services: Service[]; validityChecks: MajorIncidentValidityCheck[]; thresholds: ThresholdAnswers; idempotencyKey?: string | null },
  ): Promise<MajorIncident> {
    const title = businessText('title', input.title, LIMITS.title);
    const services = serviceList('services', input.services);
    const checks = [...new Set(input.validityChecks ?? [])];
    if (!checks.length) throw DomainError.badUserInput('validityChecks: name at least one validity check that applies (OM §5.8)', 'validityChecks');
    const thresholds = thresholdAnswers('thresholds', input.thresholds);
    return this.run(principal, 'proposeMajorIncident', { caseId, ...input }, async (tx, now) => {
      const c = await this.lockCaseFor(tx, principal, caseId);
      if (c.type !== CaseType.INCIDENT) {
        throw DomainError.badUserInput(`Only an incident can be a major incident candidate; the case is ${c.type ?? 'not yet triaged'}`, 'caseId', {
          type: c.type,
        });
      }
      if (!isOpen(c.state))
        throw DomainError.illegalTransition(`Only an open incident can be a candidate; the case is ${c.state}`, 'caseId', { currentState: c.state });
      const [live] = (await tx.query(`SELECT id, reference FROM elexon.major_incidents WHERE case_id = $1 AND state IN ('CANDIDATE', 'PROMOTED')`, [c.id])) as {
        id: string;
        reference: string;
      }[];
      if (live) throw DomainError.badUserInput(`The case is already major incident ${live.reference}`, 'caseId', { majorIncidentId: live.id });
      if (c.parentId) {
        const [parentMi] = (await tx.query(`SELECT id, reference FROM elexon.major_incidents WHERE case_id = $1 AND state IN ('CANDIDATE', 'PROMOTED')`, [
          c.parentId,
        ])) as { id: string; reference: string }[];
        if (parentMi)
          throw DomainError.badUserInput(`The case is linked under major incident ${parentMi.reference}`, 'caseId', { majorIncidentId: parentMi.id });
      }
      const id = randomUUID();
      const { seq } = await queryOne<{ seq: string }>(tx, `SELECT nextval('elexon.major_incident_reference_seq') AS seq`);
      const reference = `MI-${String(seq).padStart(6, '0')}`;
      await tx.query(
        `INSERT INTO elexon.major_incidents (id, reference, case_id, title, state, services, validity_checks, threshold_participant_impact,
           threshold_duration, threshold_compliance_risk, threshold_security_breach, proposed_by_subject, proposed_by_org, proposed_at, updated_at)
         VALUES ($1, $2, $3, $4, 'CANDIDATE', $5, $6, $7, $8, $9, $10, $11, $12, $13, $13)`,
        [
          id,
          reference,
          c.id,
          title,
          services,
          checks,
          thresholds.participantImpact,
          thresholds.duration,
          thresholds.complianceRisk,
          thresholds.securityBreach,
          principal.subject,
          principal.organisationId,
          now,
        ],
      );
      await tx.query('UPDATE elexon.cases SET updated_at = $2 WHERE id = $1', [c.id, now]);
      await this.noteOnCase(tx, c.id, principal, { action: 'MAJOR_INCIDENT_PROPOSED', field: 'majorIncident', to: reference, customerVisible: false }, now);
      await this.event(tx, 'major_incident.proposed', { id, reference, caseId: c.id, state: MajorIncidentState.CANDIDATE, services, leadOrganisationId: null });
      return id;
    });
  }

  /**
   * The Major Incident Manager's review (OM §5.11 steps 5–8). Promotion records the thresholds met as the triggering
   * criteria, sets the Central Service Provider that leads (its desk's SLAs apply, OM §5.24) and the impacted
   * parties, starts the update cadence, and sends the initial notification.
   */
  async review(
    principal: Principal,
    id: string,
    decision: MajorIncidentDecision,
    input: {
      note?: string | null;
      thresholds?: ThresholdAnswers | null;
      leadOrganisationId?: string | null;
      leadDeskId?: string | null;
      impactedOrganisationIds?: string[] | null;
      initialUpdate?: CommsInput | null;
      idempotencyKey?: string | null;
    },
  ): Promise<MajorIncident> {
    const note =
      decision === MajorIncidentDecision.REJECT ? text('note', input.note, LIMITS.note) : input.note?.trim() ? text('note', input.note, LIMITS.note) : null;
    const override = input.thresholds ? thresholdAnswers('thresholds', input.thresholds) : null;
    return this.run(principal, 'reviewMajorIncident', { id, decision, ...input }, async (tx, now) => {
      const mi = await this.lockMajorIncident(tx, principal, id);
      if (!majorIncidentAccess(principal, mi).reviewer) {
        throw DomainError.forbidden(
          mi.caseProviderId
            ? 'Only a Major Incident Manager of the provider whose desk holds the case reviews the candidate (OM §5.24, §18.1)'
            : 'Only a Major Incident Manager reviews a major incident candidate',
          { caseProviderId: mi.caseProviderId },
        );
      }
      if (mi.state !== MajorIncidentState.CANDIDATE) {
        throw DomainError.illegalTransition(`The major incident is ${mi.state}; only a candidate is reviewed`, 'id', { currentState: mi.state });
      }
      const c = await lockCase(tx, mi.caseId);
      const actor = actorOf(principal);
      if (decision === MajorIncidentDecision.REJECT) {
        await tx.query(
          `UPDATE elexon.major_incidents SET state = 'REJECTED', reviewed_by_subject = $2, reviewed_at = $3, review_note = $4, updated_at = $3 WHERE id = $1`,
          [mi.id, principal.subject, now, note],
        );
        await insertTimeline(
          tx,
          c.id,
          actor,
          { action: 'MAJOR_INCIDENT_REJECTED', field: 'majorIncident', from: mi.reference, note, customerVisible: false },
          now,
        );
        await this.event(tx, 'major_incident.rejected', { ...mi, state: MajorIncidentState.REJECTED });
        return mi.id;
      }
      if (!isOpen(c.state))
        throw DomainError.illegalTransition(`The case is ${c.state}; only an open incident becomes a major incident`, 'id', { currentState: c.state });
      const thresholds = override ?? mi.thresholds;
      const triggered = thresholdsMet(thresholds);
      if (!triggered.length) {
        throw DomainError.badUserInput(
          'No threshold is met (OM §5.9): promotion records the criteria that triggered it; reject the candidate instead',
          'thresholds',
        );
      }
      const lead = await this.leadOf(tx, c, mi.caseProviderId, input.leadOrganisationId ?? null, principal.visibleOrganisationIds);
      const leadDesk = await this.leadDeskOf(tx, c, lead.id, mi.services, input.leadDeskId ?? null);
      const impacted = await this.impactedParties(tx, c, lead.id, input.impactedOrganisationIds ?? []);
      const initial = input.initialUpdate ? comms('initialUpdate.', input.initialUpdate, now) : null;
      const nextDue = initial?.nextUpdateDueAt ?? nextUpdateDue(null, now, 'initialUpdate.nextUpdateDueAt');
      await tx.query(
        `UPDATE elexon.major_incidents SET state = 'PROMOTED', reviewed_by_subject = $2, reviewed_at = $3, review_note = $4, triggered_criteria = $5,
           threshold_participant_impact = $6, threshold_duration = $7, threshold_compliance_risk = $8, threshold_security_breach = $9,
           lead_org_id = $10, lead_desk_id = $11, lead_sla_policy = $12, impacted_org_ids = $13, promoted_at = $3, next_update_due_at = $14, updated_at = $3
         WHERE id = $1`,
        [
          mi.id,
          principal.subject,
          now,
          note,
          triggered,
          thresholds.participantImpact,
          thresholds.duration,
          thresholds.complianceRisk,
          thresholds.securityBreach,
          lead.id,
          leadDesk.id,
          leadDesk.slaPolicy,
          impacted,
          nextDue,
        ],
      );
      if (initial) await this.insertUpdate(tx, mi.id, MajorIncidentUpdateKind.INITIAL, initial.body, mi.services, initial, actor, now);
      await tx.query('UPDATE elexon.cases SET updated_at = $2 WHERE id = $1', [c.id, now]);
      await insertTimeline(tx, c.id, actor, { action: 'PROMOTED_TO_MAJOR_INCIDENT', field: 'majorIncident', to: mi.reference, customerVisible: true }, now);
      // The promotion is the initial notification to the MI comms list (OM §5.11 step 8).
      await this.event(
        tx,
        'major_incident.promoted',
        { ...mi, state: MajorIncidentState.PROMOTED, leadOrganisationId: lead.id },
        {
          kind: MajorIncidentUpdateKind.INITIAL,
          nextUpdateDueAt: nextDue.toISOString(),
          industryCircular: initial?.industryCircular ?? false,
          statusPage: initial?.statusPage ?? false,
        },
      );
      return mi.id;
    });
  }

  /** A comms update (OM §5.17–5.19): business and impact language on the lead's cadence; escalations go out at once. */
  async postUpdate(
    principal: Principal,
    id: string,
    input: CommsInput & { kind?: MajorIncidentUpdateKind | null; services?: Service[] | null; idempotencyKey?: string | null },
  ): Promise<MajorIncident> {
    const kind = input.kind ?? MajorIncidentUpdateKind.UPDATE;
    if (kind === MajorIncidentUpdateKind.RESOLUTION) throw DomainError.badUserInput('Resolution comms go out with resolveMajorIncident', 'kind');
    const services = input.services ? serviceList('services', input.services) : null;
    return this.run(principal, 'postMajorIncidentUpdate', { id, ...input }, async (tx, now) => {
      const mi = await this.lockMajorIncident(tx, principal, id);
      this.requireLeadManager(principal, mi);
      if (mi.state !== MajorIncidentState.PROMOTED) {
        throw DomainError.illegalTransition(`The major incident is ${mi.state}; updates go out while it is PROMOTED`, 'id', { currentState: mi.state });
      }
      const update = comms('', input, now);
      if (kind === MajorIncidentUpdateKind.INITIAL) {
        const [initial] = (await tx.query(`SELECT posted_at AS "postedAt" FROM elexon.mi_updates WHERE major_incident_id = $1 AND kind = 'INITIAL'`, [
          mi.id,
        ])) as {
          postedAt: Date;
        }[];
        if (initial) throw DomainError.badUserInput(`The initial notification went out at ${initial.postedAt.toISOString()}; post an UPDATE`, 'kind');
      }
      const affected = services ?? mi.services;
      const c = await lockCase(tx, mi.caseId);
      const actor = actorOf(principal);
      await this.insertUpdate(tx, mi.id, kind, update.body, affected, update, actor, now);
      await tx.query('UPDATE elexon.major_incidents SET services = $2, next_update_due_at = $3, updated_at = $4 WHERE id = $1', [
        mi.id,
        affected,
        update.nextUpdateDueAt,
        now,
      ]);
      await insertTimeline(
        tx,
        c.id,
        actor,
        {
          action: kind === MajorIncidentUpdateKind.ESCALATION ? 'MAJOR_INCIDENT_ESCALATION' : 'MAJOR_INCIDENT_UPDATE',
          field: 'majorIncident',
          to: mi.reference,
          note: update.body,
          customerVisible: true,
        },
        now,
      );
      await this.event(
        tx,
        kind === MajorIncidentUpdateKind.ESCALATION ? 'major_incident.escalated' : 'major_incident.updated',
        { ...mi, services: affected },
        {
          kind,
          nextUpdateDueAt: update.nextUpdateDueAt.toISOString(),
          industryCircular: update.industryCircular,
          statusPage: update.statusPage,
        },
      );
      return mi.id;
    });
  }

  /** Resolves the major incident, its case and every raiser's case linked under it, and sends the resolution comms. */
  async resolve(
    principal: Principal,
    id: string,
    resolution: string,
    input: { industryCircular?: boolean | null; statusPage?: boolean | null; idempotencyKey?: string | null },
  ): Promise<MajorIncident> {
    const body = businessText('resolution', resolution, LIMITS.body);
    return this.run(principal, 'resolveMajorIncident', { id, resolution, ...input }, async (tx, now) => {
      const mi = await this.lockMajorIncident(tx, principal, id);
      this.requireLeadManager(principal, mi);
      if (mi.state !== MajorIncidentState.PROMOTED) {
        throw DomainError.illegalTransition(`The major incident is ${mi.state}; only a PROMOTED one is resolved`, 'id', { currentState: mi.state });
      }
      const c = await lockCase(tx, mi.caseId);
      const actor = actorOf(principal);
      await this.steps.resolveWithChildren(tx, c, actor, body, now, 'id');
      await tx.query(
        `UPDATE elexon.major_incidents SET state = 'RESOLVED', resolved_at = $2, resolution = $3, next_update_due_at = NULL, updated_at = $2 WHERE id = $1`,
        [mi.id, now, body],
      );
      const flags = { industryCircular: input.industryCircular ?? false, statusPage: input.statusPage ?? false };
      await this.insertUpdate(tx, mi.id, MajorIncidentUpdateKind.RESOLUTION, body, mi.services, { nextUpdateDueAt: null, ...flags }, actor, now);
      await insertTimeline(tx, c.id, actor, { action: 'MAJOR_INCIDENT_RESOLVED', field: 'majorIncident', to: mi.reference, customerVisible: true }, now);
      await this.event(tx, 'major_incident.resolved', { ...mi, state: MajorIncidentState.RESOLVED }, { kind: MajorIncidentUpdateKind.RESOLUTION, ...flags });
      return mi.id;
    });
  }

  /** Records (or revises) the post-incident review, due within 24 hours of resolution (OM §5.23, App. E). */
  async recordPir(principal: Principal, id: string, input: PirInput): Promise<MajorIncident> {
    const pir = validatePir(input);
    return this.run(principal, 'recordPostIncidentReview', { id, ...input }, async (tx, now) => {
      const mi = await this.lockMajorIncident(tx, principal, id);
      this.requireLeadManager(principal, mi);
      if (mi.state !== MajorIncidentState.RESOLVED) {
        throw DomainError.illegalTransition(`The major incident is ${mi.state}; the post-incident review follows resolution`, 'id', { currentState: mi.state });
      }
      const c = await lockCase(tx, mi.caseId);
      const [existing] = (await tx.query('SELECT 1 FROM elexon.mi_pirs WHERE major_incident_id = $1', [mi.id])) as unknown[];
      await tx.query(
        `INSERT INTO elexon.mi_pirs (major_incident_id, report_reference, service_impacted_at, service_restored_at, incident_managers, description,
           business_impact, summary, resolution, affected_services, affected_users, timeline, root_cause, actions, process_review, additional_notes,
           recorded_by_subject, recorded_at, updated_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12::jsonb, $13, $14::jsonb, $15, $16, $17, $18, $18)
         ON CONFLICT (major_incident_id) DO UPDATE SET report_reference = EXCLUDED.report_reference, service_impacted_at = EXCLUDED.service_impacted_at,
           service_restored_at = EXCLUDED.service_restored_at, incident_managers = EXCLUDED.incident_managers, description = EXCLUDED.description,
           business_impact = EXCLUDED.business_impact, summary = EXCLUDED.summary, resolution = EXCLUDED.resolution,
           affected_services = EXCLUDED.affected_services, affected_users = EXCLUDED.affected_users, timeline = EXCLUDED.timeline,
           root_cause = EXCLUDED.root_cause, actions = EXCLUDED.actions, process_review = EXCLUDED.process_review,
           additional_notes = EXCLUDED.additional_notes, updated_at = EXCLUDED.updated_at`,
        [
          mi.id,
          pir.reportReference,
          pir.serviceImpactedAt,
          pir.serviceRestoredAt,
          pir.incidentManagers,
          pir.description,
          pir.businessImpact,
          pir.summary,
          pir.resolution,
          pir.affectedServices,
          pir.affectedUsers,
          JSON.stringify(pir.timeline),
          pir.rootCause,
          JSON.stringify(pir.actions),
          pir.processReview,
          pir.additionalNotes,
          principal.subject,
          now,
        ],
      );
      await tx.query('UPDATE elexon.major_incidents SET updated_at = $2 WHERE id = $1', [mi.id, now]);
      await this.noteOnCase(
        tx,
        c.id,
        principal,
        { action: existing ? 'PIR_REVISED' : 'PIR_RECORDED', field: 'majorIncident', to: mi.reference, customerVisible: true },
        now,
      );
      await this.event(tx, 'major_incident.pir_recorded', mi);
      return mi.id;
    });
  }

  /**
   * Raises the problem record that follows a post-incident review (OM §5.11 steps 23–25, §6): a PROBLEM case at the
   * lead desk referencing the major incident's case. Raising it again returns the same record.
   */
  async raiseProblem(principal: Principal, id: string): Promise<MajorIncident> {
    return this.run(principal, 'raiseProblemFromPir', { id }, async (tx, now) => {
      const mi = await this.lockMajorIncident(tx, principal, id);
      this.requireLeadManager(principal, mi);
      if (mi.problemCaseId) return mi.id;
      const [pir] = (await tx.query(`SELECT root_cause AS "rootCause", actions FROM elexon.mi_pirs WHERE major_incident_id = $1`, [mi.id])) as {
        rootCause: string;
        actions: { owner: string; action: string; dueAt: string }[];
      }[];
      if (!pir) throw DomainError.badUserInput('Record the post-incident review first: the problem record follows from it', 'id');
      const c = await lockCase(tx, mi.caseId);
      const actions = pir.actions.map((a) => `- ${a.owner}: ${a.action} (due ${a.dueAt.slice(0, 10)})`).join('\n');
      const description = `Raised from the post-incident review of ${mi.reference} (${c.reference}).\n\nRoot cause: ${pir.rootCause}${actions ? `\n\nFollow-up actions:\n${actions}` : ''}`;
      const actor = actorOf(principal);
      const desk = await deskTerms(tx, mi.leadDeskId as string);
      if (!desk) throw new Error(`problem record for a missing desk ${mi.leadDeskId}`);
      const problem = await this.steps.raise(
        tx,
        {
          desk,
          type: CaseType.PROBLEM,
          organisationId: mi.leadOrganisationId as string,
          category: c.category,
          subject: `Problem from ${mi.reference}: ${mi.title}`.slice(0, 200),
          description: description.slice(0, 10_000),
          referencesCaseId: c.id,
        },
        actor,
        now,
      );
      const problemId = problem.id;
      await tx.query('UPDATE elexon.major_incidents SET problem_case_id = $2, updated_at = $3 WHERE id = $1', [mi.id, problemId, now]);
      await insertTimeline(tx, c.id, actor, { action: 'PROBLEM_RAISED', field: 'problem', to: problemId, customerVisible: false }, now);
      return mi.id;
    });
  }

  // ---- plumbing ----------------------------------------------------------------------------------------------

  private requireLeadManager(principal: Principal, mi: MajorIncident): void {
    if (!majorIncidentAccess(principal, mi).leadManager) {
      throw DomainError.forbidden('Only a Major Incident Manager of the lead Central Service Provider runs the major incident (OM §5.24)', {
        leadOrganisationId: mi.leadOrganisationId,
      });
    }
  }

  /** The case a proposal names, locked: NOT_FOUND unless visible (or the caller is a manager), FORBIDDEN unless its desk's. */
  private async lockCaseFor(tx: EntityManager, principal: Principal, caseId: string): Promise<Case> {
    const notFound = new DomainError(DomainError.notFound('Case').code, 'Case not found', { field: 'caseId' });
    if (!isUuid(caseId)) throw notFound;
    const c = await lockCaseRow(tx, caseId);
    if (!c) throw notFound;
    const handoffDesks = (await tx.query('SELECT DISTINCT to_desk_id AS "deskId" FROM elexon.handoffs WHERE case_id = $1', [c.id])) as { deskId: string }[];
    const access = accessTo(
      principal,
      c.raisedByOrganisationId,
      c.deskId,
      handoffDesks.map((h) => h.deskId),
    );
    const manager = hasRole(principal, Role.MAJOR_INCIDENT_MANAGER);
    if (!manager && !canSee(access)) throw notFound;
    if (!manager && !worksTheCase(access)) throw DomainError.forbidden('Desk agents of the case’s desk or a Major Incident Manager propose a major incident');
    return c;
  }

  /** The major incident, locked; NOT_FOUND when missing or not visible to the caller. */
  private async lockMajorIncident(tx: EntityManager, principal: Principal, id: string): Promise<MajorIncident> {
    const notFound = new DomainError(DomainError.notFound('Major incident').code, 'Major incident not found', { field: 'id' });
    if (!isUuid(id)) throw notFound;
    const [row] = (await tx.query(`SELECT ${MI_COLUMNS} FROM ${MI_FROM} WHERE mi.id = $1 FOR UPDATE OF mi`, [id])) as Record<string, unknown>[];
    const mi = row ? toMajorIncident(row) : null;
    if (!mi || !canSeeMajorIncident(principal, mi)) throw notFound;
    return mi;
  }

  /**
   * Only a Central Service Provider leads (OM §2.2, §5.24): the one owning the case's desk; for a desk of no Central
   * Service Provider, the reviewer's own organisation, named.
   */
  private async leadOf(
    tx: EntityManager,
    c: Case,
    caseProviderId: string | null,
    requested: string | null,
    reviewerOrganisationIds: readonly string[],
  ): Promise<{ id: string; name: string }> {
    let deskOwnerName: string | null = null;
    if (!caseProviderId && !requested?.trim()) {
      const [deskOrg] = (await tx.query('SELECT o.name FROM elexon.desks d JOIN elexon.organisations o ON o.id = d.organisation_id WHERE d.id = $1', [
        c.deskId,
      ])) as {
        name: string;
      }[];
      deskOwnerName = deskOrg?.name ?? null;
    }
    const leadId = leadOrganisationFor(caseProviderId, requested, deskOwnerName, reviewerOrganisationIds);
    const [org] = (await tx.query('SELECT id, name, central_service_provider AS csp FROM elexon.organisations WHERE id = $1', [leadId])) as {
      id: string;
      name: string;
      csp: boolean;
    }[];
    if (!org) throw DomainError.badUserInput(`No organisation ${leadId} in the directory`, 'leadOrganisationId');
    if (!org.csp) {
      throw DomainError.badUserInput(
        `${org.name} is not a Central Service Provider: only a Central Service Provider leads an industry-wide major incident`,
        'leadOrganisationId',
      );
    }
    return org;
  }

  /** The lead's desk, whose SLAs apply: the named one, else the case desk when the lead owns it, else its desk for the services. */
  private async leadDeskOf(
    tx: EntityManager,
    c: Case,
    leadId: string,
    services: Service[],
    requested: string | null,
  ): Promise<{ id: string; slaPolicy: string }> {
    const desks = (await tx.query(
      `SELECT id, sla_policy AS "slaPolicy", services && $2::text[] AS covers FROM elexon.desks WHERE organisation_id = $1 ORDER BY name, id`,
      [leadId, services],
    )) as { id: string; slaPolicy: string; covers: boolean }[];
    if (requested) {
      const desk = desks.find((d) => d.id === requested);
      if (!desk)
        throw DomainError.badUserInput(
          `The lead desk must be one of the lead organisation's desks (${desks.map((d) => d.id).join(', ') || 'none'})`,
          'leadDeskId',
        );
      return desk;
    }
    const desk = desks.find((d) => d.id === c.deskId) ?? desks.find((d) => d.covers) ?? desks[0];
    if (!desk) throw DomainError.badUserInput('The lead organisation has no desk in the directory; name one', 'leadDeskId');
    return desk;
  }

  /** Other parties receive the comms: those named, the case desk's organisation, and Elexon whenever another provider leads. */
  private async impactedParties(tx: EntityManager, c: Case, leadId: string, requested: string[]): Promise<string[]> {
    const named = [...new Set(requested.map((id) => id.trim()).filter(Boolean))];
    if (named.length) {
      const found = (await tx.query('SELECT id FROM elexon.organisations WHERE id = ANY($1::text[])', [named])) as { id: string }[];
      const missing = named.filter((id) => !found.some((f) => f.id === id));
      if (missing.length) throw DomainError.badUserInput(`No organisation ${missing.join(', ')} in the directory`, 'impactedOrganisationIds');
    }
    const [deskOrg] = (await tx.query('SELECT organisation_id AS id FROM elexon.desks WHERE id = $1', [c.deskId])) as { id: string }[];
    const elexon = (await tx.query(`SELECT id FROM elexon.organisations WHERE kind = $1 AND parent_id IS NULL ORDER BY id`, [OrganisationKind.ELEXON])) as {
      id: string;
    }[];
    return [...new Set([...named, ...(deskOrg ? [deskOrg.id] : []), ...elexon.map((o) => o.id)])].filter((id) => id !== leadId);
  }

  private async insertUpdate(
    tx: EntityManager,
    majorIncidentId: string,
    kind: MajorIncidentUpdateKind,
    body: string,
    services: Service[],
    flags: { nextUpdateDueAt: Date | null; industryCircular: boolean; statusPage: boolean },
    actor: Actor,
    now: Date,
  ): Promise<void> {
    await tx.query(
      `INSERT INTO elexon.mi_updates (id, major_incident_id, kind, body, services, next_update_due_at, industry_circular, status_page, author_subject, author_org, posted_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)`,
      [
        randomUUID(),
        majorIncidentId,
        kind,
        body,
        services,
        flags.nextUpdateDueAt,
        flags.industryCircular,
        flags.statusPage,
        actor.subject,
        actor.organisationId,
        now,
      ],
    );
  }

  /**
   * A `major_incident.*` event: thin, business language only — the reference, state, services and lead, never a
   * case description, an MPAN or a comms-list address. Bridges look the comms list up through the API by service.
   */
  /** A `major_incident.*` event: the incident's reference, state, services and lead, with what its type adds. */
  private event<K extends MajorIncidentEventType>(
    tx: EntityManager,
    type: K,
    mi: Pick<MajorIncident, 'id' | 'reference' | 'caseId' | 'state' | 'services' | 'leadOrganisationId'>,
    ...[extra]: keyof MajorIncidentEventExtra<K> extends never ? [] : [MajorIncidentEventExtra<K>]
  ): Promise<void> {
    const base: MajorIncidentEventBase = { reference: mi.reference, state: mi.state, services: mi.services, leadOrganisationId: mi.leadOrganisationId };
    const event = cpsdEvent(type, { ...base, ...extra } as EventPayloads[K]);
    return this.outbox(tx, { ...event, entity: { __typename: 'MajorIncident', id: mi.id }, caseId: mi.caseId } as OutboxEntry);
  }

  /**
   * The job: every promoted major incident whose promised next update is more than the cadence's grace overdue is
   * flagged to its lead once per promised time (`major_incident.update_overdue`; the delivery engine tells the lead's
   * desk through its contact method). Returns how many were flagged.
   */
  async flagOverdueUpdates(now: Date = new Date()): Promise<number> {
    return this.db.transaction(async (tx) => {
      const rows = (await tx.query(
        `SELECT ${MI_COLUMNS} FROM ${MI_FROM}
          WHERE mi.state = 'PROMOTED' AND mi.next_update_due_at < $1 AND mi.overdue_flagged_for IS DISTINCT FROM mi.next_update_due_at
          ORDER BY mi.next_update_due_at LIMIT 100 FOR UPDATE OF mi SKIP LOCKED`,
        [new Date(now.getTime() - UPDATE_CADENCE.toleranceMinutes * 60_000)],
      )) as Record<string, unknown>[];
      for (const mi of rows.map(toMajorIncident)) {
        await tx.query('UPDATE elexon.major_incidents SET overdue_flagged_for = next_update_due_at WHERE id = $1', [mi.id]);
        await this.event(tx, 'major_incident.update_overdue', mi, {
          nextUpdateDueAt: (mi.nextUpdateDueAt ?? now).toISOString(),
          leadDeskId: mi.leadDeskId ?? null,
        });
      }
      return rows.length;
    });
  }

  /** A timeline entry on the major incident's case, by the caller. */
  private noteOnCase(tx: EntityManager, caseId: string, principal: Principal, entry: TimelineWrite, now: Date): Promise<void> {
    return insertTimeline(tx, caseId, actorOf(principal), entry, now);
  }

  /** Runs `work` once per (caller, idempotency key) in one transaction, then returns the major incident as the caller sees it. */
  private async run<T extends object>(
    principal: Principal,
    operation: string,
    input: T & { idempotencyKey?: string | null },
    work: (tx: EntityManager, now: Date) => Promise<string>,
  ): Promise<MajorIncident> {
    const id = await runIdempotent(this.db, principal, operation, input, (tx) => work(tx, this.clock()));
    const result = await this.visibleMajorIncident(principal, id);
    if (!result) throw DomainError.notFound('Major incident');
    return result;
  }
}

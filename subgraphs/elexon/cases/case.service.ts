/**
 * The case lifecycle (CA §2, §6; OM §3–5, §10.2–10.4, §18.3–18.5) in one place: every mutation validates its input,
 * checks who may do it, runs in one transaction with a timeline entry and an outbox event, and is safe to retry
 * with an idempotency key.
 */
import { randomUUID } from 'node:crypto';
import type { DataSource, EntityManager } from 'typeorm';
import {
  AUTO_CLOSE_AFTER_DAYS,
  AUTO_CLOSE_REMINDER_DAYS_BEFORE,
  autoCloseDueAt,
  CaseAction,
  applyAction,
  isOpen,
  type TransitionContext,
} from '../../../schema/case-state';
import { CaseState, CaseType, Category, type HoldReason, type Impact, Priority, Role, type Urgency } from '../../../schema/enums';
import { DomainError } from '../../../schema/errors';
import { EventType } from '../../../schema/events';
import { hasRole, type Principal } from '../../../schema/identity';
import { maskMpan, validateMpan } from '../../../schema/mpan';
import { requiredText as text } from '../../../schema/text';
import { priorityFor } from '../../../schema/priority';
import { queryOne } from '../../../platform/db';
import type { OutboxWriter } from '../../../platform/events';
import { suggestDesks } from '../directory/desk-suggestions';
import { runIdempotent } from '../idempotency';
import { MAJOR_INCIDENT_LEADS_SQL, accessTo, canSee, isResolver, worksTheCase, type CaseAccess } from './case.access';
import {
  CASE_COLUMNS,
  caseById,
  deskTerms,
  endHolds,
  insertComment,
  insertTimeline,
  isUuid,
  lockCase,
  lockCaseRow,
  toCase,
  type Actor,
  type DeskTerms,
  type TimelineWrite,
} from './case.repository';
import { CaseSteps, triageDueAt, triagePolicy } from './case.steps';
import type { EvidenceData } from './case.types';
import { type Case, HandoffState } from './case.types';

const LIMITS = { subject: 200, description: 10_000, comment: 10_000, reason: 2_000, evidenceItems: 50, evidenceItem: 500 };

function transition(current: Case, action: CaseAction, context: TransitionContext): CaseState {
  return applyAction(current.state, action, context);
}

/** Validates and normalises evidence; MPANs must be valid (their core is kept). */
export function normaliseEvidence(input: { [K in keyof EvidenceData]?: string[] | null } | null | undefined): EvidenceData {
  const out: EvidenceData = {};
  for (const key of ['mpans', 'transactionIds', 'dipMessageIds', 'errorCodes', 'urls'] as const) {
    const values = input?.[key] ?? [];
    if (values.length > LIMITS.evidenceItems) throw DomainError.badUserInput(`at most ${LIMITS.evidenceItems} ${key}`, `evidence.${key}`);
    const cleaned = values.map((value, index) => {
      const trimmed = value.trim();
      if (!trimmed || trimmed.length > LIMITS.evidenceItem) {
        throw DomainError.badUserInput(`evidence.${key}[${index}] must be 1–${LIMITS.evidenceItem} characters`, `evidence.${key}[${index}]`);
      }
      if (key === 'mpans') {
        const check = validateMpan(trimmed);
        if (!check.valid) {
          throw DomainError.badUserInput(`evidence.mpans[${index}] is not a valid MPAN (${check.reason})`, `evidence.mpans[${index}]`, {
            reason: check.reason,
          });
        }
        return check.core as string;
      }
      if (key === 'urls' && !/^https?:\/\/\S+$/i.test(trimmed)) {
        throw DomainError.badUserInput(`evidence.urls[${index}] must be an http(s) URL`, `evidence.urls[${index}]`);
      }
      return trimmed;
    });
    if (cleaned.length) out[key] = [...new Set(cleaned)];
  }
  return out;
}

async function deskRow(tx: EntityManager, deskId: string, field: string): Promise<DeskTerms> {
  const desk = await deskTerms(tx, deskId);
  if (!desk) throw DomainError.badUserInput(`No desk ${deskId} in the directory`, field);
  return desk;
}

function actorOf(principal: Principal): Actor {
  return { subject: principal.subject, organisationId: principal.organisationId };
}

/**
 * The other party's side of a hand-off (principle (c)), one row per operation: the states it may start from, the
 * state it leads to, its timeline action and the event it writes.
 */
const HANDOFF_OPERATIONS = {
  acknowledgeHandoff: {
    from: [HandoffState.REQUESTED],
    to: HandoffState.ACKNOWLEDGED,
    action: 'HANDOFF_ACKNOWLEDGED',
    event: EventType.HANDOFF_ACKNOWLEDGED,
  },
  updateHandoff: {
    from: [HandoffState.ACKNOWLEDGED, HandoffState.IN_PROGRESS],
    to: HandoffState.IN_PROGRESS,
    action: 'HANDOFF_UPDATED',
    event: EventType.HANDOFF_IN_PROGRESS,
  },
  resolveHandoff: {
    from: [HandoffState.ACKNOWLEDGED, HandoffState.IN_PROGRESS],
    to: HandoffState.RESOLVED,
    action: 'HANDOFF_RESOLVED',
    event: EventType.HANDOFF_RESOLVED,
  },
  rejectHandoff: {
    from: [HandoffState.REQUESTED, HandoffState.ACKNOWLEDGED, HandoffState.IN_PROGRESS],
    to: HandoffState.REJECTED,
    action: 'HANDOFF_REJECTED',
    event: EventType.HANDOFF_REJECTED,
  },
} as const;

export class CaseService {
  constructor(
    private readonly db: DataSource,
    outbox: OutboxWriter,
    private readonly clock: () => Date = () => new Date(),
  ) {
    this.steps = new CaseSteps(outbox);
  }

  private readonly steps: CaseSteps;

  // ---- reads -------------------------------------------------------------------------------------------------

  /** The case if the caller may see it, else null (indistinguishable from a case that does not exist). */
  async visibleCase(principal: Principal, where: { id?: string; reference?: string }): Promise<Case | null> {
    const clause = where.id ? 'c.id = $1' : 'c.reference = $1';
    const key = where.id ?? where.reference;
    if (!key || (where.id && !isUuid(where.id))) return null;
    const [row] = (await this.db.query(`SELECT ${CASE_COLUMNS} FROM elexon.cases c WHERE ${clause}`, [key])) as Record<string, unknown>[];
    if (!row) return null;
    const found = toCase(row);
    if (canSee(await this.accessFor(this.db.manager, principal, found))) return found;
    // A read: the lead's Major Incident Managers also see a major incident's case and its linked cases (OM §5.7).
    if (!hasRole(principal, Role.MAJOR_INCIDENT_MANAGER)) return null;
    const leads = (await this.db.query(MAJOR_INCIDENT_LEADS_SQL, [[found.id]])) as { leadOrgId: string }[];
    return canSee(
      accessTo(
        principal,
        found.raisedByOrganisationId,
        found.deskId,
        [],
        leads.map((l) => l.leadOrgId),
      ),
    )
      ? found
      : null;
  }

  async accessFor(tx: EntityManager, principal: Principal, c: Case): Promise<CaseAccess> {
    const rows = (await tx.query('SELECT DISTINCT to_desk_id AS "deskId" FROM elexon.handoffs WHERE case_id = $1', [c.id])) as { deskId: string }[];
    return accessTo(
      principal,
      c.raisedByOrganisationId,
      c.deskId,
      rows.map((r) => r.deskId),
    );
  }

  // ---- mutations ---------------------------------------------------------------------------------------------

  async raiseCase(
    principal: Principal,
    input: {
      deskId: string;
      category: Category;
      subject: string;
      description: string;
      evidence?: { [K in keyof EvidenceData]?: string[] | null } | null;
      referencesCaseId?: string | null;
      idempotencyKey?: string | null;
    },
  ): Promise<Case> {
    const subject = text('subject', input.subject, LIMITS.subject);
    const description = text('description', input.description, LIMITS.description);
    const deskId = text('deskId', input.deskId, 100);
    const evidence = normaliseEvidence(input.evidence);
    return this.idempotent(principal, 'raiseCase', input, async (tx) => {
      const desk = await deskRow(tx, deskId, 'deskId');
      if (input.referencesCaseId) {
        const referenced = await this.lockVisible(tx, principal, input.referencesCaseId, 'referencesCaseId');
        if (referenced.state !== CaseState.CLOSED && referenced.state !== CaseState.RESOLVED) {
          throw DomainError.badUserInput('A new case may reference only a resolved or closed case', 'referencesCaseId');
        }
      }
      const created = await this.steps.raise(
        tx,
        {
          desk,
          // OM §7.1: choosing "MHHS Service Request" raises a service request; 1st-line triage confirms its class.
          type: input.category === Category.MHHS_SERVICE_REQUEST ? CaseType.SERVICE_REQUEST : null,
          category: input.category,
          subject,
          description,
          organisationId: principal.organisationId,
          referencesCaseId: input.referencesCaseId,
          evidence,
          raiserEmail: principal.email ?? null,
        },
        actorOf(principal),
        this.clock(),
      );
      return created.id;
    });
  }

  async triageCase(
    principal: Principal,
    input: {
      caseId: string;
      type: CaseType;
      category?: Category | null;
      impact: Impact;
      urgency: Urgency;
      serviceRequestClass?: 'STANDARD' | 'HIGH_PRIORITY' | null;
      idempotencyKey?: string | null;
    },
  ): Promise<Case> {
    if (input.serviceRequestClass && input.type !== CaseType.SERVICE_REQUEST) {
      throw DomainError.badUserInput('serviceRequestClass is for service requests only', 'serviceRequestClass');
    }
    const serviceRequestClass = input.type === CaseType.SERVICE_REQUEST ? (input.serviceRequestClass ?? 'STANDARD') : null;
    return this.mutate(principal, 'triageCase', input, input.caseId, async (tx, c, access, now) => {
      this.requireDesk(access);
      const priority = input.type === CaseType.SERVICE_REQUEST ? Priority.P4 : priorityFor(input.impact, input.urgency);
      const state = transition(c, c.state === CaseState.NEW ? CaseAction.TRIAGE : CaseAction.RETRIAGE, { now });
      const category = input.category ?? c.category;
      // The terms are fixed at (re)triage: the desk's policy, or Hypercare's in a Hypercare window, as they stand now.
      const policy = await triagePolicy(tx, c.deskId, now);
      await tx.query(
        `UPDATE elexon.cases SET type = $2, category = $3, impact = $4, urgency = $5, priority = $6, state = $7,
           responded_at = COALESCE(responded_at, $8), updated_at = $8, sla_policy = $9, sla_resolution_target = $10::jsonb,
           service_request_class = $11 WHERE id = $1`,
        [
          c.id,
          input.type,
          category,
          input.impact,
          input.urgency,
          priority,
          state,
          now,
          policy.name,
          JSON.stringify(policy.targets[priority]),
          serviceRequestClass,
        ],
      );
      const after = await lockCase(tx, c.id);
      const actor = actorOf(principal);
      const changes: TimelineWrite[] = [
        { action: 'TRIAGED', field: 'type', from: c.type, to: input.type, customerVisible: true },
        { action: 'TRIAGED', field: 'impact', from: c.impact, to: input.impact, customerVisible: true },
        { action: 'TRIAGED', field: 'urgency', from: c.urgency, to: input.urgency, customerVisible: true },
        { action: 'TRIAGED', field: 'priority', from: c.priority, to: priority, customerVisible: true },
      ];
      if (category !== c.category) changes.push({ action: 'TRIAGED', field: 'category', from: c.category, to: category, customerVisible: true });
      if (serviceRequestClass !== c.serviceRequestClass) {
        changes.push({ action: 'TRIAGED', field: 'serviceRequestClass', from: c.serviceRequestClass, to: serviceRequestClass, customerVisible: true });
      }
      if (state !== c.state) changes.push({ action: 'TRIAGED', field: 'state', from: c.state, to: state, customerVisible: true });
      for (const change of changes.filter((ch) => ch.from !== ch.to)) await insertTimeline(tx, c.id, actor, change, now);
      // Triage sets the priority and so the resolution target: the stored due times (queue filters) follow it.
      await this.steps.refreshDueTimes(tx, after, now);
      await this.steps.event(tx, after, 'case.triaged', { priority });
    });
  }

  async routeCase(principal: Principal, input: { caseId: string; toDeskId?: string | null; reason: string; idempotencyKey?: string | null }): Promise<Case> {
    const reason = text('reason', input.reason, LIMITS.reason);
    return this.mutate(
      principal,
      'routeCase',
      input,
      input.caseId,
      async (tx, c, access, now) => {
        this.requireDesk(access);
        transition(c, CaseAction.ROUTE, { now });
        const toDeskId = input.toDeskId ?? (await this.firstSuggestion(tx, c, 'toDeskId'));
        if (toDeskId === c.deskId) throw DomainError.badUserInput('The case is already at that desk', 'toDeskId');
        const desk = await deskRow(tx, toDeskId, 'toDeskId');
        // A transfer starts the new desk's triage: back to New with its response clock, history kept.
        const responseDueAt = triageDueAt(desk.slaCalendar, now);
        // The new desk's terms: its policy (or Hypercare's) for the priority the case keeps until that desk re-triages.
        const policy = await triagePolicy(tx, desk.id, now);
        const target = c.priority ? JSON.stringify(policy.targets[c.priority]) : null;
        await tx.query(
          `UPDATE elexon.cases SET desk_id = $2, sla_policy = $3, sla_calendar = $4, state = 'NEW', hold_reason = NULL, transfer_count = transfer_count + 1,
           near_breach_alerted_at = NULL, hold_started_at = NULL, responded_at = NULL, response_due_at = $5, updated_at = $6, sla_resolution_target = $7::jsonb WHERE id = $1`,
          [c.id, desk.id, policy.name, desk.slaCalendar, responseDueAt, now, target],
        );
        await tx.query('UPDATE elexon.case_holds SET ended_at = $2 WHERE case_id = $1 AND ended_at IS NULL', [c.id, now]);
        const after = await lockCase(tx, c.id);
        await this.steps.record(
          tx,
          after,
          actorOf(principal),
          { action: 'ROUTED', field: 'desk', from: c.deskId, to: desk.id, note: reason, customerVisible: true },
          'case.routed',
          {
            fromDeskId: c.deskId,
          },
          now,
        );
      },
      { actorKeepsSight: true },
    );
  }

  async closeAsMisrouted(
    principal: Principal,
    input: { caseId: string; rightDeskId?: string | null; guidance: string; idempotencyKey?: string | null },
  ): Promise<Case> {
    const guidance = text('guidance', input.guidance, LIMITS.reason);
    return this.mutate(principal, 'closeAsMisrouted', input, input.caseId, async (tx, c, access, now) => {
      this.requireDesk(access);
      const state = transition(c, CaseAction.RESOLVE, { now });
      const rightDeskId = input.rightDeskId ?? (await this.firstSuggestion(tx, c, 'rightDeskId'));
      if (rightDeskId === c.deskId) throw DomainError.badUserInput('The right desk must be another desk', 'rightDeskId');
      const desk = await deskRow(tx, rightDeskId, 'rightDeskId');
      const resolution = `Misrouted: please raise this with ${desk.name}. ${guidance}`;
      await tx.query(
        `UPDATE elexon.cases SET state = $2, misrouted_to_desk_id = $3, resolution = $4, resolved_at = $5,
           responded_at = COALESCE(responded_at, $5), updated_at = $5, hold_reason = NULL, hold_started_at = NULL WHERE id = $1`,
        [c.id, state, desk.id, resolution, now],
      );
      await tx.query('UPDATE elexon.case_holds SET ended_at = $2 WHERE case_id = $1 AND ended_at IS NULL', [c.id, now]);
      await this.steps.recordStateChange(
        tx,
        c,
        actorOf(principal),
        { action: 'CLOSED_AS_MISROUTED', note: resolution },
        'case.misrouted',
        {
          rightDeskId: desk.id,
        },
        now,
      );
    });
  }

  async putCaseOnHold(
    principal: Principal,
    input: { caseId: string; reason: HoldReason; note?: string | null; idempotencyKey?: string | null },
  ): Promise<Case> {
    return this.mutate(principal, 'putCaseOnHold', input, input.caseId, async (tx, c, access, now) => {
      this.requireDesk(access);
      const state = transition(c, CaseAction.HOLD, { now });
      await tx.query('UPDATE elexon.cases SET state = $2, hold_reason = $3, hold_started_at = $4, updated_at = $4 WHERE id = $1', [
        c.id,
        state,
        input.reason,
        now,
      ]);
      await tx.query('INSERT INTO elexon.case_holds (case_id, started_at, reason) VALUES ($1, $2, $3)', [c.id, now, input.reason]);
      await this.steps.recordStateChange(tx, c, actorOf(principal), { action: 'PUT_ON_HOLD', note: input.reason }, 'case.on_hold', {}, now);
    });
  }

  async resumeCase(principal: Principal, input: { caseId: string; note?: string | null; idempotencyKey?: string | null }): Promise<Case> {
    return this.mutate(principal, 'resumeCase', input, input.caseId, async (tx, c, access, now) => {
      this.requireDesk(access);
      const state = transition(c, CaseAction.RESUME, { now });
      await endHolds(tx, c.id, now);
      await tx.query('UPDATE elexon.cases SET state = $2, hold_reason = NULL, hold_started_at = NULL, updated_at = $3 WHERE id = $1', [c.id, state, now]);
      await this.steps.recordStateChange(tx, c, actorOf(principal), { action: 'RESUMED', note: input.note ?? null }, 'case.resumed', {}, now);
    });
  }

  async resolveCase(principal: Principal, input: { caseId: string; resolution: string; idempotencyKey?: string | null }): Promise<Case> {
    const resolution = text('resolution', input.resolution, LIMITS.reason);
    return this.mutate(principal, 'resolveCase', input, input.caseId, async (tx, c, access, now) => {
      this.requireDesk(access);
      transition(c, CaseAction.RESOLVE, { now });
      // Resolving a parent resolves its open children with the parent's resolution and tells each child's raiser.
      await this.steps.resolveWithChildren(tx, c, actorOf(principal), resolution, now, 'caseId');
    });
  }

  /** The raiser confirms the resolution (OM §3.12): the case closes. */
  confirmResolution(principal: Principal, input: { caseId: string; note?: string | null; idempotencyKey?: string | null }): Promise<Case> {
    return this.closeResolved(principal, 'confirmResolution', input, CaseAction.CONFIRM, 'RESOLUTION_CONFIRMED');
  }

  async reopenCase(principal: Principal, input: { caseId: string; comment: string; idempotencyKey?: string | null }): Promise<Case> {
    const comment = text('comment', input.comment, LIMITS.comment);
    return this.mutate(principal, 'reopenCase', input, input.caseId, async (tx, c, access, now) => {
      if (!access.raiserSide && !worksTheCase(access)) throw DomainError.forbidden('Only the raiser or the case’s desk may reopen it');
      const state = transition(c, CaseAction.REOPEN, { now, closedAt: c.closedAt, resolvedAt: c.resolvedAt });
      await tx.query(
        'UPDATE elexon.cases SET state = $2, resolution = NULL, resolved_at = NULL, closed_at = NULL, reopen_count = reopen_count + 1, updated_at = $3 WHERE id = $1',
        [c.id, state, now],
      );
      await insertComment(tx, c.id, actorOf(principal), comment, 'CUSTOMER_VISIBLE', now);
      await this.steps.recordStateChange(tx, c, actorOf(principal), { action: 'REOPENED', note: comment }, 'case.reopened', {}, now);
    });
  }

  /** The desk closes a resolved case. */
  closeCase(principal: Principal, input: { caseId: string; note?: string | null; idempotencyKey?: string | null }): Promise<Case> {
    return this.closeResolved(principal, 'closeCase', input, CaseAction.CLOSE, 'CLOSED');
  }

  /** Closing a resolved case: the raiser's side confirms, the desk closes. */
  private closeResolved(
    principal: Principal,
    operation: 'confirmResolution' | 'closeCase',
    input: { caseId: string; note?: string | null; idempotencyKey?: string | null },
    action: CaseAction.CONFIRM | CaseAction.CLOSE,
    timelineAction: string,
  ): Promise<Case> {
    return this.mutate(principal, operation, input, input.caseId, async (tx, c, access, now) => {
      if (action === CaseAction.CONFIRM) this.requireRaiser(access);
      else this.requireDesk(access);
      await this.steps.close(tx, c, action, actorOf(principal), { action: timelineAction, note: input.note ?? null }, now);
    });
  }

  async cancelCase(principal: Principal, input: { caseId: string; comment: string; idempotencyKey?: string | null }): Promise<Case> {
    const comment = text('comment', input.comment, LIMITS.comment);
    return this.mutate(principal, 'cancelCase', input, input.caseId, async (tx, c, access, now) => {
      if (!access.raiserSide && !worksTheCase(access)) throw DomainError.forbidden('Only the raiser or the case’s desk may cancel it');
      const state = transition(c, CaseAction.CANCEL, { now });
      await endHolds(tx, c.id, now);
      await tx.query('UPDATE elexon.cases SET state = $2, closed_at = $3, hold_reason = NULL, hold_started_at = NULL, updated_at = $3 WHERE id = $1', [
        c.id,
        state,
        now,
      ]);
      await this.steps.recordStateChange(tx, c, actorOf(principal), { action: 'CANCELLED', note: comment }, 'case.cancelled', {}, now);
    });
  }

  async addComment(
    principal: Principal,
    input: { caseId: string; body: string; visibility: 'CUSTOMER_VISIBLE' | 'WORK_NOTE'; idempotencyKey?: string | null },
  ): Promise<Case> {
    const body = text('body', input.body, LIMITS.comment);
    return this.mutate(principal, 'addComment', input, input.caseId, async (tx, c, access, now) => {
      if (input.visibility === 'WORK_NOTE' && !isResolver(access)) {
        throw DomainError.badUserInput('Work notes are for resolvers; the raiser’s comments are customer-visible', 'visibility');
      }
      await insertComment(tx, c.id, actorOf(principal), body, input.visibility, now);
      await tx.query('UPDATE elexon.cases SET updated_at = $2 WHERE id = $1', [c.id, now]);
      const customerVisible = input.visibility === 'CUSTOMER_VISIBLE';
      await insertTimeline(tx, c.id, actorOf(principal), { action: customerVisible ? 'COMMENTED' : 'WORK_NOTE_ADDED', customerVisible }, now);
      // Work notes stay between resolvers: bridges and raiser notifications only hear of customer-visible comments.
      await this.steps.event(tx, c, customerVisible ? 'case.commented' : 'case.work_note_added', { visibility: input.visibility });
    });
  }

  async linkChildCase(principal: Principal, input: { parentId: string; childId: string; idempotencyKey?: string | null }): Promise<Case> {
    if (input.parentId === input.childId) throw DomainError.badUserInput('A case cannot be its own child', 'childId');
    return this.idempotent(principal, 'linkChildCase', input, async (tx) => {
      // Lock in id order so two concurrent links cannot deadlock.
      const locked = new Map<string, Case>();
      for (const id of [input.parentId, input.childId].sort())
        locked.set(id, await this.lockVisible(tx, principal, id, id === input.parentId ? 'parentId' : 'childId'));
      const [parent, child] = [locked.get(input.parentId), locked.get(input.childId)];
      if (!parent || !child) throw new Error('linkChildCase: a locked case went missing');
      const access = await this.accessFor(tx, principal, parent);
      this.requireDesk(access);
      if (child.parentId) {
        if (child.parentId === parent.id) return parent.id;
        throw DomainError.badUserInput('That case already has a parent; unlink it first', 'childId');
      }
      if (!isOpen(parent.state)) throw DomainError.badUserInput(`The parent is ${parent.state}; only an open case can take children`, 'parentId');
      const { cycle } = await queryOne<{ cycle: boolean }>(
        tx,
        `WITH RECURSIVE ancestors(id, parent_id) AS (
           SELECT id, parent_id FROM elexon.cases WHERE id = $1
           UNION SELECT c.id, c.parent_id FROM elexon.cases c JOIN ancestors a ON c.id = a.parent_id)
         SELECT EXISTS (SELECT 1 FROM ancestors WHERE id = $2) AS cycle`,
        [parent.id, child.id],
      );
      if (cycle) throw DomainError.badUserInput('Linking would make a cycle: the child is an ancestor of the parent', 'childId');
      const now = this.clock();
      await tx.query('UPDATE elexon.cases SET parent_id = $2, updated_at = $3 WHERE id = $1', [child.id, parent.id, now]);
      await tx.query('UPDATE elexon.cases SET updated_at = $2 WHERE id = $1', [parent.id, now]);
      const actor = actorOf(principal);
      await insertTimeline(tx, parent.id, actor, { action: 'CHILD_LINKED', field: 'children', to: child.reference, customerVisible: false }, now);
      await insertTimeline(tx, child.id, actor, { action: 'LINKED_TO_PARENT', field: 'parent', to: parent.reference, customerVisible: true }, now);
      await this.steps.event(tx, await lockCase(tx, child.id), 'case.linked', { parentId: parent.id });
      return parent.id;
    });
  }

  async unlinkChildCase(principal: Principal, input: { childId: string; idempotencyKey?: string | null }): Promise<Case> {
    return this.mutate(principal, 'unlinkChildCase', input, input.childId, async (tx, child, _access, now) => {
      if (!child.parentId) throw DomainError.badUserInput('That case has no parent', 'childId');
      const parent = await lockCase(tx, child.parentId);
      this.requireDesk(await this.accessFor(tx, principal, parent));
      await tx.query('UPDATE elexon.cases SET parent_id = NULL, updated_at = $2 WHERE id = $1', [child.id, now]);
      const actor = actorOf(principal);
      await insertTimeline(tx, parent.id, actor, { action: 'CHILD_UNLINKED', field: 'children', from: child.reference, customerVisible: false }, now);
      await insertTimeline(tx, child.id, actor, { action: 'UNLINKED_FROM_PARENT', field: 'parent', from: parent.reference, customerVisible: true }, now);
      await this.steps.event(tx, await lockCase(tx, child.id), 'case.unlinked', { parentId: parent.id });
    });
  }

  /** Resolved cases the raiser has not answered within 5 days close; returns how many closed. */
  async autoCloseResolved(now: Date = this.clock()): Promise<number> {
    let closed = 0;
    for (;;) {
      const batch = await this.db.transaction(async (tx) => {
        const rows = (await tx.query(
          `SELECT ${CASE_COLUMNS} FROM elexon.cases c WHERE c.state = 'RESOLVED' AND c.resolved_at <= $1
           ORDER BY c.resolved_at LIMIT 100 FOR UPDATE SKIP LOCKED`,
          [new Date(now.getTime() - AUTO_CLOSE_AFTER_DAYS * 24 * 3600 * 1000)],
        )) as Record<string, unknown>[];
        for (const c of rows.map(toCase)) {
          await this.steps.close(
            tx,
            c,
            CaseAction.AUTO_CLOSE,
            { subject: 'cpsd-auto-close', organisationId: 'elexon' },
            { action: 'AUTO_CLOSED', note: 'No answer from the raiser within 5 days of resolution' },
            now,
          );
        }
        return rows.length;
      });
      closed += batch;
      if (batch < 100) return closed;
    }
  }

  /** Resolved cases a day from closing by themselves: their raisers are reminded once per resolution; returns how many. */
  async remindBeforeAutoClose(now: Date = this.clock()): Promise<number> {
    let reminded = 0;
    for (;;) {
      const batch = await this.db.transaction(async (tx) => {
        const rows = (await tx.query(
          `SELECT ${CASE_COLUMNS} FROM elexon.cases c
            WHERE c.state = 'RESOLVED' AND c.resolved_at <= $1 AND (c.auto_close_reminded_at IS NULL OR c.auto_close_reminded_at < c.resolved_at)
            ORDER BY c.resolved_at LIMIT 100 FOR UPDATE SKIP LOCKED`,
          [new Date(now.getTime() - (AUTO_CLOSE_AFTER_DAYS - AUTO_CLOSE_REMINDER_DAYS_BEFORE) * 24 * 3600 * 1000)],
        )) as Record<string, unknown>[];
        for (const c of rows.map(toCase)) {
          await tx.query('UPDATE elexon.cases SET auto_close_reminded_at = $2 WHERE id = $1', [c.id, now]);
          await this.steps.event(tx, c, 'case.auto_close_reminder', { autoClosesAt: autoCloseDueAt(c.resolvedAt ?? now).toISOString() });
        }
        return rows.length;
      });
      reminded += batch;
      if (batch < 100) return reminded;
    }
  }

  // ---- hand-offs (principle (c)) ------------------------------------------------------------------------------

  async handOffCase(principal: Principal, input: { caseId: string; toDeskId: string; reason: string; idempotencyKey?: string | null }): Promise<Case> {
    const reason = text('reason', input.reason, LIMITS.reason);
    return this.mutate(principal, 'handOffCase', input, input.caseId, async (tx, c, access, now) => {
      this.requireDesk(access);
      if (c.state !== CaseState.IN_PROGRESS && c.state !== CaseState.ON_HOLD) {
        throw DomainError.illegalTransition(`Triage the case before handing it off; it is ${c.state}`, 'caseId', {
          currentState: c.state,
          allowed: [CaseState.IN_PROGRESS, CaseState.ON_HOLD],
        });
      }
      if (input.toDeskId === c.deskId) throw DomainError.badUserInput('Hand off to another party’s desk, not the case’s own', 'toDeskId');
      const desk = await deskRow(tx, input.toDeskId, 'toDeskId');
      const [open] = (await tx.query(`SELECT id FROM elexon.handoffs WHERE case_id = $1 AND to_desk_id = $2 AND state NOT IN ('RESOLVED', 'REJECTED')`, [
        c.id,
        desk.id,
      ])) as { id: string }[];
      if (open) throw DomainError.badUserInput('The case already has an open hand-off to that desk', 'toDeskId', { handoffId: open.id });
      const id = randomUUID();
      await tx.query(
        `INSERT INTO elexon.handoffs (id, case_id, to_desk_id, party, reason, state, created_by_subject, created_at, updated_at)
         VALUES ($1, $2, $3, $4, $5, 'REQUESTED', $6, $7, $7)`,
        [id, c.id, desk.id, desk.party, reason, principal.subject, now],
      );
      await tx.query('UPDATE elexon.cases SET handoff_count = handoff_count + 1, updated_at = $2 WHERE id = $1', [c.id, now]);
      await insertTimeline(tx, c.id, actorOf(principal), { action: 'HANDED_OFF', field: 'handoff', to: desk.id, note: null, customerVisible: true }, now);
      await insertTimeline(
        tx,
        c.id,
        actorOf(principal),
        { action: 'HANDOFF_REASON', field: 'handoff', to: desk.id, note: reason, customerVisible: false },
        now,
      );
      await this.steps.handoffEvent(tx, 'handoff.created', id, c, {
        toDeskId: desk.id,
        party: desk.party,
        subject: maskMpan(c.subject),
        reason: maskMpan(reason),
        raisedByOrganisationId: c.raisedByOrganisationId,
      });
    });
  }

  /** The party's side of a hand-off: only desk agents of the receiving desk. Returns the case id. */
  async updateHandoffState(
    principal: Principal,
    operation: keyof typeof HANDOFF_OPERATIONS,
    input: {
      handoffId: string;
      externalReference?: string | null;
      note?: string | null;
      resolution?: string | null;
      reason?: string | null;
      suggestedDeskId?: string | null;
      idempotencyKey?: string | null;
    },
  ): Promise<string> {
    const note = operation === 'updateHandoff' ? text('note', input.note, LIMITS.comment) : null;
    const resolution = operation === 'resolveHandoff' ? text('resolution', input.resolution, LIMITS.reason) : null;
    const reason = operation === 'rejectHandoff' ? text('reason', input.reason, LIMITS.reason) : null;
    const externalReference =
      operation === 'acknowledgeHandoff'
        ? text('externalReference', input.externalReference, 100)
        : input.externalReference
          ? text('externalReference', input.externalReference, 100)
          : null;
    const caseId = await this.idempotentId(principal, operation, input, async (tx) => {
      if (!isUuid(input.handoffId)) throw DomainError.notFound('Hand-off');
      const [handoff] = (await tx.query(`SELECT id, case_id AS "caseId", to_desk_id AS "toDeskId", state FROM elexon.handoffs WHERE id = $1 FOR UPDATE`, [
        input.handoffId,
      ])) as { id: string; caseId: string; toDeskId: string; state: HandoffState }[];
      const c = handoff ? await lockCase(tx, handoff.caseId) : null;
      const access = c ? await this.accessFor(tx, principal, c) : null;
      if (!handoff || !c || !access || !canSee(access)) throw DomainError.notFound('Hand-off');
      if (!principal.deskIds.includes(handoff.toDeskId) || !access.handoffDeskAgent) {
        throw DomainError.forbidden('Only desk agents of the receiving desk act on its side of a hand-off');
      }
      const step = HANDOFF_OPERATIONS[operation];
      const allowed: readonly HandoffState[] = step.from;
      if (!allowed.includes(handoff.state)) {
        throw DomainError.illegalTransition(`The hand-off is ${handoff.state}; ${operation} needs ${allowed.join(' or ')}`, 'handoffId', {
          currentState: handoff.state,
          allowed: [...allowed],
        });
      }
      if (input.suggestedDeskId) await deskRow(tx, input.suggestedDeskId, 'suggestedDeskId');
      const now = this.clock();
      const state = step.to;
      await tx.query(
        `UPDATE elexon.handoffs SET state = $2, external_reference = COALESCE($3, external_reference), resolution = COALESCE($4, resolution),
           rejection_reason = COALESCE($5, rejection_reason), suggested_desk_id = COALESCE($6, suggested_desk_id), updated_at = $7 WHERE id = $1`,
        [handoff.id, state, externalReference, resolution, reason, input.suggestedDeskId ?? null, now],
      );
      await tx.query('UPDATE elexon.cases SET updated_at = $2 WHERE id = $1', [c.id, now]);
      const actor = actorOf(principal);
      const { action } = step;
      // The raiser hears that the other party acknowledged, resolved or rejected; the detail stays with resolvers.
      await insertTimeline(tx, c.id, actor, { action, field: 'handoff', from: handoff.state, to: state, customerVisible: operation !== 'updateHandoff' }, now);
      const detail = note ?? resolution ?? reason;
      if (detail) await insertTimeline(tx, c.id, actor, { action: `${action}_DETAIL`, field: 'handoff', note: detail, customerVisible: false }, now);
      await this.steps.handoffEvent(tx, step.event, handoff.id, c, {
        toDeskId: handoff.toDeskId,
        ...(externalReference ? { externalReference } : {}),
        ...(detail ? { note: maskMpan(detail) } : {}),
        ...(input.suggestedDeskId ? { suggestedDeskId: input.suggestedDeskId } : {}),
      });
      return c.id;
    });
    return caseId;
  }

  // ---- plumbing ----------------------------------------------------------------------------------------------

  private requireDesk(access: CaseAccess): void {
    if (!worksTheCase(access)) throw DomainError.forbidden('Only desk agents of the case’s desk may do that');
  }

  private requireRaiser(access: CaseAccess): void {
    if (!access.raiserSide) throw DomainError.forbidden('Only the raiser’s organisation may do that');
  }

  /** Runs `work` once per (caller, idempotency key); a retry returns the first result; a different input is refused. */
  private async idempotent<T extends object>(
    principal: Principal,
    operation: string,
    input: T & { idempotencyKey?: string | null },
    work: (tx: EntityManager) => Promise<string>,
    options: { actorKeepsSight?: boolean } = {},
  ): Promise<Case> {
    const resultId = await this.idempotentId(principal, operation, input, work);
    // Routing moves a case out of the actor's sight; the actor still gets the result of what it just did.
    const result = options.actorKeepsSight ? await caseById(this.db.manager, resultId) : await this.visibleCase(principal, { id: resultId });
    if (!result) throw DomainError.notFound('Case');
    return result;
  }

  /** The idempotency core (shared with major incidents): the id of the first result for this (caller, key). */
  private idempotentId<T extends object>(
    principal: Principal,
    operation: string,
    input: T & { idempotencyKey?: string | null },
    work: (tx: EntityManager) => Promise<string>,
  ): Promise<string> {
    return runIdempotent(this.db, principal, operation, input, work);
  }

  /** Locks a visible case and runs `work` on it inside an idempotent transaction. */
  private mutate<T extends object>(
    principal: Principal,
    operation: string,
    input: T & { idempotencyKey?: string | null },
    caseId: string,
    work: (tx: EntityManager, c: Case, access: CaseAccess, now: Date) => Promise<void>,
    options: { actorKeepsSight?: boolean } = {},
  ): Promise<Case> {
    return this.idempotent(
      principal,
      operation,
      input,
      async (tx) => {
        const c = await this.lockVisible(tx, principal, caseId, 'caseId');
        await work(tx, c, await this.accessFor(tx, principal, c), this.clock());
        return c.id;
      },
      options,
    );
  }

  private async lockVisible(tx: EntityManager, principal: Principal, id: string, field: string): Promise<Case> {
    if (!isUuid(id)) throw new DomainError(DomainError.notFound('Case').code, 'Case not found', { field });
    const c = await lockCaseRow(tx, id);
    if (!c || !canSee(await this.accessFor(tx, principal, c))) throw new DomainError(DomainError.notFound('Case').code, 'Case not found', { field });
    return c;
  }

  private async firstSuggestion(tx: EntityManager, c: Case, field: string): Promise<string> {
    const [first] = (await suggestDesks(tx, { category: c.category, mpans: c.evidenceData.mpans ?? [], excludeDeskId: c.deskId })) ?? [];
    if (!first) throw DomainError.badUserInput('The directory suggests no desk for this case; name one', field);
    return first.deskId;
  }
}

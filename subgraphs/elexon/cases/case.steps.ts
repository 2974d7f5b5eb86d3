/**
 * The steps of the case lifecycle (CA §2, §6; OM §3–5, §10.2–10.4) that more than one mutation takes: raising a case,
 * resolving it with its open children, and what every change ends with (a timeline entry, the stored SLA due times,
 * the outbox event). Each step runs in the caller's transaction, so the case service and the major-incident service
 * share one lifecycle instead of mirroring it.
 */
import { randomUUID } from 'node:crypto';
import type { EntityManager } from 'typeorm';
import type { CalendarKind } from '../../../schema/calendar';
import { CaseAction, applyAction, isOpen } from '../../../schema/case-state';
import { CaseState, CaseType, type Category, type Priority } from '../../../schema/enums';
import { DomainError } from '../../../schema/errors';
import { SERVICE_REQUEST_SLAS, SLA_POLICIES, TRIAGE_RESPONSE_TARGET, type SlaTarget } from '../../../schema/priority';
import {
  calendarForTarget,
  computeSlaClock,
  DEFAULT_NEAR_BREACH_PERCENT,
  nearBreachAt,
  serviceRequestTerms,
  slaTermsFor,
  type HoldInterval,
  type SlaClockInput,
  type SlaTerms,
} from '../../../schema/sla';
import { cpsdEvent, type CaseEventBase, type EventPayloads, type EventType, type HandoffEventBase } from '../../../schema/events';
import { queryOne } from '../../../platform/db';
import type { OutboxEntry, OutboxWriter } from '../../../platform/events';
import {
  endHolds,
  holdsOf,
  insertTimeline,
  lockCase,
  lockOpenChildren,
  nextReference,
  openHandoffCount,
  setDueTimes,
  type Actor,
  type DeskTerms,
  type TimelineWrite,
} from './case.repository';
import type { Case, EvidenceData } from './case.types';

/** The SLA terms of a case: its desk's policy, on the desk's calendar; service requests use the §7.2 targets. */
export function termsFor(c: Pick<Case, 'slaPolicy' | 'slaCalendar' | 'priority' | 'type' | 'slaResolutionTarget' | 'serviceRequestClass'>): SlaTerms | null {
  if (c.type === CaseType.SERVICE_REQUEST) return serviceRequestTerms(SERVICE_REQUEST_SLAS[c.serviceRequestClass ?? 'STANDARD']);
  if (!c.priority) return null;
  const calendar = c.slaCalendar as CalendarKind;
  // The target recorded at triage: a later change to the desk's policy never rewrites the case's terms.
  if (c.slaResolutionTarget) {
    return { response: responseTerm(calendar), resolution: { target: c.slaResolutionTarget, calendar: calendarForTarget(c.slaResolutionTarget, calendar) } };
  }
  const base = SLA_POLICIES[c.slaPolicy as 'STANDARD' | 'HYPERCARE'] ?? SLA_POLICIES.STANDARD;
  return slaTermsFor({ ...base, calendar }, c.priority);
}

/**
 * The policy a case at this desk is triaged under `now`: HYPERCARE while a Hypercare window covers the desk (Hypercare
 * §5.2), otherwise the desk's own; with that policy's resolution targets as they stand.
 */
export async function triagePolicy(tx: EntityManager, deskId: string, now: Date): Promise<{ name: string; targets: Record<Priority, SlaTarget> }> {
  const row = await queryOne<{ name: string; targets: Record<Priority, SlaTarget> }>(
    tx,
    `SELECT p.name, p.resolution_targets AS targets FROM elexon.desks d
       JOIN elexon.sla_policies p ON p.name = CASE
         WHEN EXISTS (SELECT 1 FROM elexon.hypercare_windows h WHERE h.desk_id = d.id AND h.starts_at <= $2 AND h.ends_at > $2) THEN 'HYPERCARE'
         ELSE d.sla_policy END
      WHERE d.id = $1`,
    [deskId, now],
  );
  return row;
}

/** The response term before triage (15 minutes on the desk's calendar). */
export function responseTerm(calendar: CalendarKind) {
  return { target: TRIAGE_RESPONSE_TARGET, calendar: calendarForTarget(TRIAGE_RESPONSE_TARGET, calendar) };
}

/** When the new desk's triage is due: 15 minutes on its calendar from `now`. */
export function triageDueAt(calendar: CalendarKind, now: Date): Date {
  return responseTerm(calendar).calendar.addMinutes(now, 15);
}

export function slaClock(c: Case, holds: HoldInterval[], now: Date) {
  const terms = termsFor(c);
  const response = terms?.response ?? responseTerm(c.slaCalendar as CalendarKind);
  const input: SlaClockInput = {
    raisedAt: c.raisedAt,
    holds,
    respondedAt: c.respondedAt,
    resolvedAt: c.resolvedAt ?? (c.state === CaseState.CANCELLED ? c.closedAt : null),
    now,
    response,
    resolution: terms?.resolution ?? response,
  };
  return { clock: computeSlaClock(input), hasResolutionTarget: terms !== null, input };
}

/** The share of the resolution target at which a case is near breach and its desk is alerted (Hypercare §5). */
export async function nearBreachShare(tx: EntityManager): Promise<number> {
  const [row] = (await tx.query('SELECT near_breach_percent AS percent FROM elexon.sla_escalation')) as { percent: number }[];
  return (row?.percent ?? DEFAULT_NEAR_BREACH_PERCENT) / 100;
}

/** A case to raise at a desk: by a raiser's organisation, or by the CPSD itself (a problem record, OM §6). */
export interface CaseToRaise {
  desk: DeskTerms;
  type?: CaseType | null;
  category: Category;
  subject: string;
  description: string;
  organisationId: string;
  referencesCaseId?: string | null;
  evidence?: EvidenceData;
  /** Where the raiser hears of the case: their token's `email` claim. */
  raiserEmail?: string | null;
}

export type CaseEventType = Extract<EventType, `case.${string}`>;
export type HandoffEventType = Extract<EventType, `handoff.${string}`>;
/** What a `case.*` event of type K adds to the case's own fields. */
export type CaseEventExtra<K extends CaseEventType> = Omit<EventPayloads[K], keyof CaseEventBase>;
/** What a `handoff.*` event of type K adds to the hand-off's own fields. */
export type HandoffEventExtra<K extends HandoffEventType> = Omit<EventPayloads[K], keyof HandoffEventBase>;

export class CaseSteps {
  constructor(private readonly outbox: OutboxWriter) {}

  /** Raises a case New at the desk with its triage clock running; returns it, locked. */
  async raise(tx: EntityManager, raise: CaseToRaise, actor: Actor, now: Date): Promise<Case> {
    const id = randomUUID();
    const reference = await nextReference(tx);
    await tx.query(
      `INSERT INTO elexon.cases (id, reference, desk_id, type, category, subject, description, state, raised_by_org, raised_by_subject,
         references_case_id, evidence, sla_policy, sla_calendar, raised_at, updated_at, response_due_at, raised_by_email)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $15, $16, $17)`,
      [
        id,
        reference,
        raise.desk.id,
        raise.type ?? null,
        raise.category,
        raise.subject,
        raise.description,
        CaseState.NEW,
        raise.organisationId,
        actor.subject,
        raise.referencesCaseId ?? null,
        JSON.stringify(raise.evidence ?? {}),
        raise.desk.slaPolicy,
        raise.desk.slaCalendar,
        now,
        triageDueAt(raise.desk.slaCalendar, now),
        raise.raiserEmail ?? null,
      ],
    );
    const created = await lockCase(tx, id);
    await this.record(tx, created, actor, { action: 'RAISED', to: raise.desk.id, field: 'desk', customerVisible: true }, 'case.raised', {}, now);
    return created;
  }

  /**
   * Resolves the case (OM §3.11) and every open child linked under it with the parent's resolution, telling each
   * child's raiser. A case with an open hand-off stays open until the other party resolves or rejects it.
   */
  async resolveWithChildren(tx: EntityManager, c: Case, actor: Actor, resolution: string, now: Date, field: string): Promise<void> {
    const open = await openHandoffCount(tx, c.id);
    if (open > 0) {
      throw DomainError.badUserInput(`Case ${c.reference} has ${open} open hand-off(s); it stays open until the other party resolves or rejects them`, field, {
        openHandoffs: open,
      });
    }
    if (isOpen(c.state)) await this.resolveOne(tx, c, actor, resolution, now, 'RESOLVED', field);
    for (const child of await lockOpenChildren(tx, c.id)) {
      await this.resolveOne(tx, child, actor, resolution, now, 'RESOLVED_WITH_PARENT', field, c.reference);
    }
  }

  /** Closes a resolved case: the raiser confirmed (CONFIRM), the desk closed it (CLOSE) or 5 days passed (AUTO_CLOSE). */
  async close(
    tx: EntityManager,
    c: Case,
    action: CaseAction.CONFIRM | CaseAction.CLOSE | CaseAction.AUTO_CLOSE,
    actor: Actor,
    entry: { action: string; note: string | null },
    now: Date,
  ): Promise<void> {
    const state = applyAction(c.state, action, { now, resolvedAt: c.resolvedAt }, 'caseId');
    await tx.query('UPDATE elexon.cases SET state = $2, closed_at = $3, updated_at = $3 WHERE id = $1', [c.id, state, now]);
    await this.recordStateChange(tx, c, actor, entry, 'case.closed', {}, now);
  }

  /**
   * After a change of state written to the case's row: the case as it now is, a customer-visible timeline entry from
   * the state before to the state after, the due times and the event.
   */
  async recordStateChange<K extends CaseEventType>(
    tx: EntityManager,
    before: Case,
    actor: Actor,
    entry: { action: string; note: string | null },
    eventType: K,
    payload: CaseEventExtra<K>,
    now: Date,
  ): Promise<Case> {
    const after = await lockCase(tx, before.id);
    await this.record(tx, after, actor, { ...entry, field: 'state', from: before.state, to: after.state, customerVisible: true }, eventType, payload, now);
    return after;
  }

  /** Timeline entry, recomputed SLA due times, and the outbox event: what every case change ends with. */
  async record<K extends CaseEventType>(
    tx: EntityManager,
    c: Case,
    actor: Actor,
    entry: TimelineWrite,
    eventType: K,
    payload: CaseEventExtra<K>,
    now: Date,
  ): Promise<void> {
    await insertTimeline(tx, c.id, actor, entry, now);
    await this.refreshDueTimes(tx, c, now);
    await this.event(tx, c, eventType, payload);
  }

  /** Keeps the stored due times (used by queue filters such as `breached`) in step with the computed clock. */
  async refreshDueTimes(tx: EntityManager, c: Case, now: Date): Promise<void> {
    const { clock, hasResolutionTarget, input } = slaClock(c, await holdsOf(tx, c.id), now);
    const nearBreach = hasResolutionTarget ? nearBreachAt(input, await nearBreachShare(tx)) : null;
    await setDueTimes(tx, c.id, {
      responseDueAt: clock.responseDueAt,
      resolutionDueAt: hasResolutionTarget ? clock.resolutionDueAt : null,
      nearBreachAt: nearBreach,
      responseBreached: clock.responseBreached,
      resolutionBreached: hasResolutionTarget ? clock.resolutionBreached : null,
    });
  }

  /** A `case.*` event: the case's reference, desk, state and raiser, with what the change adds for its type. */
  event<K extends CaseEventType>(tx: EntityManager, c: Case, type: K, extra: CaseEventExtra<K>): Promise<void> {
    const base: CaseEventBase = { reference: c.reference, deskId: c.deskId, state: c.state, raisedByOrganisationId: c.raisedByOrganisationId };
    const event = cpsdEvent(type, { ...base, ...extra } as EventPayloads[K]);
    return this.outbox(tx, { ...event, entity: { __typename: 'Case', id: c.id }, caseId: c.id } as OutboxEntry);
  }

  /** A `handoff.*` event: the hand-off and its case, with what the change adds for its type. */
  handoffEvent<K extends HandoffEventType>(tx: EntityManager, type: K, handoffId: string, c: Case, extra: HandoffEventExtra<K>): Promise<void> {
    const base: HandoffEventBase = { handoffId, caseId: c.id, caseReference: c.reference };
    const event = cpsdEvent(type, { ...base, ...extra } as EventPayloads[K]);
    return this.outbox(tx, { ...event, entity: { __typename: 'Handoff', id: handoffId }, caseId: c.id } as OutboxEntry);
  }

  private async resolveOne(
    tx: EntityManager,
    c: Case,
    actor: Actor,
    resolution: string,
    now: Date,
    action: string,
    field: string,
    parentReference?: string,
  ): Promise<void> {
    const state = applyAction(c.state, CaseAction.RESOLVE, { now }, field);
    await endHolds(tx, c.id, now);
    const text = parentReference ? `Resolved with ${parentReference}: ${resolution}` : resolution;
    await tx.query(
      `UPDATE elexon.cases SET state = $2, resolution = $3, resolved_at = $4, responded_at = COALESCE(responded_at, $4),
         hold_reason = NULL, hold_started_at = NULL, updated_at = $4 WHERE id = $1`,
      [c.id, state, text, now],
    );
    const after = await lockCase(tx, c.id);
    await this.record(
      tx,
      after,
      actor,
      { action, field: 'state', from: c.state, to: state, note: text, customerVisible: true },
      'case.resolved',
      parentReference ? { parentReference } : {},
      now,
    );
  }
}

/**
 * The steps a major incident takes on cases, inside the major incident's own transaction: resolving the MI's case
 * with its linked children, raising the problem record, and the timeline entries and case events that go with them.
 * CaseService runs each case mutation in a transaction of its own, so its private steps cannot join ours; these
 * mirror them exactly (same timeline actions, same `case.*` events and payloads, same stored SLA due times).
 */
import { randomUUID } from 'node:crypto';
import type { EntityManager } from 'typeorm';
import { CaseAction, applyAction, isOpen } from '../../../schema/case-state';
import { CaseState, CaseType, type Category } from '../../../schema/enums';
import { DomainError } from '../../../schema/errors';
import { TRIAGE_RESPONSE_TARGET } from '../../../schema/priority';
import { calendarForTarget, type HoldInterval } from '../../../schema/sla';
import type { CalendarKind } from '../../../schema/calendar';
import type { OutboxWriter } from '../../../platform/events';
import { CASE_COLUMNS, slaClock, toCase, type Actor, type TimelineWrite } from '../cases/case.service';
import type { Case } from '../cases/case.types';

export async function lockCase(tx: EntityManager, id: string): Promise<Case> {
  const [row] = (await tx.query(`SELECT ${CASE_COLUMNS} FROM elexon.cases c WHERE c.id = $1 FOR UPDATE`, [id])) as Record<string, unknown>[];
  if (!row) throw DomainError.notFound('Case');
  return toCase(row);
}

export async function caseTimeline(tx: EntityManager, caseId: string, actor: Actor, entry: TimelineWrite, now: Date): Promise<void> {
  await tx.query(
    `INSERT INTO elexon.case_timeline (case_id, at, actor_subject, actor_org, action, field, from_value, to_value, note, customer_visible)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)`,
    [
      caseId,
      now,
      actor.subject,
      actor.organisationId,
      entry.action,
      entry.field ?? null,
      entry.from ?? null,
      entry.to ?? null,
      entry.note ?? null,
      entry.customerVisible,
    ],
  );
}

/** A `case.*` event with the payload CaseService writes. */
export function caseEvent(outbox: OutboxWriter, tx: EntityManager, c: Case, type: string, payload: Record<string, unknown> = {}): Promise<void> {
  return outbox(tx, {
    type,
    entity: { __typename: 'Case', id: c.id },
    caseId: c.id,
    payload: { reference: c.reference, deskId: c.deskId, state: c.state, raisedByOrganisationId: c.raisedByOrganisationId, ...payload },
  });
}

async function refreshDueTimes(tx: EntityManager, c: Case, now: Date): Promise<void> {
  const holds = (await tx.query('SELECT started_at AS "from", ended_at AS "to" FROM elexon.case_holds WHERE case_id = $1', [c.id])) as HoldInterval[];
  const { clock, hasResolutionTarget } = slaClock(c, holds, now);
  await tx.query('UPDATE elexon.cases SET response_due_at = $2, resolution_due_at = $3 WHERE id = $1', [
    c.id,
    clock.responseDueAt,
    hasResolutionTarget ? clock.resolutionDueAt : null,
  ]);
}

async function resolveOne(
  tx: EntityManager,
  outbox: OutboxWriter,
  c: Case,
  actor: Actor,
  resolution: string,
  now: Date,
  action: string,
  parentReference?: string,
): Promise<void> {
  const state = applyAction(c.state, CaseAction.RESOLVE, { now }, 'id');
  await tx.query('UPDATE elexon.case_holds SET ended_at = $2 WHERE case_id = $1 AND ended_at IS NULL', [c.id, now]);
  const text = parentReference ? `Resolved with ${parentReference}: ${resolution}` : resolution;
  await tx.query(
    `UPDATE elexon.cases SET state = $2, resolution = $3, resolved_at = $4, responded_at = COALESCE(responded_at, $4),
       hold_reason = NULL, hold_started_at = NULL, updated_at = $4 WHERE id = $1`,
    [c.id, state, text, now],
  );
  const after = await lockCase(tx, c.id);
  await caseTimeline(tx, c.id, actor, { action, field: 'state', from: c.state, to: state, note: text, customerVisible: true }, now);
  await refreshDueTimes(tx, after, now);
  await caseEvent(outbox, tx, after, 'case.resolved', parentReference ? { parentReference } : {});
}

/**
 * Resolves the major incident's case (when still open) and every open child linked under it, as `resolveCase` does:
 * a case with an open hand-off stays open until the other party answers.
 */
export async function resolveCaseAndChildren(tx: EntityManager, outbox: OutboxWriter, c: Case, actor: Actor, resolution: string, now: Date): Promise<void> {
  const [{ open }] = (await tx.query(`SELECT count(*)::int AS open FROM elexon.handoffs WHERE case_id = $1 AND state NOT IN ('RESOLVED', 'REJECTED')`, [
    c.id,
  ])) as {
    open: number;
  }[];
  if (open > 0) {
    throw DomainError.badUserInput(`Case ${c.reference} has ${open} open hand-off(s); it stays open until the other party resolves or rejects them`, 'id', {
      openHandoffs: open,
    });
  }
  if (isOpen(c.state)) await resolveOne(tx, outbox, c, actor, resolution, now, 'RESOLVED');
  const children = (await tx.query(
    `SELECT ${CASE_COLUMNS} FROM elexon.cases c WHERE c.parent_id = $1 AND c.state IN ('NEW', 'IN_PROGRESS', 'ON_HOLD') ORDER BY c.id FOR UPDATE`,
    [c.id],
  )) as Record<string, unknown>[];
  for (const child of children.map(toCase)) await resolveOne(tx, outbox, child, actor, resolution, now, 'RESOLVED_WITH_PARENT', c.reference);
}

export interface ProblemRecord {
  deskId: string;
  organisationId: string;
  category: Category;
  subject: string;
  description: string;
  referencesCaseId: string;
}

/** Raises a Problem case (OM §6) at a desk, as `raiseCase` would, already typed PROBLEM; returns its id. */
export async function raiseProblemCase(tx: EntityManager, outbox: OutboxWriter, problem: ProblemRecord, actor: Actor, now: Date): Promise<string> {
  const [desk] = (await tx.query(`SELECT id, sla_policy AS "slaPolicy", sla_calendar AS "slaCalendar" FROM elexon.desks WHERE id = $1`, [problem.deskId])) as {
    id: string;
    slaPolicy: string;
    slaCalendar: CalendarKind;
  }[];
  if (!desk) throw new Error(`problem record for a missing desk ${problem.deskId}`);
  const id = randomUUID();
  const [{ seq }] = (await tx.query(`SELECT nextval('elexon.case_reference_seq') AS seq`)) as { seq: string }[];
  const reference = `CPSD-${String(seq).padStart(6, '0')}`;
  const responseDueAt = calendarForTarget(TRIAGE_RESPONSE_TARGET, desk.slaCalendar).addMinutes(now, 15);
  await tx.query(
    `INSERT INTO elexon.cases (id, reference, desk_id, type, category, subject, description, state, raised_by_org, raised_by_subject,
       references_case_id, evidence, sla_policy, sla_calendar, raised_at, updated_at, response_due_at)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, '{}', $12, $13, $14, $14, $15)`,
    [
      id,
      reference,
      desk.id,
      CaseType.PROBLEM,
      problem.category,
      problem.subject,
      problem.description,
      CaseState.NEW,
      problem.organisationId,
      actor.subject,
      problem.referencesCaseId,
      desk.slaPolicy,
      desk.slaCalendar,
      now,
      responseDueAt,
    ],
  );
  const created = await lockCase(tx, id);
  await caseTimeline(tx, id, actor, { action: 'RAISED', to: desk.id, field: 'desk', customerVisible: true }, now);
  await refreshDueTimes(tx, created, now);
  await caseEvent(outbox, tx, created, 'case.raised');
  return id;
}

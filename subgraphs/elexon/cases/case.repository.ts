/**
 * The cases feature's storage: how a case row is read, locked and written. Every function takes the caller's
 * `EntityManager`, so the case service and the major-incident service write cases inside their own transactions.
 */
import { randomUUID } from 'node:crypto';
import type { EntityManager } from 'typeorm';
import type { CalendarKind } from '../../../schema/calendar';
import { DomainError } from '../../../schema/errors';
import type { HoldInterval } from '../../../schema/sla';
import { Case } from './case.types';

export const CASE_COLUMNS = `c.id, c.reference, c.desk_id AS "deskId", c.type, c.category, c.subject, c.description, c.impact,
  c.urgency, c.priority, c.state, c.hold_reason AS "holdReason", c.raised_by_org AS "raisedByOrganisationId",
  c.raised_by_subject AS "raisedBy", c.resolution, c.raised_at AS "raisedAt", c.responded_at AS "respondedAt",
  c.resolved_at AS "resolvedAt", c.closed_at AS "closedAt", c.updated_at AS "updatedAt", c.parent_id AS "parentId",
  c.references_case_id AS "referencesCaseId", c.misrouted_to_desk_id AS "misroutedToDeskId", c.evidence AS "evidenceData",
  c.sla_policy AS "slaPolicy", c.sla_calendar AS "slaCalendar", c.response_due_at AS "responseDueAt",
  c.hold_started_at AS "holdStartedAt", c.sla_resolution_target AS "slaResolutionTarget",
  c.service_request_class AS "serviceRequestClass", c.raised_by_email AS "raiserEmail"`;

export function toCase(row: Record<string, unknown>): Case {
  return Object.assign(new Case(), row);
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
export function isUuid(value: string): boolean {
  return UUID.test(value);
}

/** Who did something to a case: the subject and their organisation. */
export interface Actor {
  subject: string;
  organisationId: string;
}

/** One timeline entry: what changed, from what to what, and whether the raiser sees it. */
export interface TimelineWrite {
  action: string;
  field?: string | null;
  from?: string | null;
  to?: string | null;
  note?: string | null;
  customerVisible: boolean;
}

/** A desk as the lifecycle needs it: its party and the terms its cases run on. */
export interface DeskTerms {
  id: string;
  name: string;
  party: string;
  /** The desk's SLA policy (a row of elexon.sla_policies). */
  slaPolicy: string;
  slaCalendar: CalendarKind;
}

export async function caseById(q: EntityManager, id: string): Promise<Case | null> {
  const [row] = (await q.query(`SELECT ${CASE_COLUMNS} FROM elexon.cases c WHERE c.id = $1`, [id])) as Record<string, unknown>[];
  return row ? toCase(row) : null;
}

/** The case, locked for this transaction; null when there is none. */
export async function lockCaseRow(tx: EntityManager, id: string): Promise<Case | null> {
  const [row] = (await tx.query(`SELECT ${CASE_COLUMNS} FROM elexon.cases c WHERE c.id = $1 FOR UPDATE`, [id])) as Record<string, unknown>[];
  return row ? toCase(row) : null;
}

/** The case, locked; a missing case is NOT_FOUND. */
export async function lockCase(tx: EntityManager, id: string): Promise<Case> {
  const c = await lockCaseRow(tx, id);
  if (!c) throw DomainError.notFound('Case');
  return c;
}

/** A parent's open children, locked in id order (two transactions lock them in the same order, so never deadlock). */
export async function lockOpenChildren(tx: EntityManager, parentId: string): Promise<Case[]> {
  const rows = (await tx.query(
    `SELECT ${CASE_COLUMNS} FROM elexon.cases c WHERE c.parent_id = $1 AND c.state IN ('NEW', 'IN_PROGRESS', 'ON_HOLD') ORDER BY c.id FOR UPDATE`,
    [parentId],
  )) as Record<string, unknown>[];
  return rows.map(toCase);
}

export async function openHandoffCount(tx: EntityManager, caseId: string): Promise<number> {
  const [row] = (await tx.query(`SELECT count(*)::int AS open FROM elexon.handoffs WHERE case_id = $1 AND state NOT IN ('RESOLVED', 'REJECTED')`, [
    caseId,
  ])) as { open: number }[];
  return row?.open ?? 0;
}

/** The desk from the directory, or null. */
export async function deskTerms(tx: EntityManager, deskId: string): Promise<DeskTerms | null> {
  const [desk] = (await tx.query(`SELECT id, name, party, sla_policy AS "slaPolicy", sla_calendar AS "slaCalendar" FROM elexon.desks WHERE id = $1`, [
    deskId,
  ])) as DeskTerms[];
  return desk ?? null;
}

/** The next case reference, `CPSD-000123`. */
export async function nextReference(tx: EntityManager): Promise<string> {
  const [row] = (await tx.query(`SELECT nextval('elexon.case_reference_seq') AS seq`)) as { seq: string }[];
  if (!row) throw new Error('the case reference sequence answered nothing');
  return `CPSD-${String(row.seq).padStart(6, '0')}`;
}

export async function insertTimeline(tx: EntityManager, caseId: string, actor: Actor, entry: TimelineWrite, now: Date): Promise<void> {
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

export async function insertComment(tx: EntityManager, caseId: string, actor: Actor, body: string, visibility: string, now: Date): Promise<void> {
  await tx.query(
    `INSERT INTO elexon.case_comments (id, case_id, author_subject, author_org, visibility, body, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7)`,
    [randomUUID(), caseId, actor.subject, actor.organisationId, visibility, body, now],
  );
}

/** Ends the case's open hold interval, if any (the SLA clock runs again from `now`). */
export async function endHolds(tx: EntityManager, caseId: string, now: Date): Promise<void> {
  await tx.query('UPDATE elexon.case_holds SET ended_at = $2 WHERE case_id = $1 AND ended_at IS NULL', [caseId, now]);
}

export async function holdsOf(tx: EntityManager, caseId: string): Promise<HoldInterval[]> {
  return (await tx.query('SELECT started_at AS "from", ended_at AS "to" FROM elexon.case_holds WHERE case_id = $1', [caseId])) as HoldInterval[];
}

/** What the SLA clock says of a case, as stored with it (queue filters and reports read these columns). */
export interface StoredClock {
  responseDueAt: Date;
  resolutionDueAt: Date | null;
  nearBreachAt: Date | null;
  responseBreached: boolean;
  /** Null while the case has no resolution target (not triaged yet). */
  resolutionBreached: boolean | null;
}

export async function setDueTimes(tx: EntityManager, caseId: string, clock: StoredClock): Promise<void> {
  await tx.query(
    `UPDATE elexon.cases SET response_due_at = $2, resolution_due_at = $3, near_breach_at = $4, response_breached = $5, resolution_breached = $6
      WHERE id = $1`,
    [caseId, clock.responseDueAt, clock.resolutionDueAt, clock.nearBreachAt, clock.responseBreached, clock.resolutionBreached],
  );
}

/**
 * What a desk hears about its cases besides hand-offs, through its own contact method (its profile, read through the
 * API as the comms service identity):
 * - `case.raised` and `case.routed`: a case raised straight with the desk, or transferred to it, is an automated alert
 *   to the desk (OM §5.17), so the desk's own system knows before anyone opens the portal;
 * - `major_incident.update_overdue` (OM §5.19.1): the lead's desk, when an update was not posted by the time promised;
 * - `case.sla_near_breach` (Hypercare §5): the case passed the near-breach share of its target; Elexon's escalation
 *   contacts (`slaEscalation`) hear too, by email.
 * Each carries the case reference, the desk, state, priority and (for an alert) the clock, with a portal link added by
 * the engine — never the case's subject, description or evidence.
 */
import type { DataSource } from 'typeorm';
import type { CpsdApi, OutboundEvent } from '../../adapters/sdk';
import { EventType } from '../../schema/events';
import { asCpsdEvent, type DeliveredCpsdEvent, type DeliveredEvent } from '../../platform/events';
import type { EventOf } from '../../schema/events';
import { COMMS_IDENTITY } from './comms';
import { deliverTo, deskRecipient, mailboxRecipient, type Recipient } from './recipients';

export const DESK_NOTICE_EVENT_TYPES = [
  EventType.CASE_RAISED,
  EventType.CASE_ROUTED,
  EventType.CASE_SLA_NEAR_BREACH,
  EventType.MAJOR_INCIDENT_UPDATE_OVERDUE,
] as const;
type DeskNoticeType = (typeof DESK_NOTICE_EVENT_TYPES)[number];
const isDeskNotice = (type: string): type is DeskNoticeType => (DESK_NOTICE_EVENT_TYPES as readonly string[]).includes(type);

const DESK = `query DeskNoticeRecipient($deskId: ID!) { desk(id: $deskId) { id name party profile { contactMethod { kind address } } } }`;
const CONTACTS = `query EscalationContacts { slaEscalation { contacts } }`;

interface DeskView {
  desk: { id: string; name: string; party: string; profile: { contactMethod: { kind: string; address: string } } | null } | null;
}

export async function fanOutDeskNotice(delivered: DeliveredEvent, db: DataSource, api: CpsdApi): Promise<number> {
  const known = asCpsdEvent(delivered);
  if (known?.type === EventType.MAJOR_INCIDENT_UPDATE_OVERDUE)
    return overdueToLead(known as DeliveredCpsdEvent & EventOf<'major_incident.update_overdue'>, db, api);
  if (!known || !isDeskNotice(known.type) || !known.caseId) return 0;
  const event = known as DeliveredCpsdEvent & EventOf<Exclude<DeskNoticeType, 'major_incident.update_overdue'>>;
  const { payload } = event;
  // A failure throws: the bus hands the event again later, and the inserts dedupe.
  const { desk } = await api.request<DeskView>(DESK, { deskId: payload.deskId }, COMMS_IDENTITY);
  const recipients: Recipient[] = [];
  if (desk) recipients.push(deskRecipient(desk.id, desk.party.toLowerCase(), desk.profile?.contactMethod));
  if (event.type === EventType.CASE_SLA_NEAR_BREACH) {
    const { slaEscalation } = await api.request<{ slaEscalation: { contacts: string[] } }>(CONTACTS, {}, COMMS_IDENTITY);
    for (const address of slaEscalation.contacts) recipients.push(mailboxRecipient(address, 'escalation'));
  }
  if (!recipients.length) return 0;
  const outbound: OutboundEvent = {
    id: event.id,
    type: event.type,
    occurredAt: event.occurredAt,
    caseId: event.caseId,
    caseReference: payload.reference,
    handoffId: null,
    data: {
      deskId: payload.deskId,
      deskName: desk?.name ?? payload.deskId,
      state: payload.state,
      ...(event.type === EventType.CASE_ROUTED ? { fromDeskId: event.payload.fromDeskId } : {}),
      ...(event.type === EventType.CASE_SLA_NEAR_BREACH
        ? { priority: event.payload.priority, elapsedPercent: event.payload.elapsedPercent, resolutionDueAt: event.payload.resolutionDueAt }
        : {}),
    },
  };
  return deliverTo(db, recipients, event, outbound, known.caseId);
}

/** An overdue update (OM §5.19.1) to the lead's desk: the MI reference, status and the time the update was promised. */
async function overdueToLead(event: DeliveredCpsdEvent & EventOf<'major_incident.update_overdue'>, db: DataSource, api: CpsdApi): Promise<number> {
  const { payload } = event;
  if (!payload.leadDeskId) return 0;
  const { desk } = await api.request<DeskView>(DESK, { deskId: payload.leadDeskId }, COMMS_IDENTITY);
  if (!desk) return 0;
  const outbound: OutboundEvent = {
    id: event.id,
    type: event.type,
    occurredAt: event.occurredAt,
    caseId: null,
    caseReference: null,
    handoffId: null,
    data: { reference: payload.reference, state: payload.state, services: payload.services, nextUpdateDueAt: payload.nextUpdateDueAt, deskName: desk.name },
  };
  // Its own queue: the MI's comms record (`mi:<id>`) counts comms only.
  return deliverTo(db, [deskRecipient(desk.id, desk.party.toLowerCase(), desk.profile?.contactMethod)], event, outbound, `mi-overdue:${event.entity.id}`);
}

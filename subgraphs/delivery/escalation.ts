/**
 * Near-breach alerts (Hypercare §5): every `case.sla_near_breach` event becomes one delivery to the case's desk
 * through its own contact method (its profile, read through the API) and one to each escalation contact Elexon
 * configures (`slaEscalation`). The alert carries the case reference, desk, priority, how much of the target has
 * elapsed and the due time (the engine adds the portal link) — never the case's subject, description or evidence.
 */
import type { DataSource } from 'typeorm';
import type { CpsdApi, OutboundEvent } from '../../adapters/sdk';
import { EventType, type EventOf } from '../../schema/events';
import { asCpsdEvent, type DeliveredCpsdEvent, type DeliveredEvent } from '../../platform/events';
import { COMMS_IDENTITY } from './comms';
import { deliverTo, deskRecipient, mailboxRecipient, type Recipient } from './recipients';

export const ESCALATION_EVENT_TYPES = [EventType.CASE_SLA_NEAR_BREACH] as const;
type NearBreachEvent = DeliveredCpsdEvent & EventOf<typeof EventType.CASE_SLA_NEAR_BREACH>;

const WHO = `query NearBreachRecipients($deskId: ID!) {
  desk(id: $deskId) { id name party profile { contactMethod { kind address } } }
  slaEscalation { contacts }
}`;

interface Who {
  desk: { id: string; name: string; party: string; profile: { contactMethod: { kind: string; address: string } } | null } | null;
  slaEscalation: { contacts: string[] };
}

export async function fanOutNearBreach(delivered: DeliveredEvent, db: DataSource, api: CpsdApi): Promise<number> {
  const event = asCpsdEvent(delivered);
  if (!event || event.type !== EventType.CASE_SLA_NEAR_BREACH || !event.caseId) return 0;
  const { payload } = event as NearBreachEvent;
  // A failure throws: the bus hands the event again later, and the inserts dedupe.
  const who = await api.request<Who>(WHO, { deskId: payload.deskId }, COMMS_IDENTITY);
  const recipients: Recipient[] = [];
  if (who.desk) recipients.push(deskRecipient(who.desk.id, who.desk.party.toLowerCase(), who.desk.profile?.contactMethod));
  for (const address of who.slaEscalation.contacts) recipients.push(mailboxRecipient(address, 'escalation'));
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
      deskName: who.desk?.name ?? payload.deskId,
      state: payload.state,
      priority: payload.priority,
      elapsedPercent: payload.elapsedPercent,
      resolutionDueAt: payload.resolutionDueAt,
    },
  };
  return deliverTo(db, recipients, event, outbound, event.caseId);
}

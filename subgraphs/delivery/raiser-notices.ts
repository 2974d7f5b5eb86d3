/**
 * What the raiser of a case and their organisation hear (OM §3.1, §5.17, §10.2, §10.3): the acknowledgement with the
 * reference on raising, state changes, the desk's customer-visible comments, the resolution (with links to confirm or
 * reopen), a reminder a day before the case closes by itself, and the closure — never a work note (those events are
 * private and never reach here), never an MPAN or evidence (the reference and a portal link only, OM §10.5.5).
 *
 * Who hears: the raiser through their own preferences if they keep any, otherwise at their token's `email` address
 * (read through the API as the comms service identity: it is never in an event); and every organisation preference of
 * the raising organisation that takes the kind. A person is not told of their own action (a raiser who reopens hears
 * nothing of the reopening); the acknowledgement always goes. One delivery per (event, recipient), in order per
 * (recipient, case), through the engine's retries and dead letters.
 */
import type { DataSource } from 'typeorm';
import type { CpsdApi, OutboundEvent } from '../../adapters/sdk';
import { EventType } from '../../schema/events';
import { asCpsdEvent, type DeliveredEvent } from '../../platform/events';
import { COMMS_IDENTITY } from './comms';
import { gatherForDigest, preferenceRecipient } from './digests';
import { NotificationChannel, NotificationKind, type PreferenceRow, preferencesFor } from './notification-preferences';
import { deliverTo, type Recipient } from './recipients';

/** The notice kind of each event the raiser may hear of. */
const KIND_OF: Partial<Record<string, NotificationKind>> = {
  [EventType.CASE_RAISED]: NotificationKind.ACKNOWLEDGEMENT,
  [EventType.CASE_TRIAGED]: NotificationKind.STATE_CHANGE,
  [EventType.CASE_ROUTED]: NotificationKind.STATE_CHANGE,
  [EventType.CASE_MISROUTED]: NotificationKind.STATE_CHANGE,
  [EventType.CASE_ON_HOLD]: NotificationKind.STATE_CHANGE,
  [EventType.CASE_RESUMED]: NotificationKind.STATE_CHANGE,
  [EventType.CASE_REOPENED]: NotificationKind.STATE_CHANGE,
  [EventType.CASE_CANCELLED]: NotificationKind.STATE_CHANGE,
  [EventType.CASE_COMMENTED]: NotificationKind.COMMENT,
  [EventType.CASE_RESOLVED]: NotificationKind.RESOLUTION,
  [EventType.CASE_AUTO_CLOSE_REMINDER]: NotificationKind.AUTO_CLOSE_REMINDER,
  [EventType.CASE_CLOSED]: NotificationKind.CLOSURE,
};
export const RAISER_NOTICE_EVENT_TYPES = Object.keys(KIND_OF);

const CASE = `query RaiserNotice($id: ID!) {
  case(id: $id) { id reference state raisedBy raiserEmail autoClosesAt raisedByOrganisation { id }
    desk { id name } timeline { at actor action } }
}`;

interface CaseView {
  case: {
    id: string;
    reference: string;
    state: string;
    raisedBy: string;
    raiserEmail: string | null;
    autoClosesAt: string | null;
    raisedByOrganisation: { id: string };
    desk: { id: string; name: string };
    timeline: { at: string; actor: string; action: string }[];
  } | null;
}

/** Whether the raiser did this themselves: the newest timeline entry by the event's time is theirs. */
function byTheRaiser(view: NonNullable<CaseView['case']>, occurredAt: string): boolean {
  const by = Date.parse(occurredAt) + 1000;
  const entries = view.timeline.filter((e) => Date.parse(e.at) <= by).sort((a, b) => Date.parse(a.at) - Date.parse(b.at));
  return entries.at(-1)?.actor === view.raisedBy;
}

export async function fanOutRaiserNotice(delivered: DeliveredEvent, db: DataSource, api: CpsdApi): Promise<number> {
  const event = asCpsdEvent(delivered);
  const kind = event ? KIND_OF[event.type] : undefined;
  if (!event || !kind || !event.caseId) return 0;
  // Only what the raiser's side sees: a comment that is not customer-visible is not theirs to hear of.
  if (event.type === EventType.CASE_COMMENTED && event.payload.visibility !== 'CUSTOMER_VISIBLE') return 0;
  // A failure throws: the bus hands the event again later, and the inserts dedupe.
  const { case: view } = await api.request<CaseView>(CASE, { id: event.caseId }, COMMS_IDENTITY);
  if (!view) return 0;
  const own = kind !== NotificationKind.ACKNOWLEDGEMENT && byTheRaiser(view, event.occurredAt);
  const organisationId = view.raisedByOrganisation.id;
  const preferences = await preferencesFor(db, organisationId, view.raisedBy);
  const personal = preferences.filter((p) => p.subject === view.raisedBy);
  const recipients = new Map<string, Recipient>();
  // A digest preference keeps the notice for its next digest (digests.ts) instead of a message now.
  const digests = new Map<string, PreferenceRow>();
  const take = (p: PreferenceRow) => {
    if (!p.kinds.includes(kind)) return;
    if (p.digestEveryMinutes !== null) digests.set(p.id, p);
    else add(p.channel, p.address);
  };
  const add = (channel: NotificationChannel, address: string) => {
    const recipient = preferenceRecipient(organisationId, channel, address);
    recipients.set(recipient.endpointId, recipient);
  };
  if (!own) {
    if (personal.length) for (const p of personal) take(p);
    if (!personal.length && view.raiserEmail) add(NotificationChannel.EMAIL, view.raiserEmail);
  }
  for (const p of preferences) if (p.subject === null) take(p);
  let gathered = 0;
  for (const p of digests.values()) {
    gathered += await gatherForDigest(db, p.id, {
      eventId: event.id,
      eventType: event.type,
      kind,
      caseId: view.id,
      caseReference: view.reference,
      state: view.state,
      deskName: view.desk.name,
      occurredAt: event.occurredAt,
    });
  }
  if (!recipients.size) return gathered;
  const outbound: OutboundEvent = {
    id: event.id,
    type: event.type,
    occurredAt: event.occurredAt,
    caseId: view.id,
    caseReference: view.reference,
    handoffId: null,
    data: {
      audience: 'RAISER',
      kind,
      state: view.state,
      deskName: view.desk.name,
      autoClosesAt: view.autoClosesAt,
    },
  };
  return gathered + (await deliverTo(db, [...recipients.values()], event, outbound, view.id));
}

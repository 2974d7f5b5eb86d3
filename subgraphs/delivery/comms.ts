/**
 * MI comms fan-out: every `major_incident.promoted|updated|escalated|resolved` event becomes one delivery per
 * (event, comms-list entry) for the MI's services, through the entry's channel: the email bridge sends a comms email,
 * the signed-webhook bridge a webhook carrying the same business text (which a Teams or Slack channel shows). The comms list and
 * the update's text are read through the public API as the comms service identity (`bridge:email:comms`, a
 * `cpsd_admin`: `majorIncidentCommsList` is for a service identity or a CPSD admin). Idempotent like ticket
 * deliveries: a redelivered event inserts nothing (ON CONFLICT DO NOTHING on (event id, recipient)).
 *
 * A recipient is a mailbox endpoint of its own (recipients.ts), so the workers, retries and dead letters are the
 * ticket deliveries' own; the API shows it as the delivery's `recipient`, with no desk.
 */
import type { DataSource } from 'typeorm';
import type { CpsdApi, OutboundEvent, ServiceIdentity } from '../../adapters/sdk';
import { maskMpan } from '../../schema/mpan';
import { EventType, type EventOf } from '../../schema/events';
import { asCpsdEvent, type DeliveredCpsdEvent, type DeliveredEvent } from '../../platform/events';
import { CommsChannel, ContactMethodKind } from '../../schema/enums';
import { webhookEndpointId } from './notification-preferences';
import { deliverTo, mailboxRecipient, type Recipient } from './recipients';

/** The major-incident events that are comms (OM §5.19.1): they go to the MI comms list. */
export const COMMS_EVENT_TYPES = [
  EventType.MAJOR_INCIDENT_PROMOTED,
  EventType.MAJOR_INCIDENT_UPDATED,
  EventType.MAJOR_INCIDENT_ESCALATED,
  EventType.MAJOR_INCIDENT_RESOLVED,
] as const;
type CommsEvent = DeliveredCpsdEvent & EventOf<(typeof COMMS_EVENT_TYPES)[number]>;
const isCommsType = (type: string): type is CommsEvent['type'] => (COMMS_EVENT_TYPES as readonly string[]).includes(type);

/**
 * The comms service identity, also the one the near-breach alerts and the daily report read the API as. Production:
 * a client-credentials token for this subject carrying the cpsd_admin role.
 */
export const COMMS_IDENTITY: ServiceIdentity = { subject: 'bridge:email:comms', organisationId: 'elexon', roles: ['cpsd_admin'], deskIds: [] };

const COMMS_LIST = `query CommsList($service: Service!) { majorIncidentCommsList(service: $service) { channel address organisation { id } } }`;

interface CommsEntry {
  channel: string;
  address: string;
  organisation: { id: string } | null;
}

/** A comms list entry's recipient: its mailbox, or its organisation's webhook endpoint for the URL (signed per endpoint). */
function commsRecipient(entry: CommsEntry): Recipient | null {
  const address = entry.address.trim();
  if (!address) return null;
  if (entry.channel !== CommsChannel.WEBHOOK) return mailboxRecipient(address, 'comms');
  if (!entry.organisation) return null;
  return { endpointId: webhookEndpointId(entry.organisation.id, address), party: 'comms', kind: ContactMethodKind.WEBHOOK, address };
}
const MAJOR_INCIDENT = `query CommsMajorIncident($id: ID!) { majorIncident(id: $id) { id reference title state updates { kind body postedAt nextUpdateDueAt } } }`;

interface MiView {
  id: string;
  reference: string;
  title: string;
  state: string;
  updates: { kind: string; body: string; postedAt: string; nextUpdateDueAt: string | null }[];
}

/** The update an event announces: the latest one of its kind posted by the time of the event. */
function updateOf(mi: MiView, event: { occurredAt: string }, kind: string | undefined): MiView['updates'][number] | null {
  const by = Date.parse(event.occurredAt) + 1000;
  const posted = mi.updates.filter((u) => Date.parse(u.postedAt) <= by).sort((a, b) => Date.parse(a.postedAt) - Date.parse(b.postedAt));
  const ofKind = kind ? posted.filter((u) => u.kind === kind) : posted;
  return ofKind.at(-1) ?? posted.at(-1) ?? null;
}

export async function fanOutComms(delivered: DeliveredEvent, db: DataSource, api: CpsdApi, options: { publicUrl?: string | undefined } = {}): Promise<number> {
  const event = asCpsdEvent(delivered);
  if (!event || !isCommsType(event.type)) return 0;
  const { payload } = event as CommsEvent;
  const services = Array.isArray(payload.services) ? payload.services.map(String) : [];
  const recipients = new Map<string, Recipient>();
  // A failure throws: the bus hands the event again later (nothing was inserted yet, or the inserts dedupe).
  for (const service of services) {
    const { majorIncidentCommsList } = await api.request<{ majorIncidentCommsList: CommsEntry[] }>(COMMS_LIST, { service }, COMMS_IDENTITY);
    for (const entry of majorIncidentCommsList) {
      const recipient = commsRecipient(entry);
      if (recipient) recipients.set(recipient.endpointId, recipient);
    }
  }
  if (!recipients.size) return 0;
  const { majorIncident: mi } = await api.request<{ majorIncident: MiView | null }>(MAJOR_INCIDENT, { id: event.entity.id }, COMMS_IDENTITY);
  if (!mi) return 0;
  const update = updateOf(mi, event, payload.kind);
  const link = options.publicUrl ? `${options.publicUrl.replace(/\/+$/, '')}/dashboard/#/major-incidents` : null;
  // Business language only: the reference, title, the update's comms text, services, status, next update due — no
  // case, no evidence, no work notes. MPANs masked (the hub already refuses comms holding one).
  const outbound: OutboundEvent = {
    id: event.id,
    type: event.type,
    occurredAt: event.occurredAt,
    caseId: null,
    caseReference: null,
    handoffId: null,
    data: {
      majorIncidentId: mi.id,
      reference: mi.reference,
      subject: maskMpan(mi.title),
      kind: payload.kind ?? update?.kind ?? null,
      state: payload.state ?? mi.state,
      services,
      nextUpdateDueAt: payload.state === 'RESOLVED' ? null : (payload.nextUpdateDueAt ?? update?.nextUpdateDueAt ?? null),
      body: update ? maskMpan(update.body) : null,
      link,
    },
  };
  return deliverTo(db, [...recipients.values()], event, outbound, `mi:${mi.id}`);
}

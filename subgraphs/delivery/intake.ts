/**
 * Intake: every `ticket.*` event a party subgraph writes becomes one delivery to the ticket's desk. Idempotent — a
 * delivery is keyed by (event id, desk), so a redelivered event inserts nothing — and the desk's endpoint is kept as
 * the party's profile last said (contact method, bridge registration), newest registration wins.
 */
import { randomUUID } from 'node:crypto';
import type { DataSource } from 'typeorm';
import type { OutboundEvent } from '../../adapters/sdk';
import { ContactMethodKind } from '../../schema/enums';
import { maskMpan } from '../../schema/mpan';
import { EventFamily, familyOf, typesOf, type EventOf } from '../../schema/events';
import { asCpsdEvent, type DeliveredCpsdEvent, type DeliveredEvent } from '../../platform/events';
import type { SubgraphConsumer } from '../../platform/subgraph';
import { activeTraceHeaders, inSpan } from '../../platform/tracing';
import { logger } from '../../platform/logger';

/** The NOTIFY channel that wakes the workers when there is something new to deliver. */
export const DELIVERY_CHANNEL = 'cpsd_delivery';

export const TICKET_EVENT_TYPES = typesOf(EventFamily.TICKET);

/** A `ticket.*` event of the catalogue: what a party subgraph writes (platform/external-ticket.ts). */
type TicketEvent = DeliveredCpsdEvent & EventOf<(typeof TICKET_EVENT_TYPES)[number]>;

const CONTACT_KINDS = new Set<string>(Object.values(ContactMethodKind));

/** The thin event a bridge gets: ids, state and the masked subject; nothing about the desk's registration. */
export function outboundEvent(event: TicketEvent): OutboundEvent {
  const { payload } = event;
  return {
    id: event.id,
    type: event.type,
    occurredAt: event.occurredAt,
    caseId: payload.caseId ?? event.caseId,
    caseReference: payload.caseReference ?? null,
    handoffId: payload.handoffId ?? null,
    data: {
      deskId: payload.deskId,
      party: payload.party ?? null,
      state: payload.state ?? null,
      externalReference: payload.externalReference ?? null,
      subject: maskMpan(payload.subject ?? ''),
    },
  };
}

/** A delivered event as a ticket event, or null when it is not one. */
function ticketEvent(event: DeliveredEvent): TicketEvent | null {
  const known = asCpsdEvent(event);
  return known && familyOf(known.type) === EventFamily.TICKET ? (known as TicketEvent) : null;
}

export async function takeIn(delivered: DeliveredEvent, db: DataSource): Promise<void> {
  const event = ticketEvent(delivered);
  if (!event) return;
  const { payload } = event;
  const deskId = payload.deskId;
  if (!deskId) return;
  const kind = payload.contactMethod?.kind && CONTACT_KINDS.has(payload.contactMethod.kind) ? payload.contactMethod.kind : ContactMethodKind.PORTAL;
  await inSpan('delivery intake', { attributes: { 'cpsd.desk.id': deskId, 'cpsd.contact_method': kind, 'cpsd.event.type': event.type } }, () =>
    queueDelivery(event, deskId, kind, db),
  );
}

/** The delivery of `event` to `deskId`, with the intake span's trace context for its attempts to continue. */
async function queueDelivery(event: TicketEvent, deskId: string, kind: string, db: DataSource): Promise<void> {
  const { payload } = event;
  const outbound = outboundEvent(event);
  const trace = activeTraceHeaders();
  // One statement (one round trip, atomic): the endpoint's registration, then the delivery as that endpoint says.
  const queued = (await db.query(
    `WITH registration AS (
       -- A changed registration (new URL, new kind) is a new endpoint: a 410 from the old one no longer holds.
       INSERT INTO delivery.endpoints AS e (desk_id, party, contact_kind, contact_address, bridge_config, bridge_enabled, registration_as_of)
       VALUES ($1, $2, $3, $4, $5::jsonb, $6, $7::timestamptz)
       ON CONFLICT (desk_id) DO UPDATE SET
         party = EXCLUDED.party,
         contact_kind = EXCLUDED.contact_kind,
         contact_address = EXCLUDED.contact_address,
         bridge_config = EXCLUDED.bridge_config,
         bridge_enabled = EXCLUDED.bridge_enabled,
         registration_as_of = EXCLUDED.registration_as_of,
         disabled_at = CASE WHEN (e.contact_kind, e.contact_address, e.bridge_config) IS DISTINCT FROM (EXCLUDED.contact_kind, EXCLUDED.contact_address, EXCLUDED.bridge_config)
                            THEN NULL ELSE e.disabled_at END,
         disabled_reason = CASE WHEN (e.contact_kind, e.contact_address, e.bridge_config) IS DISTINCT FROM (EXCLUDED.contact_kind, EXCLUDED.contact_address, EXCLUDED.bridge_config)
                                THEN NULL ELSE e.disabled_reason END,
         updated_at = now()
       -- Only a newer, different registration is written: most events repeat the one we hold, and cost no write.
       WHERE e.registration_as_of <= EXCLUDED.registration_as_of
         AND (e.party, e.contact_kind, e.contact_address, e.bridge_config, e.bridge_enabled)
             IS DISTINCT FROM (EXCLUDED.party, EXCLUDED.contact_kind, EXCLUDED.contact_address, EXCLUDED.bridge_config, EXCLUDED.bridge_enabled)
       RETURNING e.disabled_at, e.disabled_reason, e.bridge_enabled
     ),
     endpoint AS (
       -- An unchanged (or older) registration leaves the endpoint as it is.
       SELECT disabled_at, disabled_reason, bridge_enabled FROM registration
       UNION ALL
       SELECT disabled_at, disabled_reason, bridge_enabled FROM delivery.endpoints WHERE desk_id = $1 AND NOT EXISTS (SELECT 1 FROM registration)
     ),
     inserted AS (
       -- A disabled endpoint (410, or pushes switched off in the profile) takes the delivery as DISABLED: visible, replayable.
       INSERT INTO delivery.deliveries (id, event_id, desk_id, event_type, event_sequence, case_id, case_reference, handoff_id, ordering_key, event,
                                        state, last_error, next_attempt_at, traceparent, tracestate)
       SELECT $8, $9, $1, $10, $11::bigint, $12, $13, $14, $15, $16::jsonb,
              CASE WHEN disabled_at IS NOT NULL OR NOT bridge_enabled THEN 'DISABLED' ELSE 'PENDING' END,
              CASE WHEN NOT bridge_enabled THEN 'pushes are switched off in the desk''s profile'
                   WHEN disabled_at IS NOT NULL THEN 'the desk''s endpoint is disabled: ' || COALESCE(disabled_reason, '') END,
              now(), $18, $19
       FROM endpoint
       ON CONFLICT (event_id, desk_id) DO NOTHING
       RETURNING id
     )
     SELECT pg_notify($17, '') FROM inserted`,
    [
      deskId,
      payload.party ?? event.source,
      kind,
      payload.contactMethod?.address ?? '',
      JSON.stringify(payload.bridgeConfig ?? {}),
      payload.bridgeEnabled !== false,
      event.occurredAt,
      randomUUID(),
      event.id,
      event.type,
      event.sequence,
      outbound.caseId,
      outbound.caseReference,
      outbound.handoffId,
      // Deliveries of one case reach a desk in event order; a ticket without a case is its own queue.
      outbound.caseId ?? outbound.handoffId ?? event.id,
      JSON.stringify(outbound),
      DELIVERY_CHANNEL,
      trace.traceparent ?? null,
      trace.tracestate ?? null,
    ],
  )) as unknown[];
  // Which event, desk and case — never the ticket's text. The line carries the event's id as its correlation id.
  logger.debug({ eventType: event.type, deskId, caseReference: outbound.caseReference, queued: queued.length > 0 }, 'delivery queued');
}

export const intakeConsumer: SubgraphConsumer = {
  name: 'intake',
  types: TICKET_EVENT_TYPES,
  handle: takeIn,
  // Deployed after tickets were opened, the engine still delivers them.
  from: 'beginning',
};

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
import type { DeliveredEvent } from '../../platform/events';
import type { SubgraphConsumer } from '../../platform/subgraph';

/** The NOTIFY channel that wakes the workers when there is something new to deliver. */
export const DELIVERY_CHANNEL = 'cpsd_delivery';

export const TICKET_EVENT_TYPES = ['ticket.opened', 'ticket.updated'];

/** What a party subgraph puts in a `ticket.*` event (platform/external-ticket.ts). */
interface TicketEventPayload {
  handoffId?: string;
  caseId?: string;
  caseReference?: string;
  deskId?: string;
  party?: string;
  state?: string;
  externalReference?: string | null;
  subject?: string;
  contactMethod?: { kind?: string; address?: string };
  bridgeConfig?: Record<string, unknown>;
  bridgeEnabled?: boolean;
}

const CONTACT_KINDS = new Set<string>(Object.values(ContactMethodKind));

/** The thin event a bridge gets: ids, state and the masked subject; nothing about the desk's registration. */
export function outboundEvent(event: DeliveredEvent, payload: TicketEventPayload): OutboundEvent {
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

export async function takeIn(event: DeliveredEvent, db: DataSource): Promise<void> {
  const payload = event.payload as TicketEventPayload;
  const deskId = payload.deskId;
  if (!deskId) return;
  const kind = payload.contactMethod?.kind && CONTACT_KINDS.has(payload.contactMethod.kind) ? payload.contactMethod.kind : ContactMethodKind.PORTAL;
  const outbound = outboundEvent(event, payload);
  await db.transaction(async (tx) => {
    // A changed registration (new URL, new kind) is a new endpoint: a 410 from the old one no longer holds.
    await tx.query(
      `INSERT INTO delivery.endpoints AS e (desk_id, party, contact_kind, contact_address, bridge_config, bridge_enabled, registration_as_of)
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
       WHERE e.registration_as_of <= EXCLUDED.registration_as_of`,
      [deskId, payload.party ?? event.source, kind, payload.contactMethod?.address ?? '', JSON.stringify(payload.bridgeConfig ?? {}), payload.bridgeEnabled !== false, event.occurredAt],
    );
    // A disabled endpoint (410, or pushes switched off in the profile) takes the delivery as DISABLED: visible, replayable.
    const inserted = (await tx.query(
      `INSERT INTO delivery.deliveries (id, event_id, desk_id, event_type, event_sequence, case_id, case_reference, handoff_id, ordering_key, event,
                                        state, last_error, next_attempt_at)
       SELECT $1, $2, e.desk_id, $3, $4::bigint, $5, $6, $7, $8, $9::jsonb,
              CASE WHEN e.disabled_at IS NOT NULL OR NOT e.bridge_enabled THEN 'DISABLED' ELSE 'PENDING' END,
              CASE WHEN NOT e.bridge_enabled THEN 'pushes are switched off in the desk''s profile'
                   WHEN e.disabled_at IS NOT NULL THEN 'the desk''s endpoint is disabled: ' || COALESCE(e.disabled_reason, '') END,
              now()
       FROM delivery.endpoints e WHERE e.desk_id = $10
       ON CONFLICT (event_id, desk_id) DO NOTHING
       RETURNING id`,
      [
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
        deskId,
      ],
    )) as { id: string }[];
    if (inserted.length) await tx.query('SELECT pg_notify($1, $2)', [DELIVERY_CHANNEL, '']);
  });
}

export const intakeConsumer: SubgraphConsumer = {
  name: 'intake',
  types: TICKET_EVENT_TYPES,
  handle: takeIn,
  // Deployed after tickets were opened, the engine still delivers them.
  from: 'beginning',
};

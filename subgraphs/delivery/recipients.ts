/**
 * Deliveries the engine makes on the CPSD's own account rather than for a hand-off: MI comms, near-breach alerts and
 * the daily report. Each is one row per (event, recipient), so a redelivered event inserts nothing (ON CONFLICT DO
 * NOTHING), and the workers, retries, dead letters and replay are the ticket deliveries' own.
 *
 * A recipient is either a desk (its endpoint, registered from its profile's contact method if the engine has not met
 * the desk yet) or a mailbox: an endpoint of its own keyed `comms:<address>` (kind SHARED_MAILBOX), shown by the API
 * as the delivery's `recipient`, with no desk.
 */
import { randomUUID } from 'node:crypto';
import type { DataSource } from 'typeorm';
import type { OutboundEvent } from '../../adapters/sdk';
import { HUB_ENDPOINT_PREFIX } from '../../adapters/tmf621/hubs';
import { ContactMethodKind } from '../../schema/enums';
import type { DeliveredCpsdEvent } from '../../platform/events';
import { DELIVERY_CHANNEL } from './intake';

/** The key prefix of mailbox endpoints (kept as `comms:`, the name stored rows already carry). */
export const MAILBOX_ENDPOINT_PREFIX = 'comms:';
export const mailboxEndpointId = (address: string): string => `${MAILBOX_ENDPOINT_PREFIX}${address.trim().toLowerCase()}`;
/** The key prefix of a notification webhook's endpoint (notification-preferences.ts `webhookEndpointId`). */
export const WEBHOOK_ENDPOINT_PREFIX = 'webhook:';
/** Whether an endpoint is a recipient of the CPSD's own notices (a mailbox, webhook or TMF621 hub), not a desk. */
export const isRecipientEndpoint = (endpointId: string): boolean =>
  endpointId.startsWith(MAILBOX_ENDPOINT_PREFIX) || endpointId.startsWith(WEBHOOK_ENDPOINT_PREFIX) || endpointId.startsWith(HUB_ENDPOINT_PREFIX);

const CONTACT_KINDS = new Set<string>(Object.values(ContactMethodKind));

export interface Recipient {
  /** The endpoint key: a desk id, or `mailboxEndpointId(address)`. */
  endpointId: string;
  /** How to register the endpoint if it does not exist yet. */
  party: string;
  kind: ContactMethodKind;
  address: string;
}

export const mailboxRecipient = (address: string, party: string): Recipient => ({
  endpointId: mailboxEndpointId(address),
  party,
  kind: ContactMethodKind.SHARED_MAILBOX,
  address: address.trim().toLowerCase(),
});

/** A desk as its profile names its contact method; an unknown kind is read as the portal (nothing to push). */
export function deskRecipient(deskId: string, party: string, contactMethod: { kind: string; address: string } | null | undefined): Recipient {
  const kind = contactMethod && CONTACT_KINDS.has(contactMethod.kind) ? (contactMethod.kind as ContactMethodKind) : ContactMethodKind.PORTAL;
  return { endpointId: deskId, party, kind, address: contactMethod?.address ?? '' };
}

/**
 * One delivery of `event` to each recipient, in order per `orderingKey`; returns how many were new. An endpoint the
 * engine already holds is used as it stands (a desk's registration from its hand-offs, a disabled endpoint stays
 * disabled and the delivery is DISABLED, visible and replayable).
 */
export async function deliverTo(
  db: DataSource,
  recipients: readonly Recipient[],
  event: DeliveredCpsdEvent,
  outbound: OutboundEvent,
  orderingKey: string,
): Promise<number> {
  let inserted = 0;
  for (const recipient of recipients) {
    const rows = (await db.query(
      `WITH registered AS (
         INSERT INTO delivery.endpoints (desk_id, party, contact_kind, contact_address, bridge_config, bridge_enabled, registration_as_of)
         VALUES ($1, $2, $3, $4, '{}'::jsonb, true, $5::timestamptz)
         ON CONFLICT (desk_id) DO NOTHING
         RETURNING disabled_at, bridge_enabled
       ),
       endpoint AS (
         SELECT disabled_at, bridge_enabled FROM registered
         UNION ALL
         SELECT disabled_at, bridge_enabled FROM delivery.endpoints WHERE desk_id = $1 AND NOT EXISTS (SELECT 1 FROM registered)
       ),
       inserted AS (
         INSERT INTO delivery.deliveries (id, event_id, desk_id, event_type, event_sequence, case_id, case_reference, handoff_id, ordering_key, event,
                                          state, last_error, next_attempt_at)
         SELECT $6, $7, $1, $8, $9::bigint, $10, $11, NULL, $12, $13::jsonb,
                CASE WHEN disabled_at IS NOT NULL OR NOT bridge_enabled THEN 'DISABLED' ELSE 'PENDING' END,
                CASE WHEN NOT bridge_enabled THEN 'pushes are switched off in the desk''s profile'
                     WHEN disabled_at IS NOT NULL THEN 'the endpoint is disabled' END,
                now()
           FROM endpoint
         ON CONFLICT (event_id, desk_id) DO NOTHING
         RETURNING id
       )
       SELECT pg_notify($14, '') FROM inserted`,
      [
        recipient.endpointId,
        recipient.party,
        recipient.kind,
        recipient.address,
        event.occurredAt,
        randomUUID(),
        event.id,
        event.type,
        event.sequence,
        outbound.caseId,
        outbound.caseReference,
        orderingKey,
        JSON.stringify(outbound),
        DELIVERY_CHANNEL,
      ],
    )) as unknown[];
    inserted += rows.length;
  }
  return inserted;
}

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
import { activeTraceHeaders } from '../../platform/tracing';
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

/** Recipients per statement: one round trip (and one commit) per this many deliveries. */
const RECIPIENTS_PER_STATEMENT = 1000;

/**
 * One delivery of `event` to each recipient, in order per `orderingKey`; returns how many were new. An endpoint the
 * engine already holds is used as it stands (a desk's registration from its hand-offs, a disabled endpoint stays
 * disabled and the delivery is DISABLED, visible and replayable).
 *
 * One statement per RECIPIENTS_PER_STATEMENT recipients (an MI comms list of thousands is a handful of round trips,
 * not one each): the recipients go in as arrays (`unnest`), new endpoints are registered, and the deliveries inserted
 * with the same ON CONFLICT dedupe on (event id, recipient) as ever, waking the workers once.
 */
export async function deliverTo(
  db: DataSource,
  recipients: readonly Recipient[],
  event: DeliveredCpsdEvent,
  outbound: OutboundEvent,
  orderingKey: string,
): Promise<number> {
  // The consumer's span (the event's trace): each delivery's attempts continue it.
  const trace = activeTraceHeaders();
  // One delivery per recipient: the first naming an endpoint is the one that registers it.
  const seen = new Set<string>();
  const distinct = recipients.filter((r) => !seen.has(r.endpointId) && seen.add(r.endpointId));
  const json = JSON.stringify(outbound);
  let inserted = 0;
  for (let from = 0; from < distinct.length; from += RECIPIENTS_PER_STATEMENT) {
    const chunk = distinct.slice(from, from + RECIPIENTS_PER_STATEMENT);
    const [row] = (await db.query(
      `WITH recipient AS (
         SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::uuid[]) AS r(desk_id, party, contact_kind, contact_address, delivery_id)
       ),
       registered AS (
         INSERT INTO delivery.endpoints (desk_id, party, contact_kind, contact_address, bridge_config, bridge_enabled, registration_as_of)
         SELECT desk_id, party, contact_kind, contact_address, '{}'::jsonb, true, $6::timestamptz FROM recipient
         ON CONFLICT (desk_id) DO NOTHING
         RETURNING desk_id, disabled_at, bridge_enabled
       ),
       endpoint AS (
         -- Just registered, or as the engine already held it (the statement's snapshot does not see its own inserts).
         SELECT r.desk_id, r.delivery_id, COALESCE(n.disabled_at, e.disabled_at) AS disabled_at, COALESCE(n.bridge_enabled, e.bridge_enabled) AS bridge_enabled
         FROM recipient r
         LEFT JOIN registered n ON n.desk_id = r.desk_id
         LEFT JOIN delivery.endpoints e ON e.desk_id = r.desk_id
         WHERE n.desk_id IS NOT NULL OR e.desk_id IS NOT NULL
       ),
       inserted AS (
         INSERT INTO delivery.deliveries (id, event_id, desk_id, event_type, event_sequence, case_id, case_reference, handoff_id, ordering_key, event,
                                          state, last_error, next_attempt_at, traceparent, tracestate)
         SELECT delivery_id, $7, desk_id, $8, $9::bigint, $10, $11, NULL, $12, $13::jsonb,
                CASE WHEN disabled_at IS NOT NULL OR NOT bridge_enabled THEN 'DISABLED' ELSE 'PENDING' END,
                CASE WHEN NOT bridge_enabled THEN 'pushes are switched off in the desk''s profile'
                     WHEN disabled_at IS NOT NULL THEN 'the endpoint is disabled' END,
                now(), $15, $16
           FROM endpoint
         ON CONFLICT (event_id, desk_id) DO NOTHING
         RETURNING id
       )
       -- One wake-up when anything is new (notifications with the same payload collapse within a transaction).
       SELECT count(*)::int AS inserted, CASE WHEN count(*) > 0 THEN pg_notify($14, '')::text END AS notified FROM inserted`,
      [
        chunk.map((r) => r.endpointId),
        chunk.map((r) => r.party),
        chunk.map((r) => r.kind),
        chunk.map((r) => r.address),
        chunk.map(() => randomUUID()),
        event.occurredAt,
        event.id,
        event.type,
        event.sequence,
        outbound.caseId,
        outbound.caseReference,
        orderingKey,
        json,
        DELIVERY_CHANNEL,
        trace.traceparent ?? null,
        trace.tracestate ?? null,
      ],
    )) as { inserted: number }[];
    inserted += row?.inserted ?? 0;
  }
  return inserted;
}

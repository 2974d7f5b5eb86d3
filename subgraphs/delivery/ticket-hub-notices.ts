/**
 * TMF621 hub notifications from the event bus: each case event (raised, triaged, routed, customer-visible comment,
 * linked, on hold, resumed, resolved, reopened, closed, cancelled, misrouted) becomes the TMF621 v5 event it means
 * (adapters/tmf621/hubs.ts) for every hub registered by then that may see the case — read through the public API AS
 * the registrant's service identity, so a hub never hears of a case its registrant could not GET — and whose `query`
 * takes it. Each notification is one delivery (event, hub), in order per case, through the engine's retries, dead
 * letters and replay; its `eventId` is stable per (case event, hub).
 *
 * The ticket is the case as the registrant reads it when the event is fanned out (moments later, or after an outage
 * when the engine catches up), without evidence (MPANs…) and masked.
 */
import type { DataSource } from 'typeorm';
import { apiErrorCode } from '../../adapters/gateway-api';
import type { CpsdApi, OutboundEvent } from '../../adapters/sdk';
import {
  CASE_SELECTION,
  eventTicket,
  HUB_CASE_EVENT_TYPES,
  HUB_EVENT_OF_CASE_EVENT,
  hubAccepts,
  hubEndpointId,
  hubEventId,
  hubNotification,
  identityOfHub,
  parseHubQuery,
  tmf621Contract,
  type CaseForTicket,
  type HubRegistration,
} from '../../adapters/tmf621';
import { ContactMethodKind } from '../../schema/enums';
import { EventType } from '../../schema/events';
import { asCpsdEvent, type DeliveredEvent } from '../../platform/events';
import { logger } from '../../platform/logger';
import { deliverTo } from './recipients';
import { hubsRegisteredBy } from './ticket-hubs';

export const TICKET_HUB_EVENT_TYPES = HUB_CASE_EVENT_TYPES;

const CASE = `query TicketHubNotice($id: ID!) { case(id: $id) { ${CASE_SELECTION} } }`;

/** The TMF621 API's ticket URLs, as its server writes them (`TMF621_PUBLIC_URL`, else the gateway's `PUBLIC_URL`). */
export function tmf621TicketUrl(publicUrl: string | undefined): (reference: string) => string {
  const base = `${(publicUrl ?? 'http://127.0.0.1:4010').replace(/\/+$/, '')}${tmf621Contract().basePath}`;
  return (reference) => `${base}/troubleTicket/${encodeURIComponent(reference)}`;
}

export async function fanOutTicketHubNotice(
  delivered: DeliveredEvent,
  db: DataSource,
  api: CpsdApi,
  ticketUrl: (reference: string) => string,
): Promise<number> {
  const event = asCpsdEvent(delivered);
  const mapped = event ? HUB_EVENT_OF_CASE_EVENT[event.type] : undefined;
  if (!event || !mapped || !event.caseId) return 0;
  // A work note is never a hub's to hear of; nor is a comment that is not customer-visible.
  if (event.type === EventType.CASE_COMMENTED && event.payload.visibility !== 'CUSTOMER_VISIBLE') return 0;
  const caseId = event.caseId;
  const hubs = (await hubsRegisteredBy(db, event.occurredAt)).flatMap((hub) => {
    const filter = parseHubQuery(hub.query);
    // A stored query is one registration accepted; one it can no longer read takes nothing rather than everything.
    if ('refused' in filter) return [];
    return hubAccepts({ ...filter, statuses: null }, mapped.type) ? [{ hub, filter }] : [];
  });
  let inserted = 0;
  // One registrant at a time: a failure throws, the bus hands the event again later, and the inserts dedupe.
  for (const { hub, filter } of hubs) {
    const seen = await caseAs(api, hub, caseId);
    if (!seen) continue;
    const ticket = eventTicket(seen, ticketUrl);
    if (!hubAccepts(filter, mapped.type, String(ticket.status))) continue;
    inserted += await notify(db, hub, event, ticket, mapped, caseId);
  }
  if (inserted) logger.debug({ eventId: event.id, type: event.type, hubs: inserted }, 'tmf621: hub notifications queued');
  return inserted;
}

/**
 * The case as the hub's registrant reads it; null when it may not. A registrant the directory no longer grants (its
 * identity is refused) hears nothing rather than holding every other hub's notifications back; the API being down
 * throws, so the event is handed again.
 */
async function caseAs(api: CpsdApi, hub: HubRegistration, caseId: string): Promise<CaseForTicket | null> {
  try {
    return (await api.request<{ case: CaseForTicket | null }>(CASE, { id: caseId }, identityOfHub(hub))).case;
  } catch (error) {
    const code = apiErrorCode(error);
    if (code !== 'UNAUTHENTICATED' && code !== 'FORBIDDEN') throw error;
    logger.warn({ hubId: hub.id, code }, 'tmf621: the hub registrant’s identity is refused; the hub is not notified');
    return null;
  }
}

async function notify(
  db: DataSource,
  hub: HubRegistration,
  event: NonNullable<ReturnType<typeof asCpsdEvent>>,
  ticket: Record<string, unknown>,
  mapped: (typeof HUB_EVENT_OF_CASE_EVENT)[string],
  caseId: string,
): Promise<number> {
  const notification = hubNotification({
    type: mapped.type,
    fieldPath: mapped.fieldPath,
    eventId: hubEventId(event.id, hub.id),
    occurredAt: event.occurredAt,
    ticket,
  });
  const outbound: OutboundEvent = {
    id: event.id,
    type: event.type,
    occurredAt: event.occurredAt,
    caseId,
    caseReference: String(ticket.id),
    handoffId: null,
    data: { listener: notification.listener, body: notification.body },
  };
  return deliverTo(
    db,
    [{ endpointId: hubEndpointId(hub.id), party: hub.organisationId, kind: ContactMethodKind.TMF621, address: hub.callback }],
    event,
    outbound,
    caseId,
  );
}

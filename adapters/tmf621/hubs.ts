/**
 * TMF621 hub notifications, pure: which TMF621 v5 event a case event is, the event a listener is sent, where it is
 * sent, and the hub `query` filter. The delivery subgraph fans case events out to the registered hubs
 * (subgraphs/delivery/ticket-hub-notices.ts); the TMF621 bridge POSTs each (bridge.ts).
 */
import { createHash } from 'node:crypto';
import { maskMpan } from '../../schema/mpan';
import type { ServiceIdentity } from '../sdk';
import { TMF_STATUSES, ticketOfCase, type CaseForTicket, type TmfStatus } from './mapping';

/** A hub's endpoint key in the delivery engine: one endpoint per hub, so its retries and order are its own. */
export const HUB_ENDPOINT_PREFIX = 'tmf621-hub:';
export const hubEndpointId = (hubId: string): string => `${HUB_ENDPOINT_PREFIX}${hubId}`;
export const isHubEndpoint = (endpointId: string): boolean => endpointId.startsWith(HUB_ENDPOINT_PREFIX);

/** A hub registration as the delivery subgraph keeps it: the registrant's scope, never its token. */
export interface HubRegistration {
  id: string;
  callback: string;
  query: string | null;
  subject: string;
  organisationId: string;
  roles: string[];
  deskIds: string[];
  createdAt: string;
}

/** Who reads a case for a hub: a service identity of the registrant's own scope (so visibility is the API's). */
export function identityOfHub(hub: Pick<HubRegistration, 'subject' | 'organisationId' | 'roles' | 'deskIds'>): ServiceIdentity {
  return { subject: hub.subject, organisationId: hub.organisationId, roles: hub.roles ?? [], deskIds: hub.deskIds ?? [] };
}

/** The TMF621 v5 events the CPSD sends to hubs (the document's names: `Resolved`, not `Resolve`). */
export enum TmfEventType {
  CREATE = 'TroubleTicketCreateEvent',
  ATTRIBUTE_VALUE_CHANGE = 'TroubleTicketAttributeValueChangeEvent',
  STATUS_CHANGE = 'TroubleTicketStatusChangeEvent',
  RESOLVED = 'TroubleTicketResolvedEvent',
}
const TMF_EVENT_TYPES = Object.values(TmfEventType);

/** The listener path's last segment (`/listener/troubleTicketCreateEvent`). */
export const listenerOf = (type: TmfEventType): string => `${type.charAt(0).toLowerCase()}${type.slice(1)}`;

/**
 * Case event → the TMF621 event a hub hears, with the attributes it changes (`fieldPath`, for attribute changes). One
 * case event is one notification: triage moves a new case in progress too, so its fieldPath names `status`.
 * Work notes (`case.work_note_added`) are never here; a comment only when customer-visible (the fan-out checks).
 */
export const HUB_EVENT_OF_CASE_EVENT: Readonly<Record<string, { type: TmfEventType; fieldPath?: string[] }>> = {
  'case.raised': { type: TmfEventType.CREATE },
  'case.triaged': { type: TmfEventType.ATTRIBUTE_VALUE_CHANGE, fieldPath: ['priority', 'severity', 'status'] },
  'case.routed': { type: TmfEventType.ATTRIBUTE_VALUE_CHANGE, fieldPath: ['relatedParty'] },
  'case.commented': { type: TmfEventType.ATTRIBUTE_VALUE_CHANGE, fieldPath: ['note'] },
  'case.linked': { type: TmfEventType.ATTRIBUTE_VALUE_CHANGE, fieldPath: ['troubleTicketRelationship'] },
  'case.unlinked': { type: TmfEventType.ATTRIBUTE_VALUE_CHANGE, fieldPath: ['troubleTicketRelationship'] },
  'case.misrouted': { type: TmfEventType.STATUS_CHANGE },
  'case.on_hold': { type: TmfEventType.STATUS_CHANGE },
  'case.resumed': { type: TmfEventType.STATUS_CHANGE },
  'case.reopened': { type: TmfEventType.STATUS_CHANGE },
  'case.cancelled': { type: TmfEventType.STATUS_CHANGE },
  'case.closed': { type: TmfEventType.STATUS_CHANGE },
  'case.resolved': { type: TmfEventType.RESOLVED },
};
export const HUB_CASE_EVENT_TYPES = Object.keys(HUB_EVENT_OF_CASE_EVENT);

/** The ticket as an event carries it: what GET returns to the registrant, minus evidence (MPANs…), masked. */
export function eventTicket(c: CaseForTicket, ticketUrl: (reference: string) => string): Record<string, unknown> {
  const { relatedEntity: _evidence, ...ticket } = ticketOfCase(c, ticketUrl);
  return JSON.parse(maskMpan(JSON.stringify(ticket))) as Record<string, unknown>;
}

/** A notification id stable per (case event, hub): the same on every retry and replay, so a listener can dedupe. */
export function hubEventId(caseEventId: string, hubId: string): string {
  const hex = createHash('sha256').update(`${caseEventId}\n${hubId}`).digest('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20, 32)}`;
}

export interface HubNotification {
  /** The listener path's last segment. */
  listener: string;
  /** The TMF621 event body, as POSTed. */
  body: Record<string, unknown>;
}

/** The notification of one case event to one hub: the ticket as the registrant reads it now. */
export function hubNotification(input: {
  type: TmfEventType;
  fieldPath?: string[] | undefined;
  eventId: string;
  occurredAt: string;
  ticket: Record<string, unknown>;
}): HubNotification {
  const { type, ticket } = input;
  const reference = String(ticket.id);
  return {
    listener: listenerOf(type),
    body: {
      '@type': type,
      '@baseType': 'Event',
      eventId: input.eventId,
      eventTime: input.occurredAt,
      eventType: type,
      timeOccurred: input.occurredAt,
      domain: 'troubleTicket',
      title: `${reference} ${TITLE[type]}`,
      // Not in the v5 schema (which allows extra attributes): the TMF v4 name for what an attribute change changed.
      ...(input.fieldPath?.length ? { fieldPath: input.fieldPath.join(',') } : {}),
      event: { troubleTicket: ticket },
    },
  };
}

const TITLE: Record<TmfEventType, string> = {
  [TmfEventType.CREATE]: 'was raised',
  [TmfEventType.ATTRIBUTE_VALUE_CHANGE]: 'was changed',
  [TmfEventType.STATUS_CHANGE]: 'changed status',
  [TmfEventType.RESOLVED]: 'was resolved',
};

/** Where a notification goes: `<callback>/listener/<event>`, or `<callback>/<event>` when the callback is the listener. */
export function listenerUrl(callback: string, listener: string): string {
  const url = new URL(callback);
  const path = url.pathname.replace(/\/+$/, '');
  url.pathname = `${path}${/\/listener$/.test(path) ? '' : '/listener'}/${listener}`;
  return url.toString();
}

// ---- the hub query ------------------------------------------------------------------------------------------------

/** What a hub takes: `null` is everything. */
export interface HubFilter {
  eventTypes: ReadonlySet<TmfEventType> | null;
  statuses: ReadonlySet<TmfStatus> | null;
}

const MAX_QUERY = 500;
const eventTypeOf = (name: string): TmfEventType | undefined => TMF_EVENT_TYPES.find((type) => type.toLowerCase() === name.trim().toLowerCase());

/**
 * The hub `query` (TMF630 notification filtering): `eventType=<Event>[,<Event>…]` and `status=<status>[,…]` (also
 * spelt `event.troubleTicket.status`), joined by `&`; repeated terms add values. Anything else is refused, so a
 * registrant never believes a filter applies that does not.
 */
export function parseHubQuery(query: string | null | undefined): HubFilter | { refused: string } {
  const text = (query ?? '').trim().replace(/^\?/, '');
  if (!text) return { eventTypes: null, statuses: null };
  if (text.length > MAX_QUERY) return { refused: `query is longer than ${MAX_QUERY} characters` };
  const eventTypes = new Set<TmfEventType>();
  const statuses = new Set<TmfStatus>();
  for (const term of text.split('&')) {
    if (!term.trim()) continue;
    const at = term.indexOf('=');
    const key = at > 0 ? term.slice(0, at).trim() : '';
    const values =
      at > 0
        ? term
            .slice(at + 1)
            .split(',')
            .map((v) => decodeValue(v))
        : [];
    if (!values.length || values.some((v) => !v)) return { refused: `query: "${term.slice(0, 80)}" is not key=value[,value]` };
    if (key === 'eventType') {
      for (const value of values) {
        const type = eventTypeOf(value);
        if (!type) return { refused: `query: eventType must be one of ${TMF_EVENT_TYPES.join(', ')}` };
        eventTypes.add(type);
      }
    } else if (key === 'status' || key === 'event.troubleTicket.status') {
      for (const value of values) {
        if (!(TMF_STATUSES as readonly string[]).includes(value)) return { refused: `query: status must be one of ${TMF_STATUSES.join(', ')}` };
        statuses.add(value as TmfStatus);
      }
    } else {
      return { refused: `query: only eventType and status can be filtered on, not "${key.slice(0, 40)}"` };
    }
  }
  return { eventTypes: eventTypes.size ? eventTypes : null, statuses: statuses.size ? statuses : null };
}

function decodeValue(value: string): string {
  try {
    return decodeURIComponent(value.replace(/\+/g, ' ')).trim();
  } catch {
    return '';
  }
}

/** Whether a hub's filter takes an event of `type` about a ticket now of `status`. */
export function hubAccepts(filter: HubFilter, type: TmfEventType, status?: string): boolean {
  if (filter.eventTypes && !filter.eventTypes.has(type)) return false;
  if (filter.statuses && !(status !== undefined && filter.statuses.has(status as TmfStatus))) return false;
  return true;
}

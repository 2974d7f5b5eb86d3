/**
 * The event catalogue: every event the exchange writes, with its payload. A mutation writes one of these to its
 * subgraph's outbox in the same transaction as the change (platform/outbox.ts); the bus carries it; subscriptions,
 * party subgraphs, the delivery engine and the bridges consume it. A consumer that switches on `type` gets the
 * payload's type, and a `switch` over a family is checked for exhaustiveness by the compiler.
 *
 * Payloads are thin and never carry MPANs, evidence, tokens or contact details: a consumer that needs more hydrates
 * the entity through the API. The wire form (type strings, payload JSON) is stable: stored outbox rows and partners'
 * bridges read it.
 */
import type { ContactMethodKind } from './enums';

export const EventType = {
  CASE_RAISED: 'case.raised',
  CASE_TRIAGED: 'case.triaged',
  CASE_ROUTED: 'case.routed',
  CASE_MISROUTED: 'case.misrouted',
  CASE_ON_HOLD: 'case.on_hold',
  CASE_RESUMED: 'case.resumed',
  CASE_RESOLVED: 'case.resolved',
  CASE_CLOSED: 'case.closed',
  CASE_REOPENED: 'case.reopened',
  CASE_CANCELLED: 'case.cancelled',
  CASE_COMMENTED: 'case.commented',
  CASE_WORK_NOTE_ADDED: 'case.work_note_added',
  CASE_LINKED: 'case.linked',
  CASE_UNLINKED: 'case.unlinked',
  /** The resolution clock passed the near-breach share of its target: the desk and the escalation contacts hear once. */
  CASE_SLA_NEAR_BREACH: 'case.sla_near_breach',
  /** A resolved case closes by itself in a day unless the raiser confirms or reopens it (OM §10.3): the raiser is reminded. */
  CASE_AUTO_CLOSE_REMINDER: 'case.auto_close_reminder',
  HANDOFF_CREATED: 'handoff.created',
  HANDOFF_ACKNOWLEDGED: 'handoff.acknowledged',
  HANDOFF_IN_PROGRESS: 'handoff.in_progress',
  HANDOFF_RESOLVED: 'handoff.resolved',
  HANDOFF_REJECTED: 'handoff.rejected',
  MAJOR_INCIDENT_PROPOSED: 'major_incident.proposed',
  MAJOR_INCIDENT_REJECTED: 'major_incident.rejected',
  MAJOR_INCIDENT_PROMOTED: 'major_incident.promoted',
  MAJOR_INCIDENT_UPDATED: 'major_incident.updated',
  MAJOR_INCIDENT_ESCALATED: 'major_incident.escalated',
  MAJOR_INCIDENT_RESOLVED: 'major_incident.resolved',
  MAJOR_INCIDENT_PIR_RECORDED: 'major_incident.pir_recorded',
  /** The next update was not posted by the time the last one promised (OM §5.19.1): the lead's desk is told. */
  MAJOR_INCIDENT_UPDATE_OVERDUE: 'major_incident.update_overdue',
  TICKET_OPENED: 'ticket.opened',
  TICKET_UPDATED: 'ticket.updated',
  /** The Hypercare daily report is due (by schedule or on demand): its distribution list gets it by email. */
  REPORT_DAILY: 'report.daily',
  /**
   * A digest of notices for one notification preference: made by the delivery engine itself (never on the bus), the
   * type of the one delivery that carries it.
   */
  NOTIFICATION_DIGEST: 'notification.digest',
} as const;
export type EventType = (typeof EventType)[keyof typeof EventType];

/** What every `case.*` event says about its case. */
export interface CaseEventBase {
  reference: string;
  deskId: string;
  state: string;
  raisedByOrganisationId: string;
}

/** What every `handoff.*` event says about its hand-off. */
export interface HandoffEventBase {
  handoffId: string;
  caseId: string;
  caseReference: string;
}

export interface HandoffCreatedPayload extends HandoffEventBase {
  toDeskId: string;
  /** The party subgraph that opens the other party's ticket. */
  party: string;
  /** MPANs masked. */
  subject: string;
  reason: string;
  raisedByOrganisationId: string;
}

export interface HandoffChangedPayload extends HandoffEventBase {
  toDeskId: string;
  externalReference?: string;
  /** The other party's note, resolution or rejection reason, MPANs masked. */
  note?: string;
  suggestedDeskId?: string;
}

export interface MajorIncidentEventBase {
  reference: string;
  state: string;
  services: string[];
  leadOrganisationId: string | null;
}

/** A comms update's part of a major-incident event (OM §5.19.1): the comms list and the status page hear of it. */
export interface MajorIncidentCommsPayload extends MajorIncidentEventBase {
  kind: string;
  nextUpdateDueAt?: string;
  industryCircular?: boolean;
  statusPage?: boolean;
}

/** A party subgraph's ticket for a hand-off, with where the delivery engine pushes it (the desk's own system). */
export interface TicketPayload {
  handoffId: string;
  caseId: string;
  caseReference: string;
  deskId: string;
  party: string;
  state: string;
  externalReference: string | null;
  /** MPANs masked. */
  subject: string;
  contactMethod: { kind: ContactMethodKind; address: string };
  bridgeConfig: Record<string, unknown>;
  bridgeEnabled: boolean;
}

/** A Hypercare daily report run: the 24 hours it covers; the figures and recipients are read through the API. */
export interface DailyReportPayload {
  runId: string;
  from: string;
  to: string;
  /** The scheduled instant it was sent for; null when asked for on demand. */
  scheduledFor: string | null;
}

/** Each event type's payload. */
export interface EventPayloads {
  'case.raised': CaseEventBase;
  'case.triaged': CaseEventBase & { priority: string };
  'case.routed': CaseEventBase & { fromDeskId: string };
  'case.misrouted': CaseEventBase & { rightDeskId: string };
  'case.on_hold': CaseEventBase;
  'case.resumed': CaseEventBase;
  'case.resolved': CaseEventBase & { parentReference?: string };
  'case.closed': CaseEventBase;
  'case.reopened': CaseEventBase;
  'case.cancelled': CaseEventBase;
  'case.commented': CaseEventBase & { visibility: string };
  'case.work_note_added': CaseEventBase & { visibility: string };
  'case.linked': CaseEventBase & { parentId: string };
  'case.unlinked': CaseEventBase & { parentId: string };
  'case.sla_near_breach': CaseEventBase & { priority: string | null; elapsedPercent: number; resolutionDueAt: string };
  'case.auto_close_reminder': CaseEventBase & { autoClosesAt: string };
  'handoff.created': HandoffCreatedPayload;
  'handoff.acknowledged': HandoffChangedPayload;
  'handoff.in_progress': HandoffChangedPayload;
  'handoff.resolved': HandoffChangedPayload;
  'handoff.rejected': HandoffChangedPayload;
  'major_incident.proposed': MajorIncidentEventBase;
  'major_incident.rejected': MajorIncidentEventBase;
  'major_incident.promoted': MajorIncidentCommsPayload;
  'major_incident.updated': MajorIncidentCommsPayload;
  'major_incident.escalated': MajorIncidentCommsPayload;
  'major_incident.resolved': MajorIncidentCommsPayload;
  'major_incident.pir_recorded': MajorIncidentEventBase;
  'major_incident.update_overdue': MajorIncidentEventBase & { nextUpdateDueAt: string; leadDeskId: string | null };
  'ticket.opened': TicketPayload;
  'ticket.updated': TicketPayload;
  'report.daily': DailyReportPayload;
  'notification.digest': { preferenceId: string; notices: number };
}

/** One event of the catalogue: its type and that type's payload (a discriminated union on `type`). */
export type CpsdEvent = { [K in EventType]: { type: K; payload: EventPayloads[K] } }[EventType];
/** The event of one type. */
export type EventOf<K extends EventType> = Extract<CpsdEvent, { type: K }>;

/** A typed event: the factory writers call, so a payload that does not fit its type does not compile. */
export function cpsdEvent<K extends EventType>(type: K, payload: EventPayloads[K]): EventOf<K> {
  return { type, payload } as EventOf<K>;
}

export const EventFamily = {
  CASE: 'case',
  HANDOFF: 'handoff',
  MAJOR_INCIDENT: 'major_incident',
  TICKET: 'ticket',
  REPORT: 'report',
  NOTIFICATION: 'notification',
} as const;
export type EventFamily = (typeof EventFamily)[keyof typeof EventFamily];

/** The family of a type: the part before the dot. */
export type FamilyOf<K extends EventType> = K extends `${infer F}.${string}` ? F : never;

const ALL_TYPES: readonly EventType[] = Object.values(EventType);
const TYPES = new Set<string>(ALL_TYPES);

export function isEventType(type: string): type is EventType {
  return TYPES.has(type);
}

export function familyOf(type: EventType): EventFamily {
  return type.slice(0, type.indexOf('.')) as EventFamily;
}

/** Every type of a family, in catalogue order. */
export function typesOf<F extends EventFamily>(family: F): Extract<EventType, `${F}.${string}`>[] {
  return ALL_TYPES.filter((type) => familyOf(type) === family) as Extract<EventType, `${F}.${string}`>[];
}

/** Work notes stay between resolvers: their events never reach a raiser's stream, a bridge or a notification. */
export const PRIVATE_EVENT_TYPES: ReadonlySet<EventType> = new Set([EventType.CASE_WORK_NOTE_ADDED]);

/**
 * The `default` of an exhaustive `switch` over a family: it compiles only while every type of the family has its own
 * `case`, so a new event type shows every consumer that must decide what to do with it.
 */
export function unhandled(type: never): never {
  throw new Error(`an event type no case handles: ${String(type)}`);
}

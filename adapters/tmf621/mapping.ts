/**
 * CPSD ↔ TMF621 v5, pure: case and hand-off states ↔ ticket `status`, impact/priority ↔ `severity`/`priority`,
 * category ↔ `ticketType`, evidence ↔ `relatedEntity`, parent/child ↔ `troubleTicketRelationship`, both sides'
 * references ↔ `externalIdentifier`. The tables are the documentation (README.md repeats them).
 */
import { CaseState, Category, HoldReason, Impact, Priority } from '../../schema/enums';
import { maskMpan } from '../../schema/mpan';

export type TmfStatus = 'acknowledged' | 'rejected' | 'pending' | 'held' | 'inProgress' | 'cancelled' | 'closed' | 'resolved';
export const TMF_STATUSES: readonly TmfStatus[] = ['acknowledged', 'rejected', 'pending', 'held', 'inProgress', 'cancelled', 'closed', 'resolved'];

/** The `owner` of the CPSD's own identifiers in `externalIdentifier[]`. */
export const CPSD_OWNER = 'CPSD';

// ---- status ----------------------------------------------------------------------------------------------------

/** Case state → ticket status (GET, events). ON_HOLD awaiting the caller reads `pending`; a misrouted case `rejected`. */
export const STATUS_OF_CASE_STATE = {
  [CaseState.NEW]: 'acknowledged',
  [CaseState.IN_PROGRESS]: 'inProgress',
  [CaseState.ON_HOLD]: 'held',
  [CaseState.RESOLVED]: 'resolved',
  [CaseState.CLOSED]: 'closed',
  [CaseState.CANCELLED]: 'cancelled',
} as const satisfies Record<CaseState, TmfStatus>;

export function statusOfCase(c: { state: CaseState | string; holdReason?: string | null; misroutedTo?: unknown }): TmfStatus {
  if (c.state === CaseState.ON_HOLD && c.holdReason === HoldReason.AWAITING_CALLER) return 'pending';
  if (c.state === CaseState.RESOLVED && c.misroutedTo) return 'rejected';
  return STATUS_OF_CASE_STATE[c.state as CaseState] ?? 'acknowledged';
}

/** The hand-off / external-ticket state the CPSD tells a partner's TMF621 system (outbound PATCH). */
export const STATUS_OF_TICKET_STATE: Record<string, TmfStatus> = {
  OPEN: 'acknowledged',
  REQUESTED: 'acknowledged',
  ACKNOWLEDGED: 'acknowledged',
  IN_PROGRESS: 'inProgress',
  RESOLVED: 'resolved',
  REJECTED: 'rejected',
};

export type HandoffTarget = 'ACKNOWLEDGED' | 'IN_PROGRESS' | 'RESOLVED' | 'REJECTED';

/** A partner's ticket status (its events) → where its side of the hand-off goes. */
export const HANDOFF_TARGET_OF_STATUS = {
  acknowledged: 'ACKNOWLEDGED',
  inProgress: 'IN_PROGRESS',
  pending: 'IN_PROGRESS',
  held: 'IN_PROGRESS',
  resolved: 'RESOLVED',
  closed: 'RESOLVED',
  rejected: 'REJECTED',
  cancelled: 'REJECTED',
} as const satisfies Record<TmfStatus, HandoffTarget>;

export type HandoffOperation = 'acknowledgeHandoff' | 'updateHandoff' | 'resolveHandoff' | 'rejectHandoff';

/**
 * The hand-off mutations that take a hand-off from `current` to `target`, in order. A partner that skips
 * `acknowledged` is acknowledged first (the hub needs its reference); a finished hand-off (RESOLVED, REJECTED) takes
 * nothing more; a status already reached is nothing to do, except that a repeated `inProgress` is a new progress note.
 */
export function handoffSteps(current: string, target: HandoffTarget): HandoffOperation[] {
  if (current === 'RESOLVED' || current === 'REJECTED') return [];
  const acknowledged = current !== 'REQUESTED';
  switch (target) {
    case 'ACKNOWLEDGED':
      return acknowledged ? [] : ['acknowledgeHandoff'];
    case 'IN_PROGRESS':
      return acknowledged ? ['updateHandoff'] : ['acknowledgeHandoff', 'updateHandoff'];
    case 'RESOLVED':
      return acknowledged ? ['resolveHandoff'] : ['acknowledgeHandoff', 'resolveHandoff'];
    case 'REJECTED':
      return ['rejectHandoff'];
  }
}

// ---- severity, priority, type ------------------------------------------------------------------------------------

/** Impact (how widely felt) ↔ TMF severity (Critical, Major, Minor as the document names them). */
export const SEVERITY_OF_IMPACT = { [Impact.HIGH]: 'Critical', [Impact.MEDIUM]: 'Major', [Impact.LOW]: 'Minor' } as const satisfies Record<Impact, string>;
export const PRIORITY_OF_PRIORITY = {
  [Priority.P1]: 'Critical',
  [Priority.P2]: 'High',
  [Priority.P3]: 'Medium',
  [Priority.P4]: 'Low',
} as const satisfies Record<Priority, string>;

/** Categories (OM §5.16) in the OM's own words: what `ticketType` carries. */
export const TICKET_TYPE_OF_CATEGORY = {
  [Category.SETTLEMENT_SERVICES]: 'Settlement Services',
  [Category.DATA_SUBMISSION]: 'Data Submission',
  [Category.MARKET_SYSTEMS]: 'Market Systems',
  [Category.PARTICIPANT_ISSUES]: 'Participant Issues',
  [Category.DATA_AGGREGATION_AND_REPORTING]: 'Data Aggregation and Reporting',
  [Category.REGULATORY_COMPLIANCE]: 'Regulatory Compliance',
  [Category.SECURITY]: 'Security',
  [Category.COMMUNICATIONS]: 'Communications',
  [Category.CHANGE_MANAGEMENT]: 'Change Management',
  [Category.THIRD_PARTY_SERVICES]: 'Third-Party Services',
  [Category.MHHS_SERVICE_REQUEST]: 'MHHS Service Request',
} as const satisfies Record<Category, string>;

const squash = (value: string): string => value.toLowerCase().replace(/[^a-z0-9]/g, '');

/** A category from a ticketType in any spelling ("Market Systems", "MARKET_SYSTEMS", "marketSystems"); else null. */
export function categoryOfTicketType(ticketType: string | null | undefined): Category | null {
  if (!ticketType) return null;
  const key = squash(ticketType);
  for (const [category, words] of Object.entries(TICKET_TYPE_OF_CATEGORY)) {
    if (squash(category) === key || squash(words) === key) return category as Category;
  }
  return null;
}

// ---- what a TMF621-raised case remembers --------------------------------------------------------------------------

/**
 * A case raised through TMF621 keeps what the CPSD has no field for — the raiser's reported severity (priority is
 * the desk's to set, OM §3.8) and the raiser system's own ticket id — in a trailer line of its description. GET
 * reads it back into `severity` and `externalIdentifier[]` and shows the description without it.
 */
export interface RaisedTrailer {
  severity?: string;
  owner?: string;
  id?: string;
}

const TRAILER = /\n*\[TMF621 ([^\]\n]*)\]\s*$/;
const cleanValue = (value: string): string =>
  value
    .replace(/[\][;=\n\r]/g, ' ')
    .trim()
    .slice(0, 100);

export function withTrailer(description: string, trailer: RaisedTrailer): string {
  const parts = [
    trailer.severity ? `severity=${cleanValue(trailer.severity)}` : null,
    trailer.id ? `externalIdentifier=${cleanValue(trailer.owner ?? 'external')}:${cleanValue(trailer.id)}` : null,
  ].filter(Boolean);
  return parts.length ? `${description}\n\n[TMF621 ${parts.join('; ')}]` : description;
}

export function readTrailer(description: string): { description: string; trailer: RaisedTrailer } {
  const match = TRAILER.exec(description);
  if (!match?.[1]) return { description, trailer: {} };
  const trailer: RaisedTrailer = {};
  for (const part of match[1].split(';')) {
    const [key, ...rest] = part.split('=');
    const value = rest.join('=').trim();
    if (key?.trim() === 'severity' && value) trailer.severity = value;
    if (key?.trim() === 'externalIdentifier' && value) {
      const colon = value.indexOf(':');
      trailer.owner = colon > 0 ? value.slice(0, colon) : 'external';
      trailer.id = colon > 0 ? value.slice(colon + 1) : value;
    }
  }
  return { description: description.slice(0, match.index), trailer };
}

// ---- a case as a TroubleTicket ----------------------------------------------------------------------------------

/** The case fields the mapping reads (the GraphQL selection `CASE_SELECTION` fetches exactly these). */
export interface CaseForTicket {
  id: string;
  reference: string;
  state: string;
  holdReason: string | null;
  category: string;
  subject: string;
  description: string;
  impact: string | null;
  priority: string | null;
  resolution: string | null;
  raisedAt: string;
  updatedAt: string;
  resolvedAt: string | null;
  desk: { id: string; name: string };
  raisedByOrganisation: { id: string; name: string };
  sla: { resolutionDueAt: string | null };
  evidence: { mpans: string[]; transactionIds: string[]; dipMessageIds: string[]; errorCodes: string[] };
  comments: { id: string; body: string; visibility: string; author: string; createdAt: string }[];
  parent: { reference: string } | null;
  children: { reference: string }[];
  referencesCase: { reference: string } | null;
  misroutedTo: { id: string } | null;
}

export const CASE_SELECTION = `id reference state holdReason category subject description impact priority resolution raisedAt updatedAt resolvedAt
  desk { id name } raisedByOrganisation { id name } sla { resolutionDueAt }
  evidence { mpans transactionIds dipMessageIds errorCodes }
  comments { id body visibility author createdAt }
  parent { reference } children { reference } referencesCase { reference } misroutedTo { id }`;

/** Evidence kinds ↔ `relatedEntity` (`@referredType`, `role`). Only ever returned to a caller who may see the case. */
export const EVIDENCE_ENTITIES = [
  { key: 'mpans', referredType: 'MeteringPoint', role: 'meteringPoint' },
  { key: 'transactionIds', referredType: 'Transaction', role: 'transaction' },
  { key: 'dipMessageIds', referredType: 'DipMessage', role: 'dipMessage' },
  { key: 'errorCodes', referredType: 'ErrorCode', role: 'errorCode' },
] as const;

export type TroubleTicket = Record<string, unknown> & { id: string; href: string; '@type': 'TroubleTicket'; status: TmfStatus };

/** The case as a TroubleTicket, as the caller may see it. Work notes are never mapped: `note[]` has no visibility. */
export function ticketOfCase(c: CaseForTicket, ticketUrl: (reference: string) => string): TroubleTicket {
  const { description, trailer } = readTrailer(c.description);
  const externalIdentifier: Record<string, unknown>[] = [{ owner: CPSD_OWNER, externalIdentifierType: 'Case', id: c.reference, '@type': 'ExternalIdentifier' }];
  if (trailer.id)
    externalIdentifier.push({ owner: trailer.owner ?? 'external', externalIdentifierType: 'TroubleTicket', id: trailer.id, '@type': 'ExternalIdentifier' });
  const relationships: Record<string, unknown>[] = [];
  const relation = (reference: string, relationshipType: string) =>
    relationships.push({ id: reference, href: ticketUrl(reference), relationshipType, '@type': 'TroubleTicketRelationship' });
  if (c.parent) relation(c.parent.reference, 'isChild');
  for (const child of c.children) relation(child.reference, 'isParent');
  if (c.referencesCase) relation(c.referencesCase.reference, 'follows');
  const status = statusOfCase(c);
  const relatedEntity = EVIDENCE_ENTITIES.flatMap(({ key, referredType, role }) =>
    (c.evidence[key] ?? []).map((id) => ({ id, role, '@referredType': referredType, '@type': 'RelatedEntity' })),
  );
  const reason = status === 'pending' || status === 'held' ? `On hold: ${c.holdReason ?? 'awaiting input'}` : c.resolution;
  return {
    id: c.reference,
    href: ticketUrl(c.reference),
    '@type': 'TroubleTicket',
    name: c.subject,
    description,
    severity: c.impact ? SEVERITY_OF_IMPACT[c.impact as Impact] : (trailer.severity ?? 'Minor'),
    ticketType: TICKET_TYPE_OF_CATEGORY[c.category as Category] ?? c.category,
    status,
    ...(c.priority ? { priority: PRIORITY_OF_PRIORITY[c.priority as Priority] } : {}),
    creationDate: c.raisedAt,
    lastUpdateDate: c.updatedAt,
    ...(c.sla.resolutionDueAt ? { expectedResolutionDate: c.sla.resolutionDueAt } : {}),
    ...(c.resolvedAt ? { resolutionDate: c.resolvedAt } : {}),
    ...(reason ? { statusChangeReason: reason } : {}),
    externalIdentifier,
    note: c.comments
      .filter((comment) => comment.visibility === 'CUSTOMER_VISIBLE')
      .map((comment) => ({ id: comment.id, author: comment.author, date: comment.createdAt, text: comment.body, '@type': 'Note' })),
    troubleTicketRelationship: relationships,
    relatedEntity,
    relatedParty: [
      { id: c.desk.id, name: c.desk.name, role: 'serviceDesk', '@referredType': 'ServiceDesk', '@type': 'RelatedParty' },
      { id: c.raisedByOrganisation.id, name: c.raisedByOrganisation.name, role: 'originator', '@referredType': 'Organization', '@type': 'RelatedParty' },
    ],
  };
}

// ---- outbound: a hand-off as a ticket on the partner's system -------------------------------------------------------

export interface HandoffTicketInput {
  caseReference: string | null;
  handoffId: string | null;
  deskName: string;
  subject: string | null;
  state: string | null;
  portalUrl: string | null;
  impact?: string | null;
  priority?: string | null;
  category?: string | null;
}

const text = (value: string | null | undefined, max: number): string => maskMpan((value ?? '').replace(/\s+/g, ' ').trim()).slice(0, max);

/** POST body (TroubleTicket_FVO): the reference, masked subject and portal link — never evidence or notes. */
export function ticketForHandoff(input: HandoffTicketInput): Record<string, unknown> {
  const reference = input.caseReference && /^CPSD-\d{6,}$/.test(input.caseReference) ? input.caseReference : null;
  const subject = text(input.subject, 200) || 'CPSD case';
  const description = [
    `CPSD case ${reference ?? '(no reference)'} handed to ${text(input.deskName, 120)}: ${subject}.`,
    input.portalUrl ? `Details and evidence are in the CPSD portal: ${input.portalUrl}` : 'Details and evidence are in the CPSD portal.',
  ].join(' ');
  return {
    '@type': 'TroubleTicket',
    name: `${reference ? `[${reference}] ` : ''}${subject}`.slice(0, 200),
    description: maskMpan(description),
    severity: input.impact && input.impact in SEVERITY_OF_IMPACT ? SEVERITY_OF_IMPACT[input.impact as Impact] : 'Major',
    ...(input.priority && input.priority in PRIORITY_OF_PRIORITY ? { priority: PRIORITY_OF_PRIORITY[input.priority as Priority] } : {}),
    ticketType: input.category && input.category in TICKET_TYPE_OF_CATEGORY ? TICKET_TYPE_OF_CATEGORY[input.category as Category] : 'incident',
    status: 'acknowledged',
    externalIdentifier: cpsdIdentifiers(reference, input.handoffId),
  };
}

/** PATCH body (TroubleTicket_MVO) for a change on the CPSD side. */
export function patchForHandoff(input: { caseReference: string | null; handoffId: string | null; state: string | null }): Record<string, unknown> {
  const reference = input.caseReference && /^CPSD-\d{6,}$/.test(input.caseReference) ? input.caseReference : null;
  const status = STATUS_OF_TICKET_STATE[input.state ?? ''] ?? 'inProgress';
  return {
    status,
    statusChangeReason: `CPSD hand-off ${text(input.state, 40).toLowerCase().replace(/_/g, ' ') || 'updated'}`,
    externalIdentifier: cpsdIdentifiers(reference, input.handoffId),
  };
}

function cpsdIdentifiers(reference: string | null, handoffId: string | null): Record<string, unknown>[] {
  return [
    ...(reference ? [{ owner: CPSD_OWNER, externalIdentifierType: 'Case', id: reference, '@type': 'ExternalIdentifier' }] : []),
    ...(handoffId && /^[0-9a-f-]{36}$/i.test(handoffId)
      ? [{ owner: CPSD_OWNER, externalIdentifierType: 'Handoff', id: handoffId, '@type': 'ExternalIdentifier' }]
      : []),
  ];
}

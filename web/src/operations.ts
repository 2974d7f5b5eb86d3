/**
 * Every GraphQL operation the dashboard sends, each with hand-written TypeScript types for its variables and result.
 * web/src/__tests__/operations.test.ts validates every document here against the gateway's API schema (the checked-in
 * supergraph), so a document that no longer fits the schema fails the unit tests.
 */

export interface Operation<TData, TVariables> {
  readonly name: string;
  readonly document: string;
  readonly kind: 'query' | 'mutation' | 'subscription';
  /** Type carriers only: never set. */
  readonly __data?: TData;
  readonly __variables?: TVariables;
}

function operation<TData, TVariables = Record<string, never>>(document: string): Operation<TData, TVariables> {
  const match = /^\s*(query|mutation|subscription)\s+(\w+)/.exec(document);
  if (!match) throw new Error('every operation is named');
  return { name: match[2], kind: match[1] as 'query' | 'mutation' | 'subscription', document };
}

// ---------------------------------------------------------------------------------------------------------------
// Shared shapes (the schema's enums as string unions)
// ---------------------------------------------------------------------------------------------------------------

export type CaseState = 'NEW' | 'IN_PROGRESS' | 'ON_HOLD' | 'RESOLVED' | 'CLOSED' | 'CANCELLED';
export type Priority = 'P1' | 'P2' | 'P3' | 'P4';
export type Category =
  | 'SETTLEMENT_SERVICES'
  | 'DATA_SUBMISSION'
  | 'MARKET_SYSTEMS'
  | 'PARTICIPANT_ISSUES'
  | 'DATA_AGGREGATION_AND_REPORTING'
  | 'REGULATORY_COMPLIANCE'
  | 'SECURITY'
  | 'COMMUNICATIONS'
  | 'CHANGE_MANAGEMENT'
  | 'THIRD_PARTY_SERVICES';
export type Service =
  | 'DIP'
  | 'LSS'
  | 'MDS'
  | 'VAS'
  | 'ISD'
  | 'SETTLEMENT_OPERATIONS'
  | 'BSC'
  | 'MPAS'
  | 'SMART_METERING'
  | 'CSS'
  | 'REC'
  | 'EES'
  | 'DTS'
  | 'DIP_CONNECTION'
  | 'PARTICIPANT_SOFTWARE'
  | 'SUPPLIER_SERVICES';
export type HandoffState = 'REQUESTED' | 'ACKNOWLEDGED' | 'IN_PROGRESS' | 'RESOLVED' | 'REJECTED';
export type MpanProblem = 'FORMAT' | 'CHECK_DIGIT' | 'UNKNOWN_DISTRIBUTOR';

export const CASE_STATES: readonly CaseState[] = ['NEW', 'IN_PROGRESS', 'ON_HOLD', 'RESOLVED', 'CLOSED', 'CANCELLED'];
export const PRIORITIES: readonly Priority[] = ['P1', 'P2', 'P3', 'P4'];
export const CATEGORIES: readonly Category[] = [
  'SETTLEMENT_SERVICES',
  'DATA_SUBMISSION',
  'MARKET_SYSTEMS',
  'PARTICIPANT_ISSUES',
  'DATA_AGGREGATION_AND_REPORTING',
  'REGULATORY_COMPLIANCE',
  'SECURITY',
  'COMMUNICATIONS',
  'CHANGE_MANAGEMENT',
  'THIRD_PARTY_SERVICES',
];

export interface Named {
  id: string;
  name: string;
}

// ---------------------------------------------------------------------------------------------------------------
// Who am I, and the directory
// ---------------------------------------------------------------------------------------------------------------

export interface MeData {
  me: {
    subject: string;
    roles: string[];
    organisation: (Named & { parent: Named | null }) | null;
    visibleOrganisations: Named[];
    desks: Named[];
  };
}
export const ME = operation<MeData>(`query Me {
  me {
    subject
    roles
    organisation { id name parent { id name } }
    visibleOrganisations { id name }
    desks { id name }
  }
}`);

export interface DeskSummary extends Named {
  kind: string;
  services: Service[];
  categories: Category[];
  organisation: Named;
}
export const DESKS = operation<{ desks: DeskSummary[] }>(`query Desks {
  desks { id name kind services categories organisation { id name } }
}`);

// ---------------------------------------------------------------------------------------------------------------
// Cases
// ---------------------------------------------------------------------------------------------------------------

export interface Sla {
  policy: string;
  calendar: string;
  responseDueAt: string;
  resolutionDueAt: string | null;
  elapsedMinutes: number;
  remainingMinutes: number | null;
  paused: boolean;
  responseBreached: boolean;
  resolutionBreached: boolean;
  breached: boolean;
}

export interface CaseFilter {
  deskIds?: string[];
  states?: CaseState[];
  priorities?: Priority[];
  raisedByOrganisationId?: string;
  breached?: boolean;
  text?: string;
}

export interface CaseListItem {
  id: string;
  reference: string;
  subject: string;
  state: CaseState;
  priority: Priority | null;
  category: Category;
  raisedAt: string;
  updatedAt: string;
  desk: Named;
  raisedByOrganisation: Named;
  sla: Pick<Sla, 'responseDueAt' | 'resolutionDueAt' | 'remainingMinutes' | 'paused' | 'breached'>;
}

export interface CasesData {
  cases: { edges: { cursor: string; node: CaseListItem }[]; pageInfo: { hasNextPage: boolean; endCursor: string | null } };
}
export const CASES = operation<CasesData, { first: number; after?: string | null; filter?: CaseFilter }>(`query Cases($first: Int, $after: String, $filter: CaseFilter) {
  cases(first: $first, after: $after, filter: $filter) {
    edges {
      cursor
      node {
        id reference subject state priority category raisedAt updatedAt
        desk { id name }
        raisedByOrganisation { id name }
        sla { responseDueAt resolutionDueAt remainingMinutes paused breached }
      }
    }
    pageInfo { hasNextPage endCursor }
  }
}`);

export interface CaseDetail {
  id: string;
  reference: string;
  subject: string;
  description: string;
  state: CaseState;
  type: string | null;
  priority: Priority | null;
  category: Category;
  holdReason: string | null;
  resolution: string | null;
  raisedBy: string;
  raisedAt: string;
  resolvedAt: string | null;
  closedAt: string | null;
  updatedAt: string;
  desk: Named;
  raisedByOrganisation: Named;
  sla: Sla;
  evidence: { mpans: string[]; transactionIds: string[]; dipMessageIds: string[]; errorCodes: string[]; urls: string[] };
  comments: { id: string; body: string; visibility: 'CUSTOMER_VISIBLE' | 'WORK_NOTE'; author: string; authorOrganisationId: string; createdAt: string }[];
  timeline: { at: string; actor: string; actorOrganisationId: string; action: string; field: string | null; from: string | null; to: string | null; note: string | null }[];
  handoffs: { id: string; state: HandoffState; externalReference: string | null; resolution: string | null; rejectionReason: string | null; createdAt: string; updatedAt: string; toDesk: Named }[];
  parent: { id: string; reference: string } | null;
  children: { id: string; reference: string; state: CaseState }[];
}

const CASE_DETAIL_FIELDS = `
    id reference subject description state type priority category holdReason resolution raisedBy raisedAt resolvedAt closedAt updatedAt
    desk { id name }
    raisedByOrganisation { id name }
    sla { policy calendar responseDueAt resolutionDueAt elapsedMinutes remainingMinutes paused responseBreached resolutionBreached breached }
    evidence { mpans transactionIds dipMessageIds errorCodes urls }
    comments { id body visibility author authorOrganisationId createdAt }
    timeline { at actor actorOrganisationId action field from to note }
    handoffs { id state externalReference resolution rejectionReason createdAt updatedAt toDesk { id name } }
    parent { id reference }
    children { id reference state }`;

export const CASE = operation<{ case: CaseDetail | null }, { id: string }>(`query Case($id: ID!) {
  case(id: $id) {${CASE_DETAIL_FIELDS}
  }
}`);

export const ADD_COMMENT = operation<{ addComment: CaseDetail }, { input: { caseId: string; body: string; idempotencyKey?: string } }>(`mutation AddComment($input: AddCommentInput!) {
  addComment(input: $input) {${CASE_DETAIL_FIELDS}
  }
}`);

export const CONFIRM_RESOLUTION = operation<{ confirmResolution: CaseDetail }, { input: { caseId: string; note?: string; idempotencyKey?: string } }>(`mutation ConfirmResolution($input: CaseNoteInput!) {
  confirmResolution(input: $input) {${CASE_DETAIL_FIELDS}
  }
}`);

export const REOPEN_CASE = operation<{ reopenCase: CaseDetail }, { input: { caseId: string; comment: string; idempotencyKey?: string } }>(`mutation ReopenCase($input: CaseReasonInput!) {
  reopenCase(input: $input) {${CASE_DETAIL_FIELDS}
  }
}`);

export interface RaiseCaseInput {
  deskId: string;
  category: Category;
  subject: string;
  description: string;
  evidence?: { mpans?: string[]; dipMessageIds?: string[]; errorCodes?: string[]; transactionIds?: string[] };
  idempotencyKey?: string;
}
export const RAISE_CASE = operation<{ raiseCase: { id: string; reference: string } }, { input: RaiseCaseInput }>(`mutation RaiseCase($input: RaiseCaseInput!) {
  raiseCase(input: $input) { id reference }
}`);

export interface MeteringPoint {
  mpan: string;
  valid: boolean;
  problem: MpanProblem | null;
  distributor: { id: string; areaName: string; ldsoGroup: string } | null;
  desk: Named | null;
}
export const METERING_POINT = operation<{ meteringPoint: MeteringPoint }, { mpan: string }>(`query MeteringPoint($mpan: String!) {
  meteringPoint(mpan: $mpan) { mpan valid problem distributor { id areaName ldsoGroup } desk { id name } }
}`);

export interface CaseEventData {
  caseEvents: { sequence: string; type: string; occurredAt: string; case: { id: string; state: CaseState; updatedAt: string } };
}
export const CASE_EVENTS = operation<CaseEventData, { caseId: string; after?: string | null }>(`subscription CaseEvents($caseId: ID!, $after: String) {
  caseEvents(caseId: $caseId, after: $after) {
    sequence type occurredAt
    case { id state updatedAt }
  }
}`);

// ---------------------------------------------------------------------------------------------------------------
// Major incidents
// ---------------------------------------------------------------------------------------------------------------

export interface MajorIncidentUpdate {
  id: string;
  body: string;
  postedAt: string;
}

export interface MajorIncidentSummary {
  id: string;
  reference: string;
  title: string;
  state: string;
  services: Service[];
  lead: Named | null;
  nextUpdateDueAt: string | null;
  updates: MajorIncidentUpdate[];
  linkedCases: { id: string }[];
}

const MAJOR_INCIDENT_FIELDS = `id reference title state services
    lead { id name }
    nextUpdateDueAt
    updates { id body postedAt }
    linkedCases { id }`;

export const MAJOR_INCIDENTS = operation<{ majorIncidents: MajorIncidentSummary[] }>(`query MajorIncidents {
  majorIncidents {
    ${MAJOR_INCIDENT_FIELDS}
  }
}`);

export interface MajorIncidentEventData {
  majorIncidentUpdates: { sequence: string; type: string; occurredAt: string; majorIncident: MajorIncidentSummary };
}
export const MAJOR_INCIDENT_UPDATES = operation<MajorIncidentEventData, { services?: Service[] | null; after?: string | null }>(`subscription MajorIncidentUpdates($services: [Service!], $after: String) {
  majorIncidentUpdates(services: $services, after: $after) {
    sequence type occurredAt
    majorIncident {
      ${MAJOR_INCIDENT_FIELDS}
    }
  }
}`);

/** Every operation, for the schema test. */
export const OPERATIONS: readonly Operation<unknown, unknown>[] = [
  ME,
  DESKS,
  CASES,
  CASE,
  ADD_COMMENT,
  CONFIRM_RESOLUTION,
  REOPEN_CASE,
  RAISE_CASE,
  METERING_POINT,
  CASE_EVENTS,
  MAJOR_INCIDENTS,
  MAJOR_INCIDENT_UPDATES,
];

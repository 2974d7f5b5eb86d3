/**
 * Every GraphQL operation the dashboard sends. Their variables and results are typed by gql.tada, inferred from each
 * document against the gateway's API schema (web/src/graphql-env.d.ts, written by `npm run web:schema`): a view that
 * reads a field as the wrong type, misses a null, or passes a variable the schema refuses fails the typecheck. A field
 * the schema lacks only reads as `unknown` there, so web/src/__tests__/operations.test.ts validates every document, as
 * sent, against the checked-in supergraph; graphql-env.test.ts fails while the introspection is older than it.
 */
import { print } from '@0no-co/graphql.web';
import { initGraphQLTada, type ResultOf, type TadaDocumentNode, type VariablesOf } from 'gql.tada';
import type { introspection } from './graphql-env';

/** The `graphql` tag for the gateway's API schema: results are unmasked, so a fragment's fields read as the operation's. */
const graphql = initGraphQLTada<{ introspection: introspection; scalars: { DateTimeISO: string }; disableMasking: true }>();

/** A schema enum as the union of its values (e.g. `SchemaEnum<'CaseState'>`). */
export type SchemaEnum<Name extends string> = ReturnType<typeof graphql.scalar<Name>>;

/** An operation as the dashboard sends it: its name, its kind, and its document as text. */
export interface Operation<TData, TVariables> {
  readonly name: string;
  readonly document: string;
  readonly kind: 'query' | 'mutation' | 'subscription';
  /** Type carriers only: never set. */
  readonly __data?: TData;
  readonly __variables?: TVariables;
}

function operation<TData, TVariables>(document: TadaDocumentNode<TData, TVariables>): Operation<TData, TVariables> {
  const definition = document.definitions[0];
  if (definition?.kind !== 'OperationDefinition' || !definition.name) throw new Error('every operation is named');
  return { name: definition.name.value, kind: definition.operation, document: print(document) };
}

/**
 * Every value of a schema enum, in the order the dashboard offers them; a value the schema has and the list lacks fails
 * the typecheck.
 */
function everyValue<T extends string>() {
  return <const V extends readonly T[]>(values: V & ([Exclude<T, V[number]>] extends [never] ? unknown : { missing: Exclude<T, V[number]> })): readonly T[] =>
    values;
}

// ---------------------------------------------------------------------------------------------------------------
// The schema's enums the dashboard names
// ---------------------------------------------------------------------------------------------------------------

export type CaseState = SchemaEnum<'CaseState'>;
export type Priority = SchemaEnum<'Priority'>;
export type Category = SchemaEnum<'Category'>;
export type Service = SchemaEnum<'Service'>;
export type HandoffState = SchemaEnum<'HandoffState'>;
export type Role = SchemaEnum<'Role'>;
export type CaseType = SchemaEnum<'CaseType'>;
export type Impact = SchemaEnum<'Impact'>;
export type Urgency = SchemaEnum<'Urgency'>;
export type HoldReason = SchemaEnum<'HoldReason'>;
export type ServiceRequestClass = SchemaEnum<'ServiceRequestClass'>;
export type CommentVisibility = SchemaEnum<'CommentVisibility'>;
export type SlaTargetUnit = SchemaEnum<'SlaTargetUnit'>;

export type MajorIncidentState = SchemaEnum<'MajorIncidentState'>;
export type MajorIncidentUpdateKind = SchemaEnum<'MajorIncidentUpdateKind'>;
export type MajorIncidentValidityCheck = SchemaEnum<'MajorIncidentValidityCheck'>;
export type MajorIncidentThreshold = SchemaEnum<'MajorIncidentThreshold'>;

export type NotificationKind = SchemaEnum<'NotificationKind'>;
export type NotificationChannel = SchemaEnum<'NotificationChannel'>;
export type NotificationPreferenceScope = SchemaEnum<'NotificationPreferenceScope'>;

export const CASE_STATES = everyValue<CaseState>()(['NEW', 'IN_PROGRESS', 'ON_HOLD', 'RESOLVED', 'CLOSED', 'CANCELLED']);
export const PRIORITIES = everyValue<Priority>()(['P1', 'P2', 'P3', 'P4']);
export const CASE_TYPES = everyValue<CaseType>()(['INCIDENT', 'SERVICE_REQUEST', 'PROBLEM', 'CHANGE']);
/** Highest first, as the OM table reads. */
export const IMPACTS = everyValue<Impact>()(['HIGH', 'MEDIUM', 'LOW']);
export const URGENCIES = everyValue<Urgency>()(['HIGH', 'MEDIUM', 'LOW']);
export const HOLD_REASONS = everyValue<HoldReason>()(['AWAITING_CALLER', 'CHANGE', 'PROBLEM', 'VENDOR']);
export const SERVICE_REQUEST_CLASSES = everyValue<ServiceRequestClass>()(['STANDARD', 'HIGH_PRIORITY']);
export const CATEGORIES = everyValue<Category>()([
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
  'MHHS_SERVICE_REQUEST',
]);

/** In the order a case lives them: acknowledged, changed, commented on, resolved, reminded of, closed. */
export const NOTIFICATION_KINDS = everyValue<NotificationKind>()([
  'ACKNOWLEDGEMENT',
  'STATE_CHANGE',
  'COMMENT',
  'RESOLUTION',
  'AUTO_CLOSE_REMINDER',
  'CLOSURE',
]);
export const SERVICES = everyValue<Service>()([
  'DIP',
  'LSS',
  'MDS',
  'VAS',
  'ISD',
  'SETTLEMENT_OPERATIONS',
  'BSC',
  'MPAS',
  'SMART_METERING',
  'CSS',
  'REC',
  'EES',
  'DTS',
  'DIP_CONNECTION',
  'PARTICIPANT_SOFTWARE',
  'SUPPLIER_SERVICES',
]);
/** OM §5.8, in the order the OM lists them. */
export const VALIDITY_CHECKS = everyValue<MajorIncidentValidityCheck>()([
  'SETTLEMENT_IMPACT',
  'SCOPE_AND_SCALE',
  'REGULATORY_RISK',
  'SERVICE_DISRUPTION',
  'RESTORATION_COMPLEXITY',
  'SECURITY',
]);

export const NOTIFICATION_CHANNELS = everyValue<NotificationChannel>()(['EMAIL', 'WEBHOOK']);

// ---------------------------------------------------------------------------------------------------------------
// Who am I, and the directory
// ---------------------------------------------------------------------------------------------------------------

const MeQuery = graphql(`query Me {
  me {
    subject
    roles
    organisation { id name parent { id name } }
    visibleOrganisations { id name }
    desks { id name }
  }
}`);
export type MeData = ResultOf<typeof MeQuery>;
export const ME = operation(MeQuery);

const DesksQuery = graphql(`query Desks {
  desks { id name kind services categories organisation { id name } }
}`);
export const DESKS = operation(DesksQuery);

// ---------------------------------------------------------------------------------------------------------------
// Cases
// ---------------------------------------------------------------------------------------------------------------

const CasesQuery = graphql(`query Cases($first: Int, $after: String, $filter: CaseFilter) {
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
export type CaseFilter = NonNullable<VariablesOf<typeof CasesQuery>['filter']>;
export type CaseListItem = ResultOf<typeof CasesQuery>['cases']['edges'][number]['node'];
export const CASES = operation(CasesQuery);

/** The desk queue: open cases of the agent's desks, with the SLA fields its countdown reads. */
const DeskQueueQuery = graphql(`query DeskQueue($first: Int, $after: String, $filter: CaseFilter) {
  cases(first: $first, after: $after, filter: $filter) {
    totalCount
    edges {
      node {
        id reference subject state priority category raisedAt updatedAt
        desk { id name }
        raisedByOrganisation { id name }
        sla { responseDueAt resolutionDueAt elapsedPercent paused responseBreached resolutionBreached breached }
      }
    }
    pageInfo { hasNextPage endCursor }
  }
}`);
export type DeskQueueData = ResultOf<typeof DeskQueueQuery>;
export type DeskQueueItem = DeskQueueData['cases']['edges'][number]['node'];
export const DESK_QUEUE = operation(DeskQueueQuery);

/** What the case page shows of a case; every mutation on the case page answers with it. */
const CaseDetailFields = graphql(`fragment CaseDetailFields on Case {
  id reference subject description state type impact urgency serviceRequestClass priority category holdReason resolution raisedBy raisedAt resolvedAt closedAt updatedAt
  desk { id name slaPolicy }
  raisedByOrganisation { id name }
  sla { policy calendar responseDueAt resolutionDueAt elapsedMinutes remainingMinutes paused responseBreached resolutionBreached breached }
  evidence { mpans transactionIds dipMessageIds errorCodes urls }
  comments { id body visibility author authorOrganisationId createdAt }
  timeline { at actor actorOrganisationId action field from to note }
  handoffs { id state externalReference resolution rejectionReason createdAt updatedAt toDesk { id name } }
  parent { id reference }
  children { id reference state }
}`);
export type CaseDetail = ResultOf<typeof CaseDetailFields>;

const CaseQuery = graphql(
  `query Case($id: ID!) {
  case(id: $id) { ...CaseDetailFields }
}`,
  [CaseDetailFields],
);
export const CASE = operation(CaseQuery);

const AddCommentMutation = graphql(
  `mutation AddComment($input: AddCommentInput!) {
  addComment(input: $input) { ...CaseDetailFields }
}`,
  [CaseDetailFields],
);
export const ADD_COMMENT = operation(AddCommentMutation);

const ConfirmResolutionMutation = graphql(
  `mutation ConfirmResolution($input: CaseNoteInput!) {
  confirmResolution(input: $input) { ...CaseDetailFields }
}`,
  [CaseDetailFields],
);
export const CONFIRM_RESOLUTION = operation(ConfirmResolutionMutation);

const ReopenCaseMutation = graphql(
  `mutation ReopenCase($input: CaseReasonInput!) {
  reopenCase(input: $input) { ...CaseDetailFields }
}`,
  [CaseDetailFields],
);
export const REOPEN_CASE = operation(ReopenCaseMutation);

const TriageCaseMutation = graphql(
  `mutation TriageCase($input: TriageCaseInput!) {
  triageCase(input: $input) { ...CaseDetailFields }
}`,
  [CaseDetailFields],
);
export type TriageCaseInput = VariablesOf<typeof TriageCaseMutation>['input'];
export const TRIAGE_CASE = operation(TriageCaseMutation);

const PutCaseOnHoldMutation = graphql(
  `mutation PutCaseOnHold($input: PutCaseOnHoldInput!) {
  putCaseOnHold(input: $input) { ...CaseDetailFields }
}`,
  [CaseDetailFields],
);
export const PUT_CASE_ON_HOLD = operation(PutCaseOnHoldMutation);

const ResumeCaseMutation = graphql(
  `mutation ResumeCase($input: CaseNoteInput!) {
  resumeCase(input: $input) { ...CaseDetailFields }
}`,
  [CaseDetailFields],
);
export const RESUME_CASE = operation(ResumeCaseMutation);

const ResolveCaseMutation = graphql(
  `mutation ResolveCase($input: ResolveCaseInput!) {
  resolveCase(input: $input) { ...CaseDetailFields }
}`,
  [CaseDetailFields],
);
export const RESOLVE_CASE = operation(ResolveCaseMutation);

const HandOffCaseMutation = graphql(
  `mutation HandOffCase($input: HandOffCaseInput!) {
  handOffCase(input: $input) { ...CaseDetailFields }
}`,
  [CaseDetailFields],
);
export const HAND_OFF_CASE = operation(HandOffCaseMutation);

// The receiving desk's side of a hand-off (OM §5.16): each answers with the hand-off; the view reads the case again.
export const ACKNOWLEDGE_HANDOFF = operation(
  graphql(`mutation AcknowledgeHandoff($input: AcknowledgeHandoffInput!) { acknowledgeHandoff(input: $input) { id state } }`),
);
export const UPDATE_HANDOFF = operation(graphql(`mutation UpdateHandoff($input: UpdateHandoffInput!) { updateHandoff(input: $input) { id state } }`));
export const RESOLVE_HANDOFF = operation(graphql(`mutation ResolveHandoff($input: ResolveHandoffInput!) { resolveHandoff(input: $input) { id state } }`));
export const REJECT_HANDOFF = operation(graphql(`mutation RejectHandoff($input: RejectHandoffInput!) { rejectHandoff(input: $input) { id state } }`));

/** What the triage preview needs to say when a case would be due: the policies' targets and the desk's Hypercare windows. */
const TriageTermsQuery = graphql(`query TriageTerms($deskId: ID!) {
  slaPolicies { name resolutionTargets { priority amount unit } }
  hypercareWindows(deskId: $deskId) { id startsAt endsAt }
}`);
export type TriageTerms = ResultOf<typeof TriageTermsQuery>;
export const TRIAGE_TERMS = operation(TriageTermsQuery);

const RaiseCaseMutation = graphql(`mutation RaiseCase($input: RaiseCaseInput!) {
  raiseCase(input: $input) { id reference }
}`);
export type RaiseCaseInput = VariablesOf<typeof RaiseCaseMutation>['input'];
export const RAISE_CASE = operation(RaiseCaseMutation);

const MeteringPointQuery = graphql(`query MeteringPoint($mpan: String!) {
  meteringPoint(mpan: $mpan) { mpan valid problem distributor { id areaName ldsoGroup } desk { id name } }
}`);
export type MeteringPoint = ResultOf<typeof MeteringPointQuery>['meteringPoint'];
export const METERING_POINT = operation(MeteringPointQuery);

const CaseEventsSubscription = graphql(`subscription CaseEvents($caseId: ID!, $after: String) {
  caseEvents(caseId: $caseId, after: $after) {
    sequence type occurredAt
    case { id state updatedAt }
  }
}`);
export const CASE_EVENTS = operation(CaseEventsSubscription);

// ---------------------------------------------------------------------------------------------------------------
// Major incidents
// ---------------------------------------------------------------------------------------------------------------

/** What the major incidents page shows of a major incident, from the list and from each live update. */
const MajorIncidentFields = graphql(`fragment MajorIncidentFields on MajorIncident {
  id reference title state services
  lead { id name }
  nextUpdateDueAt
  updates { id body postedAt }
  linkedCases { id }
}`);
export type MajorIncidentSummary = ResultOf<typeof MajorIncidentFields>;

const MajorIncidentsQuery = graphql(
  `query MajorIncidents {
  majorIncidents { ...MajorIncidentFields }
}`,
  [MajorIncidentFields],
);
export const MAJOR_INCIDENTS = operation(MajorIncidentsQuery);

const MajorIncidentUpdatesSubscription = graphql(
  `subscription MajorIncidentUpdates($services: [Service!], $after: String) {
  majorIncidentUpdates(services: $services, after: $after) {
    sequence type occurredAt
    majorIncident { ...MajorIncidentFields }
  }
}`,
  [MajorIncidentFields],
);
export const MAJOR_INCIDENT_UPDATES = operation(MajorIncidentUpdatesSubscription);

/** Candidates awaiting a Major Incident Manager's review (OM §5.11 steps 5–7): only the MI team sees them. */
const MajorIncidentCandidatesQuery = graphql(`query MajorIncidentCandidates {
  majorIncidents(state: CANDIDATE) {
    id reference title services validityChecks proposedAt proposedBy
    thresholds { participantImpact duration complianceRisk securityBreach }
  }
}`);
export type MajorIncidentCandidate = ResultOf<typeof MajorIncidentCandidatesQuery>['majorIncidents'][number];
export const MAJOR_INCIDENT_CANDIDATES = operation(MajorIncidentCandidatesQuery);

/** What the major incident page shows: the review, the comms and their delivery (lead's MI managers only), the PIR. */
const MajorIncidentDetailFields = graphql(`fragment MajorIncidentDetailFields on MajorIncident {
  id reference title state services leadOrganisationId
  lead { id name }
  leadDesk { id name }
  impactedParties { id name }
  validityChecks triggeredCriteria
  thresholds { participantImpact duration complianceRisk securityBreach }
  proposedAt proposedBy reviewedAt reviewedBy reviewNote promotedAt resolvedAt resolution
  nextUpdateDueAt updateOverdue pirDueAt pirOverdue
  updates { id kind body services nextUpdateDueAt industryCircular statusPage postedAt }
  linkedCases { id }
  pir {
    reportReference serviceImpactedAt serviceRestoredAt incidentManagers description businessImpact summary resolution
    affectedServices affectedUsers rootCause processReview additionalNotes recordedAt updatedAt
    timeline { at event comments }
    actions { owner action dueAt }
  }
  commsDelivery {
    recipients deliveries delivered pending retrying failed
    notices { kind postedAt deliveries delivered pending failed allDeliveredAt dueBy onTime }
  }
}`);
export type MajorIncidentDetail = ResultOf<typeof MajorIncidentDetailFields>;
export type CommsDelivery = NonNullable<MajorIncidentDetail['commsDelivery']>;
export type CommsNotice = CommsDelivery['notices'][number];

const MajorIncidentQuery = graphql(
  `query MajorIncident($id: ID!) {
  majorIncident(id: $id) { ...MajorIncidentDetailFields }
}`,
  [MajorIncidentDetailFields],
);
export const MAJOR_INCIDENT = operation(MajorIncidentQuery);

const ReviewMajorIncidentMutation = graphql(
  `mutation ReviewMajorIncident($id: ID!, $decision: MajorIncidentDecision!, $input: ReviewMajorIncidentInput) {
  reviewMajorIncident(id: $id, decision: $decision, input: $input) { ...MajorIncidentDetailFields }
}`,
  [MajorIncidentDetailFields],
);
export type ReviewMajorIncidentInput = NonNullable<VariablesOf<typeof ReviewMajorIncidentMutation>['input']>;
export const REVIEW_MAJOR_INCIDENT = operation(ReviewMajorIncidentMutation);

const PostMajorIncidentUpdateMutation = graphql(
  `mutation PostMajorIncidentUpdate($id: ID!, $input: MajorIncidentUpdateInput!) {
  postMajorIncidentUpdate(id: $id, input: $input) { ...MajorIncidentDetailFields }
}`,
  [MajorIncidentDetailFields],
);
export type MajorIncidentUpdateInput = VariablesOf<typeof PostMajorIncidentUpdateMutation>['input'];
export const POST_MAJOR_INCIDENT_UPDATE = operation(PostMajorIncidentUpdateMutation);

const ResolveMajorIncidentMutation = graphql(
  `mutation ResolveMajorIncident($id: ID!, $resolution: String!, $input: ResolveMajorIncidentInput) {
  resolveMajorIncident(id: $id, resolution: $resolution, input: $input) { ...MajorIncidentDetailFields }
}`,
  [MajorIncidentDetailFields],
);
export const RESOLVE_MAJOR_INCIDENT = operation(ResolveMajorIncidentMutation);

const RecordPostIncidentReviewMutation = graphql(
  `mutation RecordPostIncidentReview($id: ID!, $input: PostIncidentReviewInput!) {
  recordPostIncidentReview(id: $id, input: $input) { ...MajorIncidentDetailFields }
}`,
  [MajorIncidentDetailFields],
);
export type PostIncidentReviewInput = VariablesOf<typeof RecordPostIncidentReviewMutation>['input'];
export const RECORD_POST_INCIDENT_REVIEW = operation(RecordPostIncidentReviewMutation);

// ---------------------------------------------------------------------------------------------------------------
// Reports (every figure counts only what the caller may see)
// ---------------------------------------------------------------------------------------------------------------

export type TrendInterval = SchemaEnum<'TrendInterval'>;

const ReportsQuery = graphql(`query Reports($period: ReportPeriod!, $interval: TrendInterval!) {
  caseReport(period: $period) {
    from to
    openByDeskAndPriority { deskId priority count }
    resolvedByDesk { deskId count }
    ageing { bucket count }
    raisedByCategory { category count }
    openServiceRequests { serviceRequestClass count }
    slaByPriority {
      priority resolved resolutionMet resolutionBreached resolutionNearBreach responseMet responseBreached achievementPercent meanMinutesToResolve
    }
    openSlaByPriority { priority open breached nearBreach }
    resolved reopened reopenRatePercent firstTimeResolved firstTimeResolutionPercent
  }
  caseTrend(period: $period, interval: $interval) { start priority resolved resolutionMet achievementPercent meanMinutesToResolve }
  majorIncidentReport(period: $period) {
    from to promoted
    byService { service count }
    byLead { organisationId count }
    meanMinutesToFirstComms firstCommsOnTime updatesDue updatesOnTime updatePunctualityPercent
  }
}`);
export type ReportsData = ResultOf<typeof ReportsQuery>;
export const REPORTS = operation(ReportsQuery);

/** Names for the ids the reports give: desks and organisations. */
const ReportDirectoryQuery = graphql(`query ReportDirectory {
  desks { id name }
  organisations { id name }
}`);
export const REPORT_DIRECTORY = operation(ReportDirectoryQuery);

// ---------------------------------------------------------------------------------------------------------------
// Notification preferences (the caller's own and their organisation's)
// ---------------------------------------------------------------------------------------------------------------

const NotificationPreferenceFields = graphql(`fragment NotificationPreferenceFields on NotificationPreference {
  id scope channel address kinds digestEveryMinutes digestWaiting nextDigestAt updatedAt
}`);
export type NotificationPreference = ResultOf<typeof NotificationPreferenceFields>;

const NotificationPreferencesQuery = graphql(
  `query NotificationPreferences {
  notificationPreferences { ...NotificationPreferenceFields }
}`,
  [NotificationPreferenceFields],
);
export const NOTIFICATION_PREFERENCES = operation(NotificationPreferencesQuery);

const SetNotificationPreferenceMutation = graphql(
  `mutation SetNotificationPreference($input: NotificationPreferenceInput!) {
  setNotificationPreference(input: $input) { ...NotificationPreferenceFields }
}`,
  [NotificationPreferenceFields],
);
export type NotificationPreferenceInput = VariablesOf<typeof SetNotificationPreferenceMutation>['input'];
export const SET_NOTIFICATION_PREFERENCE = operation(SetNotificationPreferenceMutation);

const RemoveNotificationPreferenceMutation = graphql(`mutation RemoveNotificationPreference($id: ID!) {
  removeNotificationPreference(id: $id)
}`);
export const REMOVE_NOTIFICATION_PREFERENCE = operation(RemoveNotificationPreferenceMutation);

/** Every operation, for the schema test. */
export const OPERATIONS: readonly Operation<unknown, unknown>[] = [
  ME,
  DESKS,
  CASES,
  DESK_QUEUE,
  CASE,
  ADD_COMMENT,
  TRIAGE_CASE,
  PUT_CASE_ON_HOLD,
  RESUME_CASE,
  RESOLVE_CASE,
  HAND_OFF_CASE,
  ACKNOWLEDGE_HANDOFF,
  UPDATE_HANDOFF,
  RESOLVE_HANDOFF,
  REJECT_HANDOFF,
  TRIAGE_TERMS,
  CONFIRM_RESOLUTION,
  REOPEN_CASE,
  RAISE_CASE,
  METERING_POINT,
  CASE_EVENTS,
  MAJOR_INCIDENTS,
  MAJOR_INCIDENT_UPDATES,
  MAJOR_INCIDENT_CANDIDATES,
  MAJOR_INCIDENT,
  REVIEW_MAJOR_INCIDENT,
  POST_MAJOR_INCIDENT_UPDATE,
  RESOLVE_MAJOR_INCIDENT,
  RECORD_POST_INCIDENT_REVIEW,
  REPORTS,
  REPORT_DIRECTORY,
  NOTIFICATION_PREFERENCES,
  SET_NOTIFICATION_PREFERENCE,
  REMOVE_NOTIFICATION_PREFERENCE,
];

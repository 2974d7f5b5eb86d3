/** GraphQL types of the case hub: the Case entity, its SLA clock, evidence, comments, timeline and hand-offs. */
import { Directive, Field, ID, InterfaceType, Int, ObjectType, registerEnumType, Float } from 'type-graphql';
import { CaseState, CaseType, Category, HoldReason, Impact, Priority, Urgency } from '../../../schema/enums';
import type { SlaTarget } from '../../../schema/priority';
import { PageInfo } from '../../../platform/graphql-types';

export enum CommentVisibility {
  CUSTOMER_VISIBLE = 'CUSTOMER_VISIBLE',
  WORK_NOTE = 'WORK_NOTE',
}
registerEnumType(CommentVisibility, {
  name: 'CommentVisibility',
  description: 'Customer-visible comments reach the raiser; work notes stay between resolvers (OM App. G)',
});

export enum HandoffState {
  REQUESTED = 'REQUESTED',
  ACKNOWLEDGED = 'ACKNOWLEDGED',
  IN_PROGRESS = 'IN_PROGRESS',
  RESOLVED = 'RESOLVED',
  REJECTED = 'REJECTED',
}
registerEnumType(HandoffState, { name: 'HandoffState', description: "The other party's side of a hand-off (principle (c))" });

/** OM §7.2: the service-request classes a desk chooses at triage. */
export enum ServiceRequestClass {
  STANDARD = 'STANDARD',
  HIGH_PRIORITY = 'HIGH_PRIORITY',
}
registerEnumType(ServiceRequestClass, {
  name: 'ServiceRequestClass',
  description: 'OM §7.2: Standard (1 business day to respond, 5 to resolve) or High priority (4 business hours, 2 business days)',
});

@ObjectType('Sla', { description: "The case's SLA clock, computed from its desk's policy and business calendar with holds paused" })
export class Sla {
  @Field(() => String, { description: 'STANDARD or HYPERCARE' })
  policy!: string;

  @Field(() => String, {
    description:
      "The desk's hours its clocks run on: 24x7, BUSINESS (08:30–17:30 Mon–Fri) or the desk's own WEEKDAYS hh:mm-hh:mm; weekday hours exclude England & Wales bank holidays",
  })
  calendar!: string;

  @Field(() => Date, { description: 'Triage due (15 minutes)' })
  responseDueAt!: Date;

  @Field(() => Date, { nullable: true, description: 'Resolution due; null until triage sets a priority' })
  resolutionDueAt!: Date | null;

  @Field(() => Int, { description: 'Counted SLA minutes so far, excluding time on hold' })
  elapsedMinutes!: number;

  @Field(() => Int, { nullable: true })
  remainingMinutes!: number | null;

  @Field(() => Float, {
    nullable: true,
    description: 'Counted time as a share of the resolution target, in percent (over 100 once breached); null until triage sets a target',
  })
  elapsedPercent!: number | null;

  @Field(() => Boolean, { description: 'On hold: the clock is paused' })
  paused!: boolean;

  @Field(() => Boolean)
  responseBreached!: boolean;

  @Field(() => Boolean)
  resolutionBreached!: boolean;

  @Field(() => Boolean, { description: 'Response or resolution breached' })
  breached!: boolean;
}

@ObjectType('Evidence', { description: 'What the raiser supplied; visible only to those who may see the case' })
export class Evidence {
  @Field(() => [String], { description: '13-digit MPAN cores' })
  mpans!: string[];

  @Field(() => [String])
  transactionIds!: string[];

  @Field(() => [String])
  dipMessageIds!: string[];

  @Field(() => [String])
  errorCodes!: string[];

  @Field(() => [String])
  urls!: string[];
}

@ObjectType('Comment')
export class Comment {
  @Field(() => ID)
  id!: string;

  @Field(() => String)
  body!: string;

  @Field(() => CommentVisibility)
  visibility!: CommentVisibility;

  @Field(() => String)
  author!: string;

  @Field(() => ID)
  authorOrganisationId!: string;

  @Field(() => Date)
  createdAt!: Date;
}

@ObjectType('TimelineEntry', { description: 'One step of the audit trail: who did what, when, from which value to which' })
export class TimelineEntry {
  @Field(() => Date)
  at!: Date;

  @Field(() => String)
  actor!: string;

  @Field(() => ID)
  actorOrganisationId!: string;

  @Field(() => String, { description: 'RAISED, TRIAGED, ROUTED, HANDED_OFF, RESOLVED, …' })
  action!: string;

  @Field(() => String, { nullable: true })
  field!: string | null;

  @Field(() => String, { nullable: true })
  from!: string | null;

  @Field(() => String, { nullable: true })
  to!: string | null;

  @Field(() => String, { nullable: true })
  note!: string | null;
}

/** The hub's view of a party's external ticket: its key only; the party subgraph resolves the rest. */
@InterfaceType('ExternalTicket', { resolveType: (value: { __typename?: string }) => value.__typename })
export abstract class ExternalTicketReference {
  @Field(() => ID)
  handoffId!: string;
}

@ObjectType('Handoff', { description: 'A case raised with another party whose service has the issue (principle (c))' })
@Directive('@key(fields: "id")')
export class Handoff {
  @Field(() => ID)
  id!: string;

  caseId!: string;
  toDeskId!: string;
  suggestedDeskId!: string | null;

  @Field(() => HandoffState)
  state!: HandoffState;

  @Field(() => String, { nullable: true, description: 'Why it was handed off (resolvers only)' })
  reason!: string | null;

  @Field(() => String, { nullable: true, description: "The party's own ticket reference" })
  externalReference!: string | null;

  @Field(() => String, { nullable: true })
  resolution!: string | null;

  @Field(() => String, { nullable: true })
  rejectionReason!: string | null;

  @Field(() => Date)
  createdAt!: Date;

  @Field(() => Date)
  updatedAt!: Date;

  party!: string;
}

@ObjectType('Case', { description: 'A case exchanged through the CPSD; it lives in the Elexon case hub (CA §2c)' })
@Directive('@key(fields: "id")')
export class Case {
  @Field(() => ID)
  id!: string;

  @Field(() => String, { description: 'Human-readable reference, e.g. CPSD-000123' })
  reference!: string;

  deskId!: string;

  @Field(() => CaseType, { nullable: true, description: 'Set at triage' })
  type!: CaseType | null;

  @Field(() => ServiceRequestClass, { nullable: true, description: 'A service request’s class, chosen at triage (OM §7.2)' })
  serviceRequestClass!: ServiceRequestClass | null;

  @Field(() => Category)
  category!: Category;

  @Field(() => String)
  subject!: string;

  @Field(() => String)
  description!: string;

  @Field(() => Impact, { nullable: true })
  impact!: Impact | null;

  @Field(() => Urgency, { nullable: true })
  urgency!: Urgency | null;

  @Field(() => Priority, { nullable: true, description: 'Derived from impact × urgency at triage; never set directly' })
  priority!: Priority | null;

  @Field(() => CaseState)
  state!: CaseState;

  @Field(() => HoldReason, { nullable: true })
  holdReason!: HoldReason | null;

  raisedByOrganisationId!: string;

  @Field(() => String, { description: 'The person (token subject) who raised it' })
  raisedBy!: string;

  raiserEmail?: string | null;

  @Field(() => String, { nullable: true })
  resolution!: string | null;

  @Field(() => Date)
  raisedAt!: Date;

  @Field(() => Date, { nullable: true, description: 'When triage happened' })
  respondedAt!: Date | null;

  @Field(() => Date, { nullable: true })
  resolvedAt!: Date | null;

  @Field(() => Date, { nullable: true })
  closedAt!: Date | null;

  @Field(() => Date)
  updatedAt!: Date;

  parentId!: string | null;
  referencesCaseId!: string | null;
  misroutedToDeskId!: string | null;
  evidenceData!: EvidenceData;
  /** The resolution target the case was triaged under (null before triage, and for cases triaged before targets were recorded). */
  slaResolutionTarget!: SlaTarget | null;
  slaPolicy!: string;
  slaCalendar!: string;
  responseDueAt!: Date;
  holdStartedAt!: Date | null;
}

export interface EvidenceData {
  mpans?: string[];
  transactionIds?: string[];
  dipMessageIds?: string[];
  errorCodes?: string[];
  urls?: string[];
}

@ObjectType('CaseEdge')
export class CaseEdge {
  @Field(() => String)
  cursor!: string;

  @Field(() => Case)
  node!: Case;
}

@ObjectType('CaseConnection')
export class CaseConnection {
  @Field(() => [CaseEdge])
  edges!: CaseEdge[];

  @Field(() => PageInfo)
  pageInfo!: PageInfo;

  /** Counts every case the filter matches (asked only when `totalCount` is selected). */
  count!: () => Promise<number>;
}

@ObjectType('RoutingSuggestion', { description: 'A desk the directory suggests for this case, and why' })
export class RoutingSuggestion {
  deskId!: string;

  @Field(() => String, { description: 'MPAN_DISTRIBUTOR, SERVICE or CATEGORY' })
  basis!: string;

  @Field(() => String)
  explanation!: string;
}

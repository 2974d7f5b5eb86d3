/**
 * GraphQL types of industry-wide major incidents (OM §5.6–5.11, §5.17–5.24, App. E): the MajorIncident entity, its
 * comms updates, the post-incident review, the MI comms list and the public status feed.
 */
import { Directive, Field, ID, ObjectType, registerEnumType } from 'type-graphql';
import { CommsChannel, Service } from '../../../schema/enums';
import {
  MajorIncidentDecision,
  MajorIncidentState,
  MajorIncidentThreshold,
  MajorIncidentUpdateKind,
  MajorIncidentValidityCheck,
} from '../../../schema/major-incident';

export { MajorIncidentDecision, MajorIncidentState, MajorIncidentThreshold, MajorIncidentUpdateKind, MajorIncidentValidityCheck };

registerEnumType(CommsChannel, {
  name: 'MajorIncidentCommsChannel',
  description: 'How a comms list entry hears the comms',
  valuesConfig: {
    EMAIL: { description: 'An e-mail to the address' },
    WEBHOOK: { description: 'A signed webhook (Standard Webhooks) to the URL, e.g. a Teams or Slack incoming webhook' },
  },
});

registerEnumType(MajorIncidentState, {
  name: 'MajorIncidentState',
  description: 'Candidate (proposed, awaiting the Major Incident Manager) → Promoted or Rejected; Promoted → Resolved (OM §5.11)',
});

registerEnumType(MajorIncidentValidityCheck, {
  name: 'MajorIncidentValidityCheck',
  description: 'OM §5.8 validity checks that apply to the incident',
  valuesConfig: {
    SETTLEMENT_IMPACT: { description: 'Critical settlement process interruption or major data integrity issues' },
    SCOPE_AND_SCALE: { description: 'A high number of participants affected, or a geographical or segment spread' },
    REGULATORY_RISK: { description: 'Risk to regulatory deadlines, or non-compliance risk' },
    SERVICE_DISRUPTION: { description: 'Significant system downtime or severe performance degradation' },
    RESTORATION_COMPLEXITY: { description: 'Extended resolution time expected, or complex recovery requirements' },
    SECURITY: { description: 'Data security threat, or a cyberattack or threat detected' },
  },
});

registerEnumType(MajorIncidentThreshold, {
  name: 'MajorIncidentThreshold',
  description: 'OM §5.9 thresholds and triggers',
  valuesConfig: {
    PARTICIPANT_IMPACT: { description: 'Affects more than 10% of market participants or a critical settlement function' },
    DURATION: { description: 'Expected resolution time exceeds the standard SLA by 50% or more' },
    COMPLIANCE_RISK: { description: 'Risks non-compliance with regulatory obligations' },
    SECURITY_BREACH: { description: 'A confirmed or suspected security breach affecting settlement data integrity' },
  },
});

registerEnumType(MajorIncidentDecision, {
  name: 'MajorIncidentDecision',
  description: "The Major Incident Manager's review of a candidate (OM §5.11 steps 5–7)",
});

registerEnumType(MajorIncidentUpdateKind, {
  name: 'MajorIncidentUpdateKind',
  description: 'OM §5.19.1: the initial notification, regular updates, escalation notices (sent at once) and resolution comms',
});

@ObjectType('MajorIncidentThresholds', { description: 'The threshold answers (OM §5.9): true where the threshold is met' })
export class MajorIncidentThresholds {
  @Field(() => Boolean, { description: 'More than 10% of market participants, or a critical settlement function' })
  participantImpact!: boolean;

  @Field(() => Boolean, { description: 'Expected resolution exceeds the SLA by 50% or more (over 150% of it)' })
  duration!: boolean;

  @Field(() => Boolean, { description: 'Any risk of non-compliance with regulatory obligations' })
  complianceRisk!: boolean;

  @Field(() => Boolean, { description: 'Any confirmed or suspected security breach affecting settlement data integrity' })
  securityBreach!: boolean;
}

@ObjectType('MajorIncidentUpdate', { description: 'A comms update in business and impact language; never a work note (OM App. G)' })
export class MajorIncidentUpdate {
  @Field(() => ID)
  id!: string;

  majorIncidentId!: string;

  @Field(() => MajorIncidentUpdateKind)
  kind!: MajorIncidentUpdateKind;

  @Field(() => String, { description: 'What is affected, what it means for participants, what to do meanwhile' })
  body!: string;

  @Field(() => [Service], { description: 'Services affected as of this update' })
  services!: Service[];

  @Field(() => Date, { nullable: true, description: 'When the next update is due (none after resolution)' })
  nextUpdateDueAt!: Date | null;

  @Field(() => Boolean, { description: 'Also issued as an industry circular (OM §5.20)' })
  industryCircular!: boolean;

  @Field(() => Boolean, { description: 'Published on the public status page (OM §5.22)' })
  statusPage!: boolean;

  @Field(() => Date)
  postedAt!: Date;
}

@ObjectType('PirTimelineEntry', { description: 'App. E "Major Activities and Timeline of Events": one row' })
export class PirTimelineEntry {
  @Field(() => Date)
  at!: Date;

  @Field(() => String)
  event!: string;

  @Field(() => String, { nullable: true })
  comments!: string | null;
}

@ObjectType('PirAction', { description: 'App. E "Follow-up Actions": one action with its owner and due date' })
export class PirAction {
  @Field(() => String, { description: 'The team or role that owns the action' })
  owner!: string;

  @Field(() => String)
  action!: string;

  @Field(() => Date)
  dueAt!: Date;
}

@ObjectType('PostIncidentReview', { description: 'The post major incident review (OM §5.23, template App. E), due within 24 hours of resolution' })
export class PostIncidentReview {
  majorIncidentId!: string;

  @Field(() => String, { nullable: true, description: 'Incident Report Ref' })
  reportReference!: string | null;

  @Field(() => Date, { description: 'Date/Time Service Impacted' })
  serviceImpactedAt!: Date;

  @Field(() => Date, { description: 'Date/Time Service Restored' })
  serviceRestoredAt!: Date;

  @Field(() => [String], { description: 'Major Incident Manager(s)' })
  incidentManagers!: string[];

  @Field(() => String, { description: 'Incident Description' })
  description!: string;

  @Field(() => String, { description: 'Business Impact' })
  businessImpact!: string;

  @Field(() => String, { description: 'Incident Summary & Action Performed' })
  summary!: string;

  @Field(() => String, { description: 'Incident Resolution' })
  resolution!: string;

  @Field(() => [Service], { description: 'Affected Services' })
  affectedServices!: Service[];

  @Field(() => String, { description: 'Affected Users: an estimate of the number and groups of users impacted' })
  affectedUsers!: string;

  @Field(() => [PirTimelineEntry], { description: 'Major Activities and Timeline of Events' })
  timeline!: PirTimelineEntry[];

  @Field(() => String, { description: 'Root Cause (if known), otherwise the status of the investigation' })
  rootCause!: string;

  @Field(() => [PirAction], { description: 'Follow-up Actions' })
  actions!: PirAction[];

  @Field(() => String, { description: 'Process Review: how the Major Incident Process was executed, areas to improve' })
  processReview!: string;

  @Field(() => String, { nullable: true, description: 'Additional Notes' })
  additionalNotes!: string | null;

  @Field(() => Date)
  recordedAt!: Date;

  @Field(() => Date)
  updatedAt!: Date;
}

@ObjectType('MajorIncident', {
  description:
    'An industry-wide major incident over a case (OM §2.1.3, §5.6–5.24). Promoted and resolved ones are industry-wide comms, visible to every participant; candidates and rejected ones only to Major Incident Managers, CPSD admins and the case desk',
})
@Directive('@key(fields: "id")')
export class MajorIncident {
  @Field(() => ID)
  id!: string;

  @Field(() => String, { description: 'Human-readable reference, e.g. MI-000042' })
  reference!: string;

  @Field(() => String, { description: 'A business-language title' })
  title!: string;

  @Field(() => MajorIncidentState)
  state!: MajorIncidentState;

  @Field(() => [Service], { description: 'Services affected (as of the latest update)' })
  services!: Service[];

  @Field(() => [MajorIncidentValidityCheck], { description: 'OM §5.8 validity checks that apply' })
  validityChecks!: MajorIncidentValidityCheck[];

  @Field(() => MajorIncidentThresholds, { description: 'OM §5.9 threshold answers' })
  thresholds!: MajorIncidentThresholds;

  @Field(() => [MajorIncidentThreshold], { description: 'The thresholds that triggered promotion, recorded by the reviewer (OM §5.10)' })
  triggeredCriteria!: MajorIncidentThreshold[];

  @Field(() => Date)
  proposedAt!: Date;

  @Field(() => Date, { nullable: true })
  reviewedAt!: Date | null;

  @Field(() => Date, { nullable: true, description: 'When it became a major incident' })
  promotedAt!: Date | null;

  @Field(() => Date, { nullable: true, description: 'When the next comms update is due (30–60 minutes apart, OM §5.19.1)' })
  nextUpdateDueAt!: Date | null;

  @Field(() => Date, { nullable: true })
  resolvedAt!: Date | null;

  @Field(() => String, { nullable: true, description: 'The resolution, in business language' })
  resolution!: string | null;

  @Field(() => String, { nullable: true, description: 'The SLA policy of the lead desk, whose SLAs apply (OM §5.24)' })
  leadSlaPolicy!: string | null;

  caseId!: string;
  caseDeskId!: string;
  /** The Central Service Provider owning the case's desk, if any: it has jurisdiction (OM §5.24). */
  caseProviderId!: string | null;
  proposedBy!: string;
  proposedByOrganisationId!: string;
  reviewedBy!: string | null;
  reviewNote!: string | null;
  @Field(() => ID, { nullable: true, description: 'The lead’s organisation id (set on promotion)' })
  leadOrganisationId!: string | null;
  leadDeskId!: string | null;
  impactedOrganisationIds!: string[];
  problemCaseId!: string | null;
  updatedAt!: Date;
}

@ObjectType('MajorIncidentCommsEntry', {
  description: 'A person or address an organisation opted into the MI comms list for some services (OM §5.19, §5.21)',
})
export class MajorIncidentCommsEntry {
  @Field(() => ID)
  id!: string;

  organisationId!: string;

  @Field(() => [Service])
  services!: Service[];

  @Field(() => CommsChannel)
  channel!: CommsChannel;

  @Field(() => String, { description: 'The e-mail address, or the webhook URL' })
  address!: string;

  @Field(() => String, { nullable: true })
  name!: string | null;

  @Field(() => Date)
  createdAt!: Date;

  @Field(() => Date)
  updatedAt!: Date;
}

@ObjectType('StatusFeedEntry', {
  description: 'One major incident on the public status page (the BSC status page equivalent, OM §5.22): business language only',
})
export class StatusFeedEntry {
  @Field(() => String)
  reference!: string;

  @Field(() => String)
  title!: string;

  @Field(() => MajorIncidentState)
  state!: MajorIncidentState;

  @Field(() => [Service])
  services!: Service[];

  @Field(() => String, { description: 'The Central Service Provider leading the resolution' })
  leadName!: string;

  @Field(() => Date)
  startedAt!: Date;

  @Field(() => Date, { nullable: true })
  resolvedAt!: Date | null;

  @Field(() => String, { nullable: true, description: 'The latest update published to the status page' })
  latestUpdate!: string | null;

  @Field(() => Date, { nullable: true })
  latestUpdateAt!: Date | null;

  @Field(() => Date, { nullable: true })
  nextUpdateDueAt!: Date | null;
}

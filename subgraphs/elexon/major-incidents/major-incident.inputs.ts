/** Inputs of the major incident mutations. Mutations that create or change things take an optional `idempotencyKey`. */
import { Field, ID, InputType } from 'type-graphql';
import { CommsChannel, Service } from '../../../schema/enums';
import { MajorIncidentUpdateKind, MajorIncidentValidityCheck } from './major-incident.types';

@InputType('MajorIncidentThresholdsInput', { description: 'Answer every OM §5.9 threshold: true where it is met' })
export class MajorIncidentThresholdsInput {
  @Field(() => Boolean, { description: 'More than 10% of market participants, or a critical settlement function' })
  participantImpact!: boolean;

  @Field(() => Boolean, { description: 'Expected resolution exceeds the SLA by 50% or more' })
  duration!: boolean;

  @Field(() => Boolean, { description: 'Any risk of non-compliance with regulatory obligations' })
  complianceRisk!: boolean;

  @Field(() => Boolean, { description: 'Any confirmed or suspected security breach' })
  securityBreach!: boolean;
}

@InputType('ProposeMajorIncidentInput', { description: 'Make an open incident a major incident candidate (OM §5.11 step 3)' })
export class ProposeMajorIncidentInput {
  @Field(() => String, { description: 'A business-language title: it is shown to every participant once promoted' })
  title!: string;

  @Field(() => [Service], { description: 'Services affected' })
  services!: Service[];

  @Field(() => [MajorIncidentValidityCheck], { description: 'OM §5.8 validity checks that apply (at least one)' })
  validityChecks!: MajorIncidentValidityCheck[];

  @Field(() => MajorIncidentThresholdsInput)
  thresholds!: MajorIncidentThresholdsInput;

  @Field(() => String, { nullable: true })
  idempotencyKey?: string | null;
}

@InputType('MajorIncidentCommsInput', { description: 'A comms update: business and impact language, never technical work notes' })
export class MajorIncidentCommsInput {
  @Field(() => String)
  body!: string;

  @Field(() => Date, { nullable: true, description: 'Default: 30 minutes from now; allowed 30–60 minutes ahead (OM §5.19.1)' })
  nextUpdateDueAt?: Date | null;

  @Field(() => Boolean, { defaultValue: false, description: 'Also issue an industry circular (OM §5.20)' })
  industryCircular!: boolean;

  @Field(() => Boolean, { defaultValue: false, description: 'Publish on the public status page (OM §5.22)' })
  statusPage!: boolean;
}

@InputType('ReviewMajorIncidentInput')
export class ReviewMajorIncidentInput {
  @Field(() => String, { nullable: true, description: "The reviewer's note, recorded with the triggering criteria; required to reject" })
  note?: string | null;

  @Field(() => MajorIncidentThresholdsInput, { nullable: true, description: "The reviewer's own threshold answers, when they differ from the proposal's" })
  thresholds?: MajorIncidentThresholdsInput | null;

  @Field(() => ID, {
    nullable: true,
    description:
      "The Central Service Provider that leads. A case on a Central Service Provider's desk is led by that provider (OM §5.24), which cannot be overridden; for a desk of no Central Service Provider, name the lead",
  })
  leadOrganisationId?: string | null;

  @Field(() => ID, { nullable: true, description: "The lead's desk; default: the case desk when the lead owns it, else the lead's desk for the services" })
  leadDeskId?: string | null;

  @Field(() => [ID], { nullable: true, description: 'Other impacted parties; Elexon is one whenever another provider leads (OM §5.24)' })
  impactedOrganisationIds?: string[] | null;

  @Field(() => MajorIncidentCommsInput, { nullable: true, description: 'The initial notification to the MI comms list (OM §5.11 step 8)' })
  initialUpdate?: MajorIncidentCommsInput | null;

  @Field(() => String, { nullable: true })
  idempotencyKey?: string | null;
}

@InputType('MajorIncidentUpdateInput')
export class MajorIncidentUpdateInput extends MajorIncidentCommsInput {
  @Field(() => MajorIncidentUpdateKind, {
    defaultValue: MajorIncidentUpdateKind.UPDATE,
    description: 'INITIAL (once, when promotion carried none), UPDATE or ESCALATION (an escalation notice goes out at once)',
  })
  kind!: MajorIncidentUpdateKind;

  @Field(() => [Service], { nullable: true, description: 'Services affected now; default: unchanged' })
  services?: Service[] | null;

  @Field(() => String, { nullable: true })
  idempotencyKey?: string | null;
}

@InputType('ResolveMajorIncidentInput')
export class ResolveMajorIncidentInput {
  @Field(() => Boolean, { defaultValue: false, description: 'Also issue an industry circular (OM §5.11 steps 18–19)' })
  industryCircular!: boolean;

  @Field(() => Boolean, { defaultValue: false, description: 'Publish the resolution on the public status page (step 20)' })
  statusPage!: boolean;

  @Field(() => String, { nullable: true })
  idempotencyKey?: string | null;
}

@InputType('PirTimelineEntryInput')
export class PirTimelineEntryInput {
  @Field(() => Date)
  at!: Date;

  @Field(() => String)
  event!: string;

  @Field(() => String, { nullable: true })
  comments?: string | null;
}

@InputType('PirActionInput')
export class PirActionInput {
  @Field(() => String, { description: 'The team or role that owns it' })
  owner!: string;

  @Field(() => String)
  action!: string;

  @Field(() => Date)
  dueAt!: Date;
}

@InputType('PostIncidentReviewInput', { description: 'The App. E template; recording again revises the review' })
export class PostIncidentReviewInput {
  @Field(() => String, { nullable: true })
  reportReference?: string | null;

  @Field(() => Date)
  serviceImpactedAt!: Date;

  @Field(() => Date)
  serviceRestoredAt!: Date;

  @Field(() => [String], { nullable: true })
  incidentManagers?: string[] | null;

  @Field(() => String)
  description!: string;

  @Field(() => String)
  businessImpact!: string;

  @Field(() => String)
  summary!: string;

  @Field(() => String)
  resolution!: string;

  @Field(() => [Service])
  affectedServices!: Service[];

  @Field(() => String)
  affectedUsers!: string;

  @Field(() => [PirTimelineEntryInput])
  timeline!: PirTimelineEntryInput[];

  @Field(() => String)
  rootCause!: string;

  @Field(() => [PirActionInput])
  actions!: PirActionInput[];

  @Field(() => String)
  processReview!: string;

  @Field(() => String, { nullable: true })
  additionalNotes?: string | null;

  @Field(() => String, { nullable: true })
  idempotencyKey?: string | null;
}

@InputType('MajorIncidentCommsSubscriptionInput', { description: 'Opt a person or address into the MI comms list for some services' })
export class MajorIncidentCommsSubscriptionInput {
  @Field(() => [Service])
  services!: Service[];

  @Field(() => CommsChannel, { defaultValue: CommsChannel.EMAIL })
  channel?: CommsChannel;

  @Field(() => String, { description: 'The e-mail address, or the webhook URL (https to a public address in production)' })
  address!: string;

  @Field(() => String, { nullable: true })
  name?: string | null;
}

/** Inputs of the case mutations. Every mutation takes an optional `idempotencyKey`: a retry returns the first result. */
import { Field, ID, InputType } from 'type-graphql';
import { CaseState, CaseType, Category, HoldReason, Impact, Priority, Service, Urgency } from '../../../schema/enums';
import { CommentVisibility, ServiceRequestClass } from './case.types';

@InputType('EvidenceInput')
export class EvidenceInput {
  @Field(() => [String], { nullable: true, description: '13-digit MPAN cores (or 21-digit supply numbers)' })
  mpans?: string[] | null;

  @Field(() => [String], { nullable: true })
  transactionIds?: string[] | null;

  @Field(() => [String], { nullable: true })
  dipMessageIds?: string[] | null;

  @Field(() => [String], { nullable: true })
  errorCodes?: string[] | null;

  @Field(() => [String], { nullable: true })
  urls?: string[] | null;
}

@InputType('RaiseCaseInput')
export class RaiseCaseInput {
  @Field(() => ID, { description: 'The desk the case is raised with' })
  deskId!: string;

  @Field(() => Category)
  category!: Category;

  @Field(() => String)
  subject!: string;

  @Field(() => String)
  description!: string;

  @Field(() => EvidenceInput, { nullable: true })
  evidence?: EvidenceInput | null;

  @Field(() => ID, { nullable: true, description: 'A closed case this one follows on from' })
  referencesCaseId?: string | null;

  @Field(() => String, { nullable: true })
  idempotencyKey?: string | null;
}

@InputType('TriageCaseInput', { description: "The desk's assessment: type, category, impact and urgency (priority follows)" })
export class TriageCaseInput {
  @Field(() => ID)
  caseId!: string;

  @Field(() => CaseType)
  type!: CaseType;

  @Field(() => Category, { nullable: true, description: 'Re-categorise; the raiser’s category is kept when omitted' })
  category?: Category | null;

  @Field(() => Impact)
  impact!: Impact;

  @Field(() => Urgency)
  urgency!: Urgency;

  @Field(() => ServiceRequestClass, { nullable: true, description: 'For a SERVICE_REQUEST: STANDARD (the default) or HIGH_PRIORITY' })
  serviceRequestClass?: ServiceRequestClass | null;

  @Field(() => String, { nullable: true })
  idempotencyKey?: string | null;
}

@InputType('RouteCaseInput')
export class RouteCaseInput {
  @Field(() => ID)
  caseId!: string;

  @Field(() => ID, { nullable: true, description: 'The right desk; when omitted, the directory’s first suggestion' })
  toDeskId?: string | null;

  @Field(() => String)
  reason!: string;

  @Field(() => String, { nullable: true })
  idempotencyKey?: string | null;
}

@InputType('CloseAsMisroutedInput', { description: 'Principle (a): tell the raiser which desk is right and resolve' })
export class CloseAsMisroutedInput {
  @Field(() => ID)
  caseId!: string;

  @Field(() => ID, { nullable: true, description: 'The right desk; when omitted, the directory’s first suggestion' })
  rightDeskId?: string | null;

  @Field(() => String, { description: 'Guidance for the raiser' })
  guidance!: string;

  @Field(() => String, { nullable: true })
  idempotencyKey?: string | null;
}

@InputType('HandOffCaseInput', { description: 'Principle (c): raise the case with the party whose service has the issue' })
export class HandOffCaseInput {
  @Field(() => ID)
  caseId!: string;

  @Field(() => ID)
  toDeskId!: string;

  @Field(() => String)
  reason!: string;

  @Field(() => String, { nullable: true })
  idempotencyKey?: string | null;
}

@InputType('LinkChildCaseInput')
export class LinkChildCaseInput {
  @Field(() => ID)
  parentId!: string;

  @Field(() => ID)
  childId!: string;

  @Field(() => String, { nullable: true })
  idempotencyKey?: string | null;
}

@InputType('AddCommentInput')
export class AddCommentInput {
  @Field(() => ID)
  caseId!: string;

  @Field(() => String)
  body!: string;

  @Field(() => CommentVisibility, { defaultValue: CommentVisibility.CUSTOMER_VISIBLE })
  visibility!: CommentVisibility;

  @Field(() => String, { nullable: true })
  idempotencyKey?: string | null;
}

@InputType('PutCaseOnHoldInput')
export class PutCaseOnHoldInput {
  @Field(() => ID)
  caseId!: string;

  @Field(() => HoldReason)
  reason!: HoldReason;

  @Field(() => String, { nullable: true })
  note?: string | null;

  @Field(() => String, { nullable: true })
  idempotencyKey?: string | null;
}

@InputType('CaseNoteInput', { description: 'A case and an optional note (resume, confirm, close)' })
export class CaseNoteInput {
  @Field(() => ID)
  caseId!: string;

  @Field(() => String, { nullable: true })
  note?: string | null;

  @Field(() => String, { nullable: true })
  idempotencyKey?: string | null;
}

@InputType('ResolveCaseInput')
export class ResolveCaseInput {
  @Field(() => ID)
  caseId!: string;

  @Field(() => String, { description: 'The work-around or fix implemented' })
  resolution!: string;

  @Field(() => String, { nullable: true })
  idempotencyKey?: string | null;
}

@InputType('CaseReasonInput', { description: 'A case and a mandatory comment (reopen, cancel)' })
export class CaseReasonInput {
  @Field(() => ID)
  caseId!: string;

  @Field(() => String)
  comment!: string;

  @Field(() => String, { nullable: true })
  idempotencyKey?: string | null;
}

@InputType('AcknowledgeHandoffInput')
export class AcknowledgeHandoffInput {
  @Field(() => ID)
  handoffId!: string;

  @Field(() => String, { description: "The party's own ticket reference" })
  externalReference!: string;

  @Field(() => String, { nullable: true })
  idempotencyKey?: string | null;
}

@InputType('UpdateHandoffInput')
export class UpdateHandoffInput {
  @Field(() => ID)
  handoffId!: string;

  @Field(() => String)
  note!: string;

  @Field(() => String, { nullable: true })
  externalReference?: string | null;

  @Field(() => String, { nullable: true })
  idempotencyKey?: string | null;
}

@InputType('ResolveHandoffInput')
export class ResolveHandoffInput {
  @Field(() => ID)
  handoffId!: string;

  @Field(() => String)
  resolution!: string;

  @Field(() => String, { nullable: true })
  idempotencyKey?: string | null;
}

@InputType('RejectHandoffInput')
export class RejectHandoffInput {
  @Field(() => ID)
  handoffId!: string;

  @Field(() => String)
  reason!: string;

  @Field(() => ID, { nullable: true, description: '"Not ours": the desk that is' })
  suggestedDeskId?: string | null;

  @Field(() => String, { nullable: true })
  idempotencyKey?: string | null;
}

@InputType('CaseFilter')
export class CaseFilter {
  @Field(() => [ID], { nullable: true })
  deskIds?: string[] | null;

  @Field(() => [CaseState], { nullable: true })
  states?: CaseState[] | null;

  @Field(() => [Priority], { nullable: true })
  priorities?: Priority[] | null;

  @Field(() => CaseType, { nullable: true })
  type?: CaseType | null;

  @Field(() => ID, { nullable: true })
  raisedByOrganisationId?: string | null;

  @Field(() => Boolean, { nullable: true })
  breached?: boolean | null;

  @Field(() => String, { nullable: true, description: 'Words in the subject or description' })
  text?: string | null;

  @Field(() => ID, { nullable: true })
  parentId?: string | null;

  @Field(() => [Category], { nullable: true })
  categories?: Category[] | null;

  @Field(() => Date, { nullable: true, description: 'Raised at or after' })
  raisedFrom?: Date | null;

  @Field(() => Date, { nullable: true, description: 'Raised before' })
  raisedTo?: Date | null;

  @Field(() => Date, { nullable: true, description: 'Resolved at or after' })
  resolvedFrom?: Date | null;

  @Field(() => Date, { nullable: true, description: 'Resolved before' })
  resolvedTo?: Date | null;
}

@InputType('DeskSuggestionInput')
export class DeskSuggestionInput {
  @Field(() => Category, { nullable: true })
  category?: Category | null;

  @Field(() => Service, { nullable: true })
  service?: Service | null;

  @Field(() => [String], { nullable: true })
  mpans?: string[] | null;
}

export const MAX_PAGE_SIZE = 100;
export const DEFAULT_PAGE_SIZE = 20;

/** GraphQL types of the delivery engine: deliveries of ticket events to the desks' own systems, and their attempts. */
import { Directive, Field, ID, InputType, Int, ObjectType, registerEnumType } from 'type-graphql';
import { PageInfo } from '../../platform/graphql-types';

export enum DeliveryState {
  PENDING = 'PENDING',
  IN_FLIGHT = 'IN_FLIGHT',
  DELIVERED = 'DELIVERED',
  RETRY_SCHEDULED = 'RETRY_SCHEDULED',
  DEAD = 'DEAD',
  DISABLED = 'DISABLED',
}
registerEnumType(DeliveryState, {
  name: 'DeliveryState',
  description: 'Where a delivery is: waiting, being sent, done, waiting to retry, dead-lettered, or parked because the desk’s endpoint is off',
});

export enum DeliveryAttemptOutcome {
  IN_FLIGHT = 'IN_FLIGHT',
  DELIVERED = 'DELIVERED',
  RETRY = 'RETRY',
  PERMANENT_FAILURE = 'PERMANENT_FAILURE',
  ENDPOINT_GONE = 'ENDPOINT_GONE',
  LEASE_EXPIRED = 'LEASE_EXPIRED',
  ATTEMPT_LIMIT = 'ATTEMPT_LIMIT',
}
registerEnumType(DeliveryAttemptOutcome, {
  name: 'DeliveryAttemptOutcome',
  description: 'How an attempt ended; LEASE_EXPIRED: its worker never reported back, and the delivery was retried under the same id',
});

/** The hub's desk, referenced by key; the elexon subgraph resolves its fields. */
@ObjectType('Desk')
@Directive('@key(fields: "id", resolvable: false)')
export class DeskReference {
  @Field(() => ID)
  id!: string;
}

@ObjectType('DeliveryAttempt')
export class DeliveryAttempt {
  @Field(() => Int, { description: '1 for the first attempt; numbering goes on across replays' })
  attempt!: number;

  @Field(() => Date, { description: 'When the attempt started' })
  at!: Date;

  @Field(() => DeliveryAttemptOutcome)
  outcome!: DeliveryAttemptOutcome;

  @Field(() => Int, { nullable: true, description: 'The receiver’s HTTP status, for HTTP bridges' })
  httpStatus!: number | null;

  @Field(() => Int, { nullable: true })
  durationMs!: number | null;

  @Field(() => Int, { nullable: true, description: 'The wait the receiver asked for (Retry-After)' })
  retryAfterMs!: number | null;

  @Field(() => String, { nullable: true })
  error!: string | null;
}

@ObjectType('Delivery', {
  description: 'One ticket event on its way to a desk’s own system (email, TMF621, webhook), or one MI comms email to a comms-list address',
})
export class Delivery {
  @Field(() => ID, { description: 'Stable across every attempt: the idempotency key and webhook-id receivers dedupe on' })
  id!: string;

  @Field(() => DeliveryState)
  state!: DeliveryState;

  @Field(() => String, { description: 'e.g. ticket.opened, ticket.updated' })
  eventType!: string;

  @Field(() => ID)
  eventId!: string;

  @Field(() => ID, { nullable: true })
  caseId!: string | null;

  @Field(() => String, { nullable: true })
  caseReference!: string | null;

  @Field(() => ID, { nullable: true })
  handoffId!: string | null;

  @Field(() => DeskReference, { nullable: true, description: 'The desk it goes to; null for an MI comms delivery (see recipient)' })
  desk!: DeskReference | null;

  @Field(() => String, { nullable: true, description: 'The MI comms-list address it goes to (major_incident.* deliveries); null for a desk’s delivery' })
  recipient!: string | null;

  /** The delivery's endpoint key (the desk id, or `comms:<address>`); not in the schema. */
  endpointId!: string;

  @Field(() => Int, { description: 'Attempts made so far' })
  attemptCount!: number;

  @Field(() => Date, { nullable: true, description: 'When it is next tried (PENDING and RETRY_SCHEDULED only)' })
  nextAttemptAt!: Date | null;

  @Field(() => String, { nullable: true, description: 'Why the last attempt failed, or why it is dead-lettered or parked' })
  lastError!: string | null;

  @Field(() => String, { nullable: true, description: 'The receiver’s own reference, when its bridge reports one' })
  externalReference!: string | null;

  @Field(() => Date)
  createdAt!: Date;

  @Field(() => Date, { nullable: true })
  deliveredAt!: Date | null;
}

@InputType('DeliveryFilter')
export class DeliveryFilter {
  @Field(() => DeliveryState, { nullable: true })
  state?: DeliveryState | null;

  @Field(() => ID, { nullable: true })
  deskId?: string | null;

  @Field(() => ID, { nullable: true })
  caseId?: string | null;

  @Field(() => ID, { nullable: true })
  handoffId?: string | null;
}

@ObjectType('DeliveryEdge')
export class DeliveryEdge {
  @Field(() => String)
  cursor!: string;

  @Field(() => Delivery)
  node!: Delivery;
}

@ObjectType('DeliveryConnection')
export class DeliveryConnection {
  @Field(() => [DeliveryEdge])
  edges!: DeliveryEdge[];

  @Field(() => PageInfo)
  pageInfo!: PageInfo;
}

/**
 * The subscription root fields of the supergraph. The gateway serves them (graphql-ws): it feeds each from the event
 * bus and hydrates every event with an ordinary federated query as the subscriber. The subgraph only declares them,
 * so they compose into the supergraph; calling them here is an error.
 */
import { Arg, Field, ID, ObjectType, Resolver, Root, Subscription } from 'type-graphql';
import { GraphQLError } from 'graphql';
import { Service } from '../../../schema/enums';
import { Case } from '../cases/case.types';
import { MajorIncident } from '../major-incidents/major-incident.types';

@ObjectType('CaseEvent', { description: 'Something happened to a case; `case` is hydrated as the subscriber sees it' })
export class CaseEvent {
  @Field(() => String, { description: 'Bus sequence: pass the last one seen as `after` to resume without a gap' })
  sequence!: string;

  @Field(() => String, { description: 'e.g. case.triaged, handoff.resolved' })
  type!: string;

  @Field(() => Date)
  occurredAt!: Date;

  @Field(() => Case)
  case!: Case;
}

@ObjectType('MajorIncidentEvent', { description: 'A major incident was promoted, updated, escalated or resolved' })
export class MajorIncidentEvent {
  @Field(() => String, { description: 'Bus sequence: pass the last one seen as `after` to resume without a gap' })
  sequence!: string;

  @Field(() => String, { description: 'e.g. major_incident.promoted, major_incident.updated, major_incident.resolved' })
  type!: string;

  @Field(() => Date)
  occurredAt!: Date;

  @Field(() => MajorIncident)
  majorIncident!: MajorIncident;
}

function servedByTheGateway(): AsyncIterable<never> {
  throw new GraphQLError('Subscriptions are served by the gateway over graphql-ws', { extensions: { code: 'BAD_REQUEST' } });
}

@Resolver()
export class SubscriptionResolver {
  @Subscription(() => CaseEvent, {
    subscribe: servedByTheGateway,
    description: 'Events about one case you may see, from `after` (exclusive) on; replays what you missed, then live',
  })
  caseEvents(
    @Root() event: CaseEvent,
    @Arg('caseId', () => ID) _caseId: string,
    @Arg('after', () => String, { nullable: true }) _after?: string | null,
  ): CaseEvent {
    return event;
  }

  @Subscription(() => MajorIncidentEvent, {
    subscribe: servedByTheGateway,
    description: 'Major incidents affecting these services (all when omitted), from `after` (exclusive) on: replay, then live',
  })
  majorIncidentUpdates(
    @Root() event: MajorIncidentEvent,
    @Arg('services', () => [Service], { nullable: true }) _services?: Service[] | null,
    @Arg('after', () => String, { nullable: true }) _after?: string | null,
  ): MajorIncidentEvent {
    return event;
  }
}

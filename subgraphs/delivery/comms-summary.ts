/**
 * How a major incident's comms went out (issue 11): per MI, how many comms deliveries there were and where they stand
 * ("sent to 42, delivered 40, 2 retrying"), contributed by the delivery engine to the hub's `MajorIncident` and shown to
 * the lead's Major Incident Managers (and CPSD admins) only — the engine learns the lead from the hub
 * (`@requires(fields: "leadOrganisationId")`), so no other provider reads another's comms record.
 */
import { Ctx, Directive, Field, FieldResolver, ID, Int, ObjectType, Resolver, Root } from 'type-graphql';
import { Role } from '../../schema/enums';
import { hasRole } from '../../schema/identity';
import type { SubgraphContext } from '../../platform/context';

@ObjectType('MajorIncidentCommsDelivery', { description: 'The comms deliveries of a major incident, by state, over every update' })
export class MajorIncidentCommsDelivery {
  @Field(() => Int, { description: 'Distinct addresses the comms went to' })
  recipients!: number;

  @Field(() => Int, { description: 'Deliveries in all (one per update and address)' })
  deliveries!: number;

  @Field(() => Int)
  delivered!: number;

  @Field(() => Int, { description: 'Waiting for an attempt, or being sent' })
  pending!: number;

  @Field(() => Int, { description: 'Failed and to be tried again' })
  retrying!: number;

  @Field(() => Int, { description: 'Dead-lettered or on a disabled endpoint: `deliveries(filter)` shows them, `retryDelivery` sends again' })
  failed!: number;
}

/** The hub's major incident, extended: the engine resolves only `commsDelivery`. */
@ObjectType('MajorIncident')
@Directive('@key(fields: "id")')
export class MajorIncidentReference {
  @Field(() => ID)
  id!: string;

  @Field(() => ID, { nullable: true })
  @Directive('@external')
  leadOrganisationId!: string | null;
}

@Resolver(() => MajorIncidentReference)
export class MajorIncidentCommsDeliveryResolver {
  @FieldResolver(() => MajorIncidentCommsDelivery, {
    nullable: true,
    description: 'How its comms went out: for the lead’s Major Incident Managers and CPSD admins; null to anyone else',
  })
  @Directive('@requires(fields: "leadOrganisationId")')
  async commsDelivery(@Root() mi: MajorIncidentReference, @Ctx() ctx: SubgraphContext): Promise<MajorIncidentCommsDelivery | null> {
    const { principal } = ctx;
    const lead =
      hasRole(principal, Role.MAJOR_INCIDENT_MANAGER) && mi.leadOrganisationId !== null && principal.visibleOrganisationIds.includes(mi.leadOrganisationId);
    if (!lead && !hasRole(principal, Role.CPSD_ADMIN)) return null;
    const [row] = (await ctx.db.query(
      `SELECT count(DISTINCT desk_id)::int AS recipients, count(*)::int AS deliveries,
              count(*) FILTER (WHERE state = 'DELIVERED')::int AS delivered,
              count(*) FILTER (WHERE state IN ('PENDING', 'IN_FLIGHT'))::int AS pending,
              count(*) FILTER (WHERE state = 'RETRY_SCHEDULED')::int AS retrying,
              count(*) FILTER (WHERE state IN ('DEAD', 'DISABLED'))::int AS failed
         FROM delivery.deliveries WHERE ordering_key = $1`,
      [`mi:${mi.id}`],
    )) as MajorIncidentCommsDelivery[];
    return Object.assign(new MajorIncidentCommsDelivery(), row);
  }
}

export const majorIncidentReferenceResolvers = {
  MajorIncident: {
    __resolveReference: (reference: { id: string; leadOrganisationId?: string | null }) =>
      Object.assign(new MajorIncidentReference(), { id: reference.id, leadOrganisationId: reference.leadOrganisationId ?? null }),
  },
};

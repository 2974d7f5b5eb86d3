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

/**
 * How soon each kind of comms must have reached every recipient after it was posted (OM §5.18–5.19): the initial
 * stakeholder notification within 15 minutes of promotion; an escalation and the resolution notice "immediately",
 * read as within 5 minutes. Regular updates have no delivery target of their own: their punctuality is against the
 * next-update-due time (the overdue flag to the lead, and the major-incident report).
 */
export const COMMS_TARGET_MINUTES: Readonly<Record<string, number>> = { INITIAL: 15, ESCALATION: 5, RESOLUTION: 5 };

@ObjectType('MajorIncidentCommsNotice', { description: 'One comms update of a major incident and how it went out to the comms list' })
export class MajorIncidentCommsNotice {
  @Field(() => String, { nullable: true, description: 'INITIAL, UPDATE, ESCALATION or RESOLUTION' })
  kind!: string | null;

  @Field(() => Date)
  postedAt!: Date;

  @Field(() => Int)
  deliveries!: number;

  @Field(() => Int)
  delivered!: number;

  @Field(() => Int, { description: 'Waiting, being sent or to be tried again' })
  pending!: number;

  @Field(() => Int, { description: 'Dead-lettered or on a disabled endpoint' })
  failed!: number;

  @Field(() => Date, { nullable: true, description: 'When the last recipient had it, once every one has' })
  allDeliveredAt!: Date | null;

  @Field(() => Date, { nullable: true, description: 'By when every recipient must have it (OM §5.18–5.19); null for regular updates' })
  dueBy!: Date | null;

  @Field(() => Boolean, {
    nullable: true,
    description: 'Whether every recipient had it by `dueBy`: false once `dueBy` has passed without; null while it still may be, or without a target',
  })
  onTime!: boolean | null;
}

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

  @Field(() => [MajorIncidentCommsNotice], { description: 'Each comms update in the order posted, with its delivery and timing' })
  notices!: MajorIncidentCommsNotice[];
}

interface NoticeRow {
  kind: string | null;
  postedAt: Date;
  deliveries: number;
  delivered: number;
  pending: number;
  failed: number;
  lastDeliveredAt: Date | null;
}

function noticeOf(row: NoticeRow, now: Date): MajorIncidentCommsNotice {
  const minutes = row.kind ? COMMS_TARGET_MINUTES[row.kind] : undefined;
  const dueBy = minutes === undefined ? null : new Date(new Date(row.postedAt).getTime() + minutes * 60_000);
  const allDeliveredAt = row.delivered === row.deliveries && row.lastDeliveredAt ? new Date(row.lastDeliveredAt) : null;
  let onTime: boolean | null = null;
  if (dueBy && allDeliveredAt) onTime = allDeliveredAt <= dueBy;
  else if (dueBy && now > dueBy) onTime = false;
  return Object.assign(new MajorIncidentCommsNotice(), { ...row, postedAt: new Date(row.postedAt), allDeliveredAt, dueBy, onTime });
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
    const notices = (await ctx.db.query(
      `SELECT event->'data'->>'kind' AS kind, min((event->>'occurredAt')::timestamptz) AS "postedAt",
              count(*)::int AS deliveries, count(*) FILTER (WHERE state = 'DELIVERED')::int AS delivered,
              count(*) FILTER (WHERE state IN ('PENDING', 'IN_FLIGHT', 'RETRY_SCHEDULED'))::int AS pending,
              count(*) FILTER (WHERE state IN ('DEAD', 'DISABLED'))::int AS failed,
              max(delivered_at) AS "lastDeliveredAt"
         FROM delivery.deliveries WHERE ordering_key = $1
        GROUP BY event_id, event->'data'->>'kind'
        ORDER BY 2, 1`,
      [`mi:${mi.id}`],
    )) as NoticeRow[];
    const now = new Date();
    return Object.assign(new MajorIncidentCommsDelivery(), row, { notices: notices.map((n) => noticeOf(n, now)) });
  }
}

export const majorIncidentReferenceResolvers = {
  MajorIncident: {
    __resolveReference: (reference: { id: string; leadOrganisationId?: string | null }) =>
      Object.assign(new MajorIncidentReference(), { id: reference.id, leadOrganisationId: reference.leadOrganisationId ?? null }),
  },
};

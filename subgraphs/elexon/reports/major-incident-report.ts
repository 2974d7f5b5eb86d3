/**
 * Major-incident KPIs for a period (OM App. D; Hypercare §5.2; OM §5.19.1): how many were promoted, by service and by
 * lead, how soon the first comms went out after promotion (target ≤ 15 minutes), and whether each update came by the
 * time the previous one promised. Counts only the major incidents the caller may see (as `majorIncidents`).
 */
import { Arg, Ctx, Field, Float, Int, ObjectType, Query, Resolver } from 'type-graphql';
import { Service } from '../../../schema/enums';
import { UPDATE_CADENCE } from '../../../schema/major-incident';
import type { SubgraphContext } from '../../../platform/context';
import { majorIncidentVisibilityParams, majorIncidentVisibilityPredicate } from '../major-incidents/major-incident.access';
import { checkedPeriod, percent, ReportPeriod } from './period';

/** Hypercare §5.2: first comms within 15 minutes of promotion. */
export const FIRST_COMMS_TARGET_MINUTES = 15;

@ObjectType('ServiceCount')
export class ServiceCount {
  @Field(() => Service)
  service!: Service;

  @Field(() => Int)
  count!: number;
}

@ObjectType('LeadCount')
export class LeadCount {
  @Field(() => String, { description: 'The lead Central Service Provider organisation' })
  organisationId!: string;

  @Field(() => Int)
  count!: number;
}

@ObjectType('MajorIncidentReport')
export class MajorIncidentReport {
  @Field(() => Date)
  from!: Date;

  @Field(() => Date)
  to!: Date;

  @Field(() => Int, { description: 'Promoted in the period' })
  promoted!: number;

  @Field(() => [ServiceCount], { description: 'Promoted in the period, by service affected (one incident may count for several)' })
  byService!: ServiceCount[];

  @Field(() => [LeadCount])
  byLead!: LeadCount[];

  @Field(() => Float, { nullable: true, description: 'Mean minutes from promotion to the first comms update' })
  meanMinutesToFirstComms!: number | null;

  @Field(() => Int, { description: `First comms within ${FIRST_COMMS_TARGET_MINUTES} minutes of promotion` })
  firstCommsOnTime!: number;

  @Field(() => Int, { description: 'Updates in the period that followed one promising the next by a time' })
  updatesDue!: number;

  @Field(() => Int, { description: 'Of those, posted by the promised time (half a minute’s grace, as the cadence allows)' })
  updatesOnTime!: number;

  @Field(() => Float, { nullable: true })
  updatePunctualityPercent!: number | null;
}

@Resolver(() => MajorIncidentReport)
export class MajorIncidentReportResolver {
  @Query(() => MajorIncidentReport, { description: 'Major-incident KPIs for a period, counting only major incidents you may see' })
  async majorIncidentReport(@Ctx() ctx: SubgraphContext, @Arg('period', () => ReportPeriod) period: ReportPeriod): Promise<MajorIncidentReport> {
    const { from, to } = checkedPeriod(period);
    const visible = majorIncidentVisibilityPredicate('$1', '$2');
    const params = [...majorIncidentVisibilityParams(ctx.principal), from, to];
    const promotedIn = `mi.promoted_at >= $3 AND mi.promoted_at < $4`;
    const FROM = 'elexon.major_incidents mi JOIN elexon.cases mc ON mc.id = mi.case_id';
    const [byService, byLead, firstComms, punctuality] = (await Promise.all([
      ctx.db.query(
        `SELECT s.service, count(*)::int AS count FROM ${FROM} CROSS JOIN LATERAL unnest(mi.services) AS s(service)
          WHERE ${visible} AND ${promotedIn} GROUP BY 1 ORDER BY 1`,
        params,
      ),
      ctx.db.query(
        `SELECT mi.lead_org_id AS "organisationId", count(*)::int AS count FROM ${FROM}
          WHERE ${visible} AND ${promotedIn} AND mi.lead_org_id IS NOT NULL GROUP BY 1 ORDER BY 1`,
        params,
      ),
      ctx.db.query(
        `SELECT count(*)::int AS promoted,
                avg(first.minutes)::float AS "meanMinutes",
                count(*) FILTER (WHERE first.minutes <= ${FIRST_COMMS_TARGET_MINUTES})::int AS "onTime"
           FROM ${FROM}
           LEFT JOIN LATERAL (SELECT extract(epoch FROM (min(u.posted_at) - mi.promoted_at)) / 60 AS minutes
                                FROM elexon.mi_updates u WHERE u.major_incident_id = mi.id) first ON true
          WHERE ${visible} AND ${promotedIn}`,
        params,
      ),
      ctx.db.query(
        `SELECT count(*)::int AS due,
                count(*) FILTER (WHERE u.posted_at <= u.promised + make_interval(secs => ${UPDATE_CADENCE.toleranceMinutes * 60}))::int AS "onTime"
           FROM (SELECT uu.posted_at, lag(uu.next_update_due_at) OVER (PARTITION BY uu.major_incident_id ORDER BY uu.posted_at, uu.id) AS promised
                   FROM elexon.mi_updates uu JOIN elexon.major_incidents mi ON mi.id = uu.major_incident_id JOIN elexon.cases mc ON mc.id = mi.case_id
                  WHERE ${visible}) u
          WHERE u.promised IS NOT NULL AND u.posted_at >= $3 AND u.posted_at < $4`,
        params,
      ),
    ])) as [ServiceCount[], LeadCount[], { promoted: number; meanMinutes: number | null; onTime: number }[], { due: number; onTime: number }[]];
    const first = firstComms[0] ?? { promoted: 0, meanMinutes: null, onTime: 0 };
    const updates = punctuality[0] ?? { due: 0, onTime: 0 };
    return Object.assign(new MajorIncidentReport(), {
      from,
      to,
      promoted: first.promoted,
      byService: byService.map((row) => Object.assign(new ServiceCount(), row)),
      byLead: byLead.map((row) => Object.assign(new LeadCount(), row)),
      meanMinutesToFirstComms: first.meanMinutes === null ? null : Math.round(first.meanMinutes * 10) / 10,
      firstCommsOnTime: first.onTime,
      updatesDue: updates.due,
      updatesOnTime: updates.onTime,
      updatePunctualityPercent: percent(updates.onTime, updates.due),
    });
  }
}

/**
 * Service management's case report for a period (OM App. D, §14.3; Hypercare §5.1–5.2): open cases by desk and
 * priority, resolved per desk, ageing, cases by category, open service requests, SLA achievement, breaches and
 * near-breaches by priority, mean time to resolve, the reopen rate and first-time resolution — and the SLA trend over
 * a period. Every figure counts only cases the caller may see (the same visibility as `cases`): a parent account sees
 * its descendants' figures, a desk agent its desks', Elexon service management all.
 *
 * Breach is the SLA clock's own verdict, stored with the case (`response_breached`, `resolution_breached`: counted
 * time on the desk's calendar against the target the case was triaged under, holds excluded), so a report and the
 * case's `sla` never disagree. "Open at the end of the period" is judged from the raise and resolution times, so a
 * report of a past month shows that month's end; an open case's breach and near-breach use its stored due times.
 */
import { Arg, Ctx, Field, Float, Int, ObjectType, Query, Resolver, registerEnumType } from 'type-graphql';
import { Category, Priority } from '../../../schema/enums';
import { DomainError } from '../../../schema/errors';
import type { SubgraphContext } from '../../../platform/context';
import { visibilityParams, visibilityPredicate } from '../cases/case.access';
import { ServiceRequestClass } from '../cases/case.types';
import { checkedPeriod, minutes, percent, ReportPeriod } from './period';

@ObjectType('DeskPriorityCount')
export class DeskPriorityCount {
  @Field(() => String)
  deskId!: string;

  @Field(() => Priority, { nullable: true, description: 'Null: not triaged yet' })
  priority!: Priority | null;

  @Field(() => Int)
  count!: number;
}

@ObjectType('DeskCount')
export class DeskCount {
  @Field(() => String)
  deskId!: string;

  @Field(() => Int)
  count!: number;
}

@ObjectType('AgeingBucket', { description: 'Open cases by whole days since raised, at the end of the period' })
export class AgeingBucket {
  @Field(() => String, { description: '0-1, 2-5, 6-10, 11-30 or >30 (days)' })
  bucket!: string;

  @Field(() => Int)
  count!: number;
}

@ObjectType('CategoryCount')
export class CategoryCount {
  @Field(() => Category)
  category!: Category;

  @Field(() => Int)
  count!: number;
}

@ObjectType('ServiceRequestCount', { description: 'Open service requests at the end of the period, by class (OM §7.2)' })
export class ServiceRequestCount {
  @Field(() => ServiceRequestClass, { nullable: true, description: 'Null: not triaged yet' })
  serviceRequestClass!: ServiceRequestClass | null;

  @Field(() => Int)
  count!: number;
}

@ObjectType('PrioritySla', { description: 'Cases resolved in the period, by priority: targets met and missed' })
export class PrioritySla {
  @Field(() => Priority)
  priority!: Priority;

  @Field(() => Int)
  resolved!: number;

  @Field(() => Int, { description: 'Resolved within the resolution target' })
  resolutionMet!: number;

  @Field(() => Int)
  resolutionBreached!: number;

  @Field(() => Int, { description: 'Met, but only after the near-breach share of the target had elapsed' })
  resolutionNearBreach!: number;

  @Field(() => Int, { description: 'Responded (triaged) within the response target' })
  responseMet!: number;

  @Field(() => Int)
  responseBreached!: number;

  @Field(() => Float, { nullable: true, description: 'Resolution target met, percent of resolved; null when none resolved' })
  achievementPercent!: number | null;

  @Field(() => Float, { nullable: true, description: 'Mean time to resolve, clock minutes from raised to resolved' })
  meanMinutesToResolve!: number | null;
}

@ObjectType('OpenSla', { description: 'Cases open at the end of the period, by priority: on time, near breach and breached' })
export class OpenSla {
  @Field(() => Priority)
  priority!: Priority;

  @Field(() => Int)
  open!: number;

  @Field(() => Int, { description: 'Past the resolution due time (for a case on hold: before the hold began)' })
  breached!: number;

  @Field(() => Int, { description: 'Not breached, but past the near-breach share of the target (75 % unless Elexon configures another)' })
  nearBreach!: number;
}

@ObjectType('CaseReport')
export class CaseReport {
  @Field(() => Date)
  from!: Date;

  @Field(() => Date)
  to!: Date;

  @Field(() => [DeskPriorityCount], { description: 'Open at the end of the period (New, In progress, On hold), by desk and priority' })
  openByDeskAndPriority!: DeskPriorityCount[];

  @Field(() => [DeskCount], { description: 'Resolved in the period, by the desk that resolved it' })
  resolvedByDesk!: DeskCount[];

  @Field(() => [AgeingBucket])
  ageing!: AgeingBucket[];

  @Field(() => [CategoryCount], { description: 'Raised in the period, by category' })
  raisedByCategory!: CategoryCount[];

  @Field(() => [ServiceRequestCount])
  openServiceRequests!: ServiceRequestCount[];

  @Field(() => [PrioritySla])
  slaByPriority!: PrioritySla[];

  @Field(() => [OpenSla])
  openSlaByPriority!: OpenSla[];

  @Field(() => Int, { description: 'Resolved in the period' })
  resolved!: number;

  @Field(() => Int, { description: 'Of those, reopened at least once' })
  reopened!: number;

  @Field(() => Float, { nullable: true, description: 'Reopened as a percent of resolved (Hypercare target < 5 %)' })
  reopenRatePercent!: number | null;

  @Field(() => Int, { description: 'Of those resolved, resolved by the desk first raised with, with no transfer, hand-off or reopening' })
  firstTimeResolved!: number;

  @Field(() => Float, { nullable: true, description: 'First-time resolutions as a percent of resolved' })
  firstTimeResolutionPercent!: number | null;
}

export enum TrendInterval {
  DAY = 'DAY',
  WEEK = 'WEEK',
  MONTH = 'MONTH',
}
registerEnumType(TrendInterval, { name: 'TrendInterval', description: 'Buckets of a trend, in UK time (a week starts on Monday)' });

/** The most buckets one trend returns: a year of days, two years of weeks or months. */
const MAX_TREND_BUCKETS = 400;
const INTERVAL_DAYS: Record<TrendInterval, number> = { DAY: 1, WEEK: 7, MONTH: 28 };

@ObjectType('SlaTrendPoint', { description: 'Cases resolved in one bucket of the period, of one priority' })
export class SlaTrendPoint {
  @Field(() => Date, { description: 'Start of the bucket (UK midnight)' })
  start!: Date;

  @Field(() => Priority)
  priority!: Priority;

  @Field(() => Int)
  resolved!: number;

  @Field(() => Int)
  resolutionMet!: number;

  @Field(() => Float, { nullable: true })
  achievementPercent!: number | null;

  @Field(() => Float, { nullable: true, description: 'Mean time to resolve, clock minutes' })
  meanMinutesToResolve!: number | null;
}

/** A service request: by type once triaged, by the "MHHS Service Request" category before (OM §7.1). */
export const SERVICE_REQUEST = `COALESCE(c.type = 'SERVICE_REQUEST', c.category = 'MHHS_SERVICE_REQUEST')`;

const BUCKETS = ['0-1', '2-5', '6-10', '11-30', '>30'] as const;

/** Open at `$5`: raised before it and not resolved, closed or cancelled by it. */
const OPEN_AT_END = `c.raised_at < $5 AND COALESCE(c.resolved_at, c.closed_at, 'infinity'::timestamptz) >= $5`;
/** Resolved in [$5, $6). */
const RESOLVED_IN = `c.resolved_at >= $5 AND c.resolved_at < $6`;
/** The instant an open case's clock is judged at: the end of the period, or when its hold began. */
const JUDGED_AT = `LEAST($5::timestamptz, COALESCE(c.hold_started_at, $5::timestamptz))`;

/** One group of the open-at-end scan. */
interface OpenRow {
  deskId: string;
  priority: Priority | null;
  bucket: string;
  /** '' for a service request not yet given a class; null for any other case. */
  requestClass: string | null;
  breached: boolean | null;
  nearBreach: boolean | null;
  count: number;
}

/** One (desk, priority) group of the resolved-in-period scan. */
interface ResolvedRow {
  deskId: string;
  priority: Priority | null;
  resolved: number;
  resolutionMet: number;
  resolutionBreached: number;
  resolutionNearBreach: number;
  responseMet: number;
  responseBreached: number;
  minutesToResolve: number;
  reopened: number;
  firstTimeResolved: number;
}
const SUMMED = [
  'resolved',
  'resolutionMet',
  'resolutionBreached',
  'resolutionNearBreach',
  'responseMet',
  'responseBreached',
  'minutesToResolve',
  'reopened',
  'firstTimeResolved',
] as const;

const rowsOf = <T extends object>(rows: unknown, type: new () => T): T[] => (rows as object[]).map((row) => Object.assign(new type(), row) as T);

@Resolver(() => CaseReport)
export class CaseReportResolver {
  @Query(() => CaseReport, { description: 'Case figures for a period, counting only cases you may see' })
  async caseReport(@Ctx() ctx: SubgraphContext, @Arg('period', () => ReportPeriod) period: ReportPeriod): Promise<CaseReport> {
    const { from, to } = checkedPeriod(period);
    const visible = visibilityPredicate('$1', '$2', '$3', '$4');
    // Three scans, one per set of cases a figure counts (bench/reports.bench.ts measured eight separate statements at
    // ~2.5 times the cost): open at the end of the period ($5 = to), resolved in it and raised in it ($5, $6).
    const params = [...visibilityParams(ctx.principal), from, to];
    const atEnd = [...visibilityParams(ctx.principal), to];
    const [openRows, resolvedRows, byCategory] = (await Promise.all([
      ctx.db.query(
        `SELECT c.desk_id AS "deskId", c.priority,
                CASE WHEN d <= 1 THEN '0-1' WHEN d <= 5 THEN '2-5' WHEN d <= 10 THEN '6-10' WHEN d <= 30 THEN '11-30' ELSE '>30' END AS bucket,
                CASE WHEN ${SERVICE_REQUEST} THEN COALESCE(c.service_request_class, '') END AS "requestClass",
                (c.resolution_due_at < ${JUDGED_AT}) AS breached,
                (c.resolution_due_at >= ${JUDGED_AT} AND c.near_breach_at <= ${JUDGED_AT}) AS "nearBreach",
                count(*)::int AS count
           FROM (SELECT c.*, floor(extract(epoch FROM ($5::timestamptz - c.raised_at)) / 86400) AS d FROM elexon.cases c
                  WHERE ${visible} AND ${OPEN_AT_END}) c
          GROUP BY 1, 2, 3, 4, 5, 6`,
        atEnd,
      ),
      ctx.db.query(
        `SELECT c.desk_id AS "deskId", c.priority, count(*)::int AS resolved,
                count(*) FILTER (WHERE c.resolution_breached IS FALSE)::int AS "resolutionMet",
                count(*) FILTER (WHERE c.resolution_breached)::int AS "resolutionBreached",
                count(*) FILTER (WHERE c.resolution_breached IS FALSE AND c.resolved_at > c.near_breach_at)::int AS "resolutionNearBreach",
                count(*) FILTER (WHERE c.response_breached IS FALSE)::int AS "responseMet",
                count(*) FILTER (WHERE c.response_breached IS NOT FALSE)::int AS "responseBreached",
                sum(extract(epoch FROM (c.resolved_at - c.raised_at)) / 60)::float AS "minutesToResolve",
                count(*) FILTER (WHERE c.reopen_count > 0)::int AS reopened,
                count(*) FILTER (WHERE c.reopen_count = 0 AND c.transfer_count = 0 AND c.handoff_count = 0)::int AS "firstTimeResolved"
           FROM elexon.cases c WHERE ${visible} AND ${RESOLVED_IN} GROUP BY 1, 2`,
        params,
      ),
      ctx.db.query(
        `SELECT c.category, count(*)::int AS count FROM elexon.cases c WHERE ${visible} AND c.raised_at >= $5 AND c.raised_at < $6 GROUP BY 1 ORDER BY 1`,
        params,
      ),
    ])) as [OpenRow[], ResolvedRow[], unknown];

    const byDeskPriority = new Map<string, DeskPriorityCount>();
    const ageing = new Map<string, number>();
    const requests = new Map<string, number>();
    const openSla = new Map<Priority, OpenSla>();
    for (const row of openRows) {
      const key = `${row.deskId}\u0000${row.priority ?? ''}`;
      const cell = byDeskPriority.get(key) ?? Object.assign(new DeskPriorityCount(), { deskId: row.deskId, priority: row.priority, count: 0 });
      cell.count += row.count;
      byDeskPriority.set(key, cell);
      ageing.set(row.bucket, (ageing.get(row.bucket) ?? 0) + row.count);
      if (row.requestClass !== null) requests.set(row.requestClass, (requests.get(row.requestClass) ?? 0) + row.count);
      if (row.priority) {
        const sla = openSla.get(row.priority) ?? Object.assign(new OpenSla(), { priority: row.priority, open: 0, breached: 0, nearBreach: 0 });
        sla.open += row.count;
        if (row.breached) sla.breached += row.count;
        if (row.nearBreach) sla.nearBreach += row.count;
        openSla.set(row.priority, sla);
      }
    }
    const resolvedByDesk = new Map<string, number>();
    const sla = new Map<Priority, Omit<ResolvedRow, 'deskId'>>();
    const totals = { resolved: 0, reopened: 0, firstTimeResolved: 0 };
    for (const row of resolvedRows) {
      resolvedByDesk.set(row.deskId, (resolvedByDesk.get(row.deskId) ?? 0) + row.resolved);
      totals.resolved += row.resolved;
      totals.reopened += row.reopened;
      totals.firstTimeResolved += row.firstTimeResolved;
      if (!row.priority) continue;
      const cell = sla.get(row.priority);
      if (!cell) {
        const { deskId: _desk, ...rest } = row;
        sla.set(row.priority, { ...rest });
        continue;
      }
      for (const field of SUMMED) cell[field] += row[field];
    }
    const byText = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);
    return Object.assign(new CaseReport(), {
      from,
      to,
      openByDeskAndPriority: [...byDeskPriority.values()].sort(
        (a, b) => byText(a.deskId, b.deskId) || (a.priority === null ? -1 : b.priority === null ? 1 : byText(a.priority, b.priority)),
      ),
      resolvedByDesk: [...resolvedByDesk].sort(([a], [b]) => byText(a, b)).map(([deskId, count]) => Object.assign(new DeskCount(), { deskId, count })),
      ageing: BUCKETS.map((bucket) => Object.assign(new AgeingBucket(), { bucket, count: ageing.get(bucket) ?? 0 })),
      raisedByCategory: rowsOf(byCategory, CategoryCount),
      openServiceRequests: [...requests]
        .sort(([a], [b]) => byText(a, b))
        .map(([requestClass, count]) => Object.assign(new ServiceRequestCount(), { serviceRequestClass: requestClass || null, count })),
      slaByPriority: [...sla.values()]
        .sort((a, b) => byText(a.priority as string, b.priority as string))
        .map((row) =>
          Object.assign(new PrioritySla(), {
            priority: row.priority,
            resolved: row.resolved,
            resolutionMet: row.resolutionMet,
            resolutionBreached: row.resolutionBreached,
            resolutionNearBreach: row.resolutionNearBreach,
            responseMet: row.responseMet,
            responseBreached: row.responseBreached,
            achievementPercent: percent(row.resolutionMet, row.resolved),
            meanMinutesToResolve: minutes(row.resolved ? row.minutesToResolve / row.resolved : null),
          }),
        ),
      openSlaByPriority: [...openSla.values()].sort((a, b) => byText(a.priority, b.priority)),
      resolved: totals.resolved,
      reopened: totals.reopened,
      reopenRatePercent: percent(totals.reopened, totals.resolved),
      firstTimeResolved: totals.firstTimeResolved,
      firstTimeResolutionPercent: percent(totals.firstTimeResolved, totals.resolved),
    });
  }

  @Query(() => [SlaTrendPoint], {
    description: 'SLA achievement and mean time to resolve by priority, per day, week or month of the period (UK time), counting only cases you may see',
  })
  async caseTrend(
    @Ctx() ctx: SubgraphContext,
    @Arg('period', () => ReportPeriod) period: ReportPeriod,
    @Arg('interval', () => TrendInterval, { defaultValue: TrendInterval.MONTH }) interval: TrendInterval,
  ): Promise<SlaTrendPoint[]> {
    const { from, to } = checkedPeriod(period);
    if ((to.getTime() - from.getTime()) / (INTERVAL_DAYS[interval] * 86_400_000) > MAX_TREND_BUCKETS) {
      throw DomainError.badUserInput(`A trend has at most ${MAX_TREND_BUCKETS} buckets: choose a longer interval or a shorter period`, 'interval');
    }
    const visible = visibilityPredicate('$1', '$2', '$3', '$4');
    const rows = (await ctx.db.query(
      `SELECT (date_trunc($7, c.resolved_at AT TIME ZONE 'Europe/London') AT TIME ZONE 'Europe/London') AS start, c.priority,
              count(*)::int AS resolved,
              count(*) FILTER (WHERE c.resolution_breached IS FALSE)::int AS "resolutionMet",
              avg(extract(epoch FROM (c.resolved_at - c.raised_at)) / 60)::float AS "meanMinutesToResolve"
         FROM elexon.cases c WHERE ${visible} AND ${RESOLVED_IN} AND c.priority IS NOT NULL
        GROUP BY 1, 2 ORDER BY 1, 2`,
      [...visibilityParams(ctx.principal), from, to, interval.toLowerCase()],
    )) as Omit<SlaTrendPoint, 'achievementPercent'>[];
    return rows.map((row) =>
      Object.assign(new SlaTrendPoint(), {
        ...row,
        achievementPercent: percent(row.resolutionMet, row.resolved),
        meanMinutesToResolve: minutes(row.meanMinutesToResolve),
      }),
    );
  }
}

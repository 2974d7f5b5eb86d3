/**
 * Service management's case report for a period (OM App. D, §14.3; Hypercare §5.1–5.2): open cases by desk and
 * priority, resolved per desk, ageing, cases by category, SLA achievement by priority, mean time to resolve and the
 * reopen rate. Every figure counts only cases the caller may see (the same visibility as `cases`): a parent account
 * sees its descendants' figures, a desk agent its desks', Elexon service management all.
 */
import { Arg, Ctx, Field, Float, InputType, Int, ObjectType, Query, Resolver } from 'type-graphql';
import { Category, Priority } from '../../../schema/enums';
import { DomainError } from '../../../schema/errors';
import type { SubgraphContext } from '../../../platform/context';
import { visibilityParams, visibilityPredicate } from '../cases/case.access';

const DAY_MS = 24 * 3600_000;
/** The longest period one report covers (two years and a day: the benchmark's span). */
export const MAX_REPORT_PERIOD_MS = 731 * DAY_MS;

@InputType('ReportPeriod', { description: 'From (inclusive) to (exclusive)' })
export class ReportPeriod {
  @Field(() => Date)
  from!: Date;

  @Field(() => Date)
  to!: Date;
}

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

@ObjectType('PrioritySla', { description: 'Cases resolved in the period, by priority: targets met and missed' })
export class PrioritySla {
  @Field(() => Priority)
  priority!: Priority;

  @Field(() => Int)
  resolved!: number;

  @Field(() => Int, { description: 'Resolved by the resolution due time' })
  resolutionMet!: number;

  @Field(() => Int)
  resolutionBreached!: number;

  @Field(() => Int, { description: 'Responded (triaged) by the response due time' })
  responseMet!: number;

  @Field(() => Int)
  responseBreached!: number;

  @Field(() => Float, { nullable: true, description: 'Resolution target met, percent of resolved; null when none resolved' })
  achievementPercent!: number | null;

  @Field(() => Float, { nullable: true, description: 'Mean time to resolve, clock minutes from raised to resolved' })
  meanMinutesToResolve!: number | null;
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

  @Field(() => [PrioritySla])
  slaByPriority!: PrioritySla[];

  @Field(() => Int, { description: 'Resolved in the period' })
  resolved!: number;

  @Field(() => Int, { description: 'Of those, reopened at least once' })
  reopened!: number;

  @Field(() => Float, { nullable: true, description: 'Reopened as a percent of resolved (Hypercare target < 5 %)' })
  reopenRatePercent!: number | null;
}

const BUCKETS = ['0-1', '2-5', '6-10', '11-30', '>30'] as const;
/** `part` of `whole` in percent, to one decimal; null when there is nothing to count. */
export const percent = (part: number, whole: number): number | null => (whole ? Math.round((part / whole) * 1000) / 10 : null);

/** A report's period, checked: it ends after it starts and covers at most two years. */
export function checkedPeriod(period: ReportPeriod): { from: Date; to: Date } {
  const { from, to } = period;
  if (to.getTime() <= from.getTime()) throw DomainError.badUserInput('period.to must be after period.from', 'period.to');
  if (to.getTime() - from.getTime() > MAX_REPORT_PERIOD_MS) throw DomainError.badUserInput('A report covers at most two years', 'period.to');
  return { from, to };
}

@Resolver(() => CaseReport)
export class CaseReportResolver {
  @Query(() => CaseReport, { description: 'Case figures for a period, counting only cases you may see' })
  async caseReport(@Ctx() ctx: SubgraphContext, @Arg('period', () => ReportPeriod) period: ReportPeriod): Promise<CaseReport> {
    const { from, to } = checkedPeriod(period);
    const visible = visibilityPredicate('$1', '$2', '$3', '$4');
    // Figures of the period take $5 = from and $6 = to; figures at its end take $5 = to.
    const params = [...visibilityParams(ctx.principal), from, to];
    const atEnd = [...visibilityParams(ctx.principal), to];
    // Open at `to`: raised before it and not resolved, closed or cancelled by it.
    const openAtEnd = `c.raised_at < $5 AND COALESCE(c.resolved_at, c.closed_at, 'infinity'::timestamptz) >= $5`;
    const resolvedIn = `c.resolved_at >= $5 AND c.resolved_at < $6`;
    const [open, resolvedByDesk, ageing, byCategory, sla, reopen] = (await Promise.all([
      ctx.db.query(
        `SELECT c.desk_id AS "deskId", c.priority, count(*)::int AS count FROM elexon.cases c
          WHERE ${visible} AND ${openAtEnd} GROUP BY 1, 2 ORDER BY 1, 2 NULLS FIRST`,
        atEnd,
      ),
      ctx.db.query(`SELECT c.desk_id AS "deskId", count(*)::int AS count FROM elexon.cases c WHERE ${visible} AND ${resolvedIn} GROUP BY 1 ORDER BY 1`, params),
      ctx.db.query(
        `SELECT CASE WHEN d <= 1 THEN '0-1' WHEN d <= 5 THEN '2-5' WHEN d <= 10 THEN '6-10' WHEN d <= 30 THEN '11-30' ELSE '>30' END AS bucket,
                count(*)::int AS count
           FROM (SELECT floor(extract(epoch FROM ($5::timestamptz - c.raised_at)) / 86400) AS d FROM elexon.cases c WHERE ${visible} AND ${openAtEnd}) aged
          GROUP BY 1`,
        atEnd,
      ),
      ctx.db.query(
        `SELECT c.category, count(*)::int AS count FROM elexon.cases c WHERE ${visible} AND c.raised_at >= $5 AND c.raised_at < $6 GROUP BY 1 ORDER BY 1`,
        params,
      ),
      ctx.db.query(
        `SELECT c.priority, count(*)::int AS resolved,
                count(*) FILTER (WHERE c.resolution_due_at IS NOT NULL AND c.resolved_at <= c.resolution_due_at)::int AS "resolutionMet",
                count(*) FILTER (WHERE c.resolution_due_at IS NOT NULL AND c.resolved_at > c.resolution_due_at)::int AS "resolutionBreached",
                count(*) FILTER (WHERE c.responded_at IS NOT NULL AND c.responded_at <= c.response_due_at)::int AS "responseMet",
                count(*) FILTER (WHERE c.responded_at IS NULL OR c.responded_at > c.response_due_at)::int AS "responseBreached",
                avg(extract(epoch FROM (c.resolved_at - c.raised_at)) / 60)::float AS "meanMinutesToResolve"
           FROM elexon.cases c WHERE ${visible} AND ${resolvedIn} AND c.priority IS NOT NULL GROUP BY 1 ORDER BY 1`,
        params,
      ),
      ctx.db.query(
        `SELECT count(*)::int AS resolved,
                count(*) FILTER (WHERE EXISTS (SELECT 1 FROM elexon.case_timeline t WHERE t.case_id = c.id AND t.action = 'REOPENED'))::int AS reopened
           FROM elexon.cases c WHERE ${visible} AND ${resolvedIn}`,
        params,
      ),
    ])) as [
      DeskPriorityCount[],
      DeskCount[],
      AgeingBucket[],
      CategoryCount[],
      Omit<PrioritySla, 'achievementPercent'>[],
      { resolved: number; reopened: number }[],
    ];
    const totals = reopen[0] ?? { resolved: 0, reopened: 0 };
    return Object.assign(new CaseReport(), {
      from,
      to,
      openByDeskAndPriority: open.map((row) => Object.assign(new DeskPriorityCount(), row)),
      resolvedByDesk: resolvedByDesk.map((row) => Object.assign(new DeskCount(), row)),
      ageing: BUCKETS.map((bucket) => Object.assign(new AgeingBucket(), { bucket, count: ageing.find((a) => a.bucket === bucket)?.count ?? 0 })),
      raisedByCategory: byCategory.map((row) => Object.assign(new CategoryCount(), row)),
      slaByPriority: sla.map((row) =>
        Object.assign(new PrioritySla(), {
          ...row,
          achievementPercent: percent(row.resolutionMet, row.resolved),
          meanMinutesToResolve: row.meanMinutesToResolve === null ? null : Math.round(row.meanMinutesToResolve * 10) / 10,
        }),
      ),
      resolved: totals.resolved,
      reopened: totals.reopened,
      reopenRatePercent: percent(totals.reopened, totals.resolved),
    });
  }
}

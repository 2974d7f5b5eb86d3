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
import type { Principal } from '../../../schema/identity';
import { checkedPeriod, minutes, percent, ReportPeriod } from './period';
import {
  OPEN_SUMMARY,
  openCorrections,
  openParams,
  RAISED_FROM_ROLLUPS,
  RESOLVED_FROM_ROLLUPS,
  resolvedFigures,
  TREND_FROM_ROLLUPS,
  trendFigures,
} from './rollups';

/** What a report reads through: a DataSource, or a transaction's query runner. */
type Queryable = { query(sql: string, params?: unknown[]): Promise<unknown> };

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
/** The instant an open case's clock is judged at (`to`): the end of the period, or when its hold began. */
const judgedAt = (to: string) => `LEAST(${to}::timestamptz, COALESCE(c.hold_started_at, ${to}::timestamptz))`;
/** An open case's figures at `to` (an OpenRow but for its count): desk, priority, age bucket, request class, verdicts. */
const openRow = (to: string) => `c.desk_id AS "deskId", c.priority,
    CASE WHEN d <= 1 THEN '0-1' WHEN d <= 5 THEN '2-5' WHEN d <= 10 THEN '6-10' WHEN d <= 30 THEN '11-30' ELSE '>30' END AS bucket,
    CASE WHEN ${SERVICE_REQUEST} THEN COALESCE(c.service_request_class, '') END AS "requestClass",
    (c.resolution_due_at < ${judgedAt(to)}) AS breached,
    (c.resolution_due_at >= ${judgedAt(to)} AND c.near_breach_at <= ${judgedAt(to)}) AS "nearBreach",
    count(*)::int AS count`;
const withAge = (to: string) => `floor(extract(epoch FROM (${to}::timestamptz - c.raised_at)) / 86400) AS d`;

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

/** One row of the open-case summary or of its raw corrections (reports/rollups.ts). */
interface OpenPartRow {
  part: 'desk' | 'ageing' | 'sla' | 'all' | 'open';
  sign?: number;
  deskId: string | null;
  priority: Priority | null;
  bucket: string | null;
  requestClass: string | null;
  /** A count in the summary's 'sla' part, a verdict in a raw row. */
  breached: number | boolean | null;
  nearBreach: number | boolean | null;
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
const byText = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

/** The open-at-end figures, summed from raw groups, summary rows and signed corrections alike. */
class OpenTally {
  readonly byDeskPriority = new Map<string, DeskPriorityCount>();
  readonly ageing = new Map<string, number>();
  readonly requests = new Map<string, number>();
  readonly sla = new Map<Priority, OpenSla>();
  total = 0;

  desk(deskId: string, priority: Priority | null, requestClass: string | null, n: number): void {
    const key = `${deskId}\u0000${priority ?? ''}`;
    const cell = this.byDeskPriority.get(key) ?? Object.assign(new DeskPriorityCount(), { deskId, priority, count: 0 });
    cell.count += n;
    this.byDeskPriority.set(key, cell);
    if (requestClass !== null) this.requests.set(requestClass, (this.requests.get(requestClass) ?? 0) + n);
    if (priority) this.slaOf(priority).open += n;
    this.total += n;
  }

  age(bucket: string, n: number): void {
    this.ageing.set(bucket, (this.ageing.get(bucket) ?? 0) + n);
  }

  verdicts(priority: Priority | null, breached: number, nearBreach: number): void {
    if (!priority) return;
    const cell = this.slaOf(priority);
    cell.breached += breached;
    cell.nearBreach += nearBreach;
  }

  private slaOf(priority: Priority): OpenSla {
    const cell = this.sla.get(priority) ?? Object.assign(new OpenSla(), { priority, open: 0, breached: 0, nearBreach: 0 });
    this.sla.set(priority, cell);
    return cell;
  }

  raw(row: OpenRow, sign = 1, parts: { desk: boolean; age: boolean; verdicts: boolean } = { desk: true, age: true, verdicts: true }): void {
    const n = sign * row.count;
    if (parts.desk) this.desk(row.deskId, row.priority, row.requestClass, n);
    if (parts.age) this.age(row.bucket, n);
    if (parts.verdicts) this.verdicts(row.priority, row.breached ? n : 0, row.nearBreach ? n : 0);
  }

  /** With the summary, cases older than 30 days are the open ones not in a younger bucket. */
  deriveOldest(): void {
    const young = BUCKETS.filter((b) => b !== '>30').reduce((sum, b) => sum + (this.ageing.get(b) ?? 0), 0);
    this.ageing.set('>30', this.total - young);
  }
}

/** Where a report's figures come from: `auto` (the rollups whenever they serve the caller exactly) or `raw` (cases only). */
export interface ReportSource {
  raw?: boolean;
  /** The open-case summary serves a period ending at or after this instant (default: a day before now). */
  openSummaryFrom?: Date;
}

/** A day of finished cases is the most the open-case summary's raw corrections should read. */
const OPEN_SUMMARY_WINDOW_MS = 24 * 3600_000;

/**
 * The case report of a period for `principal`. Elexon service management (who sees every case) is served from the
 * rollups (reports/rollups.ts); any other caller from the cases, restricted by visibility.
 */
export async function caseReportOf(db: Queryable, principal: Principal, from: Date, to: Date, source: ReportSource = {}): Promise<CaseReport> {
  const visibility = visibilityParams(principal);
  const rollups = !source.raw && visibility[2];
  const openSummary = rollups && to.getTime() >= (source.openSummaryFrom?.getTime() ?? Date.now() - OPEN_SUMMARY_WINDOW_MS);
  const visible = visibilityPredicate('$1', '$2', '$3', '$4');
  // Three scans, one per set of cases a figure counts (bench/reports.bench.ts measured eight separate statements at
  // ~2.5 times the cost): open at the end of the period ($5 = to), resolved in it and raised in it ($5, $6).
  const params = [...visibility, from, to];
  const atEnd = [...visibility, to];
  const open = new OpenTally();
  const [resolvedRows, byCategory] = (await Promise.all([
    rollups ? db.query(RESOLVED_FROM_ROLLUPS, [from, to]) : db.query(resolvedFigures(`${visible} AND ${RESOLVED_IN}`), params),
    rollups
      ? db.query(RAISED_FROM_ROLLUPS, [from, to])
      : db.query(
          `SELECT c.category, count(*)::int AS count FROM elexon.cases c WHERE ${visible} AND c.raised_at >= $5 AND c.raised_at < $6 GROUP BY 1 ORDER BY 1`,
          params,
        ),
    openSummary
      ? Promise.all([db.query(OPEN_SUMMARY, openParams(to).slice(1)), db.query(openCorrections(openRow, withAge), openParams(to))]).then(
          ([summary, corrections]) => {
            for (const row of summary as OpenPartRow[]) {
              if (row.part === 'desk') open.desk(row.deskId as string, row.priority, row.requestClass, row.count);
              else if (row.part === 'ageing') open.age(row.bucket as string, row.count);
              else open.verdicts(row.priority, row.breached as number, row.nearBreach as number);
            }
            for (const row of corrections as (OpenPartRow & OpenRow)[]) {
              const sign = row.sign ?? 1;
              if (row.part === 'all') open.raw(row, sign);
              else if (row.part === 'open') open.raw(row, sign, { desk: true, age: false, verdicts: true });
              else if (row.part === 'ageing') open.raw(row, sign, { desk: false, age: row.bucket !== '>30', verdicts: false });
              else open.raw(row, sign, { desk: false, age: false, verdicts: true });
            }
            open.deriveOldest();
          },
        )
      : db
          .query(
            `SELECT ${openRow('$5')}
               FROM (SELECT c.*, ${withAge('$5')} FROM elexon.cases c WHERE ${visible} AND ${OPEN_AT_END}) c
              GROUP BY 1, 2, 3, 4, 5, 6`,
            atEnd,
          )
          .then((rows) => {
            for (const row of rows as OpenRow[]) open.raw(row);
          }),
  ])) as [ResolvedRow[], unknown, unknown];

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
  // A summary row and its correction can cancel out: a figure the cases would not show at all is left out.
  return Object.assign(new CaseReport(), {
    from,
    to,
    openByDeskAndPriority: [...open.byDeskPriority.values()]
      .filter((cell) => cell.count !== 0)
      .sort((a, b) => byText(a.deskId, b.deskId) || (a.priority === null ? -1 : b.priority === null ? 1 : byText(a.priority, b.priority))),
    resolvedByDesk: [...resolvedByDesk].sort(([a], [b]) => byText(a, b)).map(([deskId, count]) => Object.assign(new DeskCount(), { deskId, count })),
    ageing: BUCKETS.map((bucket) => Object.assign(new AgeingBucket(), { bucket, count: open.ageing.get(bucket) ?? 0 })),
    raisedByCategory: rowsOf(byCategory, CategoryCount),
    openServiceRequests: [...open.requests]
      .filter(([, count]) => count !== 0)
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
    openSlaByPriority: [...open.sla.values()].filter((cell) => cell.open !== 0).sort((a, b) => byText(a.priority, b.priority)),
    resolved: totals.resolved,
    reopened: totals.reopened,
    reopenRatePercent: percent(totals.reopened, totals.resolved),
    firstTimeResolved: totals.firstTimeResolved,
    firstTimeResolutionPercent: percent(totals.firstTimeResolved, totals.resolved),
  });
}

/** One (bucket, priority) part of a trend: from the cases, or the edge days' or whole days' part of the rollups. */
interface TrendRow {
  start: Date;
  priority: Priority;
  resolved: number;
  resolutionMet: number;
  minutesToResolve: number;
}

/**
 * The SLA trend of a period for `principal`, per UK day, week or month. Elexon service management is served from
 * the daily rollups for whole UK days and from the cases for the partial days at the edges (reports/rollups.ts); any
 * other caller from the cases, restricted by visibility.
 */
export async function caseTrendOf(
  db: Queryable,
  principal: Principal,
  from: Date,
  to: Date,
  interval: TrendInterval,
  source: Pick<ReportSource, 'raw'> = {},
): Promise<SlaTrendPoint[]> {
  const visibility = visibilityParams(principal);
  const unit = interval.toLowerCase();
  const rows = (
    !source.raw && visibility[2]
      ? await db.query(TREND_FROM_ROLLUPS, [from, to, unit])
      : await db.query(trendFigures(`${visibilityPredicate('$1', '$2', '$3', '$4')} AND ${RESOLVED_IN}`, '$7'), [...visibility, from, to, unit])
  ) as TrendRow[];
  const points = new Map<string, TrendRow>();
  for (const row of rows) {
    const key = `${row.start.toISOString()}\u0000${row.priority}`;
    const point = points.get(key);
    if (!point) points.set(key, { ...row });
    else {
      point.resolved += row.resolved;
      point.resolutionMet += row.resolutionMet;
      point.minutesToResolve += row.minutesToResolve;
    }
  }
  return [...points.values()]
    .sort((a, b) => a.start.getTime() - b.start.getTime() || byText(a.priority, b.priority))
    .map((row) =>
      Object.assign(new SlaTrendPoint(), {
        start: row.start,
        priority: row.priority,
        resolved: row.resolved,
        resolutionMet: row.resolutionMet,
        achievementPercent: percent(row.resolutionMet, row.resolved),
        meanMinutesToResolve: minutes(row.minutesToResolve / row.resolved),
      }),
    );
}

@Resolver(() => CaseReport)
export class CaseReportResolver {
  @Query(() => CaseReport, { description: 'Case figures for a period, counting only cases you may see' })
  async caseReport(@Ctx() ctx: SubgraphContext, @Arg('period', () => ReportPeriod) period: ReportPeriod): Promise<CaseReport> {
    const { from, to } = checkedPeriod(period);
    return caseReportOf(ctx.db, ctx.principal, from, to);
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
    return caseTrendOf(ctx.db, ctx.principal, from, to, interval);
  }
}

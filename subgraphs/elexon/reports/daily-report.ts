/**
 * The Hypercare daily report (Hypercare §5.1–5.2): the last 24 hours — new incidents, open major incidents, pending
 * service requests, breaches and near-breaches — as a query for any period end (counting only what the caller may
 * see), and sent by email to a distribution list at a configured UK time, or on demand, through the delivery engine.
 *
 * Sending is an event: a run row and `report.daily` are written in one transaction (the run's unique scheduled
 * instant makes replicas send a scheduled report once); the delivery engine reads the figures and the recipients
 * through the API and makes one delivery per recipient (subgraphs/delivery/daily-report.ts). The email carries
 * references, desks, priorities and due times — never a case's subject, description or evidence.
 */
import { randomUUID } from 'node:crypto';
import type { DataSource, EntityManager } from 'typeorm';
import { Arg, Ctx, Field, ID, InputType, Int, Mutation, ObjectType, Query, Resolver } from 'type-graphql';
import { fromLondonTime, toLondonTime } from '../../../schema/calendar';
import { normaliseEmails } from '../../../schema/email';
import { Priority, Role, Service } from '../../../schema/enums';
import { DomainError } from '../../../schema/errors';
import { hasRole, type Principal } from '../../../schema/identity';
import { cpsdEvent } from '../../../schema/events';
import type { SubgraphContext } from '../../../platform/context';
import { visibilityParams, visibilityPredicate } from '../cases/case.access';
import { elexonOutbox } from '../cases/case.runtime';
import { runIdempotent } from '../idempotency';
import { SERVICE_REQUEST } from './case-report';
import { majorIncidentVisibilityParams, majorIncidentVisibilityPredicate } from '../major-incidents/major-incident.access';

const DAY_MS = 24 * 3600_000;
/** The most cases one list of the report names; its count is always the whole figure. */
export const DAILY_LIST_LIMIT = 50;
const SEND_AT = /^([01]\d|2[0-3]):([0-5]\d)$/;

@ObjectType('DailyCaseLine', { description: 'A case in the daily report: reference, desk, priority and clock — never its text' })
export class DailyCaseLine {
  @Field(() => ID)
  id!: string;

  @Field(() => String)
  reference!: string;

  @Field(() => String)
  deskId!: string;

  @Field(() => Priority, { nullable: true })
  priority!: Priority | null;

  @Field(() => String)
  state!: string;

  @Field(() => Date)
  raisedAt!: Date;

  @Field(() => Date, { nullable: true })
  resolutionDueAt!: Date | null;
}

@ObjectType('DailyCaseList')
export class DailyCaseList {
  @Field(() => Int, { description: 'How many in all' })
  count!: number;

  @Field(() => [DailyCaseLine], { description: `The first ${DAILY_LIST_LIMIT}, most urgent first` })
  cases!: DailyCaseLine[];
}

@ObjectType('DailyMajorIncident')
export class DailyMajorIncident {
  @Field(() => ID)
  id!: string;

  @Field(() => String)
  reference!: string;

  @Field(() => String, { description: 'The title, in business language (it is on the status page)' })
  title!: string;

  @Field(() => [Service])
  services!: Service[];

  @Field(() => Date, { nullable: true })
  nextUpdateDueAt!: Date | null;
}

@ObjectType('HypercareDailyReport', { description: 'The 24 hours to `to`, counting only what you may see' })
export class HypercareDailyReport {
  @Field(() => Date)
  from!: Date;

  @Field(() => Date)
  to!: Date;

  @Field(() => DailyCaseList, { description: 'Incidents (and cases not yet triaged, which are not service requests) raised in the 24 hours' })
  newIncidents!: DailyCaseList;

  @Field(() => [DailyMajorIncident], { description: 'Major incidents promoted and not resolved at `to`' })
  openMajorIncidents!: DailyMajorIncident[];

  @Field(() => DailyCaseList, { description: 'Service requests open at `to`' })
  pendingRequests!: DailyCaseList;

  @Field(() => DailyCaseList, { description: 'Open cases whose resolution due time passed in the 24 hours, and cases resolved late in them' })
  breaches!: DailyCaseList;

  @Field(() => DailyCaseList, { description: 'Open cases past the near-breach share of their target at `to`, not yet breached' })
  nearBreaches!: DailyCaseList;
}

@ObjectType('DailyReportSchedule', { description: 'When the Hypercare daily report goes out (UK time) and to whom' })
export class DailyReportSchedule {
  @Field(() => Boolean)
  enabled!: boolean;

  @Field(() => String, { description: 'HH:MM, UK time' })
  sendAt!: string;

  @Field(() => [String])
  recipients!: string[];

  @Field(() => Date)
  updatedAt!: Date;

  @Field(() => Date, { nullable: true, description: 'The next scheduled send; null while disabled' })
  nextRunAt!: Date | null;
}

@InputType('SetDailyReportScheduleInput')
export class SetDailyReportScheduleInput {
  @Field(() => Boolean)
  enabled!: boolean;

  @Field(() => String, { description: 'HH:MM, UK time' })
  sendAt!: string;

  @Field(() => [String], { description: 'The distribution list: at most 50 e-mail addresses' })
  recipients!: string[];
}

@ObjectType('DailyReportRun', { description: 'One sending of the daily report' })
export class DailyReportRun {
  @Field(() => ID)
  id!: string;

  @Field(() => Date)
  from!: Date;

  @Field(() => Date)
  to!: Date;

  @Field(() => Date, { nullable: true, description: 'The scheduled instant; null when sent on demand' })
  scheduledFor!: Date | null;
}

function requireAdmin(principal: Principal): void {
  if (!hasRole(principal, Role.CPSD_ADMIN)) throw DomainError.forbidden('Only cpsd_admin manages the daily report');
}

interface ScheduleRow {
  enabled: boolean;
  sendAt: string;
  recipients: string[];
  updatedAt: Date;
}

async function scheduleRow(db: DataSource | EntityManager): Promise<ScheduleRow> {
  const [row] = (await db.query(
    'SELECT enabled, send_at AS "sendAt", recipients, updated_at AS "updatedAt" FROM elexon.daily_report_schedule',
  )) as ScheduleRow[];
  if (!row) throw new Error('elexon.daily_report_schedule has no row (migration 1763900007000 seeds it)');
  return row;
}

/** The scheduled instant at `sendAt` (UK time) on the London date of `instant`. */
function sendInstantOn(instant: Date, sendAt: string): Date {
  const { year, month, day } = toLondonTime(instant);
  const [hour, minute] = sendAt.split(':').map(Number) as [number, number];
  return fromLondonTime(year, month, day, hour, minute);
}

/** The latest scheduled instant at or before `now`. */
export function lastSendInstant(now: Date, sendAt: string): Date {
  const today = sendInstantOn(now, sendAt);
  return today.getTime() <= now.getTime() ? today : sendInstantOn(new Date(now.getTime() - DAY_MS), sendAt);
}

/** The first scheduled instant after `now`. */
export function nextSendInstant(now: Date, sendAt: string): Date {
  const today = sendInstantOn(now, sendAt);
  // A day and a bit later lands on tomorrow's London date whatever the clock change does.
  return today.getTime() > now.getTime() ? today : sendInstantOn(new Date(today.getTime() + DAY_MS + 3 * 3600_000), sendAt);
}

function toSchedule(row: ScheduleRow, now: Date): DailyReportSchedule {
  return Object.assign(new DailyReportSchedule(), { ...row, nextRunAt: row.enabled ? nextSendInstant(now, row.sendAt) : null });
}

/** Writes a run and its `report.daily` event in the caller's transaction; returns the run. */
async function startRun(tx: EntityManager, to: Date, scheduledFor: Date | null, requestedBy: string | null): Promise<DailyReportRun | null> {
  const id = randomUUID();
  const from = new Date(to.getTime() - DAY_MS);
  const rows = (await tx.query(
    `INSERT INTO elexon.daily_report_runs (id, period_to, scheduled_for, requested_by) VALUES ($1, $2, $3, $4)
     ON CONFLICT (scheduled_for) DO NOTHING RETURNING id`,
    [id, to, scheduledFor, requestedBy],
  )) as unknown[];
  if (!rows.length) return null;
  await elexonOutbox(tx, {
    ...cpsdEvent('report.daily', { runId: id, from: from.toISOString(), to: to.toISOString(), scheduledFor: scheduledFor?.toISOString() ?? null }),
    entity: { __typename: 'DailyReportRun', id },
    caseId: null,
  });
  return Object.assign(new DailyReportRun(), { id, from, to, scheduledFor });
}

/**
 * The job: sends the report for the latest scheduled instant if it has not been sent — late after a restart, but
 * never for an instant before the schedule was last changed (switching it on at 10:00 for 08:00 waits for tomorrow).
 */
export async function sendScheduledDailyReport(db: DataSource, now: Date = new Date()): Promise<DailyReportRun | null> {
  return db.transaction(async (tx) => {
    const schedule = await scheduleRow(tx);
    if (!schedule.enabled || !schedule.recipients.length) return null;
    const due = lastSendInstant(now, schedule.sendAt);
    if (due.getTime() < schedule.updatedAt.getTime()) return null;
    return startRun(tx, due, due, null);
  });
}

const CASE_LINE = `c.id, c.reference, c.desk_id AS "deskId", c.priority, c.state, c.raised_at AS "raisedAt", c.resolution_due_at AS "resolutionDueAt"`;
const OPEN_AT = `c.raised_at < $5 AND COALESCE(c.resolved_at, c.closed_at, 'infinity'::timestamptz) >= $5`;

@Resolver(() => HypercareDailyReport)
export class DailyReportResolver {
  @Query(() => HypercareDailyReport, { description: 'The Hypercare daily report for the 24 hours to `to` (default now), counting only what you may see' })
  async hypercareDailyReport(@Ctx() ctx: SubgraphContext, @Arg('to', () => Date, { nullable: true }) toArg?: Date | null): Promise<HypercareDailyReport> {
    const to = toArg ?? new Date();
    if (Number.isNaN(to.getTime())) throw DomainError.badUserInput('to is not a date', 'to');
    if (to.getTime() > Date.now() + DAY_MS) throw DomainError.badUserInput('to is more than a day ahead', 'to');
    const from = new Date(to.getTime() - DAY_MS);
    const visible = visibilityPredicate('$1', '$2', '$3', '$4');
    // Lists of the window take $5 = to and $6 = from; lists at its end only $5 (PostgreSQL refuses an unused parameter).
    const list = async (where: string, order: string): Promise<DailyCaseList> => {
      const params = [...visibilityParams(ctx.principal), to, ...(where.includes('$6') ? [from] : [])];
      // The count needs every matching case, so they are found first (by the cheapest index for `where`), then
      // sorted: asked for in order with a LIMIT, PostgreSQL walked the raised_at index over every case raised before
      // `to` for the open service requests (1,000,000 rows for 7,000, 300 ms: bench/reports.bench.ts).
      const rows = (await ctx.db.query(
        `WITH m AS MATERIALIZED (
           SELECT c.id, c.reference, c.desk_id, c.priority, c.state, c.raised_at, c.resolution_due_at FROM elexon.cases c WHERE ${visible} AND ${where})
         SELECT ${CASE_LINE}, count(*) OVER ()::int AS total FROM m c ORDER BY ${order}, c.reference LIMIT ${DAILY_LIST_LIMIT}`,
        params,
      )) as (DailyCaseLine & { total: number })[];
      return Object.assign(new DailyCaseList(), {
        count: rows[0]?.total ?? 0,
        cases: rows.map(({ total: _total, ...line }) => Object.assign(new DailyCaseLine(), line)),
      });
    };
    const mi = majorIncidentVisibilityPredicate('$1', '$2');
    const [newIncidents, pendingRequests, breaches, nearBreaches, majorIncidents] = await Promise.all([
      list(`c.raised_at >= $6 AND c.raised_at < $5 AND NOT ${SERVICE_REQUEST}`, 'c.priority NULLS FIRST, c.raised_at'),
      list(`${OPEN_AT} AND ${SERVICE_REQUEST}`, 'c.raised_at'),
      list(
        `((${OPEN_AT} AND c.resolution_due_at >= $6 AND c.resolution_due_at < LEAST($5::timestamptz, COALESCE(c.hold_started_at, $5::timestamptz)))
          OR (c.resolved_at >= $6 AND c.resolved_at < $5 AND c.resolution_breached))`,
        'c.priority, c.resolution_due_at',
      ),
      list(
        `${OPEN_AT} AND c.resolution_due_at >= LEAST($5::timestamptz, COALESCE(c.hold_started_at, $5::timestamptz))
          AND c.near_breach_at <= LEAST($5::timestamptz, COALESCE(c.hold_started_at, $5::timestamptz))`,
        'c.resolution_due_at',
      ),
      ctx.db.query(
        `SELECT mi.id, mi.reference, mi.title, mi.services, mi.next_update_due_at AS "nextUpdateDueAt"
           FROM elexon.major_incidents mi JOIN elexon.cases mc ON mc.id = mi.case_id
          WHERE ${mi} AND mi.promoted_at < $3 AND COALESCE(mi.resolved_at, 'infinity'::timestamptz) >= $3
          ORDER BY mi.promoted_at`,
        [...majorIncidentVisibilityParams(ctx.principal), to],
      ) as Promise<DailyMajorIncident[]>,
    ]);
    return Object.assign(new HypercareDailyReport(), {
      from,
      to,
      newIncidents,
      pendingRequests,
      breaches,
      nearBreaches,
      openMajorIncidents: majorIncidents.map((row) => Object.assign(new DailyMajorIncident(), row)),
    });
  }

  @Query(() => DailyReportSchedule, { description: 'cpsd_admin (or a service identity acting as one): the daily report’s schedule' })
  async dailyReportSchedule(@Ctx() ctx: SubgraphContext): Promise<DailyReportSchedule> {
    requireAdmin(ctx.principal);
    return toSchedule(await scheduleRow(ctx.db), new Date());
  }

  @Mutation(() => DailyReportSchedule, { description: 'cpsd_admin: when the daily report goes out (UK time) and to whom' })
  async setDailyReportSchedule(
    @Ctx() ctx: SubgraphContext,
    @Arg('input', () => SetDailyReportScheduleInput) input: SetDailyReportScheduleInput,
  ): Promise<DailyReportSchedule> {
    requireAdmin(ctx.principal);
    const sendAt = (input.sendAt ?? '').trim();
    if (!SEND_AT.test(sendAt)) throw DomainError.badUserInput('sendAt must be HH:MM (24-hour, UK time)', 'input.sendAt');
    const recipients = normaliseEmails(input.recipients, 'input.recipients');
    if (input.enabled && !recipients.length) throw DomainError.badUserInput('Name at least one recipient to switch the report on', 'input.recipients');
    await ctx.db.query('UPDATE elexon.daily_report_schedule SET enabled = $1, send_at = $2, recipients = $3::text[], updated_at = now(), updated_by = $4', [
      input.enabled,
      sendAt,
      recipients,
      ctx.principal.subject,
    ]);
    return toSchedule(await scheduleRow(ctx.db), new Date());
  }

  @Mutation(() => DailyReportRun, {
    description: 'cpsd_admin: send the daily report for the 24 hours to now, to the distribution list; safe to retry with a key',
  })
  async sendDailyReport(
    @Ctx() ctx: SubgraphContext,
    @Arg('idempotencyKey', () => String, { nullable: true }) idempotencyKey?: string | null,
  ): Promise<DailyReportRun> {
    requireAdmin(ctx.principal);
    const id = await runIdempotent(ctx.db, ctx.principal, 'sendDailyReport', { idempotencyKey: idempotencyKey ?? null }, async (tx) => {
      const schedule = await scheduleRow(tx);
      if (!schedule.recipients.length) throw DomainError.badUserInput('The daily report has no recipients: set them with setDailyReportSchedule', 'recipients');
      const run = await startRun(tx, new Date(), null, ctx.principal.subject);
      if (!run) throw new Error('sendDailyReport: an on-demand run conflicted');
      return run.id;
    });
    const [run] = (await ctx.db.query(
      `SELECT id, period_to - interval '1 day' AS "from", period_to AS "to", scheduled_for AS "scheduledFor" FROM elexon.daily_report_runs WHERE id = $1`,
      [id],
    )) as DailyReportRun[];
    if (!run) throw new Error('sendDailyReport: the run is missing');
    return Object.assign(new DailyReportRun(), run);
  }
}

/**
 * Near-breach escalation (Hypercare §5): when a case's resolution clock passes the share of its target Elexon
 * configures (75 % unless changed), the case's desk — through its own contact method — and Elexon's escalation
 * contacts are alerted, once per case at a desk (a transfer to another desk gives the new desk its own alert).
 *
 * The near-breach instant is kept with the case's due times (`cases.near_breach_at`, case.steps.ts
 * `refreshDueTimes`), so the job below only picks the rows whose instant has passed, through a partial index. Each
 * alert is the `case.sla_near_breach` event written in the same transaction that marks the case alerted: replicas
 * race for rows with SKIP LOCKED, and a case is never alerted twice. The delivery engine turns the event into the
 * deliveries (subgraphs/delivery/escalation.ts).
 */
import type { DataSource, EntityManager } from 'typeorm';
import { Arg, Ctx, Field, InputType, Int, Mutation, ObjectType, Query, Resolver } from 'type-graphql';
import { CaseState, Role } from '../../../schema/enums';
import { DomainError } from '../../../schema/errors';
import { normaliseEmails } from '../../../schema/email';
import { hasRole, type Principal } from '../../../schema/identity';
import { nearBreachAt } from '../../../schema/sla';
import type { SubgraphContext } from '../../../platform/context';
import { CASE_COLUMNS, toCase } from '../cases/case.repository';
import { elexonOutbox } from '../cases/case.runtime';
import { CaseSteps, slaClock } from '../cases/case.steps';
import type { HoldInterval } from '../../../schema/sla';

@ObjectType('SlaEscalation', { description: 'When cases count as near breach, and who besides the desk hears of it' })
export class SlaEscalation {
  @Field(() => Int, { description: 'Percent of the resolution target elapsed at which a case is near breach' })
  nearBreachPercent!: number;

  @Field(() => [String], { description: 'Escalation contacts (e-mail) alerted with the desk' })
  contacts!: string[];

  @Field(() => Date)
  updatedAt!: Date;
}

@InputType('SetSlaEscalationInput')
export class SetSlaEscalationInput {
  @Field(() => Int, { description: '1–99' })
  nearBreachPercent!: number;

  @Field(() => [String], { description: 'At most 50 e-mail addresses; empty: the desk only' })
  contacts!: string[];
}

function requireAdmin(principal: Principal): void {
  if (!hasRole(principal, Role.CPSD_ADMIN)) throw DomainError.forbidden('Only cpsd_admin configures escalation');
}

const OPEN_ON_A_CLOCK = [CaseState.NEW, CaseState.IN_PROGRESS, CaseState.ON_HOLD];

async function escalationRow(db: DataSource | EntityManager): Promise<SlaEscalation> {
  const [row] = (await db.query(
    'SELECT near_breach_percent AS "nearBreachPercent", contacts, updated_at AS "updatedAt" FROM elexon.sla_escalation',
  )) as SlaEscalation[];
  if (!row) throw new Error('elexon.sla_escalation has no row (migration 1763900007000 seeds it)');
  return Object.assign(new SlaEscalation(), row);
}

/** Holds of many cases in one round trip. */
async function holdsByCase(tx: EntityManager, caseIds: string[]): Promise<Map<string, HoldInterval[]>> {
  const rows = (await tx.query('SELECT case_id AS "caseId", started_at AS "from", ended_at AS "to" FROM elexon.case_holds WHERE case_id = ANY($1::uuid[])', [
    caseIds,
  ])) as (HoldInterval & { caseId: string })[];
  const byCase = new Map<string, HoldInterval[]>();
  for (const { caseId, from, to } of rows) byCase.set(caseId, [...(byCase.get(caseId) ?? []), { from, to }]);
  return byCase;
}

@Resolver(() => SlaEscalation)
export class EscalationResolver {
  @Query(() => SlaEscalation, { description: 'cpsd_admin (or a service identity acting as one): the near-breach share and escalation contacts' })
  async slaEscalation(@Ctx() ctx: SubgraphContext): Promise<SlaEscalation> {
    requireAdmin(ctx.principal);
    return escalationRow(ctx.db);
  }

  @Mutation(() => SlaEscalation, {
    description: 'cpsd_admin: the near-breach share and escalation contacts; open cases are re-timed at once, alerts already sent stand',
  })
  async setSlaEscalation(@Ctx() ctx: SubgraphContext, @Arg('input', () => SetSlaEscalationInput) input: SetSlaEscalationInput): Promise<SlaEscalation> {
    requireAdmin(ctx.principal);
    const percent = input.nearBreachPercent;
    if (!Number.isInteger(percent) || percent < 1 || percent > 99) {
      throw DomainError.badUserInput('nearBreachPercent must be a whole number from 1 to 99', 'input.nearBreachPercent');
    }
    const contacts = normaliseEmails(input.contacts, 'input.contacts');
    return ctx.db.transaction(async (tx) => {
      await tx.query('UPDATE elexon.sla_escalation SET near_breach_percent = $1, contacts = $2::text[], updated_at = now(), updated_by = $3', [
        percent,
        contacts,
        ctx.principal.subject,
      ]);
      await retimeOpenCases(tx, percent / 100, new Date());
      return escalationRow(tx);
    });
  }
}

/** Recomputes the near-breach instant of every open case with a target, at a new share (in the caller's transaction). */
async function retimeOpenCases(tx: EntityManager, share: number, now: Date): Promise<void> {
  let after = '00000000-0000-0000-0000-000000000000';
  for (;;) {
    const rows = (await tx.query(
      `SELECT ${CASE_COLUMNS} FROM elexon.cases c WHERE c.state = ANY($1::text[]) AND c.resolution_due_at IS NOT NULL AND c.id > $2
        ORDER BY c.id LIMIT 1000 FOR UPDATE`,
      [OPEN_ON_A_CLOCK, after],
    )) as Record<string, unknown>[];
    if (!rows.length) return;
    const cases = rows.map(toCase);
    const holds = await holdsByCase(
      tx,
      cases.map((c) => c.id),
    );
    const instants = cases.map((c) => nearBreachAt(slaClock(c, holds.get(c.id) ?? [], now).input, share));
    await tx.query(`UPDATE elexon.cases c SET near_breach_at = v.at FROM unnest($1::uuid[], $2::timestamptz[]) AS v(id, at) WHERE c.id = v.id`, [
      cases.map((c) => c.id),
      instants,
    ]);
    after = cases.at(-1)?.id ?? after;
  }
}

const steps = new CaseSteps(elexonOutbox);

/**
 * The job: alerts every case past its near-breach instant that has not been alerted at its desk; returns how many.
 * The clock is computed again before alerting (a hold may have begun since the instant was stored), and a case whose
 * stored instant proves early is re-timed instead.
 */
export async function alertNearBreaches(db: DataSource, now: Date = new Date()): Promise<number> {
  let alerted = 0;
  for (;;) {
    const batch = await db.transaction(async (tx) => {
      const rows = (await tx.query(
        `SELECT ${CASE_COLUMNS} FROM elexon.cases c
          WHERE c.near_breach_alerted_at IS NULL AND c.state IN ('NEW', 'IN_PROGRESS') AND c.near_breach_at <= $1
          ORDER BY c.near_breach_at LIMIT 100 FOR UPDATE SKIP LOCKED`,
        [now],
      )) as Record<string, unknown>[];
      if (!rows.length) return { seen: 0, alerted: 0 };
      const cases = rows.map(toCase);
      const holds = await holdsByCase(
        tx,
        cases.map((c) => c.id),
      );
      const { nearBreachPercent } = await escalationRow(tx);
      let count = 0;
      for (const c of cases) {
        const { clock, input } = slaClock(c, holds.get(c.id) ?? [], now);
        const instant = nearBreachAt(input, nearBreachPercent / 100);
        if (instant.getTime() > now.getTime()) {
          await tx.query('UPDATE elexon.cases SET near_breach_at = $2 WHERE id = $1', [c.id, instant]);
          continue;
        }
        await tx.query('UPDATE elexon.cases SET near_breach_alerted_at = $2 WHERE id = $1', [c.id, now]);
        await steps.event(tx, c, 'case.sla_near_breach', {
          priority: c.priority,
          elapsedPercent: Math.round(clock.consumedRatio * 1000) / 10,
          resolutionDueAt: clock.resolutionDueAt.toISOString(),
        });
        count += 1;
      }
      return { seen: rows.length, alerted: count };
    });
    alerted += batch.alerted;
    if (batch.seen < 100) return alerted;
  }
}

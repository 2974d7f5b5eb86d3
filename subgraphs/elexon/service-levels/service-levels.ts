/**
 * Each desk's own service levels (CA §2a; OM §3.10, §7.2; Hypercare §5.2): the SLA policies a `cpsd_admin` keeps, the
 * policy each desk runs on, and Hypercare windows that put chosen desks on the HYPERCARE policy for a period. Cases
 * record the target they were triaged under (cases/case.steps.ts `triagePolicy`), so nothing here rewrites history.
 */
import { randomUUID } from 'node:crypto';
import { Arg, Ctx, Field, FieldResolver, Float, ID, InputType, Mutation, ObjectType, Query, Resolver, Root, registerEnumType } from 'type-graphql';
import { Priority, Role } from '../../../schema/enums';
import { DomainError } from '../../../schema/errors';
import { hasRole, type Principal } from '../../../schema/identity';
import { SLA_POLICY_NAME, validateResolutionTargets, type SlaTarget, type SlaUnit } from '../../../schema/priority';
import type { SubgraphContext } from '../../../platform/context';
import { Desk } from '../directory/desk';
import { deskById } from '../directory/directory.loaders';

export enum SlaTargetUnit {
  CLOCK_HOURS = 'CLOCK_HOURS',
  BUSINESS_HOURS = 'BUSINESS_HOURS',
  BUSINESS_DAYS = 'BUSINESS_DAYS',
}
registerEnumType(SlaTargetUnit, { name: 'SlaTargetUnit', description: 'Clock hours (24x7), or business hours and days of the desk’s calendar' });

@ObjectType('SlaTarget')
export class SlaTargetView {
  @Field(() => Priority)
  priority!: Priority;

  @Field(() => Float)
  amount!: number;

  @Field(() => SlaTargetUnit)
  unit!: SlaTargetUnit;
}

@ObjectType('SlaPolicy', { description: 'Resolution targets per priority; OM §3.10 is STANDARD, Hypercare §5.2 is HYPERCARE' })
export class SlaPolicyView {
  @Field(() => ID)
  name!: string;

  @Field(() => [SlaTargetView])
  resolutionTargets!: SlaTargetView[];

  @Field(() => Date)
  updatedAt!: Date;
}

@ObjectType('HypercareWindow', { description: 'A period in which cases triaged at the desk get Hypercare terms' })
export class HypercareWindow {
  @Field(() => ID)
  id!: string;

  deskId!: string;

  @Field(() => Date)
  startsAt!: Date;

  @Field(() => Date)
  endsAt!: Date;
}

@InputType('SlaTargetInput')
export class SlaTargetInput {
  @Field(() => Priority)
  priority!: Priority;

  @Field(() => Float)
  amount!: number;

  @Field(() => SlaTargetUnit)
  unit!: SlaTargetUnit;
}

@InputType('SetSlaPolicyInput')
export class SetSlaPolicyInput {
  @Field(() => ID, { description: 'Upper case, digits and _ (e.g. DCC_SWITCHING); an existing name is replaced' })
  name!: string;

  @Field(() => [SlaTargetInput], { description: 'One target per priority, P1–P4' })
  resolutionTargets!: SlaTargetInput[];
}

@InputType('AssignSlaPolicyInput')
export class AssignSlaPolicyInput {
  @Field(() => ID)
  deskId!: string;

  @Field(() => ID)
  policy!: string;
}

@InputType('ScheduleHypercareInput')
export class ScheduleHypercareInput {
  @Field(() => [ID])
  deskIds!: string[];

  @Field(() => Date)
  startsAt!: Date;

  @Field(() => Date)
  endsAt!: Date;
}

const PRIORITY_ORDER = Object.values(Priority);

function toPolicy(row: { name: string; targets: Record<Priority, SlaTarget>; updatedAt: Date }): SlaPolicyView {
  return Object.assign(new SlaPolicyView(), {
    name: row.name,
    updatedAt: row.updatedAt,
    resolutionTargets: PRIORITY_ORDER.filter((p) => row.targets[p]).map((priority) =>
      Object.assign(new SlaTargetView(), { priority, amount: row.targets[priority].amount, unit: row.targets[priority].unit as SlaTargetUnit }),
    ),
  });
}

/** Service levels are the CPSD's configuration: only `cpsd_admin` (Elexon) changes them. */
function requireAdmin(principal: Principal): void {
  if (!hasRole(principal, Role.CPSD_ADMIN)) throw DomainError.forbidden('Only cpsd_admin changes service levels');
}

const MAX_WINDOW_MS = 366 * 24 * 3600_000;

@Resolver(() => SlaPolicyView)
export class ServiceLevelResolver {
  @Query(() => [SlaPolicyView], { description: 'Every SLA policy and its targets' })
  async slaPolicies(@Ctx() ctx: SubgraphContext): Promise<SlaPolicyView[]> {
    const rows = (await ctx.db.query('SELECT name, resolution_targets AS targets, updated_at AS "updatedAt" FROM elexon.sla_policies ORDER BY name')) as {
      name: string;
      targets: Record<Priority, SlaTarget>;
      updatedAt: Date;
    }[];
    return rows.map(toPolicy);
  }

  @Query(() => [HypercareWindow], { description: 'Hypercare windows that have not ended, soonest first' })
  async hypercareWindows(@Ctx() ctx: SubgraphContext, @Arg('deskId', () => ID, { nullable: true }) deskId?: string | null): Promise<HypercareWindow[]> {
    const rows = (await ctx.db.query(
      `SELECT id, desk_id AS "deskId", starts_at AS "startsAt", ends_at AS "endsAt" FROM elexon.hypercare_windows
        WHERE ends_at > now() AND ($1::text IS NULL OR desk_id = $1) ORDER BY starts_at, desk_id`,
      [deskId ?? null],
    )) as HypercareWindow[];
    return rows.map((row) => Object.assign(new HypercareWindow(), row));
  }

  @Mutation(() => SlaPolicyView, { description: 'cpsd_admin: create or replace a policy; cases keep the targets they were triaged under' })
  async setSlaPolicy(@Ctx() ctx: SubgraphContext, @Arg('input', () => SetSlaPolicyInput) input: SetSlaPolicyInput): Promise<SlaPolicyView> {
    requireAdmin(ctx.principal);
    const name = (input.name ?? '').trim();
    if (!SLA_POLICY_NAME.test(name)) throw DomainError.badUserInput('name must be 2–40 upper-case letters, digits or _, starting with a letter', 'input.name');
    const targets = validateResolutionTargets(
      (input.resolutionTargets ?? []).map((t) => ({ priority: t.priority, amount: t.amount, unit: t.unit as SlaUnit })),
      'input.resolutionTargets',
    );
    const [row] = (await ctx.db.query(
      `INSERT INTO elexon.sla_policies (name, resolution_targets, updated_at, updated_by) VALUES ($1, $2::jsonb, now(), $3)
       ON CONFLICT (name) DO UPDATE SET resolution_targets = EXCLUDED.resolution_targets, updated_at = EXCLUDED.updated_at, updated_by = EXCLUDED.updated_by
       RETURNING name, resolution_targets AS targets, updated_at AS "updatedAt"`,
      [name, JSON.stringify(targets), ctx.principal.subject],
    )) as { name: string; targets: Record<Priority, SlaTarget>; updatedAt: Date }[];
    if (!row) throw new Error('setSlaPolicy: the upsert returned nothing');
    return toPolicy(row);
  }

  @Mutation(() => Desk, { description: 'cpsd_admin: the policy a desk’s cases are triaged under from now on' })
  async assignSlaPolicy(@Ctx() ctx: SubgraphContext, @Arg('input', () => AssignSlaPolicyInput) input: AssignSlaPolicyInput): Promise<Desk> {
    requireAdmin(ctx.principal);
    const [policy] = (await ctx.db.query('SELECT name FROM elexon.sla_policies WHERE name = $1', [input.policy])) as { name: string }[];
    if (!policy) throw DomainError.badUserInput(`No SLA policy ${input.policy}`, 'input.policy');
    const desk = await ctx.db.getRepository(Desk).findOneBy({ id: input.deskId });
    if (!desk) throw DomainError.badUserInput(`No desk ${input.deskId} in the directory`, 'input.deskId');
    await ctx.db.getRepository(Desk).update({ id: desk.id }, { slaPolicy: policy.name });
    return Object.assign(desk, { slaPolicy: policy.name });
  }

  @Mutation(() => [HypercareWindow], { description: 'cpsd_admin: Hypercare terms for cases triaged at these desks in [startsAt, endsAt); safe to retry' })
  async scheduleHypercare(@Ctx() ctx: SubgraphContext, @Arg('input', () => ScheduleHypercareInput) input: ScheduleHypercareInput): Promise<HypercareWindow[]> {
    requireAdmin(ctx.principal);
    const { startsAt, endsAt } = input;
    if (endsAt.getTime() <= startsAt.getTime()) throw DomainError.badUserInput('endsAt must be after startsAt', 'input.endsAt');
    if (endsAt.getTime() - startsAt.getTime() > MAX_WINDOW_MS) throw DomainError.badUserInput('A Hypercare window is at most a year', 'input.endsAt');
    if (endsAt.getTime() <= Date.now()) throw DomainError.badUserInput('endsAt is in the past: the window would never apply', 'input.endsAt');
    const deskIds = [...new Set(input.deskIds ?? [])];
    if (!deskIds.length || deskIds.length > 100) throw DomainError.badUserInput('Name 1–100 desks', 'input.deskIds');
    return ctx.db.transaction(async (tx) => {
      const known = (await tx.query('SELECT id FROM elexon.desks WHERE id = ANY($1::text[])', [deskIds])) as { id: string }[];
      const unknown = deskIds.filter((id) => !known.some((k) => k.id === id));
      if (unknown.length) throw DomainError.badUserInput(`No desk ${unknown.join(', ')} in the directory`, 'input.deskIds');
      const windows: HypercareWindow[] = [];
      for (const deskId of deskIds) {
        // The same window twice is one window: a retry changes nothing.
        const [row] = (await tx.query(
          `INSERT INTO elexon.hypercare_windows (id, desk_id, starts_at, ends_at, created_by) VALUES ($1, $2, $3, $4, $5)
           ON CONFLICT (desk_id, starts_at, ends_at) DO UPDATE SET desk_id = EXCLUDED.desk_id
           RETURNING id, desk_id AS "deskId", starts_at AS "startsAt", ends_at AS "endsAt"`,
          [randomUUID(), deskId, startsAt, endsAt, ctx.principal.subject],
        )) as HypercareWindow[];
        if (row) windows.push(Object.assign(new HypercareWindow(), row));
      }
      return windows;
    });
  }

  @Mutation(() => Boolean, { description: 'cpsd_admin: end a Hypercare window now (cases already triaged keep their terms)' })
  async endHypercare(@Ctx() ctx: SubgraphContext, @Arg('id', () => ID) id: string): Promise<boolean> {
    requireAdmin(ctx.principal);
    if (!/^[0-9a-f-]{36}$/i.test(id)) throw DomainError.notFound('Hypercare window');
    // An UPDATE answers [rows, affected count] through TypeORM's query().
    const [rows] = (await ctx.db.query(
      `UPDATE elexon.hypercare_windows SET ends_at = GREATEST(starts_at + interval '1 millisecond', now()) WHERE id = $1 AND ends_at > now() RETURNING id`,
      [id],
    )) as [unknown[], number];
    if (!rows.length) throw DomainError.notFound('Hypercare window');
    return true;
  }
}

@Resolver(() => HypercareWindow)
export class HypercareWindowResolver {
  @FieldResolver(() => Desk)
  async desk(@Root() window: HypercareWindow, @Ctx() ctx: SubgraphContext): Promise<Desk> {
    const desk = await deskById(ctx, window.deskId);
    if (!desk) throw new Error(`hypercare window ${window.id} refers to a missing desk`);
    return desk;
  }
}

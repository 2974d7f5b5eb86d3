/** Thin GraphQL layer over CaseService: queries, mutations and the Case / Handoff field resolvers. */
import { Arg, Ctx, FieldResolver, ID, Int, Mutation, Query, Resolver, Root } from 'type-graphql';
import { AUTO_CLOSE_AFTER_DAYS, autoCloseDueAt } from '../../../schema/case-state';
import { DomainError } from '../../../schema/errors';
import { hasRole, type Principal } from '../../../schema/identity';
import { byKeys, type SubgraphContext } from '../../../platform/context';
import { queryOne } from '../../../platform/db';
import { DESK_PROFILE_TYPE } from '../../../platform/graphql-types';
import { CaseState, Party, Role } from '../../../schema/enums';
import { Desk } from '../directory/desk';
import { deskById, organisationById } from '../directory/directory.loaders';
import { Organisation } from '../directory/organisation';
import { MAJOR_INCIDENT_LEADS_SQL, accessTo, canSee, isResolver, visibilityParams, visibilityPredicate } from './case.access';
import {
  AcknowledgeHandoffInput,
  AddCommentInput,
  CaseFilter,
  CaseNoteInput,
  CaseReasonInput,
  CloseAsMisroutedInput,
  DEFAULT_PAGE_SIZE,
  DeskSuggestionInput,
  HandOffCaseInput,
  LinkChildCaseInput,
  MAX_PAGE_SIZE,
  PutCaseOnHoldInput,
  RaiseCaseInput,
  RejectHandoffInput,
  ResolveCaseInput,
  ResolveHandoffInput,
  RouteCaseInput,
  TriageCaseInput,
  UpdateHandoffInput,
} from './case.inputs';
import { suggestDesks } from '../directory/desk-suggestions';
import { CASE_COLUMNS, isUuid, toCase } from './case.repository';
import type { CaseService } from './case.service';
import { slaClock } from './case.steps';
import {
  Case,
  CaseConnection,
  CaseEdge,
  Comment,
  type CommentVisibility,
  Evidence,
  ExternalTicketReference,
  Handoff,
  RoutingSuggestion,
  Sla,
  TimelineEntry,
} from './case.types';
import { caseService } from './case.runtime';
import { PageInfo } from '../../../platform/graphql-types';

const HANDOFF_COLUMNS = `h.id, h.case_id AS "caseId", h.to_desk_id AS "toDeskId", h.party, h.reason, h.state,
  h.external_reference AS "externalReference", h.resolution, h.rejection_reason AS "rejectionReason",
  h.suggested_desk_id AS "suggestedDeskId", h.created_at AS "createdAt", h.updated_at AS "updatedAt"`;

function service(ctx: SubgraphContext): CaseService {
  return caseService(ctx.db);
}

/** What the caller may see of this case, computed once per case per request. */
async function caseAccess(ctx: SubgraphContext, c: Case) {
  const handoffDesks = await ctx
    .loader<string, string[]>('handoffDesksByCase', async (ids) => {
      const rows = (await ctx.db.query('SELECT case_id AS "caseId", to_desk_id AS "deskId" FROM elexon.handoffs WHERE case_id = ANY($1::uuid[])', [ids])) as {
        caseId: string;
        deskId: string;
      }[];
      return ids.map((id) => rows.filter((r) => r.caseId === id).map((r) => r.deskId));
    })
    .load(c.id);
  const leads = hasRole(ctx.principal, Role.MAJOR_INCIDENT_MANAGER)
    ? await ctx
        .loader<string, string[]>('majorIncidentLeadsByCase', async (ids) => {
          const rows = (await ctx.db.query(MAJOR_INCIDENT_LEADS_SQL, [ids])) as { caseId: string; leadOrgId: string }[];
          return ids.map((id) => rows.filter((r) => r.caseId === id).map((r) => r.leadOrgId));
        })
        .load(c.id)
    : [];
  return accessTo(ctx.principal, c.raisedByOrganisationId, c.deskId, handoffDesks ?? [], leads ?? []);
}

async function casesById(ctx: SubgraphContext, ids: readonly string[]): Promise<(Case | null)[]> {
  const valid = ids.filter(isUuid);
  const rows = valid.length
    ? ((await ctx.db.query(`SELECT ${CASE_COLUMNS} FROM elexon.cases c WHERE c.id = ANY($1::uuid[])`, [valid])) as Record<string, unknown>[])
    : [];
  return byKeys(ids, rows.map(toCase), (c) => c.id);
}

/** A visible case by id, batched; null when missing or not visible. */
export async function visibleCaseById(ctx: SubgraphContext, id: string): Promise<Case | null> {
  const c = await ctx.loader<string, Case>('caseById', (ids) => casesById(ctx, ids)).load(id);
  if (!c) return null;
  return canSee(await caseAccess(ctx, c)) ? c : null;
}

function encodeCursor(c: { raisedAt: Date; id: string }): string {
  return Buffer.from(`${c.raisedAt.toISOString()}|${c.id}`).toString('base64url');
}

function decodeCursor(cursor: string): { raisedAt: Date; id: string } {
  const [at, id] = Buffer.from(cursor, 'base64url').toString('utf8').split('|');
  const raisedAt = new Date(at ?? '');
  if (!id || !isUuid(id) || Number.isNaN(raisedAt.getTime())) throw DomainError.badUserInput('after is not a cursor from this API', 'after');
  return { raisedAt, id };
}

function principalOf(ctx: SubgraphContext): Principal {
  return ctx.principal;
}

@Resolver(() => Case)
export class CaseResolver {
  // ---- queries ---------------------------------------------------------------------------------------------------

  @Query(() => Case, { nullable: true, description: 'A case you may see; null otherwise (as if it did not exist)' })
  case(@Ctx() ctx: SubgraphContext, @Arg('id', () => ID) id: string): Promise<Case | null> {
    return isUuid(id) ? visibleCaseById(ctx, id) : Promise.resolve(null);
  }

  @Query(() => Case, { nullable: true })
  caseByReference(@Ctx() ctx: SubgraphContext, @Arg('reference', () => String) reference: string): Promise<Case | null> {
    return service(ctx).visibleCase(principalOf(ctx), { reference: reference.trim().toUpperCase() });
  }

  @Query(() => CaseConnection, { description: 'Cases you may see, newest first, as a cursor connection' })
  async cases(
    @Ctx() ctx: SubgraphContext,
    @Arg('filter', () => CaseFilter, { nullable: true }) filter?: CaseFilter | null,
    @Arg('first', () => Int, { nullable: true }) first?: number | null,
    @Arg('after', () => String, { nullable: true }) after?: string | null,
  ): Promise<CaseConnection> {
    const size = first ?? DEFAULT_PAGE_SIZE;
    if (!Number.isInteger(size) || size < 1 || size > MAX_PAGE_SIZE) throw DomainError.badUserInput(`first must be 1–${MAX_PAGE_SIZE}`, 'first');
    const params: unknown[] = [...visibilityParams(ctx.principal)];
    const where = [visibilityPredicate('$1', '$2', '$3', '$4')];
    const add = (sql: (p: string) => string, value: unknown) => {
      params.push(value);
      where.push(sql(`$${params.length}`));
    };
    // One desk (the usual queue) as an equality, so the (desk_id, raised_at, id) index can give the order.
    if (filter?.deskIds?.length === 1) add((p) => `c.desk_id = ${p}`, filter.deskIds[0]);
    else if (filter?.deskIds?.length) add((p) => `c.desk_id = ANY(${p}::text[])`, filter.deskIds);
    if (filter?.states?.length) add((p) => `c.state = ANY(${p}::text[])`, filter.states);
    if (filter?.priorities?.length) add((p) => `c.priority = ANY(${p}::text[])`, filter.priorities);
    if (filter?.type) add((p) => `c.type = ${p}`, filter.type);
    if (filter?.raisedByOrganisationId) add((p) => `c.raised_by_org = ${p}`, filter.raisedByOrganisationId);
    if (filter?.parentId) {
      if (!isUuid(filter.parentId)) throw DomainError.badUserInput('parentId is not a case id', 'filter.parentId');
      add((p) => `c.parent_id = ${p}::uuid`, filter.parentId);
    }
    if (filter?.text?.trim()) add((p) => `c.search @@ plainto_tsquery('english', ${p})`, filter.text.trim().slice(0, 200));
    if (filter?.categories?.length) add((p) => `c.category = ANY(${p}::text[])`, filter.categories);
    for (const [from, to, column] of [
      ['raisedFrom', 'raisedTo', 'raised_at'],
      ['resolvedFrom', 'resolvedTo', 'resolved_at'],
    ] as const) {
      const start = filter?.[from];
      const end = filter?.[to];
      if (start && end && start.getTime() >= end.getTime()) throw DomainError.badUserInput(`${to} must be after ${from}`, `filter.${to}`);
      if (start) add((p) => `c.${column} >= ${p}::timestamptz`, start);
      if (end) add((p) => `c.${column} < ${p}::timestamptz`, end);
    }
    if (filter?.breached !== undefined && filter?.breached !== null) {
      const breached = `(c.resolution_due_at < COALESCE(c.resolved_at, c.hold_started_at, now()) OR c.response_due_at < COALESCE(c.responded_at, c.resolved_at, now()))`;
      where.push(filter.breached ? breached : `NOT ${breached}`);
    }
    // The count is of the whole filtered set (not the page), and only runs when `totalCount` is asked for.
    const countSql = `SELECT count(*)::int AS n FROM elexon.cases c WHERE ${where.join(' AND ')}`;
    const countParams = [...params];
    if (after) {
      const cursor = decodeCursor(after);
      params.push(cursor.raisedAt, cursor.id);
      where.push(`(c.raised_at, c.id) < ($${params.length - 1}::timestamptz, $${params.length}::uuid)`);
    }
    params.push(size + 1);
    const rows = (await ctx.db.query(
      `SELECT ${CASE_COLUMNS} FROM elexon.cases c WHERE ${where.join(' AND ')} ORDER BY c.raised_at DESC, c.id DESC LIMIT $${params.length}`,
      params,
    )) as Record<string, unknown>[];
    const page = rows.slice(0, size).map(toCase);
    const edges = page.map((node) => Object.assign(new CaseEdge(), { cursor: encodeCursor(node), node }));
    return Object.assign(new CaseConnection(), {
      edges,
      pageInfo: Object.assign(new PageInfo(), { hasNextPage: rows.length > size, endCursor: edges.at(-1)?.cursor ?? null }),
      count: async () => (await queryOne<{ n: number }>(ctx.db, countSql, countParams)).n,
    });
  }

  @Query(() => [RoutingSuggestion], { description: 'Which desk to raise with, from an MPAN, a service or a category' })
  async suggestDesks(@Ctx() ctx: SubgraphContext, @Arg('input', () => DeskSuggestionInput) input: DeskSuggestionInput): Promise<RoutingSuggestion[]> {
    const suggestions = await suggestDesks(ctx.db.manager, { category: input.category ?? null, service: input.service ?? null, mpans: input.mpans ?? [] });
    return suggestions.map((s) => Object.assign(new RoutingSuggestion(), s));
  }

  // ---- mutations -------------------------------------------------------------------------------------------------

  @Mutation(() => Case, { description: 'Raise a case with a desk: category, subject and description are mandatory' })
  raiseCase(@Ctx() ctx: SubgraphContext, @Arg('input', () => RaiseCaseInput) input: RaiseCaseInput): Promise<Case> {
    return service(ctx).raiseCase(ctx.principal, input);
  }

  @Mutation(() => Case, { description: "The desk's triage: type, category, impact and urgency; priority is derived" })
  triageCase(@Ctx() ctx: SubgraphContext, @Arg('input', () => TriageCaseInput) input: TriageCaseInput): Promise<Case> {
    return service(ctx).triageCase(ctx.principal, input);
  }

  @Mutation(() => Case, { description: 'Transfer to the right desk; history is kept and the raiser is told' })
  routeCase(@Ctx() ctx: SubgraphContext, @Arg('input', () => RouteCaseInput) input: RouteCaseInput): Promise<Case> {
    return service(ctx).routeCase(ctx.principal, input);
  }

  @Mutation(() => Case, { description: 'Principle (a): resolve a misrouted case, naming the right desk and guidance' })
  closeAsMisrouted(@Ctx() ctx: SubgraphContext, @Arg('input', () => CloseAsMisroutedInput) input: CloseAsMisroutedInput): Promise<Case> {
    return service(ctx).closeAsMisrouted(ctx.principal, input);
  }

  @Mutation(() => Case, { description: 'Principle (c): raise the case with the party whose service has the issue' })
  handOffCase(@Ctx() ctx: SubgraphContext, @Arg('input', () => HandOffCaseInput) input: HandOffCaseInput): Promise<Case> {
    return service(ctx).handOffCase(ctx.principal, input);
  }

  @Mutation(() => Case, { description: 'Link a related case under a parent (e.g. many raisers, one outage); returns the parent' })
  linkChildCase(@Ctx() ctx: SubgraphContext, @Arg('input', () => LinkChildCaseInput) input: LinkChildCaseInput): Promise<Case> {
    return service(ctx).linkChildCase(ctx.principal, input);
  }

  @Mutation(() => Case, { description: 'Unlink a child from its parent; returns the child' })
  unlinkChildCase(
    @Ctx() ctx: SubgraphContext,
    @Arg('childId', () => ID) childId: string,
    @Arg('idempotencyKey', () => String, { nullable: true }) idempotencyKey?: string | null,
  ): Promise<Case> {
    return service(ctx).unlinkChildCase(ctx.principal, { childId, idempotencyKey: idempotencyKey ?? null });
  }

  @Mutation(() => Case)
  addComment(@Ctx() ctx: SubgraphContext, @Arg('input', () => AddCommentInput) input: AddCommentInput): Promise<Case> {
    return service(ctx).addComment(ctx.principal, input);
  }

  @Mutation(() => Case, { description: 'On Hold pauses the SLA clock' })
  putCaseOnHold(@Ctx() ctx: SubgraphContext, @Arg('input', () => PutCaseOnHoldInput) input: PutCaseOnHoldInput): Promise<Case> {
    return service(ctx).putCaseOnHold(ctx.principal, input);
  }

  @Mutation(() => Case, { description: 'Resume work; the SLA clock restarts' })
  resumeCase(@Ctx() ctx: SubgraphContext, @Arg('input', () => CaseNoteInput) input: CaseNoteInput): Promise<Case> {
    return service(ctx).resumeCase(ctx.principal, input);
  }

  @Mutation(() => Case, { description: 'Resolve (work-around or fix implemented); open children are resolved with it' })
  resolveCase(@Ctx() ctx: SubgraphContext, @Arg('input', () => ResolveCaseInput) input: ResolveCaseInput): Promise<Case> {
    return service(ctx).resolveCase(ctx.principal, input);
  }

  @Mutation(() => Case, { description: 'The raiser confirms the resolution; the case closes' })
  confirmResolution(@Ctx() ctx: SubgraphContext, @Arg('input', () => CaseNoteInput) input: CaseNoteInput): Promise<Case> {
    return service(ctx).confirmResolution(ctx.principal, input);
  }

  @Mutation(() => Case, { description: 'Reopen a resolved case, or a closed one within its reopen window; a comment is required' })
  reopenCase(@Ctx() ctx: SubgraphContext, @Arg('input', () => CaseReasonInput) input: CaseReasonInput): Promise<Case> {
    return service(ctx).reopenCase(ctx.principal, input);
  }

  @Mutation(() => Case, { description: 'The desk closes a resolved case' })
  closeCase(@Ctx() ctx: SubgraphContext, @Arg('input', () => CaseNoteInput) input: CaseNoteInput): Promise<Case> {
    return service(ctx).closeCase(ctx.principal, input);
  }

  @Mutation(() => Case, { description: 'Withdraw a case before it is resolved; a comment is required' })
  cancelCase(@Ctx() ctx: SubgraphContext, @Arg('input', () => CaseReasonInput) input: CaseReasonInput): Promise<Case> {
    return service(ctx).cancelCase(ctx.principal, input);
  }

  // ---- fields ----------------------------------------------------------------------------------------------------

  @FieldResolver(() => Desk)
  async desk(@Root() c: Case, @Ctx() ctx: SubgraphContext): Promise<Desk> {
    const desk = await deskById(ctx, c.deskId);
    if (!desk) throw new Error(`case ${c.id} refers to a missing desk`);
    return desk;
  }

  @FieldResolver(() => Organisation, { description: 'The organisation that raised it' })
  async raisedByOrganisation(@Root() c: Case, @Ctx() ctx: SubgraphContext): Promise<Organisation> {
    const organisation = await organisationById(ctx, c.raisedByOrganisationId);
    if (!organisation) throw new Error(`case ${c.id} refers to a missing organisation`);
    return organisation;
  }

  @FieldResolver(() => Sla)
  async sla(@Root() c: Case, @Ctx() ctx: SubgraphContext): Promise<Sla> {
    const holds =
      (await ctx
        .loader<string, { from: Date; to: Date | null }[]>('holdsByCase', async (ids) => {
          const rows = (await ctx.db.query(
            'SELECT case_id AS "caseId", started_at AS "from", ended_at AS "to" FROM elexon.case_holds WHERE case_id = ANY($1::uuid[])',
            [ids],
          )) as {
            caseId: string;
            from: Date;
            to: Date | null;
          }[];
          return ids.map((id) => rows.filter((r) => r.caseId === id));
        })
        .load(c.id)) ?? [];
    const { clock, hasResolutionTarget } = slaClock(c, holds, new Date());
    return Object.assign(new Sla(), {
      policy: c.slaPolicy,
      calendar: c.slaCalendar,
      responseDueAt: clock.responseDueAt,
      resolutionDueAt: hasResolutionTarget ? clock.resolutionDueAt : null,
      elapsedMinutes: clock.elapsedMinutes,
      remainingMinutes: hasResolutionTarget ? clock.remainingMinutes : null,
      elapsedPercent: hasResolutionTarget ? Math.round(clock.consumedRatio * 1000) / 10 : null,
      paused: clock.paused,
      responseBreached: clock.responseBreached,
      resolutionBreached: hasResolutionTarget && clock.resolutionBreached,
      breached: clock.responseBreached || (hasResolutionTarget && clock.resolutionBreached),
    });
  }

  @FieldResolver(() => Date, {
    nullable: true,
    description: `When a resolved case closes by itself unless the raiser answers (${AUTO_CLOSE_AFTER_DAYS} days, OM §10.3)`,
  })
  autoClosesAt(@Root() c: Case): Date | null {
    return c.state === CaseState.RESOLVED && c.resolvedAt ? autoCloseDueAt(c.resolvedAt) : null;
  }

  @FieldResolver(() => String, {
    nullable: true,
    description: 'Where the raiser hears of the case (their token’s email claim): for the CPSD’s own notifier (cpsd_admin) only, null to everyone else',
  })
  raiserEmail(@Root() c: Case, @Ctx() ctx: SubgraphContext): string | null {
    return hasRole(ctx.principal, Role.CPSD_ADMIN) ? (c.raiserEmail ?? null) : null;
  }

  @FieldResolver(() => Evidence, { description: 'MPANs and other evidence: only ever returned with a case you may see' })
  evidence(@Root() c: Case): Evidence {
    const e = c.evidenceData ?? {};
    return Object.assign(new Evidence(), {
      mpans: e.mpans ?? [],
      transactionIds: e.transactionIds ?? [],
      dipMessageIds: e.dipMessageIds ?? [],
      errorCodes: e.errorCodes ?? [],
      urls: e.urls ?? [],
    });
  }

  @FieldResolver(() => [Comment], { description: 'Customer-visible comments; work notes too for resolvers' })
  async comments(@Root() c: Case, @Ctx() ctx: SubgraphContext): Promise<Comment[]> {
    const resolver = isResolver(await caseAccess(ctx, c));
    const rows = (await ctx.db.query(
      `SELECT id, body, visibility, author_subject AS author, author_org AS "authorOrganisationId", created_at AS "createdAt"
       FROM elexon.case_comments WHERE case_id = $1 ${resolver ? '' : `AND visibility = 'CUSTOMER_VISIBLE'`} ORDER BY created_at, id`,
      [c.id],
    )) as Comment[];
    return rows.map((row) => Object.assign(new Comment(), row, { visibility: row.visibility as CommentVisibility }));
  }

  @FieldResolver(() => [TimelineEntry], { description: 'The audit trail; resolvers see every entry, the raiser the customer-visible ones' })
  async timeline(@Root() c: Case, @Ctx() ctx: SubgraphContext): Promise<TimelineEntry[]> {
    const resolver = isResolver(await caseAccess(ctx, c));
    const rows = (await ctx.db.query(
      `SELECT at, actor_subject AS actor, actor_org AS "actorOrganisationId", action, field, from_value AS "from", to_value AS "to", note
       FROM elexon.case_timeline WHERE case_id = $1 ${resolver ? '' : 'AND customer_visible'} ORDER BY id`,
      [c.id],
    )) as TimelineEntry[];
    return rows.map((row) => Object.assign(new TimelineEntry(), row));
  }

  @FieldResolver(() => Case, { nullable: true })
  parent(@Root() c: Case, @Ctx() ctx: SubgraphContext): Promise<Case | null> | null {
    return c.parentId ? visibleCaseById(ctx, c.parentId) : null;
  }

  @FieldResolver(() => [Case], { description: 'Linked child cases you may see' })
  async children(@Root() c: Case, @Ctx() ctx: SubgraphContext): Promise<Case[]> {
    const rows = (await ctx.db.query(`SELECT c.id FROM elexon.cases c WHERE c.parent_id = $1 ORDER BY c.raised_at`, [c.id])) as { id: string }[];
    const children = await Promise.all(rows.map((row) => visibleCaseById(ctx, row.id)));
    return children.filter((child): child is Case => child !== null);
  }

  @FieldResolver(() => Case, { nullable: true, description: 'The closed case this one follows on from' })
  referencesCase(@Root() c: Case, @Ctx() ctx: SubgraphContext): Promise<Case | null> | null {
    return c.referencesCaseId ? visibleCaseById(ctx, c.referencesCaseId) : null;
  }

  @FieldResolver(() => Desk, { nullable: true, description: 'For a case closed as misrouted: the right desk' })
  misroutedTo(@Root() c: Case, @Ctx() ctx: SubgraphContext): Promise<Desk | null> | null {
    return c.misroutedToDeskId ? deskById(ctx, c.misroutedToDeskId) : null;
  }

  @FieldResolver(() => [Handoff])
  async handoffs(@Root() c: Case, @Ctx() ctx: SubgraphContext): Promise<Handoff[]> {
    const resolver = isResolver(await caseAccess(ctx, c));
    const rows = (await ctx.db.query(`SELECT ${HANDOFF_COLUMNS} FROM elexon.handoffs h WHERE h.case_id = $1 ORDER BY h.created_at`, [c.id])) as Handoff[];
    // The raiser sees who has the case and in which state; reasons, notes and references stay with resolvers.
    return rows.map((row) =>
      Object.assign(new Handoff(), row, resolver ? {} : { reason: null, externalReference: null, resolution: null, rejectionReason: null }),
    );
  }

  @FieldResolver(() => [RoutingSuggestion], { description: 'Desks the directory suggests for this case (MPAN distributor, category)' })
  async routingSuggestions(@Root() c: Case, @Ctx() ctx: SubgraphContext): Promise<RoutingSuggestion[]> {
    const suggestions = await suggestDesks(ctx.db.manager, { category: c.category, mpans: c.evidenceData?.mpans ?? [], excludeDeskId: c.deskId });
    return suggestions.map((s) => Object.assign(new RoutingSuggestion(), s));
  }
}

@Resolver(() => Handoff)
export class HandoffResolver {
  @Mutation(() => Handoff, { description: 'The receiving party acknowledges, giving its own ticket reference' })
  acknowledgeHandoff(@Ctx() ctx: SubgraphContext, @Arg('input', () => AcknowledgeHandoffInput) input: AcknowledgeHandoffInput): Promise<Handoff> {
    return this.act(ctx, 'acknowledgeHandoff', input);
  }

  @Mutation(() => Handoff, { description: 'The receiving party reports progress' })
  updateHandoff(@Ctx() ctx: SubgraphContext, @Arg('input', () => UpdateHandoffInput) input: UpdateHandoffInput): Promise<Handoff> {
    return this.act(ctx, 'updateHandoff', input);
  }

  @Mutation(() => Handoff, { description: "The receiving party resolved its side; the resolution reaches the case's timeline" })
  resolveHandoff(@Ctx() ctx: SubgraphContext, @Arg('input', () => ResolveHandoffInput) input: ResolveHandoffInput): Promise<Handoff> {
    return this.act(ctx, 'resolveHandoff', input);
  }

  @Mutation(() => Handoff, { description: '"Not ours": the receiving party rejects, optionally naming the right desk' })
  rejectHandoff(@Ctx() ctx: SubgraphContext, @Arg('input', () => RejectHandoffInput) input: RejectHandoffInput): Promise<Handoff> {
    return this.act(ctx, 'rejectHandoff', input);
  }

  private async act(
    ctx: SubgraphContext,
    operation: 'acknowledgeHandoff' | 'updateHandoff' | 'resolveHandoff' | 'rejectHandoff',
    input: { handoffId: string; idempotencyKey?: string | null },
  ): Promise<Handoff> {
    await service(ctx).updateHandoffState(ctx.principal, operation, input);
    const handoff = await visibleHandoff(ctx, input.handoffId);
    if (!handoff) throw DomainError.notFound('Hand-off');
    return handoff;
  }

  @FieldResolver(() => Case)
  async case(@Root() handoff: Handoff, @Ctx() ctx: SubgraphContext): Promise<Case> {
    const c = await visibleCaseById(ctx, handoff.caseId);
    if (!c) throw DomainError.notFound('Case');
    return c;
  }

  @FieldResolver(() => Desk, { description: 'The desk the case was handed off to' })
  async toDesk(@Root() handoff: Handoff, @Ctx() ctx: SubgraphContext): Promise<Desk> {
    const desk = await deskById(ctx, handoff.toDeskId);
    if (!desk) throw new Error(`hand-off ${handoff.id} refers to a missing desk`);
    return desk;
  }

  @FieldResolver(() => Desk, { nullable: true, description: 'On rejection: the desk the party says is right' })
  suggestedDesk(@Root() handoff: Handoff, @Ctx() ctx: SubgraphContext): Promise<Desk | null> | null {
    return handoff.suggestedDeskId ? deskById(ctx, handoff.suggestedDeskId) : null;
  }

  @FieldResolver(() => ExternalTicketReference, { nullable: true, description: "The party's ticket, held by the party's subgraph" })
  externalTicket(@Root() handoff: Handoff): { __typename: string; handoffId: string } | null {
    if (handoff.party === Party.ELEXON) return null;
    return { __typename: DESK_PROFILE_TYPE[handoff.party as Party].replace('DeskProfile', 'ExternalTicket'), handoffId: handoff.id };
  }
}

@Resolver(() => RoutingSuggestion)
export class RoutingSuggestionResolver {
  @FieldResolver(() => Desk)
  async desk(@Root() suggestion: RoutingSuggestion, @Ctx() ctx: SubgraphContext): Promise<Desk> {
    const desk = await deskById(ctx, suggestion.deskId);
    if (!desk) throw new Error(`suggestion refers to a missing desk ${suggestion.deskId}`);
    return desk;
  }
}

/** A hand-off the caller may see (through its case). */
export async function visibleHandoff(ctx: SubgraphContext, id: string): Promise<Handoff | null> {
  if (!isUuid(id)) return null;
  const [row] = (await ctx.db.query(`SELECT ${HANDOFF_COLUMNS} FROM elexon.handoffs h WHERE h.id = $1`, [id])) as Handoff[];
  if (!row) return null;
  const c = await visibleCaseById(ctx, row.caseId);
  if (!c) return null;
  const resolver = isResolver(await caseAccess(ctx, c));
  return Object.assign(new Handoff(), row, resolver ? {} : { reason: null, externalReference: null, resolution: null, rejectionReason: null });
}

export const caseReferenceResolvers = {
  Case: { __resolveReference: (reference: { id: string }, ctx: SubgraphContext) => visibleCaseById(ctx, reference.id) },
  Handoff: { __resolveReference: (reference: { id: string }, ctx: SubgraphContext) => visibleHandoff(ctx, reference.id) },
};

@Resolver(() => CaseConnection)
export class CaseConnectionResolver {
  @FieldResolver(() => Int, { description: 'How many cases the filter matches, across every page' })
  totalCount(@Root() connection: CaseConnection): Promise<number> {
    return connection.count();
  }
}

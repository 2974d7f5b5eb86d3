/** Thin GraphQL layer over MajorIncidentService and CommsListService: queries, mutations and field resolvers. */
import { Arg, Ctx, FieldResolver, ID, Int, Mutation, Query, Resolver, Root } from 'type-graphql';
import { Service } from '../../../schema/enums';
import { DomainError } from '../../../schema/errors';
import { byKeys, type SubgraphContext } from '../../../platform/context';
import { visibleCaseById } from '../cases/case.resolver';
import { Case } from '../cases/case.types';
import { Desk } from '../directory/desk';
import { deskById, organisationById } from '../directory/directory.loaders';
import { Organisation } from '../directory/organisation';
import { canSeeMajorIncident, inMajorIncidentTeam, majorIncidentAccess } from './major-incident.access';
import {
  MajorIncidentCommsSubscriptionInput,
  MajorIncidentUpdateInput,
  PostIncidentReviewInput,
  ProposeMajorIncidentInput,
  ResolveMajorIncidentInput,
  ReviewMajorIncidentInput,
} from './major-incident.inputs';
import { commsListService, majorIncidentService } from './major-incident.runtime';
import { pirDueAt, pirOverdue, updateOverdue } from '../../../schema/major-incident';
import { PIR_COLUMNS, toPir } from './major-incident.service';
import {
  MajorIncident,
  MajorIncidentCommsEntry,
  MajorIncidentDecision,
  MajorIncidentState,
  MajorIncidentUpdate,
  type MajorIncidentUpdateKind,
  PostIncidentReview,
  StatusFeedEntry,
} from './major-incident.types';

const DEFAULT_LIST_SIZE = 50;
const MAX_LIST_SIZE = 200;

/** A major incident the caller may see, batched; null when missing or not visible. */
export async function visibleMajorIncidentById(ctx: SubgraphContext, id: string): Promise<MajorIncident | null> {
  const mi = await ctx
    .loader<string, MajorIncident>('majorIncidentById', async (ids) => byKeys(ids, await majorIncidentService(ctx.db).byIds(ids), (m) => m.id))
    .load(id);
  return mi && canSeeMajorIncident(ctx.principal, mi) ? mi : null;
}

function pirOf(ctx: SubgraphContext, majorIncidentId: string): Promise<PostIncidentReview | null> {
  return ctx
    .loader<string, PostIncidentReview>('pirByMajorIncident', async (ids) => {
      const rows = (await ctx.db.query(`SELECT ${PIR_COLUMNS} FROM elexon.mi_pirs p WHERE p.major_incident_id = ANY($1::uuid[])`, [ids])) as Record<
        string,
        unknown
      >[];
      return byKeys(ids, rows.map(toPir), (p) => p.majorIncidentId);
    })
    .load(majorIncidentId);
}

function inTeam(ctx: SubgraphContext, mi: MajorIncident): boolean {
  return inMajorIncidentTeam(majorIncidentAccess(ctx.principal, mi));
}

@Resolver(() => MajorIncident)
export class MajorIncidentResolver {
  // ---- queries ---------------------------------------------------------------------------------------------------

  @Query(() => [MajorIncident], { description: 'Major incidents you may see, newest first' })
  majorIncidents(
    @Ctx() ctx: SubgraphContext,
    @Arg('state', () => MajorIncidentState, { nullable: true }) state?: MajorIncidentState | null,
    @Arg('first', () => Int, { nullable: true }) first?: number | null,
  ): Promise<MajorIncident[]> {
    const size = first ?? DEFAULT_LIST_SIZE;
    if (!Number.isInteger(size) || size < 1 || size > MAX_LIST_SIZE) throw DomainError.badUserInput(`first must be 1–${MAX_LIST_SIZE}`, 'first');
    return majorIncidentService(ctx.db).list(ctx.principal, { state: state ?? null, first: size });
  }

  @Query(() => MajorIncident, { nullable: true, description: 'A major incident you may see; null otherwise' })
  majorIncident(@Ctx() ctx: SubgraphContext, @Arg('id', () => ID) id: string): Promise<MajorIncident | null> {
    return visibleMajorIncidentById(ctx, id);
  }

  @Query(() => [StatusFeedEntry], {
    description: 'The public status page: live major incidents and those resolved in the last 24 hours, with their latest published update',
  })
  majorIncidentStatusFeed(@Ctx() ctx: SubgraphContext): Promise<StatusFeedEntry[]> {
    return majorIncidentService(ctx.db).statusFeed();
  }

  // ---- mutations -------------------------------------------------------------------------------------------------

  @Mutation(() => MajorIncident, { description: 'Propose an open incident as a major incident candidate (its desk’s agents or a Major Incident Manager)' })
  proposeMajorIncident(
    @Ctx() ctx: SubgraphContext,
    @Arg('caseId', () => ID) caseId: string,
    @Arg('input', () => ProposeMajorIncidentInput) input: ProposeMajorIncidentInput,
  ): Promise<MajorIncident> {
    return majorIncidentService(ctx.db).propose(ctx.principal, caseId, input);
  }

  @Mutation(() => MajorIncident, {
    description:
      'A Major Incident Manager of the provider whose desk holds the case promotes the candidate (that provider leads, OM §5.24) or rejects it; a candidate on a desk of no Central Service Provider is reviewed by any Major Incident Manager, naming the lead',
  })
  reviewMajorIncident(
    @Ctx() ctx: SubgraphContext,
    @Arg('id', () => ID) id: string,
    @Arg('decision', () => MajorIncidentDecision) decision: MajorIncidentDecision,
    @Arg('input', () => ReviewMajorIncidentInput, { nullable: true }) input?: ReviewMajorIncidentInput | null,
  ): Promise<MajorIncident> {
    return majorIncidentService(ctx.db).review(ctx.principal, id, decision, input ?? {});
  }

  @Mutation(() => MajorIncident, { description: 'A comms update in business and impact language, with when the next one is due' })
  postMajorIncidentUpdate(
    @Ctx() ctx: SubgraphContext,
    @Arg('id', () => ID) id: string,
    @Arg('input', () => MajorIncidentUpdateInput) input: MajorIncidentUpdateInput,
  ): Promise<MajorIncident> {
    return majorIncidentService(ctx.db).postUpdate(ctx.principal, id, input);
  }

  @Mutation(() => MajorIncident, { description: 'Resolve: the case and the linked raisers’ cases are resolved, and resolution comms go out' })
  resolveMajorIncident(
    @Ctx() ctx: SubgraphContext,
    @Arg('id', () => ID) id: string,
    @Arg('resolution', () => String, { description: 'In business language: it reaches every participant and every linked raiser' }) resolution: string,
    @Arg('input', () => ResolveMajorIncidentInput, { nullable: true }) input?: ResolveMajorIncidentInput | null,
  ): Promise<MajorIncident> {
    return majorIncidentService(ctx.db).resolve(ctx.principal, id, resolution, input ?? {});
  }

  @Mutation(() => MajorIncident, { description: 'Record (or revise) the post-incident review (App. E template), due within 24 hours of resolution' })
  recordPostIncidentReview(
    @Ctx() ctx: SubgraphContext,
    @Arg('id', () => ID) id: string,
    @Arg('input', () => PostIncidentReviewInput) input: PostIncidentReviewInput,
  ): Promise<MajorIncident> {
    return majorIncidentService(ctx.db).recordPir(ctx.principal, id, input);
  }

  @Mutation(() => MajorIncident, { description: 'Raise the problem record that follows the post-incident review (a PROBLEM case at the lead desk); once' })
  raiseProblemFromPir(@Ctx() ctx: SubgraphContext, @Arg('id', () => ID) id: string): Promise<MajorIncident> {
    return majorIncidentService(ctx.db).raiseProblem(ctx.principal, id);
  }

  // ---- fields ----------------------------------------------------------------------------------------------------

  @FieldResolver(() => Boolean, { description: 'The next update is overdue: its due time has passed while the incident is live' })
  updateOverdue(@Root() mi: MajorIncident): boolean {
    return updateOverdue(mi, new Date());
  }

  @FieldResolver(() => [MajorIncidentUpdate], { description: 'The comms updates, oldest first' })
  async updates(@Root() mi: MajorIncident, @Ctx() ctx: SubgraphContext): Promise<MajorIncidentUpdate[]> {
    const updates = await ctx
      .loader<string, MajorIncidentUpdate[]>('miUpdatesByIncident', async (ids) => {
        const rows = (await ctx.db.query(
          `SELECT id, major_incident_id AS "majorIncidentId", kind, body, services, next_update_due_at AS "nextUpdateDueAt",
             industry_circular AS "industryCircular", status_page AS "statusPage", posted_at AS "postedAt"
           FROM elexon.mi_updates WHERE major_incident_id = ANY($1::uuid[]) ORDER BY posted_at, id`,
          [ids],
        )) as MajorIncidentUpdate[];
        return ids.map((id) =>
          rows.filter((r) => r.majorIncidentId === id).map((r) => Object.assign(new MajorIncidentUpdate(), r, { kind: r.kind as MajorIncidentUpdateKind })),
        );
      })
      .load(mi.id);
    return updates ?? [];
  }

  @FieldResolver(() => Case, { nullable: true, description: "The major incident's case, if you may see it" })
  case(@Root() mi: MajorIncident, @Ctx() ctx: SubgraphContext): Promise<Case | null> {
    return visibleCaseById(ctx, mi.caseId);
  }

  @FieldResolver(() => [Case], { description: "Raisers' cases linked under the major incident's case: only those you may see" })
  async linkedCases(@Root() mi: MajorIncident, @Ctx() ctx: SubgraphContext): Promise<Case[]> {
    const rows = (await ctx.db.query('SELECT id FROM elexon.cases WHERE parent_id = $1 ORDER BY raised_at, id', [mi.caseId])) as { id: string }[];
    const cases = await Promise.all(rows.map((row) => visibleCaseById(ctx, row.id)));
    return cases.filter((c): c is Case => c !== null);
  }

  @FieldResolver(() => Organisation, { nullable: true, description: 'The Central Service Provider that leads (set on promotion)' })
  lead(@Root() mi: MajorIncident, @Ctx() ctx: SubgraphContext): Promise<Organisation | null> | null {
    return mi.leadOrganisationId ? organisationById(ctx, mi.leadOrganisationId) : null;
  }

  @FieldResolver(() => Desk, { nullable: true, description: "The lead's desk, whose SLAs apply (OM §5.24)" })
  leadDesk(@Root() mi: MajorIncident, @Ctx() ctx: SubgraphContext): Promise<Desk | null> | null {
    return mi.leadDeskId ? deskById(ctx, mi.leadDeskId) : null;
  }

  @FieldResolver(() => [Organisation], { description: 'Other parties impacted, who receive the comms (e.g. Elexon when DCC leads)' })
  async impactedParties(@Root() mi: MajorIncident, @Ctx() ctx: SubgraphContext): Promise<Organisation[]> {
    const organisations = await Promise.all(mi.impactedOrganisationIds.map((id) => organisationById(ctx, id)));
    return organisations.filter((o): o is Organisation => o !== null);
  }

  @FieldResolver(() => PostIncidentReview, { nullable: true })
  pir(@Root() mi: MajorIncident, @Ctx() ctx: SubgraphContext): Promise<PostIncidentReview | null> {
    return pirOf(ctx, mi.id);
  }

  @FieldResolver(() => Date, { nullable: true, description: 'The post-incident review is due within 24 hours of resolution' })
  pirDueAt(@Root() mi: MajorIncident): Date | null {
    return pirDueAt(mi);
  }

  @FieldResolver(() => Boolean, { description: 'Resolved more than 24 hours ago and no post-incident review recorded' })
  async pirOverdue(@Root() mi: MajorIncident, @Ctx() ctx: SubgraphContext): Promise<boolean> {
    if (!mi.resolvedAt) return false;
    return pirOverdue(mi, (await pirOf(ctx, mi.id)) !== null, new Date());
  }

  @FieldResolver(() => Case, { nullable: true, description: 'The problem record raised from the review, if you may see it' })
  problemCase(@Root() mi: MajorIncident, @Ctx() ctx: SubgraphContext): Promise<Case | null> | null {
    return mi.problemCaseId ? visibleCaseById(ctx, mi.problemCaseId) : null;
  }

  @FieldResolver(() => String, { nullable: true, description: "The reviewer's note (MI team only)" })
  reviewNote(@Root() mi: MajorIncident, @Ctx() ctx: SubgraphContext): string | null {
    return inTeam(ctx, mi) ? mi.reviewNote : null;
  }

  @FieldResolver(() => String, { nullable: true, description: 'Who proposed it (MI team only)' })
  proposedBy(@Root() mi: MajorIncident, @Ctx() ctx: SubgraphContext): string | null {
    return inTeam(ctx, mi) ? mi.proposedBy : null;
  }

  @FieldResolver(() => String, { nullable: true, description: 'The Major Incident Manager who reviewed it (MI team only)' })
  reviewedBy(@Root() mi: MajorIncident, @Ctx() ctx: SubgraphContext): string | null {
    return inTeam(ctx, mi) ? mi.reviewedBy : null;
  }
}

@Resolver(() => MajorIncidentCommsEntry)
export class MajorIncidentCommsResolver {
  @Query(() => [MajorIncidentCommsEntry], { description: "Your organisation's entries on the MI comms list" })
  majorIncidentCommsEntries(@Ctx() ctx: SubgraphContext): Promise<MajorIncidentCommsEntry[]> {
    return commsListService(ctx.db).own(ctx.principal);
  }

  @Query(() => [MajorIncidentCommsEntry], { description: 'Everyone opted in for a service: for the comms bridges (a service identity) or a CPSD admin' })
  majorIncidentCommsList(@Ctx() ctx: SubgraphContext, @Arg('service', () => Service) service: Service): Promise<MajorIncidentCommsEntry[]> {
    return commsListService(ctx.db).forService(ctx.principal, service);
  }

  @Mutation(() => MajorIncidentCommsEntry, { description: 'Opt a person or address of your organisation into the MI comms list for some services' })
  subscribeToMajorIncidentComms(
    @Ctx() ctx: SubgraphContext,
    @Arg('input', () => MajorIncidentCommsSubscriptionInput) input: MajorIncidentCommsSubscriptionInput,
  ): Promise<MajorIncidentCommsEntry> {
    return commsListService(ctx.db).subscribe(ctx.principal, input);
  }

  @Mutation(() => Boolean, { description: "Remove one of your organisation's entries from the MI comms list" })
  unsubscribeFromMajorIncidentComms(@Ctx() ctx: SubgraphContext, @Arg('id', () => ID) id: string): Promise<boolean> {
    return commsListService(ctx.db).unsubscribe(ctx.principal, id);
  }

  @FieldResolver(() => Organisation)
  async organisation(@Root() entry: MajorIncidentCommsEntry, @Ctx() ctx: SubgraphContext): Promise<Organisation> {
    const organisation = await organisationById(ctx, entry.organisationId);
    if (!organisation) throw new Error(`comms list entry ${entry.id} refers to a missing organisation`);
    return organisation;
  }
}

export const majorIncidentReferenceResolvers = {
  MajorIncident: { __resolveReference: (reference: { id: string }, ctx: SubgraphContext) => visibleMajorIncidentById(ctx, reference.id) },
};

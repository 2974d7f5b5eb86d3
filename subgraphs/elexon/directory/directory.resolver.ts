/** Queries of the organisation hierarchy and the desk directory; every authenticated caller may read the directory. */
import { Arg, Ctx, Field, FieldResolver, ID, InputType, Query, Resolver, Root } from 'type-graphql';
import type { FindOptionsWhere } from 'typeorm';
import { ArrayContains } from 'typeorm';
import { Category, OrganisationKind, Party, Service } from '../../../schema/enums';
import type { SubgraphContext } from '../../../platform/context';
import { DeskProfileReference, DESK_PROFILE_TYPE } from '../../../platform/graphql-types';
import { Desk } from './desk';
import { elexonDeskProfiles } from './desk-profiles';
import { childrenOfOrganisation, deskById, desksOfOrganisation, organisationById } from './directory.loaders';
import { Organisation } from './organisation';

@InputType('DeskFilter')
export class DeskFilter {
  @Field(() => Service, { nullable: true })
  service?: Service | null;

  @Field(() => Category, { nullable: true })
  category?: Category | null;

  @Field(() => Party, { nullable: true })
  party?: Party | null;

  @Field(() => ID, { nullable: true })
  organisationId?: string | null;
}

@Resolver(() => Organisation)
export class OrganisationResolver {
  @Query(() => [Organisation], { description: 'The organisation directory' })
  organisations(@Ctx() ctx: SubgraphContext, @Arg('kind', () => OrganisationKind, { nullable: true }) kind?: OrganisationKind | null): Promise<Organisation[]> {
    return ctx.db.getRepository(Organisation).find({ where: kind ? { kind } : {}, order: { name: 'ASC' } });
  }

  @Query(() => Organisation, { nullable: true })
  organisation(@Ctx() ctx: SubgraphContext, @Arg('id', () => ID) id: string): Promise<Organisation | null> {
    return organisationById(ctx, id);
  }

  @FieldResolver(() => Organisation, { nullable: true })
  parent(@Root() organisation: Organisation, @Ctx() ctx: SubgraphContext): Promise<Organisation | null> | null {
    return organisation.parentId ? organisationById(ctx, organisation.parentId) : null;
  }

  @FieldResolver(() => [Organisation])
  children(@Root() organisation: Organisation, @Ctx() ctx: SubgraphContext): Promise<Organisation[]> {
    return childrenOfOrganisation(ctx, organisation.id);
  }

  @FieldResolver(() => [Desk])
  desks(@Root() organisation: Organisation, @Ctx() ctx: SubgraphContext): Promise<Desk[]> {
    return desksOfOrganisation(ctx, organisation.id);
  }
}

@Resolver(() => Desk)
export class DeskResolver {
  @Query(() => [Desk], { description: 'The desk directory, optionally narrowed to the desks that take a service or category' })
  desks(@Ctx() ctx: SubgraphContext, @Arg('filter', () => DeskFilter, { nullable: true }) filter?: DeskFilter | null): Promise<Desk[]> {
    const where: FindOptionsWhere<Desk> = {};
    if (filter?.service) where.services = ArrayContains([filter.service]);
    if (filter?.category) where.categories = ArrayContains([filter.category]);
    if (filter?.party) where.party = filter.party;
    if (filter?.organisationId) where.organisationId = filter.organisationId;
    return ctx.db.getRepository(Desk).find({ where, order: { name: 'ASC' } });
  }

  @Query(() => Desk, { nullable: true })
  desk(@Ctx() ctx: SubgraphContext, @Arg('id', () => ID) id: string): Promise<Desk | null> {
    return deskById(ctx, id);
  }

  @FieldResolver(() => Organisation)
  async organisation(@Root() desk: Desk, @Ctx() ctx: SubgraphContext): Promise<Organisation> {
    const organisation = await organisationById(ctx, desk.organisationId);
    if (!organisation) throw new Error(`desk ${desk.id} refers to a missing organisation`);
    return organisation;
  }

  @FieldResolver(() => DeskProfileReference, {
    nullable: true,
    description: 'Hours, contact method and coverage, from the part of the CPSD that holds the profile',
  })
  async profile(@Root() desk: Desk, @Ctx() ctx: SubgraphContext): Promise<object | null> {
    if (desk.party === Party.ELEXON) {
      const profile = await elexonDeskProfiles.load(ctx, desk.id);
      return profile && Object.assign(profile, { __typename: elexonDeskProfiles.typeName });
    }
    return { __typename: DESK_PROFILE_TYPE[desk.party], deskId: desk.id };
  }
}

export const directoryReferenceResolvers = {
  Organisation: {
    __resolveReference: (reference: { id: string }, ctx: SubgraphContext) => organisationById(ctx, reference.id),
  },
  Desk: {
    __resolveReference: (reference: { id: string }, ctx: SubgraphContext) => deskById(ctx, reference.id),
  },
};

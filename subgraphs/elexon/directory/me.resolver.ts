/** `me`: the caller's principal as the gateway established it — a quick check of what a token grants. */
import { Ctx, Field, ID, ObjectType, Query, Resolver } from 'type-graphql';
import { In } from 'typeorm';
import { Role } from '../../../schema/enums';
import type { SubgraphContext } from '../../../platform/context';
import { Desk } from './desk';
import { organisationById } from './directory.loaders';
import { Organisation } from './organisation';

@ObjectType('Me', { description: "The caller's principal: who, for which organisation, with which roles and desks" })
export class Me {
  @Field(() => ID)
  subject!: string;

  @Field(() => String, { description: 'USER for people, SERVICE for bridges and internal callers' })
  kind!: string;

  @Field(() => [Role])
  roles!: Role[];

  @Field(() => Organisation, { nullable: true })
  organisation!: Organisation | null;

  @Field(() => [Organisation], { description: 'Organisations whose cases this caller may see: its own and its descendants' })
  visibleOrganisations!: Organisation[];

  @Field(() => [Desk], { description: 'Desks this caller works as a desk agent' })
  desks!: Desk[];
}

@Resolver(() => Me)
export class MeResolver {
  @Query(() => Me)
  async me(@Ctx() ctx: SubgraphContext): Promise<Me> {
    const { principal } = ctx;
    const [organisation, visibleOrganisations, desks] = await Promise.all([
      organisationById(ctx, principal.organisationId),
      ctx.db.getRepository(Organisation).find({ where: { id: In(principal.visibleOrganisationIds) }, order: { name: 'ASC' } }),
      ctx.db.getRepository(Desk).find({ where: { id: In(principal.deskIds) }, order: { name: 'ASC' } }),
    ]);
    return Object.assign(new Me(), {
      subject: principal.subject,
      kind: principal.kind,
      roles: principal.roles,
      organisation,
      visibleOrganisations,
      desks,
    });
  }
}

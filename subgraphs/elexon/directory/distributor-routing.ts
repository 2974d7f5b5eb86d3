/**
 * Distributor → desk routing is the directory's (ADR 12): `elexon.desks.distributor_ids` says which LDSO MPAS help
 * desk answers for which MPAN distributor ids. The hub contributes the routing fields to the mpas subgraph's types —
 * `MeteringPoint.desk` and `MpasDeskProfile.distributorIds` — so the MPAN lookup, the desk profile and the hub's own
 * routing suggestions read one table.
 */
import { Ctx, Directive, Field, FieldResolver, ObjectType, Resolver, Root } from 'type-graphql';
import { validateMpan } from '../../../schema/mpan';
import type { SubgraphContext } from '../../../platform/context';
import { Desk } from './desk';
import { MpasDeskProfileReference } from './desk-profiles';
import { deskById } from './directory.loaders';

/** The mpas subgraph's MPAN lookup, keyed by the MPAN as it answered it; the hub adds the desk. */
@ObjectType('MeteringPoint')
@Directive('@key(fields: "mpan")')
export class MeteringPointRouting {
  @Field(() => String)
  mpan!: string;
}

/** The MPAS help desk answering for a distributor id (the first by name should two claim it), or null. */
export async function deskForDistributor(ctx: SubgraphContext, distributorId: string): Promise<string | null> {
  const deskId = await ctx
    .loader<string, string | null>('deskByDistributor', async (ids) => {
      const rows = (await ctx.db.query(
        `SELECT d.id, a.distributor_id AS "distributorId" FROM elexon.desks d CROSS JOIN LATERAL unnest(d.distributor_ids) AS a(distributor_id)
         WHERE a.distributor_id = ANY($1::text[]) ORDER BY d.name, d.id`,
        [[...ids]],
      )) as { id: string; distributorId: string }[];
      return ids.map((id) => rows.find((row) => row.distributorId === id)?.id ?? null);
    })
    .load(distributorId);
  return deskId ?? null;
}

@Resolver(() => MeteringPointRouting)
export class MeteringPointRoutingResolver {
  @FieldResolver(() => Desk, { nullable: true, description: 'The LDSO MPAS help desk to raise MPAN queries with' })
  async desk(@Root() point: MeteringPointRouting, @Ctx() ctx: SubgraphContext): Promise<Desk | null> {
    const check = validateMpan(point.mpan);
    if (!check.valid || !check.distributorId) return null;
    const deskId = await deskForDistributor(ctx, check.distributorId);
    return deskId ? deskById(ctx, deskId) : null;
  }
}

@Resolver(() => MpasDeskProfileReference)
export class MpasDeskProfileReferenceResolver {
  @FieldResolver(() => [String], { description: 'MPAN distributor ids this MPAS help desk answers for' })
  async distributorIds(@Root() profile: MpasDeskProfileReference, @Ctx() ctx: SubgraphContext): Promise<string[]> {
    const ids = await ctx
      .loader<string, string[]>('distributorIdsByDesk', async (deskIds) => {
        const rows = (await ctx.db.query('SELECT id, distributor_ids AS "distributorIds" FROM elexon.desks WHERE id = ANY($1::text[])', [[...deskIds]])) as {
          id: string;
          distributorIds: string[];
        }[];
        return deskIds.map((id) => [...(rows.find((row) => row.id === id)?.distributorIds ?? [])].sort());
      })
      .load(profile.deskId);
    return ids ?? [];
  }
}

export const distributorRoutingReferenceResolvers = {
  MeteringPoint: { __resolveReference: (reference: { mpan: string }) => Object.assign(new MeteringPointRouting(), { mpan: reference.mpan }) },
  MpasDeskProfile: { __resolveReference: (reference: { deskId: string }) => Object.assign(new MpasDeskProfileReference(), { deskId: reference.deskId }) },
};

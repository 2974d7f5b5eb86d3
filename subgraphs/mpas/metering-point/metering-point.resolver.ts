/** `meteringPoint(mpan)`: validates an MPAN and names the LDSO MPAS help desk that covers it. */
import { Arg, Ctx, FieldResolver, Query, Resolver, Root } from 'type-graphql';
import { In } from 'typeorm';
import { DomainError } from '../../../schema/errors';
import { distributorById, validateMpan } from '../../../schema/mpan';
import { byKeys, type SubgraphContext } from '../../../platform/context';
import { DistributorArea } from './distributor-area';
import { DeskReference, Distributor, MeteringPoint, type MpanProblem } from './metering-point';
import { mpasDeskProfiles } from '../desk-profiles';

function deskForDistributor(ctx: SubgraphContext, distributorId: string): Promise<DistributorArea | null> {
  return ctx
    .loader<string, DistributorArea>('distributorArea', async (ids) =>
      byKeys(ids, await ctx.db.getRepository(DistributorArea).findBy({ distributorId: In([...ids]) }), (a) => a.distributorId),
    )
    .load(distributorId);
}

@Resolver(() => MeteringPoint)
export class MeteringPointResolver {
  @Query(() => MeteringPoint, { description: 'Check an MPAN and find the LDSO MPAS help desk for it' })
  async meteringPoint(@Ctx() ctx: SubgraphContext, @Arg('mpan', () => String) mpan: string): Promise<MeteringPoint> {
    if (mpan.length > 64) throw DomainError.badUserInput('An MPAN is 13 digits (or a 21-digit supply number)', 'mpan');
    const check = validateMpan(mpan);
    const info = check.distributorId ? distributorById(check.distributorId) : undefined;
    const distributor = info
      ? Object.assign(new Distributor(), {
          id: info.distributorId,
          areaName: info.areaName,
          ldsoGroup: info.ldsoGroup,
          licensee: info.licensee,
          kind: info.kind,
        })
      : null;
    const area = check.valid && check.distributorId ? await deskForDistributor(ctx, check.distributorId) : null;
    return Object.assign(new MeteringPoint(), {
      mpan: check.core ?? mpan.trim(),
      valid: check.valid,
      problem: check.valid ? null : (check.reason as MpanProblem),
      distributor,
      desk: area ? Object.assign(new DeskReference(), { id: area.deskId }) : null,
    });
  }
}

@Resolver(() => mpasDeskProfiles.type)
export class MpasDeskProfileResolver {
  @FieldResolver(() => [String], { description: 'MPAN distributor ids this MPAS help desk answers for' })
  async distributorIds(@Root() profile: { deskId: string }, @Ctx() ctx: SubgraphContext): Promise<string[]> {
    const areas = await ctx
      .loader<string, DistributorArea[]>('distributorAreasByDesk', async (deskIds) => {
        const rows = await ctx.db.getRepository(DistributorArea).find({ where: { deskId: In([...deskIds]) }, order: { distributorId: 'ASC' } });
        return deskIds.map((id) => rows.filter((row) => row.deskId === id));
      })
      .load(profile.deskId);
    return (areas ?? []).map((area) => area.distributorId);
  }
}

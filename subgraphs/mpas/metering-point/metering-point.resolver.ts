/** `meteringPoint(mpan)`: validates an MPAN and names its distributor; the hub's directory adds the desk covering it. */
import { Arg, Query, Resolver } from 'type-graphql';
import { DomainError } from '../../../schema/errors';
import { distributorById, validateMpan } from '../../../schema/mpan';
import { Distributor, MeteringPoint, type MpanProblem } from './metering-point';

@Resolver(() => MeteringPoint)
export class MeteringPointResolver {
  @Query(() => MeteringPoint, { description: 'Check an MPAN and find the LDSO MPAS help desk for it' })
  meteringPoint(@Arg('mpan', () => String) mpan: string): MeteringPoint {
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
    return Object.assign(new MeteringPoint(), {
      mpan: check.core ?? mpan.trim(),
      valid: check.valid,
      problem: check.valid ? null : (check.reason as MpanProblem),
      distributor,
    });
  }
}

/** `_entities` for a MeteringPoint the hub's plan carries back: the lookup again, from its key. */
export const meteringPointReferenceResolvers = {
  MeteringPoint: { __resolveReference: (reference: { mpan: string }) => new MeteringPointResolver().meteringPoint(reference.mpan) },
};

/** The mpas subgraph: the CPSD's face of every LDSO's service desk and MPAS help desk, and MPAN checks. */
import { Party } from '../../schema/enums';
import { partySubgraph } from '../../platform/party-subgraph';
import { mpasDeskProfiles } from './desk-profiles';
import { MeteringPointResolver, meteringPointReferenceResolvers } from './metering-point/metering-point.resolver';
import { DistributorAreas1763900000200 } from './migrations/1763900000200-distributor-areas';
import { DistributorRoutingInDirectory1763900000300 } from './migrations/1763900000300-distributor-routing-in-directory';

export const mpas = partySubgraph({
  name: 'mpas',
  party: Party.MPAS,
  ticketTypeName: 'MpasExternalTicket',
  profiles: mpasDeskProfiles,
  migrations: [DistributorAreas1763900000200, DistributorRoutingInDirectory1763900000300],
  resolvers: [MeteringPointResolver],
  referenceResolvers: meteringPointReferenceResolvers,
});

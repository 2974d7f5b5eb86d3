/** The mpas subgraph: the CPSD's face of every LDSO's service desk and MPAS help desk, and MPAN routing. */
import type { DataSource } from 'typeorm';
import { MPAS_DESK_BY_DISTRIBUTOR } from '../../demo/market';
import { Party } from '../../schema/enums';
import { partySubgraph } from '../../platform/party-subgraph';
import { mpasDeskProfiles } from './desk-profiles';
import { DistributorArea } from './metering-point/distributor-area';
import { MeteringPointResolver, MpasDeskProfileResolver } from './metering-point/metering-point.resolver';
import { DistributorAreas1763900000200 } from './migrations/1763900000200-distributor-areas';

async function seed(db: DataSource): Promise<void> {
  const rows = [...MPAS_DESK_BY_DISTRIBUTOR].map(([distributorId, deskId]) => ({ distributorId, deskId }));
  await db.getRepository(DistributorArea).createQueryBuilder().insert().values(rows).orIgnore().execute();
}

export const mpas = partySubgraph({
  name: 'mpas',
  party: Party.MPAS,
  ticketTypeName: 'MpasExternalTicket',
  profiles: mpasDeskProfiles,
  entities: [DistributorArea],
  migrations: [DistributorAreas1763900000200],
  resolvers: [MeteringPointResolver, MpasDeskProfileResolver],
  seed,
});

/** The mpas subgraph: the CPSD's face of every LDSO's service desk and MPAS help desk, and MPAN routing. */
import type { DataSource } from 'typeorm';
import { MPAS_DESK_BY_DISTRIBUTOR } from '../../demo/market';
import { buildFederatedSchema } from '../../platform/federation';
import type { SubgraphDefinition } from '../../platform/subgraph';
import { mpasDeskProfiles } from './desk-profiles';
import { DistributorArea } from './metering-point/distributor-area';
import { MeteringPointResolver, MpasDeskProfileResolver } from './metering-point/metering-point.resolver';
import { DistributorAreas1763900000200 } from './migrations/1763900000200-distributor-areas';

async function seed(db: DataSource): Promise<void> {
  await mpasDeskProfiles.seed(db);
  const rows = [...MPAS_DESK_BY_DISTRIBUTOR].map(([distributorId, deskId]) => ({ distributorId, deskId }));
  await db.getRepository(DistributorArea).createQueryBuilder().insert().values(rows).orIgnore().execute();
}

export const mpas: SubgraphDefinition = {
  name: 'mpas',
  entities: [mpasDeskProfiles.entity, DistributorArea],
  migrations: [mpasDeskProfiles.migration, DistributorAreas1763900000200],
  build: () =>
    buildFederatedSchema({
      resolvers: [MeteringPointResolver, MpasDeskProfileResolver, mpasDeskProfiles.resolver],
      orphanedTypes: [mpasDeskProfiles.type],
      referenceResolvers: mpasDeskProfiles.referenceResolvers,
    }),
  seed,
};

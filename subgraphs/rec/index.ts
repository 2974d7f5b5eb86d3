/** The rec subgraph: the CPSD's face of RECCo's desks (REC Help Desk, EES Service Desk). */
import { Party } from '../../schema/enums';
import { defineDeskProfiles } from '../../platform/desk-profile';
import { buildFederatedSchema } from '../../platform/federation';
import type { SubgraphDefinition } from '../../platform/subgraph';

const profiles = defineDeskProfiles(Party.REC, 'rec');

export const rec: SubgraphDefinition = {
  name: 'rec',
  entities: [profiles.entity],
  migrations: [profiles.migration],
  build: () =>
    buildFederatedSchema({
      resolvers: [profiles.resolver],
      orphanedTypes: [profiles.type],
      referenceResolvers: profiles.referenceResolvers,
    }),
  seed: profiles.seed,
};

/** The dcc subgraph: the CPSD's face of DCC's desks (DCC Service Desk, Switching Service Desk). */
import { Party } from '../../schema/enums';
import { defineDeskProfiles } from '../../platform/desk-profile';
import { buildFederatedSchema } from '../../platform/federation';
import type { SubgraphDefinition } from '../../platform/subgraph';

const profiles = defineDeskProfiles(Party.DCC, 'dcc');

export const dcc: SubgraphDefinition = {
  name: 'dcc',
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

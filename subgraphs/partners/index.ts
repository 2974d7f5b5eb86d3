/** The partners subgraph: the CPSD's face of suppliers', DCPs', software providers' and ElectraLink's desks. */
import { Party } from '../../schema/enums';
import { defineDeskProfiles } from '../../platform/desk-profile';
import { buildFederatedSchema } from '../../platform/federation';
import type { SubgraphDefinition } from '../../platform/subgraph';

const profiles = defineDeskProfiles(Party.PARTNERS, 'partners');

export const partners: SubgraphDefinition = {
  name: 'partners',
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

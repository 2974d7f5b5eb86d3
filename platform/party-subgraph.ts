/**
 * What every party subgraph (mpas, dcc, rec, partners) is made of: its desks' profiles (with their bridge
 * registration), the external tickets it holds for hand-offs and the outbox their `ticket.*` events leave by, plus
 * whatever is particular to the party.
 */
import type { DataSource } from 'typeorm';
import type { EntityClass, MigrationClass } from './db';
import type { MarketDirectory } from './market';
import type { ClassType, NonEmptyArray } from 'type-graphql';
import type { SubgraphName } from './config';
import type { Party } from '../schema/enums';
import { defineDeskProfiles } from './desk-profile';
import { defineExternalTickets } from './external-ticket';
import { buildFederatedSchema, mergeResolverMaps, type ReferenceResolvers } from './federation';
import { createOutboxWriter, outboxMigrations } from './outbox';
import type { SubgraphDefinition } from './subgraph';

export interface PartySubgraphOptions {
  name: SubgraphName;
  party: Party;
  /** GraphQL name of the party's external-ticket type, e.g. `DccExternalTicket`. */
  ticketTypeName: string;
  /** The desk-profile definition, when the party adds fields to it (otherwise one is made). */
  profiles?: ReturnType<typeof defineDeskProfiles>;
  entities?: EntityClass[];
  migrations?: MigrationClass[];
  resolvers?: ClassType[];
  referenceResolvers?: ReferenceResolvers;
  seed?: (db: DataSource, market: MarketDirectory) => Promise<void>;
}

export function partySubgraph(options: PartySubgraphOptions): SubgraphDefinition {
  const profiles = options.profiles ?? defineDeskProfiles(options.party, options.name);
  const tickets = defineExternalTickets(options.party, options.name, options.ticketTypeName, createOutboxWriter(options.name, options.name));
  return {
    name: options.name,
    entities: [profiles.entity, tickets.entity, ...(options.entities ?? [])],
    migrations: [profiles.migration, tickets.migration, ...outboxMigrations(options.name), profiles.bridgeMigration, ...(options.migrations ?? [])],
    build: () =>
      buildFederatedSchema({
        resolvers: [profiles.resolver, profiles.fieldResolver, tickets.resolver, ...(options.resolvers ?? [])] as NonEmptyArray<ClassType>,
        orphanedTypes: [profiles.type, tickets.type],
        referenceResolvers: mergeResolverMaps(profiles.referenceResolvers, tickets.referenceResolvers, options.referenceResolvers ?? {}),
      }),
    seed: async (db, market) => {
      await profiles.seed(db, market);
      await options.seed?.(db, market);
    },
    // `ticket.*` events (written with each ticket change) reach the delivery engine through the bus.
    outbox: true,
    consumers: [tickets.consumer],
  };
}

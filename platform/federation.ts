/** The one federated-schema builder every subgraph uses: type-graphql classes → subgraph schema with entity resolvers. */
import 'reflect-metadata';
import { buildSubgraphSchema } from '@apollo/subgraph';
import { printSchemaWithDirectives } from '@graphql-tools/utils';
import { parse, type GraphQLSchema } from 'graphql';
import { buildSchemaSync, createResolversMap, type NonEmptyArray } from 'type-graphql';

export const FEDERATION_LINK =
  'extend schema @link(url: "https://specs.apollo.dev/federation/v2.7", import: ["@key", "@shareable", "@external", "@requires", "@provides", "@interfaceObject", "@inaccessible"])';

const GATEWAY_SERVED_PUBSUB = {
  publish(): void {
    throw new Error('subgraphs publish through the outbox, not a PubSub');
  },
  subscribe(): AsyncIterable<never> {
    throw new Error('subscriptions are served by the gateway over graphql-ws');
  },
};

/** Per type: field resolvers and `__resolveReference` / `__resolveType`. */
export type ReferenceResolvers = Record<string, Record<string, unknown>>;

export interface FederatedSchemaOptions {
  resolvers: NonEmptyArray<Function>;
  /** Entity-only and interface-implementing types no query reaches directly. */
  orphanedTypes?: Function[];
  referenceResolvers?: ReferenceResolvers;
}

/** Merges resolver maps type by type: spreading whole maps would drop an entity's field resolvers. */
export function mergeResolverMaps(...maps: ReferenceResolvers[]): ReferenceResolvers {
  const merged: ReferenceResolvers = {};
  for (const map of maps) {
    for (const [typeName, fields] of Object.entries(map)) {
      merged[typeName] = { ...(merged[typeName] ?? {}), ...fields };
    }
  }
  return merged;
}

/** The subgraph SDL (with federation directives), as composition and the gateway see it. */
export function subgraphSdl(schema: GraphQLSchema): string {
  return `${FEDERATION_LINK}\n\n${printSchemaWithDirectives(schema)}`;
}

export function buildFederatedSchema(options: FederatedSchemaOptions): { schema: GraphQLSchema; sdl: string } {
  const typeGraphqlSchema = buildSchemaSync({
    resolvers: options.resolvers,
    // Subgraphs only declare subscription fields (the gateway serves them); type-graphql still wants a PubSub.
    pubSub: GATEWAY_SERVED_PUBSUB,
    orphanedTypes: options.orphanedTypes ?? [],
    skipCheck: true,
    validate: false,
  });
  const sdl = subgraphSdl(typeGraphqlSchema);
  const resolvers = mergeResolverMaps(
    createResolversMap(typeGraphqlSchema) as ReferenceResolvers,
    options.referenceResolvers ?? {},
  );
  const schema = buildSubgraphSchema({ typeDefs: parse(sdl), resolvers: resolvers as never });
  return { schema, sdl };
}

/** The one federated-schema builder every subgraph uses: type-graphql classes → subgraph schema with entity resolvers. */
import 'reflect-metadata';
import { buildSubgraphSchema } from '@apollo/subgraph';
import { printSchemaWithDirectives } from '@graphql-tools/utils';
import {
  BREAK,
  getArgumentValues,
  getNullableType,
  getVariableValues,
  isInputObjectType,
  isListType,
  isScalarType,
  parse,
  TypeInfo,
  visit,
  visitWithTypeInfo,
  type DocumentNode,
  type GraphQLInputType,
  type GraphQLSchema,
  type OperationDefinitionNode,
} from 'graphql';
import { buildSchemaSync, createResolversMap, type ClassType, type NonEmptyArray } from 'type-graphql';
import { findForbiddenCharacter, type ForbiddenCharacter } from '../schema/text';

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
  resolvers: NonEmptyArray<ClassType>;
  /** Entity-only and interface-implementing types no query reaches directly. */
  orphanedTypes?: ClassType[];
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
  const resolvers = mergeResolverMaps(createResolversMap(typeGraphqlSchema) as ReferenceResolvers, options.referenceResolvers ?? {});
  const schema = buildSubgraphSchema({ typeDefs: parse(sdl), resolvers: resolvers as never });
  return { schema, sdl };
}

export interface ForbiddenArgumentText {
  /** The argument path as the API names it, e.g. `input.subject` or `input.evidence[1].text`. */
  field: string;
  found: ForbiddenCharacter;
}

/**
 * The first String or ID argument value in `operation` (literals and variables alike, after coercion, through input
 * objects and lists, fragments included) holding a character client text may not (schema/text.ts), or null.
 * Arguments that do not coerce are left for execution to refuse with its own message.
 */
export function findForbiddenArgumentText(
  schema: GraphQLSchema,
  document: DocumentNode,
  operation: OperationDefinitionNode,
  variables: Record<string, unknown> | undefined,
): ForbiddenArgumentText | null {
  const coerced = getVariableValues(schema, operation.variableDefinitions ?? [], variables ?? {});
  if (coerced.errors) return null;
  const variableValues = coerced.coerced;
  const typeInfo = new TypeInfo(schema);
  let result: ForbiddenArgumentText | null = null;
  visit(
    document,
    visitWithTypeInfo(typeInfo, {
      // Only the operation being run: a document may carry others, with variables of their own.
      OperationDefinition: (node) => (node === operation ? undefined : false),
      Field(node) {
        const definition = typeInfo.getFieldDef();
        if (!definition || definition.args.length === 0) return undefined;
        // Representations are the gateway's own query plan, built from data already stored, not client text.
        if (definition.name === '_entities') return undefined;
        let values: Record<string, unknown>;
        try {
          values = getArgumentValues(definition, node, variableValues);
        } catch {
          return undefined;
        }
        for (const argument of definition.args) {
          result = forbiddenIn(values[argument.name], argument.type, argument.name);
          if (result) return BREAK;
        }
        return undefined;
      },
    }),
  );
  return result;
}

function forbiddenIn(value: unknown, type: GraphQLInputType, path: string): ForbiddenArgumentText | null {
  if (value === null || value === undefined) return null;
  const nullable = getNullableType(type);
  if (isListType(nullable)) {
    if (!Array.isArray(value)) return null;
    for (let i = 0; i < value.length; i++) {
      const found = forbiddenIn(value[i], nullable.ofType, `${path}[${i}]`);
      if (found) return found;
    }
    return null;
  }
  if (isInputObjectType(nullable)) {
    for (const field of Object.values(nullable.getFields())) {
      const found = forbiddenIn((value as Record<string, unknown>)[field.name], field.type, `${path}.${field.name}`);
      if (found) return found;
    }
    return null;
  }
  if (isScalarType(nullable) && (nullable.name === 'String' || nullable.name === 'ID') && typeof value === 'string') {
    const found = findForbiddenCharacter(value);
    return found ? { field: path, found } : null;
  }
  return null;
}

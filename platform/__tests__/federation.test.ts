import 'reflect-metadata';
import { describe, expect, it } from 'vitest';
import { Arg, Directive, Field, FieldResolver, ID, ObjectType, Query, Resolver, Root } from 'type-graphql';
import { buildFederatedSchema, mergeResolverMaps, type ReferenceResolvers } from '../federation';

const resolveReference = (reference: { id: string }) => ({ id: reference.id });
const title = (root: { id: string }) => `Case ${root.id}`;
const organisation = () => null;
const resolveType = () => 'Desk';

describe('mergeResolverMaps', () => {
  it('keeps both a type’s field resolvers and its __resolveReference when they come from different maps', () => {
    const fromClasses: ReferenceResolvers = { Case: { title, organisation }, Query: { cases: () => [] } };
    const fromReferences: ReferenceResolvers = { Case: { __resolveReference: resolveReference } };
    const merged = mergeResolverMaps(fromClasses, fromReferences);
    expect(merged.Case.title).toBe(title);
    expect(merged.Case.organisation).toBe(organisation);
    expect(merged.Case.__resolveReference).toBe(resolveReference);
    expect(Object.keys(merged.Case).sort()).toEqual(['__resolveReference', 'organisation', 'title']);
    // The pitfall the helper exists for: a plain spread of the maps loses the field resolvers.
    expect({ ...fromClasses, ...fromReferences }.Case).not.toHaveProperty('title');
  });

  it('keeps them whatever the order of the maps', () => {
    const merged = mergeResolverMaps({ Case: { __resolveReference: resolveReference } }, { Case: { title } });
    expect(merged.Case).toEqual({ __resolveReference: resolveReference, title });
  });

  it('keeps types present in only one map, and merges across more than two maps', () => {
    const merged = mergeResolverMaps(
      { Query: { cases: organisation } },
      { Desk: { __resolveReference: resolveReference } },
      { Desk: { label: title }, DeskLike: { __resolveType: resolveType } },
    );
    expect(Object.keys(merged).sort()).toEqual(['Desk', 'DeskLike', 'Query']);
    expect(merged.Query.cases).toBe(organisation);
    expect(merged.Desk).toEqual({ __resolveReference: resolveReference, label: title });
    expect(merged.DeskLike.__resolveType).toBe(resolveType);
  });

  it('lets a later map override the same field of the same type (reference resolvers are passed last)', () => {
    const later = () => 'later';
    const merged = mergeResolverMaps({ Case: { title, organisation } }, { Case: { title: later } });
    expect(merged.Case.title).toBe(later);
    expect(merged.Case.organisation).toBe(organisation);
  });

  it('does not modify its inputs', () => {
    const a: ReferenceResolvers = { Case: { title } };
    const b: ReferenceResolvers = { Case: { __resolveReference: resolveReference } };
    mergeResolverMaps(a, b);
    expect(a).toEqual({ Case: { title } });
    expect(b).toEqual({ Case: { __resolveReference: resolveReference } });
  });

  it('merges nothing into an empty map', () => {
    expect(mergeResolverMaps()).toEqual({});
    expect(mergeResolverMaps({}, {})).toEqual({});
  });
});

// An entity with a computed field (a type-graphql field resolver) and a reference resolver supplied separately,
// as every subgraph's desk profile is built.
@ObjectType('FederationTestWidget')
@Directive('@key(fields: "id")')
class Widget {
  @Field(() => ID)
  id!: string;

  @Field(() => String)
  colour!: string;
}

@Resolver(() => Widget)
class WidgetResolver {
  @Query(() => Widget, { nullable: true })
  federationTestWidget(@Arg('id', () => ID) id: string): Widget {
    return Object.assign(new Widget(), { id, colour: 'red' });
  }

  @FieldResolver(() => String)
  label(@Root() widget: Widget): string {
    return `${widget.colour} widget ${widget.id}`;
  }
}

/**
 * The schema comes from @apollo/subgraph, which (as a CommonJS package) uses graphql's CommonJS build; under vitest an
 * ES `import { graphql } from 'graphql'` would load the .mjs build, a second copy that refuses the schema. Execute
 * with the copy the schema was built with, as the subgraph's Apollo Server does.
 */
const { graphql } = require('graphql') as typeof import('graphql');

describe('buildFederatedSchema', () => {
  const { schema, sdl } = buildFederatedSchema({
    resolvers: [WidgetResolver],
    referenceResolvers: {
      FederationTestWidget: {
        __resolveReference: (reference: { id: string }) => Object.assign(new Widget(), { id: reference.id, colour: 'blue' }),
      },
    },
  });

  it('resolves an entity reference through __resolveReference and still runs its field resolvers', async () => {
    const result = await graphql({
      schema,
      source: `query ($representations: [_Any!]!) {
        _entities(representations: $representations) { ... on FederationTestWidget { id colour label } }
      }`,
      variableValues: { representations: [{ __typename: 'FederationTestWidget', id: 'w-7' }] },
    });
    expect(result.errors).toBeUndefined();
    expect(result.data).toEqual({ _entities: [{ id: 'w-7', colour: 'blue', label: 'blue widget w-7' }] });
  });

  it('still serves the ordinary query with its field resolver', async () => {
    const result = await graphql({ schema, source: '{ federationTestWidget(id: "w-1") { id label } }' });
    expect(result.errors).toBeUndefined();
    expect(result.data).toEqual({ federationTestWidget: { id: 'w-1', label: 'red widget w-1' } });
  });

  it('emits the federation link and the @key in the subgraph SDL', () => {
    expect(sdl).toContain('@link(url: "https://specs.apollo.dev/federation/v2.7"');
    expect(sdl).toMatch(/type FederationTestWidget @key\(fields: "id"\)/);
  });
});

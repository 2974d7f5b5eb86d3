import { describe, expect, it } from 'vitest';
import { buildSchema, parse, specifiedRules, validate, type GraphQLError } from 'graphql';
import { maskError } from '../../platform/errors';
import { checkOperationLimits, operationLimitsRule, type OperationLimits } from '../limits';

/** A small recursive schema: every level can go one deeper, and lists take `first` / `last`. */
const schema = buildSchema(/* GraphQL */ `
  type Query {
    node(id: ID): Node
    nodes(first: Int, last: Int): [Node!]!
  }
  type Node {
    id: ID!
    name: String
    child: Node
    left: Node
    right: Node
    children(first: Int, last: Int): [Node!]!
  }
`);

const GENEROUS: OperationLimits = { maxDepth: 1_000, maxAliases: 1_000, maxCost: 1_000_000 };

function validateWith(document: string, limits: Partial<OperationLimits> = {}): readonly GraphQLError[] {
  return validate(schema, parse(document), [...specifiedRules, operationLimitsRule({ ...GENEROUS, ...limits })]);
}

/**
 * A limit refusal is a validation error like any other (Apollo reports them all as GRAPHQL_VALIDATION_FAILED); the
 * `limit` extension is what tells it apart and says which limit was exceeded.
 */
function limitErrors(errors: readonly GraphQLError[]): GraphQLError[] {
  return errors.filter((error) => error.extensions.limit !== undefined);
}

/** Errors that are not ours: the documents under test must be valid GraphQL, or a pass would prove nothing. */
function otherErrors(errors: readonly GraphQLError[]): GraphQLError[] {
  return errors.filter((error) => error.extensions.limit === undefined);
}

type LimitName = 'depth' | 'aliases' | 'cost';
const OPTION: Record<LimitName, keyof OperationLimits> = { depth: 'maxDepth', aliases: 'maxAliases', cost: 'maxCost' };

/**
 * Asserts that the document measures exactly `value` for `limit`: it passes with the limit set to `value` and is
 * refused (with that limit named) when the limit is one lower.
 */
function expectMeasure(document: string, limit: LimitName, value: number): void {
  const atLimit = validateWith(document, { [OPTION[limit]]: value });
  expect(otherErrors(atLimit)).toEqual([]);
  expect(limitErrors(atLimit)).toEqual([]);

  const below = limitErrors(validateWith(document, { [OPTION[limit]]: value - 1 }));
  expect(below).toHaveLength(1);
  expect(below[0].extensions).toEqual({ code: 'GRAPHQL_VALIDATION_FAILED', limit });
}

describe('operationLimitsRule: depth', () => {
  const depth4 = '{ node { child { child { id } } } }';

  it('passes a query exactly at the depth limit', () => {
    const errors = validateWith(depth4, { maxDepth: 4 });
    expect(errors).toEqual([]);
  });

  it('refuses a query one level deeper than the limit, as a validation error with limit "depth"', () => {
    const errors = validateWith('{ node { child { child { child { id } } } } }', { maxDepth: 4 });
    expect(otherErrors(errors)).toEqual([]);
    const refused = limitErrors(errors);
    expect(refused).toHaveLength(1);
    expect(refused[0].extensions).toEqual({ code: 'GRAPHQL_VALIDATION_FAILED', limit: 'depth' });
    expect(refused[0].message).toContain('5');
    expect(refused[0].message).toContain('4');
  });

  it('measures the deepest branch, not the sum of sibling branches', () => {
    // left goes 3 deep, right 5 deep: the operation's depth is 5 + the root field.
    expectMeasure('{ node { left { child { id } } right { child { child { child { id } } } } } }', 'depth', 6);
  });

  it('reports only the depth limit when only depth is exceeded', () => {
    const refused = limitErrors(validateWith(depth4, { maxDepth: 1, maxAliases: 0, maxCost: 4 }));
    expect(refused.map((error) => error.extensions.limit)).toEqual(['depth']);
  });

  it('checks each operation of a document on its own', () => {
    const document = 'query Shallow { node { id } } query Deep { node { child { child { id } } } }';
    const refused = limitErrors(validateWith(document, { maxDepth: 3 }));
    expect(refused).toHaveLength(1);
    expect(refused[0].nodes?.[0]).toMatchObject({ kind: 'OperationDefinition', name: { value: 'Deep' } });
  });

  it('applies to mutations and subscriptions as well as queries (the rule sees every operation)', () => {
    const s = buildSchema(`
      type Query { x: Int }
      type Mutation { deep: N }
      type Subscription { deep: N }
      type N { n: N id: ID }
    `);
    const rule = operationLimitsRule({ ...GENEROUS, maxDepth: 2 });
    for (const op of ['mutation { deep { n { id } } }', 'subscription { deep { n { id } } }']) {
      const errors = validate(s, parse(op), [...specifiedRules, rule]);
      expect(limitErrors(errors).map((e) => e.extensions.limit)).toEqual(['depth']);
    }
  });
});

describe('operationLimitsRule: aliases', () => {
  const threeAliases = '{ a: node(id: "1") { id } b: node(id: "2") { x: id } c: node(id: "3") { id } }';

  it('counts aliases at every level: exactly at the limit passes, one over is refused with limit "aliases"', () => {
    expectMeasure(threeAliases, 'aliases', 4);
  });

  it('refuses the classic alias amplification (the same field requested many times under different names)', () => {
    const many = `{ ${Array.from({ length: 31 }, (_, i) => `n${i}: node(id: "${i}") { id }`).join(' ')} }`;
    const refused = limitErrors(validateWith(many, { maxAliases: 30 }));
    expect(refused.map((error) => error.extensions.limit)).toEqual(['aliases']);
    expect(refused[0].extensions.code).toBe('GRAPHQL_VALIDATION_FAILED');
  });

  it('counts an alias of an introspection field (aliases are the amplification vector, whatever they name)', () => {
    expectMeasure('{ node { t1: __typename t2: __typename } }', 'aliases', 2);
  });

  it('a query with no aliases never trips the alias limit', () => {
    expect(validateWith('{ node { child { id name } } }', { maxAliases: 0 })).toEqual([]);
  });
});

describe('operationLimitsRule: cost', () => {
  it('costs one per field', () => {
    // node, id, name, child, id
    expectMeasure('{ node { id name child { id } } }', 'cost', 5);
  });

  it('multiplies the cost of what is under a field by its `first: n` argument', () => {
    // nodes (1) + 10 × (id + name)
    expectMeasure('{ nodes(first: 10) { id name } }', 'cost', 21);
  });

  it('treats `last: n` like `first: n`', () => {
    expectMeasure('{ nodes(last: 7) { id } }', 'cost', 8);
  });

  it('compounds nested multipliers', () => {
    // nodes (1) + 10 × (children (1) + 5 × id (1)) = 1 + 10 × 6
    expectMeasure('{ nodes(first: 10) { children(first: 5) { id } } }', 'cost', 61);
  });

  it('refuses a query whose estimated cost is one over the limit, with limit "cost"', () => {
    const errors = validateWith('{ nodes(first: 100) { children(first: 100) { id } } }', { maxCost: 10_100 });
    // 1 + 100 × (1 + 100 × 1) = 10 101
    const refused = limitErrors(errors);
    expect(refused).toHaveLength(1);
    expect(refused[0].extensions).toEqual({ code: 'GRAPHQL_VALIDATION_FAILED', limit: 'cost' });
    expect(otherErrors(errors)).toEqual([]);
  });

  it('never lets `first: 0` (or a negative count) make what is under the field free', () => {
    expectMeasure('{ nodes(first: 0) { id name } }', 'cost', 3);
    // A negative Int is a valid GraphQL Int; it must not reduce the estimate either.
    expectMeasure('{ nodes(first: -50) { id name } }', 'cost', 3);
  });

  it('does not multiply by arguments other than first/last', () => {
    expectMeasure('{ node(id: "1000") { id name } }', 'cost', 3);
  });

  it('can report several limits at once', () => {
    const errors = validateWith('{ a: nodes(first: 50) { b: child { id } } }', { maxDepth: 2, maxAliases: 1, maxCost: 100 });
    expect(
      limitErrors(errors)
        .map((error) => error.extensions.limit)
        .sort(),
    ).toEqual(['aliases', 'cost', 'depth']);
  });
});

describe('operationLimitsRule: fragments', () => {
  it('counts a named fragment’s fields for depth, as if they were written inline', () => {
    const inline = '{ node { child { child { id } } } }';
    const named = 'query { node { ...Deeper } } fragment Deeper on Node { child { child { id } } }';
    expectMeasure(inline, 'depth', 4);
    expectMeasure(named, 'depth', 4);
  });

  it('counts a named fragment’s fields for cost and aliases', () => {
    const document = 'query { nodes(first: 10) { ...F } } fragment F on Node { a: id b: name }';
    expectMeasure(document, 'cost', 21);
    expectMeasure(document, 'aliases', 2);
  });

  it('counts a fragment every time it is spread', () => {
    const document = 'query { left: node { ...F } right: node { ...F } } fragment F on Node { child { id } x: name }';
    // each node: 1 + child (1) + id (1) + name (1) = 4 → 8
    expectMeasure(document, 'cost', 8);
    // the two root aliases + one inside each spread
    expectMeasure(document, 'aliases', 4);
  });

  it('counts fragments nested in fragments', () => {
    const document = `
      query { node { ...A } }
      fragment A on Node { child { ...B } }
      fragment B on Node { child { ...C } }
      fragment C on Node { child { id } }`;
    expectMeasure(document, 'depth', 5);
    expectMeasure(document, 'cost', 5);
  });

  it('counts inline fragments (typed and untyped)', () => {
    const document = '{ node { ... on Node { child { child { id } } } ... { a: name } } }';
    expectMeasure(document, 'depth', 4);
    expectMeasure(document, 'cost', 5);
    expectMeasure(document, 'aliases', 1);
  });

  it('does not let a fragment hide depth from the rule (hiding behind a spread is the usual bypass attempt)', () => {
    const document = `
      query { node { ...L1 } }
      fragment L1 on Node { child { ...L2 } }
      fragment L2 on Node { child { ...L3 } }
      fragment L3 on Node { child { child { child { id } } } }`;
    const refused = limitErrors(validateWith(document, { maxDepth: 6 }));
    expect(refused.map((error) => error.extensions.limit)).toEqual(['depth']);
  });

  it('terminates on a fragment cycle (which the standard rules report) instead of recursing forever', () => {
    const document = `
      query { node { ...A } }
      fragment A on Node { child { ...B } }
      fragment B on Node { child { ...A } }`;
    const errors = validateWith(document, { maxDepth: 3 });
    // NoFragmentCyclesRule reports the cycle; our rule measured what it could and returned.
    expect(errors.some((error) => /Cannot spread fragment "A" within itself/.test(error.message))).toBe(true);
  });

  it('terminates on a fragment that spreads itself', () => {
    const errors = validateWith('query { node { ...Self } } fragment Self on Node { id child { ...Self } }');
    expect(errors.some((error) => /within itself/.test(error.message))).toBe(true);
  });

  it('ignores a spread of an unknown fragment (KnownFragmentNamesRule reports it)', () => {
    const errors = validateWith('query { node { id ...Missing } }', { maxDepth: 2, maxCost: 2 });
    expect(limitErrors(errors)).toEqual([]);
    expect(errors.some((error) => /Unknown fragment "Missing"/.test(error.message))).toBe(true);
  });
});

describe('operationLimitsRule: introspection fields', () => {
  it('does not count __typename towards depth or cost', () => {
    expectMeasure('{ node { __typename id } }', 'depth', 2);
    expectMeasure('{ node { __typename id } }', 'cost', 2);
  });

  it('passes a bare { __typename } with every limit at zero', () => {
    expect(validateWith('{ __typename }', { maxDepth: 0, maxAliases: 0, maxCost: 0 })).toEqual([]);
  });
});

describe('operationLimitsRule: what the client sees', () => {
  it('a refusal survives error masking with its message and limit (it is not turned into an internal error)', () => {
    const [refusal] = limitErrors(validateWith('{ node { child { child { id } } } }', { maxDepth: 2 }));
    expect(refusal).toBeDefined();
    const output = maskError(refusal.toJSON(), refusal);
    expect(output.message).toBe(refusal.message);
    expect(output.extensions).toEqual({ code: 'GRAPHQL_VALIDATION_FAILED', limit: 'depth' });
  });
});

describe('validation stays linear in the document', () => {
  it('forty fragments that each spread the next twice are measured once each, not 2^40 times', () => {
    const schema = buildSchema('type Query { node: Node } type Node { id: ID left: Node right: Node }');
    const fragments = Array.from({ length: 40 }, (_, i) => `fragment F${i} on Node { left { ...F${i + 1} } right { ...F${i + 1} } }`);
    const document = parse(`query { node { ...F0 } } ${fragments.join(' ')} fragment F40 on Node { id }`);
    // Unmemoised, this walk is 2^40 fragment visits and never finishes: the test's own timeout is the failure.
    const errors = validate(schema, document, [operationLimitsRule({ maxDepth: 12, maxAliases: 30, maxCost: 5000 })]);
    expect(errors.map((e) => e.extensions.limit)).toContain('depth');
  });
});

describe('checkOperationLimits: the operation as it will run, with its variables', () => {
  const limits: OperationLimits = { maxDepth: 10, maxAliases: 10, maxCost: 50 };
  const costOf = (document: string, variables: Record<string, unknown>) =>
    checkOperationLimits(parse(document), undefined, variables, limits).map((e) => e.extensions);

  it('costs `first: $n` as n (a literal and a variable are refused alike)', () => {
    const refusal = [{ code: 'GRAPHQL_VALIDATION_FAILED', limit: 'cost' }];
    expect(costOf('{ nodes(first: 100) { id } }', {})).toEqual(refusal);
    expect(costOf('query($n: Int) { nodes(first: $n) { id } }', { n: 100 })).toEqual(refusal);
    expect(costOf('query($n: Int) { nodes(last: $n) { id } }', { n: 100 })).toEqual(refusal);
    expect(costOf('query($n: Int = 100) { nodes(first: $n) { id } }', {})).toEqual(refusal);
    expect(costOf('query($n: Int) { nodes(first: $n) { id } }', { n: 10 })).toEqual([]);
  });

  it('a huge, fractional or string count errs high, a negative one never makes the field free', () => {
    const q = 'query($n: Int) { nodes(first: $n) { id } }';
    expect(costOf(q, { n: 1e308 })).toHaveLength(1);
    expect(costOf(q, { n: Number.MAX_SAFE_INTEGER })).toHaveLength(1);
    expect(costOf(q, { n: '100' })).toHaveLength(1);
    expect(costOf(q, { n: 48.5 })).toHaveLength(0); // 1 + 49
    expect(costOf(q, { n: 49.5 })).toHaveLength(1); // 1 + 50
    expect(costOf(q, { n: -1000 })).toEqual([]);
  });

  it('counts inside named and inline fragments, and a list argument passed as a variable by its length', () => {
    expect(costOf('query($n: Int) { ...F } fragment F on Query { nodes(first: $n) { id } }', { n: 100 })).toHaveLength(1);
    expect(costOf('query($n: Int) { ... on Query { nodes(first: $n) { id } } }', { n: 100 })).toHaveLength(1);
    const s = buildSchema('type Query { byIds(ids: [ID!]!): [N!]! } type N { id: ID name: String }');
    const document = parse('query($ids: [ID!]!) { byIds(ids: $ids) { id name } }');
    expect(validate(s, document, [...specifiedRules])).toEqual([]);
    expect(checkOperationLimits(document, undefined, { ids: Array.from({ length: 30 }, String) }, limits)).toHaveLength(1);
    expect(checkOperationLimits(document, undefined, { ids: ['1', '2'] }, limits)).toEqual([]);
  });

  it('checks only the operation named', () => {
    const document = parse('query Cheap { node { id } } query Dear($n: Int) { nodes(first: $n) { id } }');
    expect(checkOperationLimits(document, 'Cheap', { n: 100 }, limits)).toEqual([]);
    expect(checkOperationLimits(document, 'Dear', { n: 100 }, limits)).toHaveLength(1);
  });
});

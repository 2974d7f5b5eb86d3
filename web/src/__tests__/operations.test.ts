/**
 * The dashboard's operations are typed by hand (web/src/operations.ts); this test keeps those documents honest: each
 * must parse and validate against the API schema of the checked-in supergraph, the schema the gateway serves.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { Supergraph } from '@apollo/federation-internals';
import { parse, validate, type GraphQLSchema } from 'graphql';
import { describe, expect, it } from 'vitest';
import { OPERATIONS } from '../operations';

const SUPERGRAPH = path.resolve(__dirname, '..', '..', '..', 'gateway', 'supergraph.graphql');

function apiSchema(): GraphQLSchema {
  return Supergraph.build(readFileSync(SUPERGRAPH, 'utf8')).apiSchema().toGraphQLJSSchema();
}

describe('dashboard operations against the API schema', () => {
  const schema = apiSchema();

  it('names every operation uniquely', () => {
    const names = OPERATIONS.map((o) => o.name);
    expect(new Set(names).size).toBe(names.length);
  });

  for (const op of OPERATIONS) {
    it(`${op.kind} ${op.name} validates`, () => {
      const errors = validate(schema, parse(op.document)).map((error) => error.message);
      expect(errors).toEqual([]);
    });
  }
});

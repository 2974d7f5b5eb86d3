/**
 * gql.tada types the dashboard's operations (web/src/operations.ts) from the schema but does not reject, at typecheck, a
 * field the schema lacks; this test does: each document, as sent, must parse and validate against the API schema of the
 * checked-in supergraph, the schema the gateway serves.
 */
import { parse, validate } from 'graphql';
import { describe, expect, it } from 'vitest';
import { apiSchema } from '../../schema';
import { OPERATIONS } from '../operations';

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

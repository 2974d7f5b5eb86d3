/**
 * gql.tada types the dashboard's operations from web/src/graphql-env.d.ts, the introspection of the gateway's API
 * schema. This test regenerates it in memory from the checked-in supergraph and fails while the committed file is
 * stale, so a schema change reaches the dashboard's types (and its typecheck) in the same commit.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { GRAPHQL_ENV_PATH, apiSchema, renderGraphqlEnv } from '../../schema';

describe('web/src/graphql-env.d.ts', () => {
  it('is the introspection of the current supergraph (run npm run web:schema when this fails)', () => {
    expect(readFileSync(GRAPHQL_ENV_PATH, 'utf8') === renderGraphqlEnv()).toBe(true);
  });

  it('describes the API schema desks query, not the federation machinery', () => {
    const env = renderGraphqlEnv(apiSchema());
    expect(env).toContain("'CaseState': { name: 'CaseState'; enumValues: 'NEW' |");
    expect(env).not.toMatch(/join__|link__|_Entity|_Service/);
  });
});

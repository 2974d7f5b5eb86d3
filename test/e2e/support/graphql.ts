/**
 * The one copy of the helpers every e2e and security test file calls the product with: callers that act as a named
 * persona (`as`, `ok`), the first error's extensions (`errorOf`), personas' development tokens (`signIn`), service
 * identities' tokens for the inbound bridges (`serviceTokens`), and environment overrides undone afterwards (`withEnv`).
 */
import { expect } from 'vitest';
import type { ServiceIdentity } from '../../../adapters/sdk';
import type { Role } from '../../../schema/enums';
import type { GraphQLResponse, TestProduct } from '../harness';

/** The claims of a development token, as `TestProduct.token` takes them. */
export type Claims = Parameters<TestProduct['token']>[0];
/** Persona name → bearer token. */
export type Tokens = Record<string, string>;

export interface Callers {
  /** POSTs an operation to the gateway as persona `who` (its token in `tokens`; none if it has none). */
  as<T = Record<string, unknown>>(who: string, query: string, variables?: Record<string, unknown>): Promise<GraphQLResponse<T>>;
  /** An operation that must succeed: returns its data or fails the test with the errors. */
  ok<T = Record<string, unknown>>(who: string, query: string, variables?: Record<string, unknown>): Promise<T>;
}

/**
 * Callers for the product of a test file. `product` is read at call time, so the product may be started in
 * `beforeAll` (and a new one per bus in `describe.each`).
 */
export function callers(product: () => TestProduct, tokens: Tokens): Callers {
  const as: Callers['as'] = (who, query, variables) => product().graphql(query, { token: tokens[who], ...(variables ? { variables } : {}) });
  const ok: Callers['ok'] = async <T>(who: string, query: string, variables?: Record<string, unknown>) => {
    const response = await as<T>(who, query, variables);
    expect(response.errors, JSON.stringify(response.errors)).toBeUndefined();
    return response.data as T;
  };
  return { as, ok };
}

/** The extensions of a response's first error (its code and the details the product gives). */
export function errorOf(response: GraphQLResponse): Record<string, unknown> | undefined {
  return response.errors?.[0]?.extensions;
}

/** Issues a development token for each persona into `tokens` (returned). */
export async function signIn(t: TestProduct, people: Record<string, Claims>, tokens: Tokens = {}): Promise<Tokens> {
  for (const [who, claims] of Object.entries(people)) tokens[who] = await t.token(claims);
  return tokens;
}

/** `serviceApi`'s `tokenFor`: a development token for each service identity, with its roles and desks. */
export function serviceTokens(t: TestProduct): (identity: ServiceIdentity) => Promise<string> {
  return (identity) => t.token({ sub: identity.subject, org: identity.organisationId, roles: identity.roles as `${Role}`[], desks: identity.deskIds });
}

/**
 * Sets environment variables (`undefined` deletes one) for code that reads `process.env` directly; returns the
 * function that puts every one back as it was.
 */
export function withEnv(vars: Record<string, string | undefined>): () => void {
  const saved: Record<string, string | undefined> = {};
  for (const [key, value] of Object.entries(vars)) {
    saved[key] = process.env[key];
    if (value === undefined) delete process.env[key];
    else process.env[key] = value;
  }
  return () => {
    for (const [key, value] of Object.entries(saved)) {
      if (value === undefined) delete process.env[key];
      else process.env[key] = value;
    }
  };
}

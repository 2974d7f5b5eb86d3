/**
 * The CPSD's public GraphQL API as a service calls it: bridges (adapters/sdk.ts re-exports these) and the subgraphs'
 * own jobs (the delivery engine's comms) call the gateway, never a subgraph directly.
 */

/** The public API as a bridge sees it: GraphQL through the gateway, with the bridge's own service identity. */
export interface CpsdApi {
  request<T = Record<string, unknown>>(query: string, variables?: Record<string, unknown>, identity?: ServiceIdentity): Promise<T>;
}

/** Who a bridge acts as on an inbound call: a service account working a desk (or the comms list). */
export interface ServiceIdentity {
  subject: string;
  organisationId: string;
  roles: string[];
  deskIds: string[];
}

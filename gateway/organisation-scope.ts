/**
 * Expands a caller's `org` claim into the organisations it may see (itself and its descendants, OM §10.4).
 * The hierarchy comes from the elexon hub through its public API with the gateway's service identity, cached briefly.
 */
import { descendantsOf, type OrganisationEdge, type Principal } from '../schema/identity';
import { IDENTITY_HEADER, type IdentityTokenSigner } from '../platform/identity-token';
import { logger } from '../platform/logger';

const GATEWAY_PRINCIPAL: Principal = {
  subject: 'cpsd-gateway',
  organisationId: 'elexon',
  visibleOrganisationIds: [],
  roles: [],
  deskIds: [],
  kind: 'SERVICE',
};

export class OrganisationScope {
  private edges: Map<string, OrganisationEdge> | null = null;
  private loadedAt = 0;
  private loading: Promise<void> | null = null;
  private readonly scopes = new Map<string, string[]>();

  constructor(
    private readonly elexonUrl: string,
    private readonly signer: IdentityTokenSigner,
    private readonly ttlMs = 30_000,
  ) {}

  /**
   * The visible organisations for `organisationId`, or null when the organisation is unknown to the directory
   * (a token for an organisation the CPSD does not know grants nothing).
   */
  async visibleFrom(organisationId: string): Promise<string[] | null> {
    const stale = Date.now() - this.loadedAt > this.ttlMs;
    if (!this.edges || stale) await this.refresh();
    // An organisation added since the last load: look once more before refusing.
    if (this.edges && !this.edges.has(organisationId) && Date.now() - this.loadedAt > 1_000) await this.refresh();
    if (!this.edges?.has(organisationId)) return null;
    let scope = this.scopes.get(organisationId);
    if (!scope) {
      scope = descendantsOf(organisationId, [...this.edges.values()]);
      this.scopes.set(organisationId, scope);
    }
    return scope;
  }

  private refresh(): Promise<void> {
    this.loading ??= this.load().finally(() => {
      this.loading = null;
    });
    return this.loading;
  }

  private async load(): Promise<void> {
    try {
      const response = await fetch(this.elexonUrl, {
        method: 'POST',
        headers: { 'content-type': 'application/json', [IDENTITY_HEADER]: await this.signer.sign(GATEWAY_PRINCIPAL) },
        body: JSON.stringify({ query: '{ organisations { id parent { id } } }' }),
      });
      const body = (await response.json()) as { data?: { organisations: { id: string; parent: { id: string } | null }[] } };
      if (!response.ok || !body.data) throw new Error(`organisation directory answered ${response.status}`);
      this.edges = new Map(body.data.organisations.map((o) => [o.id, { id: o.id, parentId: o.parent?.id ?? null }]));
      this.scopes.clear();
      this.loadedAt = Date.now();
    } catch (error) {
      // Keep serving the last known hierarchy; with none, callers are refused until the hub answers.
      logger.warn({ err: error }, 'could not load the organisation hierarchy');
    }
  }
}

/**
 * What the CPSD directory (the elexon hub) says about a caller: the organisations it may see (itself and its
 * descendants, OM §10.4), the roles its organisation is granted, and which organisation owns each desk. Loaded from
 * the hub's public API with the gateway's service identity and kept briefly; a token's claims are narrowed to it.
 */
import { descendantsOf, grantClaims, type DirectoryGrants, type GrantedClaims, type OrganisationEdge, type Principal } from '../schema/identity';
import { isRole, type Role } from '../schema/enums';
import { IDENTITY_HEADER, type IdentityTokenSigner } from '../platform/identity-token';
import { logger } from '../platform/logger';

/** The gateway calling the hub for itself (the directory, the public status feed). */
export const GATEWAY_PRINCIPAL: Principal = {
  subject: 'cpsd-gateway',
  organisationId: 'elexon',
  visibleOrganisationIds: [],
  roles: [],
  deskIds: [],
  kind: 'SERVICE',
};

const DIRECTORY_QUERY = '{ organisations { id parent { id } grantedRoles } desks { id organisation { id } } }';

/** The hub did not answer in time and no directory is known yet: callers get 503, not a hang. */
export class DirectoryUnavailableError extends Error {
  constructor() {
    super('The CPSD directory is not available; try again shortly');
  }
}

interface Directory {
  edges: Map<string, OrganisationEdge>;
  roles: Map<string, Role[]>;
  deskOwners: Map<string, string>;
}

/** Refused claims are logged once each per (organisation, subject, claim), never with the token; bounded memory. */
const REFUSAL_LOG_ENTRIES = 10_000;

export class DirectoryScope implements DirectoryGrants {
  private directory: Directory | null = null;
  private loadedAt = 0;
  private loading: Promise<void> | null = null;
  private readonly scopes = new Map<string, string[]>();
  private readonly refusalsLogged = new Set<string>();

  constructor(
    private readonly elexonUrl: string,
    private readonly signer: IdentityTokenSigner,
    private readonly options: { ttlMs?: number; timeoutMs?: number } = {},
  ) {}

  private get ttlMs(): number {
    return this.options.ttlMs ?? 30_000;
  }

  /**
   * The visible organisations for `organisationId`, or null when the directory does not know the organisation
   * (a token for an organisation the CPSD does not know grants nothing). Throws DirectoryUnavailableError when no
   * directory could be loaded at all.
   */
  async visibleFrom(organisationId: string): Promise<string[] | null> {
    const directory = await this.current(organisationId);
    if (!directory.edges.has(organisationId)) return null;
    let scope = this.scopes.get(organisationId);
    if (!scope) {
      scope = descendantsOf(organisationId, [...directory.edges.values()]);
      this.scopes.set(organisationId, scope);
    }
    return scope;
  }

  /** The principal a verified token is worth: its claims narrowed to the directory's grants (null: unknown organisation). */
  async principalFor(claims: { subject: string; organisationId: string; roles: Role[]; deskIds: string[]; email?: string }): Promise<Principal | null> {
    const visibleOrganisationIds = await this.visibleFrom(claims.organisationId);
    if (!visibleOrganisationIds) return null;
    const granted = grantClaims(claims, visibleOrganisationIds, this);
    if (granted.refused.length) this.logRefusals(claims, granted);
    return {
      subject: claims.subject,
      organisationId: claims.organisationId,
      visibleOrganisationIds,
      roles: granted.roles,
      deskIds: granted.deskIds,
      kind: 'USER',
      ...(claims.email ? { email: claims.email } : {}),
    };
  }

  rolesOf(organisationId: string): readonly Role[] {
    return this.directory?.roles.get(organisationId) ?? [];
  }

  ownerOfDesk(deskId: string): string | undefined {
    return this.directory?.deskOwners.get(deskId);
  }

  private async current(organisationId: string): Promise<Directory> {
    if (!this.directory) {
      await this.refresh();
    } else if (Date.now() - this.loadedAt >= this.ttlMs) {
      // Stale: serve what is known and refresh behind it, so a slow hub never stalls a request.
      void this.refresh();
    } else if (!this.directory.edges.has(organisationId) && Date.now() - this.loadedAt > 1_000) {
      // An organisation added since the last load: look once more before refusing.
      await this.refresh();
    }
    if (!this.directory) throw new DirectoryUnavailableError();
    return this.directory;
  }

  private logRefusals(claims: { subject: string; organisationId: string }, granted: GrantedClaims): void {
    for (const refused of granted.refused) {
      const key = JSON.stringify([claims.organisationId, claims.subject, refused.claim, refused.value]);
      if (this.refusalsLogged.has(key)) continue;
      if (this.refusalsLogged.size >= REFUSAL_LOG_ENTRIES) this.refusalsLogged.clear();
      this.refusalsLogged.add(key);
      logger.warn(
        { organisationId: claims.organisationId, subject: claims.subject, claim: refused.claim, value: refused.value },
        'token claim not granted by the directory: ignored',
      );
    }
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
        headers: { 'content-type': 'application/json', [IDENTITY_HEADER]: await this.signer.sign(GATEWAY_PRINCIPAL, 'elexon') },
        body: JSON.stringify({ query: DIRECTORY_QUERY }),
        // A hung hub must not hang authentication: fail fast, the next request tries again.
        signal: AbortSignal.timeout(this.options.timeoutMs ?? 3_000),
      });
      const body = (await response.json()) as {
        data?: {
          organisations: { id: string; parent: { id: string } | null; grantedRoles: string[] }[];
          desks: { id: string; organisation: { id: string } }[];
        };
      };
      if (!response.ok || !body.data) throw new Error(`organisation directory answered ${response.status}`);
      const { organisations, desks } = body.data;
      this.directory = {
        edges: new Map(organisations.map((o) => [o.id, { id: o.id, parentId: o.parent?.id ?? null }])),
        // The API speaks enum names (CPSD_ADMIN); principals carry the claim values (cpsd_admin).
        roles: new Map(organisations.map((o) => [o.id, o.grantedRoles.map((r) => r.toLowerCase()).filter(isRole)])),
        deskOwners: new Map(desks.map((d) => [d.id, d.organisation.id])),
      };
      this.scopes.clear();
      this.loadedAt = Date.now();
    } catch (error) {
      // Keep serving the last known directory; with none, callers get 503 until the hub answers.
      logger.warn({ err: error }, 'could not load the CPSD directory');
    }
  }
}

/** Who is calling: the principal shared by the gateway and every subgraph, and pure helpers over it. */
import { Role } from './enums';

export type PrincipalKind = 'USER' | 'SERVICE';

/**
 * The caller as the gateway established it (from a partner JWT or a service identity) and forwarded, signed, to the
 * subgraphs. `visibleOrganisationIds` is already expanded by the gateway: the caller's own organisation and all of
 * its descendants (OM §10.4), never its parent or siblings.
 */
export interface Principal {
  /** `sub` claim: the user or service account. */
  subject: string;
  /** `org` claim: the account the caller belongs to. */
  organisationId: string;
  /** The caller's organisation first, then its descendants (see `descendantsOf`). */
  visibleOrganisationIds: string[];
  roles: Role[];
  /** `desks` claim: desks a desk agent works. */
  deskIds: string[];
  kind: PrincipalKind;
  /**
   * The person's e-mail address from their token's `email` claim (OpenID Connect), when it carries a well-formed one:
   * where the raiser of a case hears of it unless their notification preferences say otherwise. Never logged.
   */
  email?: string;
}

/** One edge of the organisation hierarchy, as Elexon configures it (OM §10.4). */
export interface OrganisationEdge {
  id: string;
  parentId: string | null;
}

export function hasRole(principal: Principal, role: Role): boolean {
  return principal.roles.includes(role);
}

export function hasAnyRole(principal: Principal, roles: readonly Role[]): boolean {
  return roles.some((role) => principal.roles.includes(role));
}

/**
 * Whether the caller may see data owned by `organisationId`: its own organisation or a descendant. No role widens
 * this here — an admin's wider view, if any, is expressed by the gateway putting more ids in the visible set.
 */
export function canSeeOrganisation(principal: Principal, organisationId: string): boolean {
  return principal.organisationId === organisationId || principal.visibleOrganisationIds.includes(organisationId);
}

export function worksAtDesk(principal: Principal, deskId: string): boolean {
  return principal.deskIds.includes(deskId);
}

/**
 * `organisationId` itself first, then every descendant in breadth-first order (children in edge order). Safe
 * against cycles and self-parenting in misconfigured data: each organisation appears once and the walk terminates.
 * An organisation absent from `edges` still sees itself.
 */
export function descendantsOf(organisationId: string, edges: readonly OrganisationEdge[]): string[] {
  const children = new Map<string, string[]>();
  for (const edge of edges) {
    if (edge.parentId === null) continue;
    const list = children.get(edge.parentId);
    if (list) list.push(edge.id);
    else children.set(edge.parentId, [edge.id]);
  }
  const seen = new Set<string>([organisationId]);
  const order: string[] = [organisationId];
  for (const parent of order) {
    for (const child of children.get(parent) ?? []) {
      if (seen.has(child)) continue;
      seen.add(child);
      order.push(child);
    }
  }
  return order;
}

/**
 * What the directory grants, as Elexon configures it: the roles each organisation's people may hold, and which
 * organisation owns each desk. A token's claims are only requests; this decides what they are worth.
 */
export interface DirectoryGrants {
  /** Roles an organisation's tokens may carry (e.g. `cpsd_admin` only for Elexon, MI managers only in CSPs). */
  rolesOf(organisationId: string): readonly Role[];
  /** The organisation that owns a desk, or undefined for a desk the directory does not know. */
  ownerOfDesk(deskId: string): string | undefined;
}

/** A claim the directory did not grant: it is dropped from the principal, and the gateway logs it once. */
export interface RefusedClaim {
  claim: 'roles' | 'desks';
  value: string;
}

export interface GrantedClaims {
  roles: Role[];
  deskIds: string[];
  refused: RefusedClaim[];
}

/**
 * Narrows a token's `roles` and `desks` to what the directory grants its organisation:
 * - a role counts only when the directory grants it to the token's own organisation (never a parent's or child's);
 * - a desk counts only when the token also holds a granted `desk_agent` role and the desk belongs to the token's
 *   organisation or one of its descendants (`visibleOrganisationIds`): a supplier can never work Elexon's desk.
 * Everything else is refused, each claim once; the rest of the token keeps working.
 */
export function grantClaims(
  claims: { organisationId: string; roles: readonly Role[]; deskIds: readonly string[] },
  visibleOrganisationIds: readonly string[],
  directory: DirectoryGrants,
): GrantedClaims {
  const grantable = new Set(directory.rolesOf(claims.organisationId));
  const refused: RefusedClaim[] = [];
  const roles: Role[] = [];
  for (const role of new Set(claims.roles)) {
    if (grantable.has(role)) roles.push(role);
    else refused.push({ claim: 'roles', value: role });
  }
  const visible = new Set(visibleOrganisationIds);
  const deskAgent = roles.includes(Role.DESK_AGENT);
  const deskIds: string[] = [];
  for (const deskId of new Set(claims.deskIds)) {
    const owner = directory.ownerOfDesk(deskId);
    if (deskAgent && owner !== undefined && visible.has(owner)) deskIds.push(deskId);
    else refused.push({ claim: 'desks', value: deskId });
  }
  return { roles, deskIds, refused };
}

/** The roles the directory grants by default: any known organisation's people take part and work their own desks. */
export const DEFAULT_GRANTED_ROLES: readonly Role[] = [Role.PARTICIPANT, Role.DESK_AGENT];

/**
 * The default grants for an organisation: Major Incident Managers only in a Central Service Provider (OM §5.24:
 * a CSP's service management leads an industry incident), `cpsd_admin` only for Elexon, which runs the CPSD (CA §2c).
 */
export function defaultGrantedRoles(organisation: { id: string; centralServiceProvider: boolean }): Role[] {
  const roles = [...DEFAULT_GRANTED_ROLES];
  if (organisation.centralServiceProvider) roles.push(Role.MAJOR_INCIDENT_MANAGER);
  if (organisation.id === 'elexon') roles.push(Role.CPSD_ADMIN);
  return roles;
}

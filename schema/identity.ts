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
  for (let i = 0; i < order.length; i++) {
    for (const child of children.get(order[i]) ?? []) {
      if (seen.has(child)) continue;
      seen.add(child);
      order.push(child);
    }
  }
  return order;
}

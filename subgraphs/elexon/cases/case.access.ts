/**
 * Who may see and do what with a case (OM §10.4, ARCHITECTURE.md "Identity and visibility"). A case the caller may
 * not see is NOT_FOUND, exactly like one that does not exist.
 */
import { Role } from '../../../schema/enums';
import { hasRole, type Principal } from '../../../schema/identity';

export interface CaseAccess {
  /** The raising organisation or an ancestor of it: the raiser's side (sees no work notes). */
  raiserSide: boolean;
  /** A desk agent of the case's own desk. */
  caseDeskAgent: boolean;
  /** A desk agent of a desk the case was handed off to. */
  handoffDeskAgent: boolean;
  admin: boolean;
}

export function accessTo(principal: Principal, raisedByOrganisationId: string, deskId: string, handoffDeskIds: readonly string[]): CaseAccess {
  const agent = hasRole(principal, Role.DESK_AGENT);
  return {
    raiserSide: principal.visibleOrganisationIds.includes(raisedByOrganisationId),
    caseDeskAgent: agent && principal.deskIds.includes(deskId),
    handoffDeskAgent: agent && handoffDeskIds.some((id) => principal.deskIds.includes(id)),
    admin: hasRole(principal, Role.CPSD_ADMIN),
  };
}

export function canSee(access: CaseAccess): boolean {
  return access.raiserSide || access.caseDeskAgent || access.handoffDeskAgent || access.admin;
}

/** Resolvers see work notes, the full timeline and hand-off detail; the raiser's side sees what is customer-visible. */
export function isResolver(access: CaseAccess): boolean {
  return access.caseDeskAgent || access.handoffDeskAgent || access.admin;
}

/** The desk's decisions (triage, route, hold, resolve…) belong to its agents. */
export function worksTheCase(access: CaseAccess): boolean {
  return access.caseDeskAgent || access.admin;
}

/**
 * The SQL form of `canSee` for lists: `$orgs` visible organisations, `$desks` the agent's desks (empty unless the
 * caller is a desk agent), `$admin` whether the caller is a CPSD admin. `c` is the cases alias.
 */
export function visibilityPredicate(orgsParam: string, desksParam: string, adminParam: string): string {
  return `(${adminParam}::boolean OR c.raised_by_org = ANY(${orgsParam}::text[]) OR c.desk_id = ANY(${desksParam}::text[])
    OR EXISTS (SELECT 1 FROM elexon.handoffs h WHERE h.case_id = c.id AND h.to_desk_id = ANY(${desksParam}::text[])))`;
}

export function visibilityParams(principal: Principal): [string[], string[], boolean] {
  return [
    principal.visibleOrganisationIds,
    hasRole(principal, Role.DESK_AGENT) ? principal.deskIds : [],
    hasRole(principal, Role.CPSD_ADMIN),
  ];
}

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
  /**
   * A Major Incident Manager of the organisation leading a major incident whose case is this case or its parent (a
   * linked case): oversees the resolution (OM §5.7), so reads the case as the raiser's side does. Read only: no work
   * notes, no desk decisions, no mutations.
   */
  majorIncidentLead: boolean;
}

/**
 * `majorIncidentLeadOrgIds`: the lead organisations of the major incidents on the case or its parent — passed only
 * on read paths (the case and its lists), so the grant never reaches a mutation.
 */
export function accessTo(
  principal: Principal,
  raisedByOrganisationId: string,
  deskId: string,
  handoffDeskIds: readonly string[],
  majorIncidentLeadOrgIds: readonly string[] = [],
): CaseAccess {
  const agent = hasRole(principal, Role.DESK_AGENT);
  const manager = hasRole(principal, Role.MAJOR_INCIDENT_MANAGER);
  return {
    raiserSide: principal.visibleOrganisationIds.includes(raisedByOrganisationId),
    caseDeskAgent: agent && principal.deskIds.includes(deskId),
    handoffDeskAgent: agent && handoffDeskIds.some((id) => principal.deskIds.includes(id)),
    admin: hasRole(principal, Role.CPSD_ADMIN),
    majorIncidentLead: manager && majorIncidentLeadOrgIds.some((id) => principal.visibleOrganisationIds.includes(id)),
  };
}

export function canSee(access: CaseAccess): boolean {
  return access.raiserSide || access.caseDeskAgent || access.handoffDeskAgent || access.admin || access.majorIncidentLead;
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
 * caller is a desk agent), `$admin` whether the caller is a CPSD admin, `$leads` the organisations whose major
 * incidents the caller oversees (empty unless a Major Incident Manager). `c` is the cases alias.
 */
export function visibilityPredicate(orgsParam: string, desksParam: string, adminParam: string, leadsParam?: string): string {
  // The desk and lead arms are guarded by `cardinality(…) > 0`: PostgreSQL plans each statement with its parameters
  // (custom plans), folds the guard of an empty array to false and drops the arm, as it drops the whole predicate
  // for `true::boolean OR …` (an admin). Unguarded, a caller who is neither an agent nor a Major Incident Manager
  // (a participant, a parent account) still ran both EXISTS per row, and their cost estimate brought in JIT
  // compilation (bench/reports.bench.ts).
  const lead = leadsParam
    ? `
    OR (cardinality(${leadsParam}::text[]) > 0
      AND EXISTS (SELECT 1 FROM elexon.major_incidents lmi WHERE lmi.lead_org_id = ANY(${leadsParam}::text[]) AND (lmi.case_id = c.id OR lmi.case_id = c.parent_id)))`
    : '';
  return `(${adminParam}::boolean OR c.raised_by_org = ANY(${orgsParam}::text[])
    OR (cardinality(${desksParam}::text[]) > 0 AND (c.desk_id = ANY(${desksParam}::text[])
      OR EXISTS (SELECT 1 FROM elexon.handoffs h WHERE h.case_id = c.id AND h.to_desk_id = ANY(${desksParam}::text[]))))${lead})`;
}

/** The parameters of `visibilityPredicate`, in order: `$orgs`, `$desks`, `$admin`, `$leads`. */
export function visibilityParams(principal: Principal): [string[], string[], boolean, string[]] {
  return [
    principal.visibleOrganisationIds,
    hasRole(principal, Role.DESK_AGENT) ? principal.deskIds : [],
    hasRole(principal, Role.CPSD_ADMIN),
    hasRole(principal, Role.MAJOR_INCIDENT_MANAGER) ? principal.visibleOrganisationIds : [],
  ];
}

/** The lead organisations of the major incidents on each case or on its parent (`$1` the case ids). */
export const MAJOR_INCIDENT_LEADS_SQL = `SELECT c.id AS "caseId", mi.lead_org_id AS "leadOrgId" FROM elexon.cases c
  JOIN elexon.major_incidents mi ON mi.case_id = c.id OR mi.case_id = c.parent_id
  WHERE c.id = ANY($1::uuid[]) AND mi.lead_org_id IS NOT NULL`;

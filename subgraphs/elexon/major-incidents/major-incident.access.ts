/**
 * Who may see and do what with a major incident. A promoted or resolved major incident is industry-wide comms: every
 * authenticated participant sees it (title, state, services, updates). A candidate or a rejected one is internal to
 * the MI team — Major Incident Managers, CPSD admins and agents of the case's desk — and is NOT_FOUND to anyone else.
 * Its case, linked cases and problem record keep the case visibility rules.
 */
import { Role } from '../../../schema/enums';
import { hasRole, type Principal } from '../../../schema/identity';
import { MajorIncidentState } from './major-incident.types';

export interface MajorIncidentAccess {
  /** A Major Incident Manager (of any organisation): reviews candidates. */
  manager: boolean;
  /** A Major Incident Manager of the lead organisation: runs the incident (comms, resolution, PIR). */
  leadManager: boolean;
  admin: boolean;
  /** A desk agent of the desk that holds the major incident's case. */
  caseDeskAgent: boolean;
}

export interface MajorIncidentFacts {
  state: MajorIncidentState;
  caseDeskId: string;
  leadOrganisationId: string | null;
}

export function majorIncidentAccess(principal: Principal, mi: MajorIncidentFacts): MajorIncidentAccess {
  const manager = hasRole(principal, Role.MAJOR_INCIDENT_MANAGER);
  return {
    manager,
    leadManager: manager && mi.leadOrganisationId !== null && principal.visibleOrganisationIds.includes(mi.leadOrganisationId),
    admin: hasRole(principal, Role.CPSD_ADMIN),
    caseDeskAgent: hasRole(principal, Role.DESK_AGENT) && principal.deskIds.includes(mi.caseDeskId),
  };
}

/** The MI team sees candidates, rejections, the reviewer's note and who proposed and reviewed. */
export function inMajorIncidentTeam(access: MajorIncidentAccess): boolean {
  return access.manager || access.admin || access.caseDeskAgent;
}

export function isPublished(state: MajorIncidentState): boolean {
  return state === MajorIncidentState.PROMOTED || state === MajorIncidentState.RESOLVED;
}

export function canSeeMajorIncident(principal: Principal, mi: MajorIncidentFacts): boolean {
  return isPublished(mi.state) || inMajorIncidentTeam(majorIncidentAccess(principal, mi));
}

/**
 * The SQL form of `canSeeMajorIncident` for lists: `$desks` the agent's desks (empty unless a desk agent), `$team`
 * whether the caller is a manager or admin. `mi` is the major incidents alias, `mc` its case.
 */
export function majorIncidentVisibilityPredicate(desksParam: string, teamParam: string): string {
  return `(mi.state IN ('PROMOTED', 'RESOLVED') OR ${teamParam}::boolean OR mc.desk_id = ANY(${desksParam}::text[]))`;
}

export function majorIncidentVisibilityParams(principal: Principal): [string[], boolean] {
  return [
    hasRole(principal, Role.DESK_AGENT) ? principal.deskIds : [],
    hasRole(principal, Role.MAJOR_INCIDENT_MANAGER) || hasRole(principal, Role.CPSD_ADMIN),
  ];
}

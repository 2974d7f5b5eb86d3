/**
 * Who may see and do what with a major incident. A promoted or resolved major incident is industry-wide comms: every
 * authenticated participant sees it (title, state, services, updates). A candidate or a rejected one is internal to
 * the MI team — Major Incident Managers, CPSD admins and agents of the case's desk — and is NOT_FOUND to anyone else.
 * Its case, linked cases and problem record keep the case visibility rules, widened (read only) for the lead's
 * Major Incident Managers, who oversee the resolution (OM §5.7): see cases/case.access.ts.
 *
 * Jurisdiction is each provider's own (OM §5.24, §18.1): a candidate raised on a Central Service Provider's desk is
 * reviewed only by that provider's Major Incident Managers, and that provider leads it. A candidate on a desk that
 * belongs to no Central Service Provider (a DCP's, a supplier's) has no owning provider: any Major Incident Manager
 * may review it, and promoting it names the manager's own organisation (a Central Service Provider) as the lead — no
 * provider is made to lead by another's managers.
 */
import { Role } from '../../../schema/enums';
import { DomainError } from '../../../schema/errors';
import { hasRole, type Principal } from '../../../schema/identity';
import { MajorIncidentState } from './major-incident.types';

export interface MajorIncidentAccess {
  /** A Major Incident Manager (of any organisation): sees candidates. */
  manager: boolean;
  /** A Major Incident Manager with jurisdiction over the candidate: of the provider owning its case's desk, if any. */
  reviewer: boolean;
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
  /** The Central Service Provider owning the case's desk (the desk's organisation or its nearest CSP ancestor), if any. */
  caseProviderId: string | null;
}

export function majorIncidentAccess(principal: Principal, mi: MajorIncidentFacts): MajorIncidentAccess {
  const manager = hasRole(principal, Role.MAJOR_INCIDENT_MANAGER);
  return {
    manager,
    reviewer: manager && (mi.caseProviderId === null || principal.visibleOrganisationIds.includes(mi.caseProviderId)),
    leadManager: manager && mi.leadOrganisationId !== null && principal.visibleOrganisationIds.includes(mi.leadOrganisationId),
    admin: hasRole(principal, Role.CPSD_ADMIN),
    caseDeskAgent: hasRole(principal, Role.DESK_AGENT) && principal.deskIds.includes(mi.caseDeskId),
  };
}

/**
 * Who leads on promotion (OM §5.24): the provider owning the case's desk, which may not be overridden; a case on a
 * desk of no Central Service Provider needs the lead named, and only as the reviewer's own organisation (checked to
 * be a Central Service Provider by the caller): Elexon's managers cannot make DCC lead, nor DCC's Elexon.
 */
export function leadOrganisationFor(
  caseProviderId: string | null,
  requested: string | null | undefined,
  deskOwnerName: string | null,
  reviewerOrganisationIds: readonly string[],
): string {
  const named = requested?.trim() || null;
  if (caseProviderId) {
    if (named && named !== caseProviderId) {
      throw DomainError.badUserInput(
        `The case is on ${caseProviderId}'s desk: ${caseProviderId} leads its major incident (OM §5.24); another provider cannot be named`,
        'leadOrganisationId',
      );
    }
    return caseProviderId;
  }
  if (!named) {
    throw DomainError.badUserInput(
      `Name the Central Service Provider that leads: the case's desk belongs to ${deskOwnerName ?? 'an organisation'}, which is not one`,
      'leadOrganisationId',
    );
  }
  if (!reviewerOrganisationIds.includes(named)) {
    throw DomainError.badUserInput(
      `Only ${named}'s own Major Incident Managers promote a major incident that ${named} leads: name your own organisation`,
      'leadOrganisationId',
    );
  }
  return named;
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
  return [hasRole(principal, Role.DESK_AGENT) ? principal.deskIds : [], hasRole(principal, Role.MAJOR_INCIDENT_MANAGER) || hasRole(principal, Role.CPSD_ADMIN)];
}

/** The pure rules of major incidents: update cadence, overdue flags, triggering criteria, PIR and e-mail validation. */
import { describe, expect, it } from 'vitest';
import { isDomainError } from '../../../../schema/errors';
import { Service } from '../../../../schema/enums';
import { normaliseEmail } from '../comms-list.service';
import { nextUpdateDue, pirDueAt, pirOverdue, thresholdsMet, updateOverdue, validatePir, type PirInput } from '../major-incident.service';
import { MajorIncidentState, MajorIncidentThreshold } from '../major-incident.types';
import { leadOrganisationFor, majorIncidentAccess } from '../major-incident.access';
import type { Principal } from '../../../../schema/identity';
import { Role } from '../../../../schema/enums';

function principal(organisationId: string, roles: Role[]): Principal {
  return { subject: 's', organisationId, visibleOrganisationIds: [organisationId], roles, deskIds: [] } as unknown as Principal;
}

describe('major incident jurisdiction is the case desk provider’s (OM §5.24, §18.1)', () => {
  const dccCandidate = { state: MajorIncidentState.CANDIDATE, caseDeskId: 'dcc-switching', leadOrganisationId: null, caseProviderId: 'dcc' };
  const dcpCandidate = { ...dccCandidate, caseDeskId: 'gridlink-dcp-desk', caseProviderId: null };

  it('only the owning provider’s Major Incident Managers review its candidate', () => {
    expect(majorIncidentAccess(principal('dcc', [Role.MAJOR_INCIDENT_MANAGER]), dccCandidate)).toMatchObject({ manager: true, reviewer: true });
    expect(majorIncidentAccess(principal('elexon', [Role.MAJOR_INCIDENT_MANAGER]), dccCandidate)).toMatchObject({ manager: true, reviewer: false });
    expect(majorIncidentAccess(principal('dcc', [Role.DESK_AGENT]), dccCandidate).reviewer).toBe(false);
  });

  it('a candidate on a desk of no Central Service Provider is reviewed by any Major Incident Manager', () => {
    expect(majorIncidentAccess(principal('elexon', [Role.MAJOR_INCIDENT_MANAGER]), dcpCandidate).reviewer).toBe(true);
    expect(majorIncidentAccess(principal('gridlink', [Role.DESK_AGENT]), dcpCandidate).reviewer).toBe(false);
  });

  it('the owning provider leads and cannot be overridden; otherwise the lead must be named', () => {
    expect(leadOrganisationFor('dcc', null, null, ['dcc'])).toBe('dcc');
    expect(leadOrganisationFor('dcc', ' dcc ', null, ['dcc'])).toBe('dcc');
    expect(fieldOf(() => leadOrganisationFor('dcc', 'elexon', null, ['elexon']))).toBe('BAD_USER_INPUT:leadOrganisationId');
    expect(fieldOf(() => leadOrganisationFor(null, null, 'Gridlink DIP Connect', ['elexon']))).toBe('BAD_USER_INPUT:leadOrganisationId');
    expect(leadOrganisationFor(null, 'elexon', 'Gridlink DIP Connect', ['elexon'])).toBe('elexon');
  });

  it('a reviewer names only its own organisation to lead a candidate of no provider’s desk', () => {
    expect(fieldOf(() => leadOrganisationFor(null, 'dcc', 'Gridlink DIP Connect', ['elexon']))).toBe('BAD_USER_INPUT:leadOrganisationId');
    expect(leadOrganisationFor(null, 'dcc', 'Gridlink DIP Connect', ['dcc'])).toBe('dcc');
  });
});

const NOW = new Date('2026-03-02T10:00:00Z');
const minutes = (n: number) => new Date(NOW.getTime() + n * 60_000);

function fieldOf(run: () => unknown): string | undefined {
  try {
    run();
  } catch (error) {
    if (isDomainError(error)) return `${error.code}:${error.field}`;
    throw error;
  }
  return undefined;
}

describe('the update cadence (OM §5.19.1)', () => {
  it('defaults to 30 minutes ahead', () => {
    expect(nextUpdateDue(null, NOW, 'nextUpdateDueAt')).toEqual(minutes(30));
    expect(nextUpdateDue(undefined, NOW, 'nextUpdateDueAt')).toEqual(minutes(30));
  });

  it.each([30, 45, 60, 29.6, 60.4])('accepts %s minutes ahead', (ahead) => {
    expect(nextUpdateDue(minutes(ahead), NOW, 'nextUpdateDueAt')).toEqual(minutes(ahead));
  });

  it.each([-10, 0, 5, 14.5, 15, 20, 29, 60.6, 61, 300])('refuses %s minutes ahead on the named field', (ahead) => {
    expect(fieldOf(() => nextUpdateDue(minutes(ahead), NOW, 'input.nextUpdateDueAt'))).toBe('BAD_USER_INPUT:input.nextUpdateDueAt');
  });

  it('names the 30–60 minute range in its message', () => {
    expect(() => nextUpdateDue(minutes(20), NOW, 'nextUpdateDueAt')).toThrow(/30–60 minutes ahead/);
  });

  it('an update is overdue only while the incident is live and its due time has passed', () => {
    expect(updateOverdue({ state: MajorIncidentState.PROMOTED, nextUpdateDueAt: minutes(-1) }, NOW)).toBe(true);
    expect(updateOverdue({ state: MajorIncidentState.PROMOTED, nextUpdateDueAt: minutes(1) }, NOW)).toBe(false);
    expect(updateOverdue({ state: MajorIncidentState.RESOLVED, nextUpdateDueAt: minutes(-60) }, NOW)).toBe(false);
    expect(updateOverdue({ state: MajorIncidentState.CANDIDATE, nextUpdateDueAt: null }, NOW)).toBe(false);
  });
});

describe('the post-incident review is due within 24 hours of resolution (OM §5.23)', () => {
  it('is due 24 hours after resolution and overdue only while not recorded', () => {
    const resolvedAt = new Date(NOW.getTime() - 25 * 3_600_000);
    expect(pirDueAt({ resolvedAt })).toEqual(new Date(NOW.getTime() - 3_600_000));
    expect(pirOverdue({ resolvedAt }, false, NOW)).toBe(true);
    expect(pirOverdue({ resolvedAt }, true, NOW)).toBe(false);
    expect(pirOverdue({ resolvedAt: new Date(NOW.getTime() - 23 * 3_600_000) }, false, NOW)).toBe(false);
    expect(pirDueAt({ resolvedAt: null })).toBeNull();
    expect(pirOverdue({ resolvedAt: null }, false, NOW)).toBe(false);
  });

  const pir: PirInput = {
    serviceImpactedAt: minutes(-240),
    serviceRestoredAt: minutes(-60),
    description: 'DIP stopped delivering',
    businessImpact: 'Messages delayed',
    summary: 'Detected, promoted, fixed',
    resolution: 'Component replaced',
    affectedServices: [Service.DIP],
    affectedUsers: 'All publishers',
    timeline: [{ at: minutes(-240), event: 'Detected' }],
    rootCause: 'Full disk',
    actions: [{ owner: 'DIP provider', action: 'Alert at 70%', dueAt: minutes(7 * 24 * 60) }],
    processReview: 'Fine',
  };

  it('takes the App. E template and stores times as ISO strings', () => {
    const valid = validatePir(pir);
    expect(valid.actions).toEqual([{ owner: 'DIP provider', action: 'Alert at 70%', dueAt: minutes(7 * 24 * 60).toISOString() }]);
    expect(valid.timeline).toEqual([{ at: minutes(-240).toISOString(), event: 'Detected', comments: null }]);
    expect(valid.incidentManagers).toEqual([]);
  });

  it.each([
    ['restored before impacted', { serviceRestoredAt: minutes(-300) }, 'serviceRestoredAt'],
    ['no timeline', { timeline: [] }, 'timeline'],
    ['an action without an owner', { actions: [{ owner: ' ', action: 'x', dueAt: minutes(10) }] }, 'actions[0].owner'],
    ['an MPAN in the root cause', { rootCause: 'Supply 1200023305967 lost reads' }, 'rootCause'],
    ['no affected services', { affectedServices: [] }, 'affectedServices'],
  ])('refuses %s', (_label, change, field) => {
    expect(fieldOf(() => validatePir({ ...pir, ...change } as PirInput))).toBe(`BAD_USER_INPUT:${field}`);
  });
});

describe('triggering criteria (OM §5.9–5.10)', () => {
  it('are the thresholds answered true, in the OM’s order', () => {
    expect(thresholdsMet({ participantImpact: false, duration: true, complianceRisk: false, securityBreach: true })).toEqual([
      MajorIncidentThreshold.DURATION,
      MajorIncidentThreshold.SECURITY_BREACH,
    ]);
    expect(thresholdsMet({ participantImpact: false, duration: false, complianceRisk: false, securityBreach: false })).toEqual([]);
  });
});

describe('comms list addresses', () => {
  it.each([
    [' Ops.MI@BritishGas.EXAMPLE ', 'Ops.MI@britishgas.example'],
    ['first.last+mi@sub.domain.example', 'first.last+mi@sub.domain.example'],
  ])('accepts %j as %j', (input, normalised) => {
    expect(normaliseEmail(input)).toBe(normalised);
  });

  it.each([
    '',
    'ops',
    'ops@',
    '@britishgas.example',
    'ops@localhost',
    'a@b@c.example',
    'ops@-bad.example',
    'two words@x.example',
    '.ops@x.example',
    'o..ps@x.example',
    `${'a'.repeat(65)}@x.example`,
  ])('refuses %j', (input) => {
    expect(fieldOf(() => normaliseEmail(input))).toBe('BAD_USER_INPUT:address');
  });
});

/** Major incident jurisdiction and comms-list addresses (the pure rules are in schema/__tests__/major-incident.test.ts). */
import { describe, expect, it } from 'vitest';
import { isDomainError } from '../../../../schema/errors';
import { normaliseEmail } from '../../../../schema/email';
import { MajorIncidentState } from '../major-incident.types';
import { leadOrganisationFor, majorIncidentAccess } from '../major-incident.access';
import type { Principal } from '../../../../schema/identity';
import { Role } from '../../../../schema/enums';

function principal(organisationId: string, roles: Role[]): Principal {
  return { subject: 's', organisationId, visibleOrganisationIds: [organisationId], roles, deskIds: [] } as unknown as Principal;
}

function fieldOf(run: () => unknown): string | undefined {
  try {
    run();
  } catch (error) {
    if (isDomainError(error)) return `${error.code}:${error.field}`;
    throw error;
  }
  return undefined;
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

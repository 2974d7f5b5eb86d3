// Principal helpers and the organisation hierarchy expansion (OM §10.4).
import { describe, expect, it } from 'vitest';
import { Role } from '../enums';
import {
  canSeeOrganisation,
  defaultGrantedRoles,
  descendantsOf,
  grantClaims,
  hasAnyRole,
  hasRole,
  worksAtDesk,
  type OrganisationEdge,
  type Principal,
} from '../identity';

// A supplier group (parent) with two brands, one of which has a subsidiary; and an unrelated LDSO.
const EDGES: OrganisationEdge[] = [
  { id: 'group', parentId: null },
  { id: 'brand-a', parentId: 'group' },
  { id: 'brand-b', parentId: 'group' },
  { id: 'brand-a-sub', parentId: 'brand-a' },
  { id: 'ldso', parentId: null },
];

describe('descendantsOf (OM §10.4: a parent sees all descendants, a child only itself)', () => {
  it.each([
    ['group', EDGES, ['group', 'brand-a', 'brand-b', 'brand-a-sub']],
    ['brand-a', EDGES, ['brand-a', 'brand-a-sub']],
    ['brand-b', EDGES, ['brand-b']],
    ['ldso', EDGES, ['ldso']],
    ['unknown', EDGES, ['unknown']],
    [
      'a',
      [
        { id: 'a', parentId: 'c' },
        { id: 'b', parentId: 'a' },
        { id: 'c', parentId: 'b' },
      ],
      ['a', 'b', 'c'],
    ],
    ['self', [{ id: 'self', parentId: 'self' }], ['self']],
    [
      'p',
      [
        { id: 'x', parentId: 'p' },
        { id: 'x', parentId: 'p' },
      ],
      ['p', 'x'],
    ],
  ] as [string, OrganisationEdge[], string[]][])('%s → %j', (organisationId, edges, expected) => {
    expect(descendantsOf(organisationId, edges)).toEqual(expected);
  });
});

const principal = (overrides: Partial<Principal> = {}): Principal => ({
  subject: 'user-1',
  organisationId: 'brand-a',
  visibleOrganisationIds: descendantsOf('brand-a', EDGES),
  roles: [Role.PARTICIPANT],
  deskIds: [],
  kind: 'USER',
  ...overrides,
});

describe('principal helpers', () => {
  it.each([
    ['brand-a', true, 'own organisation'],
    ['brand-a-sub', true, 'a descendant'],
    ['group', false, 'its parent'],
    ['brand-b', false, 'a sibling'],
    ['ldso', false, 'an unrelated organisation'],
  ])('canSeeOrganisation(brand-a user, %s) = %s (%s)', (organisationId, expected) => {
    expect(canSeeOrganisation(principal(), organisationId)).toBe(expected);
  });

  it('sees its own organisation even if the visible set is empty', () => {
    expect(canSeeOrganisation(principal({ visibleOrganisationIds: [] }), 'brand-a')).toBe(true);
  });

  it.each([
    [[Role.PARTICIPANT], Role.PARTICIPANT, true],
    [[Role.PARTICIPANT], Role.DESK_AGENT, false],
    [[Role.DESK_AGENT, Role.MAJOR_INCIDENT_MANAGER], Role.MAJOR_INCIDENT_MANAGER, true],
    [[], Role.CPSD_ADMIN, false],
  ])('hasRole(%j, %s) = %s', (roles, role, expected) => {
    expect(hasRole(principal({ roles }), role)).toBe(expected);
  });

  it('hasAnyRole and worksAtDesk', () => {
    const agent = principal({ roles: [Role.DESK_AGENT], deskIds: ['elexon-sd'] });
    expect(hasAnyRole(agent, [Role.CPSD_ADMIN, Role.DESK_AGENT])).toBe(true);
    expect(hasAnyRole(agent, [Role.CPSD_ADMIN])).toBe(false);
    expect(worksAtDesk(agent, 'elexon-sd')).toBe(true);
    expect(worksAtDesk(agent, 'ukpn-mpas')).toBe(false);
  });
});

describe('grantClaims (a token asks; the directory grants)', () => {
  const desks: Record<string, string> = { 'elexon-service-desk': 'elexon', 'ukpn-lpn-mpas': 'ukpn-lpn', 'ukpn-epn-mpas': 'ukpn-epn' };
  const grants: Record<string, Role[]> = {
    elexon: [Role.PARTICIPANT, Role.DESK_AGENT, Role.MAJOR_INCIDENT_MANAGER, Role.CPSD_ADMIN],
    ukpn: [Role.PARTICIPANT, Role.DESK_AGENT],
    'ukpn-lpn': [Role.PARTICIPANT, Role.DESK_AGENT],
    'british-gas': [Role.PARTICIPANT, Role.DESK_AGENT],
  };
  const directory = { rolesOf: (org: string) => grants[org] ?? [], ownerOfDesk: (desk: string) => desks[desk] };

  it("refuses a supplier's desk_agent claim on Elexon's desk, keeping what is granted", () => {
    const granted = grantClaims(
      { organisationId: 'british-gas', roles: [Role.PARTICIPANT, Role.DESK_AGENT], deskIds: ['elexon-service-desk'] },
      ['british-gas'],
      directory,
    );
    expect(granted).toEqual({ roles: [Role.PARTICIPANT, Role.DESK_AGENT], deskIds: [], refused: [{ claim: 'desks', value: 'elexon-service-desk' }] });
  });

  it('refuses cpsd_admin and major_incident_manager outside the organisations granted them', () => {
    const granted = grantClaims(
      { organisationId: 'british-gas', roles: [Role.PARTICIPANT, Role.CPSD_ADMIN, Role.MAJOR_INCIDENT_MANAGER], deskIds: [] },
      ['british-gas'],
      directory,
    );
    expect(granted.roles).toEqual([Role.PARTICIPANT]);
    expect(granted.refused).toEqual([
      { claim: 'roles', value: Role.CPSD_ADMIN },
      { claim: 'roles', value: Role.MAJOR_INCIDENT_MANAGER },
    ]);
  });

  it("lets a parent's agent work a child's desk, but never a child's agent its parent's or a sibling's", () => {
    expect(
      grantClaims({ organisationId: 'ukpn', roles: [Role.DESK_AGENT], deskIds: ['ukpn-lpn-mpas'] }, ['ukpn', 'ukpn-lpn', 'ukpn-epn'], directory).deskIds,
    ).toEqual(['ukpn-lpn-mpas']);
    expect(grantClaims({ organisationId: 'ukpn-lpn', roles: [Role.DESK_AGENT], deskIds: ['ukpn-epn-mpas'] }, ['ukpn-lpn'], directory).deskIds).toEqual([]);
  });

  it('grants desks only with a granted desk_agent role, and never an unknown desk', () => {
    expect(grantClaims({ organisationId: 'ukpn-lpn', roles: [Role.PARTICIPANT], deskIds: ['ukpn-lpn-mpas'] }, ['ukpn-lpn'], directory).deskIds).toEqual([]);
    expect(grantClaims({ organisationId: 'ukpn-lpn', roles: [Role.DESK_AGENT], deskIds: ['no-such-desk'] }, ['ukpn-lpn'], directory).refused).toEqual([
      { claim: 'desks', value: 'no-such-desk' },
    ]);
  });

  it('an organisation the directory grants nothing keeps nothing', () => {
    expect(grantClaims({ organisationId: 'unknown', roles: [Role.PARTICIPANT], deskIds: [] }, ['unknown'], directory).roles).toEqual([]);
  });

  it('default grants: MI managers only in CSPs, cpsd_admin only for Elexon', () => {
    expect(defaultGrantedRoles({ id: 'elexon', centralServiceProvider: true })).toEqual([
      Role.PARTICIPANT,
      Role.DESK_AGENT,
      Role.MAJOR_INCIDENT_MANAGER,
      Role.CPSD_ADMIN,
    ]);
    expect(defaultGrantedRoles({ id: 'dcc', centralServiceProvider: true })).toEqual([Role.PARTICIPANT, Role.DESK_AGENT, Role.MAJOR_INCIDENT_MANAGER]);
    expect(defaultGrantedRoles({ id: 'british-gas', centralServiceProvider: false })).toEqual([Role.PARTICIPANT, Role.DESK_AGENT]);
  });
});

// Principal helpers and the organisation hierarchy expansion (OM §10.4).
import { describe, expect, it } from 'vitest';
import { Role } from '../enums';
import { canSeeOrganisation, descendantsOf, hasAnyRole, hasRole, worksAtDesk, type OrganisationEdge, type Principal } from '../identity';

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

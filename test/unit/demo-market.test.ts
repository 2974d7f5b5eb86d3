import { describe, it, expect } from 'vitest';
import { ContactMethodKind, DeskKind, OrganisationKind, Party } from '../../schema/enums';
import { DESKS, MPAS_DESK_BY_DISTRIBUTOR, ORGANISATIONS, desksOf, organisationById, type DemoOrganisation } from '../../demo/market';

/** The group at the top of an organisation's parent chain. */
function rootOf(org: DemoOrganisation): DemoOrganisation {
  let current = org;
  const seen = new Set<string>();
  while (current.parentId !== null) {
    if (seen.has(current.id)) throw new Error(`cycle through ${current.id}`);
    seen.add(current.id);
    const parent = organisationById(current.parentId);
    if (parent === undefined) throw new Error(`${current.id} has unknown parent ${current.parentId}`);
    current = parent;
  }
  return current;
}

/** The real DNO licence areas: distributor id → LDSO group. */
const DNO_GROUP_BY_DISTRIBUTOR: Record<string, string> = {
  '10': 'ukpn', // Eastern
  '11': 'nged', // East Midlands
  '12': 'ukpn', // London
  '13': 'spen', // Merseyside and North Wales (SP Manweb)
  '14': 'nged', // West Midlands
  '15': 'npg', // North East
  '16': 'enwl', // North West
  '17': 'ssen', // North Scotland
  '18': 'spen', // South Scotland (SP Distribution)
  '19': 'ukpn', // South Eastern
  '20': 'ssen', // Southern
  '21': 'nged', // South Wales
  '22': 'nged', // South West
  '23': 'npg', // Yorkshire
};

const EXAMPLE_HOST = /^([a-z0-9-]+\.)*([a-z0-9-]+\.example|example-[a-z0-9-]+\.test)$/;

function hostOf(address: string): string {
  if (address.startsWith('https://')) return new URL(address).hostname;
  const at = address.lastIndexOf('@');
  if (at < 1) throw new Error(`not a mailbox or https URL: ${address}`);
  return address.slice(at + 1).toLowerCase();
}

describe('demo market', () => {
  it('gives every organisation and desk a unique id', () => {
    const ids = [...ORGANISATIONS.map((o) => o.id), ...DESKS.map((d) => d.id)];
    expect(new Set(ids).size).toBe(ids.length);
  });

  it('refers only to organisations that exist', () => {
    for (const org of ORGANISATIONS) {
      if (org.parentId !== null) expect(organisationById(org.parentId), org.id).toBeDefined();
    }
    for (const desk of DESKS) expect(organisationById(desk.organisationId), desk.id).toBeDefined();
  });

  it('has no cycles in the organisation hierarchy', () => {
    for (const org of ORGANISATIONS) expect(() => rootOf(org)).not.toThrow();
  });

  it('gives every organisation a desk, or children that have desks', () => {
    const withDesk = new Set(DESKS.map((d) => d.organisationId));
    for (const org of ORGANISATIONS) {
      const children = ORGANISATIONS.filter((o) => o.parentId === org.id);
      const covered = withDesk.has(org.id) || (children.length > 0 && children.every((c) => withDesk.has(c.id)));
      expect(covered, org.id).toBe(true);
    }
  });

  it('routes every DNO distributor id 10–23 to exactly one MPAS help desk of the right LDSO group', () => {
    for (let n = 10; n <= 23; n++) {
      const distributorId = String(n);
      const claimants = DESKS.filter((d) => d.distributorIds?.includes(distributorId));
      expect(
        claimants.map((d) => d.id),
        distributorId,
      ).toHaveLength(1);
      const desk = claimants[0]!;
      expect(desk.kind).toBe(DeskKind.MPAS_HELP_DESK);
      expect(desk.party).toBe(Party.MPAS);
      expect(MPAS_DESK_BY_DISTRIBUTOR.get(distributorId)).toBe(desk.id);
      expect(rootOf(organisationById(desk.organisationId)!).id, distributorId).toBe(DNO_GROUP_BY_DISTRIBUTOR[distributorId]);
    }
  });

  it('sets distributor ids on MPAS help desks only', () => {
    for (const desk of DESKS) {
      if (desk.kind !== DeskKind.MPAS_HELP_DESK) expect(desk.distributorIds, desk.id).toBeUndefined();
    }
  });

  it('gives every LDSO group a service desk and every licence area an MPAS help desk', () => {
    const ldsos = ORGANISATIONS.filter((o) => o.kind === OrganisationKind.LDSO);
    for (const group of ldsos.filter((o) => o.parentId === null)) {
      expect(
        DESKS.some((d) => d.organisationId === group.id && d.kind === DeskKind.LDSO_SERVICE_DESK),
        group.id,
      ).toBe(true);
    }
    for (const area of ldsos.filter((o) => !ORGANISATIONS.some((c) => c.parentId === o.id))) {
      expect(
        DESKS.some((d) => d.organisationId === area.id && d.kind === DeskKind.MPAS_HELP_DESK),
        area.id,
      ).toBe(true);
    }
  });

  it('names exactly Elexon, DCC, RECCo and ElectraLink as central service providers', () => {
    const csps = ORGANISATIONS.filter((o) => o.centralServiceProvider).map((o) => o.id);
    expect(csps.sort()).toEqual(['dcc', 'electralink', 'elexon', 'recco']);
  });

  it('uses example domains for every address', () => {
    for (const desk of DESKS) {
      for (const address of [desk.contactMethod.address, ...(desk.nominatedSenders ?? [])]) {
        expect(hostOf(address), `${desk.id}: ${address}`).toMatch(EXAMPLE_HOST);
      }
    }
  });

  it('lists nominated senders only for shared mailboxes, and always for them', () => {
    for (const desk of DESKS) {
      const isMailbox = desk.contactMethod.kind === ContactMethodKind.SHARED_MAILBOX;
      expect((desk.nominatedSenders?.length ?? 0) > 0, desk.id).toBe(isMailbox);
    }
  });

  it('writes weekday hours as HH:MM, opening before closing, and none for always-open desks', () => {
    for (const desk of DESKS) {
      const { alwaysOpen, weekdays } = desk.hours;
      if (alwaysOpen) {
        expect(weekdays, desk.id).toBeUndefined();
        continue;
      }
      expect(weekdays, desk.id).toBeDefined();
      expect(weekdays!.opens).toMatch(/^([01]\d|2[0-3]):[0-5]\d$/);
      expect(weekdays!.closes).toMatch(/^([01]\d|2[0-3]):[0-5]\d$/);
      expect(weekdays!.opens < weekdays!.closes, desk.id).toBe(true);
    }
  });

  it('splits desks by the subgraph that holds them', () => {
    expect(desksOf(Party.ELEXON).map((d) => d.id)).toEqual(['elexon-service-desk']);
    expect(
      desksOf(Party.DCC)
        .map((d) => d.id)
        .sort(),
    ).toEqual(['dcc-service-desk', 'dcc-switching']);
    expect(
      desksOf(Party.REC)
        .map((d) => d.id)
        .sort(),
    ).toEqual(['ees-service-desk', 'rec-help-desk']);
    expect(desksOf(Party.PARTNERS).map((d) => d.id)).toContain('dts-service-desk');
    const total = Object.values(Party).reduce((n, p) => n + desksOf(p).length, 0);
    expect(total).toBe(DESKS.length);
  });
});

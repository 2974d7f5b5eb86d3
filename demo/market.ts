/**
 * Demo market: the organisations and desk directory the demo runs on, shaped like the real GB MHHS market
 * (DOMAIN.md "Parties and desks"; OM §18.4 and App. H; CA §5). Pure data, no I/O.
 *
 * Names of organisations are real where the sources name them; every contact address is on an example domain
 * (`*.example`), and no person is named. Hours come from OM App. H where it gives them, otherwise core hours
 * 08:30–17:30 Mon–Fri (OM §2.3). Weekday-only desks are taken to close on England & Wales bank holidays.
 */
import { Category, ContactMethodKind, DeskKind, OrganisationKind, Party, Service } from '../schema/enums';
import type { DeskHoursData, MarketDesk, MarketDirectory, MarketOrganisation } from '../platform/market';

export type DemoOrganisation = MarketOrganisation;
export type DemoDeskHours = DeskHoursData;
export type DemoDesk = MarketDesk;

// ---------------------------------------------------------------------------------------------------------------
// Organisations
// ---------------------------------------------------------------------------------------------------------------

function organisation(id: string, name: string, kind: OrganisationKind, parentId: string | null = null, centralServiceProvider = false): DemoOrganisation {
  return { id, name, kind, parentId, centralServiceProvider };
}

export const ORGANISATIONS: readonly DemoOrganisation[] = [
  // Central Service Providers (OM App. A): the only ones who may lead an industry-wide major incident.
  organisation('elexon', 'Elexon', OrganisationKind.ELEXON, null, true),
  organisation('dcc', 'Data Communications Company (DCC)', OrganisationKind.DCC, null, true),
  organisation('recco', 'Retail Energy Code Company (RECCo)', OrganisationKind.RECCO, null, true),
  organisation('electralink', 'ElectraLink', OrganisationKind.ELECTRALINK, null, true),

  // LDSO groups and their licence areas.
  organisation('ukpn', 'UK Power Networks', OrganisationKind.LDSO),
  organisation('ukpn-epn', 'UK Power Networks – Eastern (EPN)', OrganisationKind.LDSO, 'ukpn'),
  organisation('ukpn-lpn', 'UK Power Networks – London (LPN)', OrganisationKind.LDSO, 'ukpn'),
  organisation('ukpn-spn', 'UK Power Networks – South Eastern (SPN)', OrganisationKind.LDSO, 'ukpn'),

  organisation('nged', 'National Grid Electricity Distribution', OrganisationKind.LDSO),
  organisation('nged-east-midlands', 'NGED East Midlands', OrganisationKind.LDSO, 'nged'),
  organisation('nged-west-midlands', 'NGED West Midlands', OrganisationKind.LDSO, 'nged'),
  organisation('nged-south-wales', 'NGED South Wales', OrganisationKind.LDSO, 'nged'),
  organisation('nged-south-west', 'NGED South West', OrganisationKind.LDSO, 'nged'),

  organisation('spen', 'SP Energy Networks', OrganisationKind.LDSO),
  organisation('spen-manweb', 'SP Manweb', OrganisationKind.LDSO, 'spen'),
  organisation('spen-distribution', 'SP Distribution', OrganisationKind.LDSO, 'spen'),

  organisation('ssen', 'Scottish and Southern Electricity Networks', OrganisationKind.LDSO),
  organisation('ssen-north-scotland', 'SSEN – North of Scotland (SHEPD)', OrganisationKind.LDSO, 'ssen'),
  organisation('ssen-southern', 'SSEN – Southern (SEPD)', OrganisationKind.LDSO, 'ssen'),

  organisation('enwl', 'Electricity North West', OrganisationKind.LDSO),

  organisation('npg', 'Northern Powergrid', OrganisationKind.LDSO),
  organisation('npg-north-east', 'Northern Powergrid (Northeast)', OrganisationKind.LDSO, 'npg'),
  organisation('npg-yorkshire', 'Northern Powergrid (Yorkshire)', OrganisationKind.LDSO, 'npg'),

  // An IDNO group.
  organisation('buuk', 'BUUK Infrastructure', OrganisationKind.LDSO),
  organisation('buuk-ipnl', 'Independent Power Networks', OrganisationKind.LDSO, 'buuk'),

  // Supplier groups and their brands.
  organisation('centrica', 'Centrica', OrganisationKind.SUPPLIER),
  organisation('british-gas', 'British Gas', OrganisationKind.SUPPLIER, 'centrica'),
  organisation('british-gas-business', 'British Gas Business', OrganisationKind.SUPPLIER, 'centrica'),

  organisation('eon-uk', 'E.ON UK', OrganisationKind.SUPPLIER),
  organisation('eon-next', 'E.ON Next', OrganisationKind.SUPPLIER, 'eon-uk'),
  organisation('npower-business-solutions', 'npower Business Solutions', OrganisationKind.SUPPLIER, 'eon-uk'),

  // DIP connection providers (fictional names: the sources name no DCP).
  organisation('gridlink', 'Gridlink DIP Connect', OrganisationKind.DCP),
  organisation('meterbridge', 'Meterbridge Networks', OrganisationKind.DCP),

  // Software providers (OM App. H).
  organisation('kraken', 'Kraken Technologies', OrganisationKind.SOFTWARE_PROVIDER),
  organisation('wheatley', 'Wheatley Solutions', OrganisationKind.SOFTWARE_PROVIDER),
];

// ---------------------------------------------------------------------------------------------------------------
// Hours
// ---------------------------------------------------------------------------------------------------------------

function alwaysOpen(outOfHours?: string): DemoDeskHours {
  return {
    timeZone: 'Europe/London',
    alwaysOpen: true,
    excludesBankHolidays: false,
    ...(outOfHours === undefined ? {} : { outOfHours }),
  };
}

function weekdays(opens: string, closes: string, outOfHours?: string): DemoDeskHours {
  return {
    timeZone: 'Europe/London',
    alwaysOpen: false,
    weekdays: { opens, closes },
    excludesBankHolidays: true,
    ...(outOfHours === undefined ? {} : { outOfHours }),
  };
}

/** OM §2.3: the hours of a desk the sources give none for. */
function coreHours(): DemoDeskHours {
  return weekdays('08:30', '17:30');
}

// ---------------------------------------------------------------------------------------------------------------
// Contact methods
// ---------------------------------------------------------------------------------------------------------------

function portal(url: string): DemoDesk['contactMethod'] {
  return { kind: ContactMethodKind.PORTAL, address: url };
}

function mailbox(address: string): DemoDesk['contactMethod'] {
  return { kind: ContactMethodKind.SHARED_MAILBOX, address };
}

// ---------------------------------------------------------------------------------------------------------------
// Desk builders for the repeated LDSO shapes
// ---------------------------------------------------------------------------------------------------------------

const MPAS_CATEGORIES: readonly Category[] = [Category.DATA_SUBMISSION, Category.PARTICIPANT_ISSUES, Category.MARKET_SYSTEMS];

const LDSO_SERVICE_DESK_CATEGORIES: readonly Category[] = [Category.MARKET_SYSTEMS, Category.SECURITY, Category.CHANGE_MANAGEMENT];

type DeskContact = Pick<DemoDesk, 'contactMethod' | 'nominatedSenders'>;

/** An LDSO's internal technical Service Desk (OM §18.4): it meets other desks in a major incident. */
function ldsoServiceDesk(organisationId: string, name: string, hours: DemoDeskHours, contact: DeskContact): DemoDesk {
  return {
    id: `${organisationId}-service-desk`,
    name,
    organisationId,
    kind: DeskKind.LDSO_SERVICE_DESK,
    party: Party.MPAS,
    services: [Service.MPAS],
    categories: [...LDSO_SERVICE_DESK_CATEGORIES],
    hours,
    ...contact,
  };
}

/** A licence area's MPAS Help Desk: MPAN and supply-point queries (OM §18.4). */
function mpasHelpDesk(organisationId: string, name: string, distributorIds: string[] | undefined, hours: DemoDeskHours, contact: DeskContact): DemoDesk {
  return {
    id: `${organisationId}-mpas`,
    name,
    organisationId,
    kind: DeskKind.MPAS_HELP_DESK,
    party: Party.MPAS,
    services: [Service.MPAS],
    categories: [...MPAS_CATEGORIES],
    hours,
    ...contact,
    ...(distributorIds === undefined ? {} : { distributorIds }),
  };
}

function sharedMailbox(address: string, ...otherSenders: string[]): DeskContact {
  return { contactMethod: mailbox(address), nominatedSenders: [address, ...otherSenders] };
}

function viaPortal(url: string): DeskContact {
  return { contactMethod: portal(url) };
}

// ---------------------------------------------------------------------------------------------------------------
// Desks
// ---------------------------------------------------------------------------------------------------------------

export const DESKS: readonly DemoDesk[] = [
  // Elexon (OM §18.4): settlement, DIP, LSS, MDS, VAS, ISD, BSC — 24/7/365.
  {
    id: 'elexon-service-desk',
    name: 'Elexon Service Desk',
    organisationId: 'elexon',
    kind: DeskKind.ELEXON_SERVICE_DESK,
    party: Party.ELEXON,
    services: [Service.DIP, Service.LSS, Service.MDS, Service.VAS, Service.ISD, Service.SETTLEMENT_OPERATIONS, Service.BSC],
    categories: Object.values(Category),
    hours: alwaysOpen(),
    contactMethod: portal('https://servicedesk.elexon.example/cpsd'),
  },

  // UK Power Networks (App. H: 24/7/365). Its service desk takes cases over TMF621.
  ldsoServiceDesk('ukpn', 'UK Power Networks Service Desk', alwaysOpen(), {
    contactMethod: { kind: ContactMethodKind.TMF621, address: 'https://api.ukpn.example/tmf-api/troubleTicket/v5' },
  }),
  mpasHelpDesk('ukpn-epn', 'UKPN Eastern MPAS Help Desk', ['10'], alwaysOpen(), sharedMailbox('mpas.epn@ukpn.example', 'mpas.helpdesk@ukpn.example')),
  mpasHelpDesk('ukpn-lpn', 'UKPN London MPAS Help Desk', ['12'], alwaysOpen(), sharedMailbox('mpas.lpn@ukpn.example', 'mpas.helpdesk@ukpn.example')),
  mpasHelpDesk('ukpn-spn', 'UKPN South Eastern MPAS Help Desk', ['19'], alwaysOpen(), sharedMailbox('mpas.spn@ukpn.example', 'mpas.helpdesk@ukpn.example')),

  // National Grid Electricity Distribution (App. H: Mon–Fri 09:00–17:00).
  ldsoServiceDesk('nged', 'NGED IT Service Desk', weekdays('09:00', '17:00'), sharedMailbox('it.business-apps@nged.example', 'it.servicedesk@nged.example')),
  mpasHelpDesk(
    'nged-east-midlands',
    'NGED East Midlands MPAS Help Desk',
    ['11'],
    weekdays('09:00', '17:00'),
    viaPortal('https://mpas.nged.example/helpdesk/east-midlands'),
  ),
  mpasHelpDesk(
    'nged-west-midlands',
    'NGED West Midlands MPAS Help Desk',
    ['14'],
    weekdays('09:00', '17:00'),
    viaPortal('https://mpas.nged.example/helpdesk/west-midlands'),
  ),
  mpasHelpDesk(
    'nged-south-wales',
    'NGED South Wales MPAS Help Desk',
    ['21'],
    weekdays('09:00', '17:00'),
    viaPortal('https://mpas.nged.example/helpdesk/south-wales'),
  ),
  mpasHelpDesk(
    'nged-south-west',
    'NGED South West MPAS Help Desk',
    ['22'],
    weekdays('09:00', '17:00'),
    viaPortal('https://mpas.nged.example/helpdesk/south-west'),
  ),

  // SP Energy Networks (App. H: Mon–Fri 09:00–17:00).
  ldsoServiceDesk('spen', 'SP Energy Networks Service Desk', weekdays('09:00', '17:00'), sharedMailbox('mhhs.support@spen.example')),
  mpasHelpDesk(
    'spen-manweb',
    'SP Manweb MPAS Help Desk',
    ['13'],
    weekdays('09:00', '17:00'),
    sharedMailbox('mpas.manweb@spen.example', 'mhhs.support@spen.example'),
  ),
  mpasHelpDesk(
    'spen-distribution',
    'SP Distribution MPAS Help Desk',
    ['18'],
    weekdays('09:00', '17:00'),
    sharedMailbox('mpas.distribution@spen.example', 'mhhs.support@spen.example'),
  ),

  // SSEN (App. H "SSE - Distribution": 24x7).
  ldsoServiceDesk('ssen', 'SSEN Distribution Service Desk', alwaysOpen(), viaPortal('https://servicedesk.ssen.example/portal')),
  mpasHelpDesk('ssen-north-scotland', 'SSEN North of Scotland MPAS Help Desk', ['17'], alwaysOpen(), viaPortal('https://mpas.ssen.example/north-scotland')),
  mpasHelpDesk('ssen-southern', 'SSEN Southern MPAS Help Desk', ['20'], alwaysOpen(), viaPortal('https://mpas.ssen.example/southern')),

  // Electricity North West: one licence area, so the group holds both desks (App. H: Mon–Fri 08:00–18:00).
  ldsoServiceDesk('enwl', 'Electricity North West Service Desk', weekdays('08:00', '18:00'), sharedMailbox('it.servicedesk@enwl.example')),
  mpasHelpDesk(
    'enwl',
    'Electricity North West MPAS Help Desk',
    ['16'],
    weekdays('08:00', '18:00'),
    sharedMailbox('mpas.helpdesk@enwl.example', 'it.servicedesk@enwl.example'),
  ),

  // Northern Powergrid (not in App. H: core hours).
  ldsoServiceDesk('npg', 'Northern Powergrid Service Desk', coreHours(), viaPortal('https://servicedesk.npg.example/portal')),
  mpasHelpDesk('npg-north-east', 'Northern Powergrid Northeast MPAS Help Desk', ['15'], coreHours(), viaPortal('https://mpas.npg.example/north-east')),
  mpasHelpDesk('npg-yorkshire', 'Northern Powergrid Yorkshire MPAS Help Desk', ['23'], coreHours(), viaPortal('https://mpas.npg.example/yorkshire')),

  // BUUK Infrastructure (App. H: 08:30–17:00). The IDNO's distributor id is left out on purpose: only the
  // DNO ids 10–23 are modelled with certainty.
  ldsoServiceDesk('buuk', 'BUUK Infrastructure Service Desk', weekdays('08:30', '17:00'), sharedMailbox('servicedesk@buuk.example')),
  mpasHelpDesk(
    'buuk-ipnl',
    'Independent Power Networks MPAS Help Desk',
    undefined,
    weekdays('08:30', '17:00'),
    sharedMailbox('mpas@ipnl.buuk.example', 'servicedesk@buuk.example'),
  ),

  // DCC (App. H: incident management Mon–Fri 07:30–18:00; the Service Centre is 24/7).
  {
    id: 'dcc-service-desk',
    name: 'DCC Service Desk (Service Centre)',
    organisationId: 'dcc',
    kind: DeskKind.DCC_SERVICE_DESK,
    party: Party.DCC,
    services: [Service.SMART_METERING],
    categories: [Category.MARKET_SYSTEMS, Category.DATA_SUBMISSION, Category.SECURITY, Category.THIRD_PARTY_SERVICES],
    hours: alwaysOpen('Incident management Mon–Fri 07:30–18:00; Service Centre 24/7'),
    contactMethod: portal('https://servicecentre.dcc.example/portal'),
  },
  {
    id: 'dcc-switching',
    name: 'Switching Service Desk',
    organisationId: 'dcc',
    kind: DeskKind.SWITCHING_SERVICE_DESK,
    party: Party.DCC,
    services: [Service.CSS],
    categories: [Category.MARKET_SYSTEMS, Category.PARTICIPANT_ISSUES, Category.DATA_SUBMISSION],
    hours: weekdays('07:30', '18:00', 'Via the DCC Service Centre (24/7)'),
    contactMethod: mailbox('switching.servicedesk@dcc.example'),
    nominatedSenders: ['switching.servicedesk@dcc.example', 'incident.management@dcc.example'],
  },

  // RECCo: REC Help Desk run by the REC Code Manager, EES Service Desk run by C&C Group.
  {
    id: 'rec-help-desk',
    name: 'REC Help Desk (REC Code Manager)',
    organisationId: 'recco',
    kind: DeskKind.REC_HELP_DESK,
    party: Party.REC,
    services: [Service.REC],
    categories: [Category.REGULATORY_COMPLIANCE, Category.PARTICIPANT_ISSUES, Category.CHANGE_MANAGEMENT],
    hours: weekdays('09:00', '17:00'),
    contactMethod: mailbox('enquiries@rec-code-manager.example'),
    nominatedSenders: ['enquiries@rec-code-manager.example'],
  },
  {
    id: 'ees-service-desk',
    name: 'EES Service Desk (C&C Group)',
    organisationId: 'recco',
    kind: DeskKind.EES_SERVICE_DESK,
    party: Party.REC,
    services: [Service.EES],
    categories: [Category.MARKET_SYSTEMS, Category.DATA_AGGREGATION_AND_REPORTING],
    hours: weekdays('08:00', '18:00', 'P1 and P2 only by phone; no email support out of hours'),
    contactMethod: portal('https://support.ees.example/portal'),
  },

  // ElectraLink: no subgraph of its own, so the partners subgraph holds its desk.
  {
    id: 'dts-service-desk',
    name: 'DTS Service Desk',
    organisationId: 'electralink',
    kind: DeskKind.DTS_SERVICE_DESK,
    party: Party.PARTNERS,
    services: [Service.DTS],
    categories: [Category.MARKET_SYSTEMS, Category.COMMUNICATIONS, Category.THIRD_PARTY_SERVICES],
    hours: coreHours(),
    contactMethod: mailbox('dts.servicedesk@electralink.example'),
    nominatedSenders: ['dts.servicedesk@electralink.example'],
  },

  // Suppliers (App. H: Centrica Mon–Fri 08:00–18:00, 24x7 for P1 & P2; E.ON not listed: core hours).
  {
    id: 'british-gas-supplier-desk',
    name: 'British Gas Supplier Desk',
    organisationId: 'british-gas',
    kind: DeskKind.SUPPLIER_DESK,
    party: Party.PARTNERS,
    services: [Service.SUPPLIER_SERVICES],
    categories: [Category.SETTLEMENT_SERVICES, Category.PARTICIPANT_ISSUES, Category.DATA_SUBMISSION],
    hours: weekdays('08:00', '18:00', 'P1 and P2 24x7'),
    contactMethod: mailbox('mhhs.servicedesk@britishgas.example'),
    nominatedSenders: ['mhhs.servicedesk@britishgas.example', 'incident.management@centrica.example'],
  },
  {
    id: 'british-gas-business-supplier-desk',
    name: 'British Gas Business Supplier Desk',
    organisationId: 'british-gas-business',
    kind: DeskKind.SUPPLIER_DESK,
    party: Party.PARTNERS,
    services: [Service.SUPPLIER_SERVICES],
    categories: [Category.SETTLEMENT_SERVICES, Category.PARTICIPANT_ISSUES, Category.DATA_SUBMISSION],
    hours: weekdays('08:00', '18:00', 'P1 and P2 24x7'),
    contactMethod: portal('https://support.britishgasbusiness.example/mhhs'),
  },
  {
    id: 'eon-next-supplier-desk',
    name: 'E.ON Next Supplier Desk',
    organisationId: 'eon-next',
    kind: DeskKind.SUPPLIER_DESK,
    party: Party.PARTNERS,
    services: [Service.SUPPLIER_SERVICES],
    categories: [Category.SETTLEMENT_SERVICES, Category.PARTICIPANT_ISSUES, Category.DATA_SUBMISSION],
    hours: coreHours(),
    contactMethod: mailbox('settlement.queries@eonnext.example'),
    nominatedSenders: ['settlement.queries@eonnext.example', 'mhhs@eon-uk.example'],
  },
  {
    id: 'npower-business-solutions-supplier-desk',
    name: 'npower Business Solutions Supplier Desk',
    organisationId: 'npower-business-solutions',
    kind: DeskKind.SUPPLIER_DESK,
    party: Party.PARTNERS,
    services: [Service.SUPPLIER_SERVICES],
    categories: [Category.SETTLEMENT_SERVICES, Category.PARTICIPANT_ISSUES, Category.DATA_SUBMISSION],
    hours: coreHours(),
    contactMethod: mailbox('settlement.queries@npowerbusiness.example'),
    nominatedSenders: ['settlement.queries@npowerbusiness.example', 'mhhs@eon-uk.example'],
  },

  // DIP connection providers.
  {
    id: 'gridlink-dcp-desk',
    name: 'Gridlink DIP Connect Support',
    organisationId: 'gridlink',
    kind: DeskKind.DCP_DESK,
    party: Party.PARTNERS,
    services: [Service.DIP_CONNECTION],
    categories: [Category.MARKET_SYSTEMS, Category.THIRD_PARTY_SERVICES, Category.SECURITY],
    hours: alwaysOpen(),
    contactMethod: portal('https://support.gridlink.example/portal'),
  },
  {
    id: 'meterbridge-dcp-desk',
    name: 'Meterbridge Networks Service Desk',
    organisationId: 'meterbridge',
    kind: DeskKind.DCP_DESK,
    party: Party.PARTNERS,
    services: [Service.DIP_CONNECTION],
    categories: [Category.MARKET_SYSTEMS, Category.THIRD_PARTY_SERVICES, Category.SECURITY],
    hours: weekdays('08:00', '18:00', 'P1 only by phone'),
    contactMethod: mailbox('servicedesk@meterbridge.example'),
    nominatedSenders: ['servicedesk@meterbridge.example', 'noc@meterbridge.example'],
  },

  // Software providers (App. H: Kraken Mon–Fri 09:00–17:30; Wheatley Mon–Fri 08:30–17:30 excl. bank holidays).
  {
    id: 'kraken-software-desk',
    name: 'Kraken Technologies Support',
    organisationId: 'kraken',
    kind: DeskKind.SOFTWARE_PROVIDER_DESK,
    party: Party.PARTNERS,
    services: [Service.PARTICIPANT_SOFTWARE],
    categories: [Category.MARKET_SYSTEMS, Category.THIRD_PARTY_SERVICES, Category.DATA_SUBMISSION],
    hours: weekdays('09:00', '17:30'),
    contactMethod: mailbox('mhhs.support@kraken.example'),
    nominatedSenders: ['mhhs.support@kraken.example', 'mhhs-notifications@kraken.example'],
  },
  {
    id: 'wheatley-software-desk',
    name: 'Wheatley Solutions Support',
    organisationId: 'wheatley',
    kind: DeskKind.SOFTWARE_PROVIDER_DESK,
    party: Party.PARTNERS,
    services: [Service.PARTICIPANT_SOFTWARE],
    categories: [Category.MARKET_SYSTEMS, Category.THIRD_PARTY_SERVICES, Category.DATA_SUBMISSION],
    hours: weekdays('08:30', '17:30'),
    contactMethod: portal('https://support.wheatley.example/portal'),
  },
];

// ---------------------------------------------------------------------------------------------------------------
// Look-ups
// ---------------------------------------------------------------------------------------------------------------

const ORGANISATION_BY_ID: ReadonlyMap<string, DemoOrganisation> = new Map(ORGANISATIONS.map((o) => [o.id, o]));

export function organisationById(id: string): DemoOrganisation | undefined {
  return ORGANISATION_BY_ID.get(id);
}

export function desksOf(party: Party): readonly DemoDesk[] {
  return DESKS.filter((desk) => desk.party === party);
}

/** Distributor id (first two digits of an MPAN core) → the MPAS help desk that answers for it. */
export const MPAS_DESK_BY_DISTRIBUTOR: ReadonlyMap<string, string> = buildMpasDeskByDistributor(DESKS);

function buildMpasDeskByDistributor(desks: readonly DemoDesk[]): ReadonlyMap<string, string> {
  const byDistributor = new Map<string, string>();
  for (const desk of desks) {
    if (desk.kind !== DeskKind.MPAS_HELP_DESK) continue;
    for (const distributorId of desk.distributorIds ?? []) {
      const claimedBy = byDistributor.get(distributorId);
      // Two desks answering for one distributor would make MPAN routing ambiguous: fail at load, not at routing.
      if (claimedBy !== undefined) {
        throw new Error(`distributor ${distributorId} claimed by both ${claimedBy} and ${desk.id}`);
      }
      byDistributor.set(distributorId, desk.id);
    }
  }
  return byDistributor;
}

/** The demo market as the subgraphs load it (`npm start`, the e2e tests). */
export const DEMO_MARKET: MarketDirectory = { organisations: ORGANISATIONS, desks: DESKS };

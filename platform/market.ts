/**
 * The shape of a market's directory as the subgraphs load it: organisations with their hierarchy, and desks with
 * their party, coverage, hours and contact method. The demo market (demo/market.ts) is one; a deployment loads its
 * own. Production code takes a `MarketDirectory` as a parameter and never imports the demo.
 */
import { weekdayCalendarKind, type CalendarKind } from '../schema/calendar';
import type { Category, ContactMethodKind, DeskKind, OrganisationKind, Party, Role, Service } from '../schema/enums';

export interface MarketOrganisation {
  id: string;
  name: string;
  kind: OrganisationKind;
  parentId: string | null;
  /** A Central Service Provider leads the major incidents raised on its desks (OM §5.24). */
  centralServiceProvider: boolean;
}

export interface DeskHoursData {
  timeZone: 'Europe/London';
  alwaysOpen: boolean;
  /** Monday–Friday opening, when not always open. */
  weekdays?: { opens: string; closes: string };
  excludesBankHolidays: boolean;
  /** What to do out of hours (e.g. a phone line for P1s). */
  outOfHours?: string;
}

export interface MarketDesk {
  id: string;
  name: string;
  organisationId: string;
  kind: DeskKind;
  /** The party subgraph that is the desk's face in the CPSD. */
  party: Party;
  services: Service[];
  categories: Category[];
  hours: DeskHoursData;
  /** How the desk is reached (its nominated contact method). */
  contactMethod: { kind: ContactMethodKind; address: string };
  /** Addresses that may write in on the desk's behalf (shared mailboxes). */
  nominatedSenders?: string[];
  /** MPAN distributor ids the desk answers for (LDSO MPAS help desks). */
  distributorIds?: string[];
}

export interface MarketDirectory {
  organisations: readonly MarketOrganisation[];
  desks: readonly MarketDesk[];
}

/** A person of the market the development sign-in offers (never in production: only the development issuer mounts it). */
export interface DevPersona {
  /** What the page posts to /dev/token. */
  id: string;
  label: string;
  sub: string;
  org: string;
  roles: `${Role}`[];
  desks: string[];
}

/**
 * The calendar a desk's SLA clocks run on, from the hours it publishes: round the clock when always open, otherwise its
 * own weekday hours (closed on bank holidays), core hours when it publishes none.
 */
export function slaCalendarOf(hours: DeskHoursData): CalendarKind {
  if (hours.alwaysOpen) return '24x7';
  return hours.weekdays ? weekdayCalendarKind(hours.weekdays.opens, hours.weekdays.closes) : 'BUSINESS';
}

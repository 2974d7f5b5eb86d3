/** The CPSD's shared vocabulary (DOMAIN.md; OM §3–5, §18.4). Values are GraphQL enum values too. */

/** Case types after triage (OM §4.1). */
export enum CaseType {
  INCIDENT = 'INCIDENT',
  SERVICE_REQUEST = 'SERVICE_REQUEST',
  PROBLEM = 'PROBLEM',
  CHANGE = 'CHANGE',
}

/** Categories (OM §5.16). */
export enum Category {
  SETTLEMENT_SERVICES = 'SETTLEMENT_SERVICES',
  DATA_SUBMISSION = 'DATA_SUBMISSION',
  MARKET_SYSTEMS = 'MARKET_SYSTEMS',
  PARTICIPANT_ISSUES = 'PARTICIPANT_ISSUES',
  DATA_AGGREGATION_AND_REPORTING = 'DATA_AGGREGATION_AND_REPORTING',
  REGULATORY_COMPLIANCE = 'REGULATORY_COMPLIANCE',
  SECURITY = 'SECURITY',
  COMMUNICATIONS = 'COMMUNICATIONS',
  CHANGE_MANAGEMENT = 'CHANGE_MANAGEMENT',
  THIRD_PARTY_SERVICES = 'THIRD_PARTY_SERVICES',
  /** OM §7.1: a participant raises a service request by choosing this category; the case is a SERVICE_REQUEST. */
  MHHS_SERVICE_REQUEST = 'MHHS_SERVICE_REQUEST',
}

/** Impact: how widely the issue is felt (OM §3.8). */
export enum Impact {
  HIGH = 'HIGH', // system wide
  MEDIUM = 'MEDIUM', // multiple users
  LOW = 'LOW', // single user
}

/** Urgency: how badly the function is hit (OM §3.9). */
export enum Urgency {
  HIGH = 'HIGH', // primary functions not working
  MEDIUM = 'MEDIUM', // impaired, workaround available
  LOW = 'LOW', // inconvenient
}

export enum Priority {
  P1 = 'P1',
  P2 = 'P2',
  P3 = 'P3',
  P4 = 'P4',
}

/** Case states (CA §6, OM §5.12–5.13). CANCELLED ends a case withdrawn by its raiser before resolution. */
export enum CaseState {
  NEW = 'NEW',
  IN_PROGRESS = 'IN_PROGRESS',
  ON_HOLD = 'ON_HOLD',
  RESOLVED = 'RESOLVED',
  CLOSED = 'CLOSED',
  CANCELLED = 'CANCELLED',
}

/** Why a case is On Hold; every hold pauses the SLA clock. */
export enum HoldReason {
  AWAITING_CALLER = 'AWAITING_CALLER',
  CHANGE = 'CHANGE',
  PROBLEM = 'PROBLEM',
  VENDOR = 'VENDOR',
}

/** Services the desks support (OM §18.4, glossary). */
export enum Service {
  DIP = 'DIP', // Data Integration Platform
  LSS = 'LSS', // Load Shaping Service
  MDS = 'MDS', // Market-wide Data Service
  VAS = 'VAS', // Volume Allocation Service
  ISD = 'ISD', // Industry Standing Data
  SETTLEMENT_OPERATIONS = 'SETTLEMENT_OPERATIONS',
  BSC = 'BSC', // BSC-related queries
  MPAS = 'MPAS', // MPAN and supply point information
  SMART_METERING = 'SMART_METERING', // DCC smart metering data communications
  CSS = 'CSS', // Central Switching Service
  REC = 'REC',
  EES = 'EES', // Electricity Enquiry Service
  DTS = 'DTS', // ElectraLink Data Transfer Service
  DIP_CONNECTION = 'DIP_CONNECTION', // a DCP's connection to the DIP
  PARTICIPANT_SOFTWARE = 'PARTICIPANT_SOFTWARE', // software that talks to the DIP
  SUPPLIER_SERVICES = 'SUPPLIER_SERVICES', // billing, tariffs, customer data linked to settlement
}

/** Kinds of desk in the desk directory (OM §18.4, CA §5). */
export enum DeskKind {
  ELEXON_SERVICE_DESK = 'ELEXON_SERVICE_DESK',
  LDSO_SERVICE_DESK = 'LDSO_SERVICE_DESK',
  MPAS_HELP_DESK = 'MPAS_HELP_DESK',
  DCC_SERVICE_DESK = 'DCC_SERVICE_DESK',
  SWITCHING_SERVICE_DESK = 'SWITCHING_SERVICE_DESK',
  REC_HELP_DESK = 'REC_HELP_DESK',
  EES_SERVICE_DESK = 'EES_SERVICE_DESK',
  DTS_SERVICE_DESK = 'DTS_SERVICE_DESK',
  SUPPLIER_DESK = 'SUPPLIER_DESK',
  DCP_DESK = 'DCP_DESK',
  SOFTWARE_PROVIDER_DESK = 'SOFTWARE_PROVIDER_DESK',
}

/** Kinds of organisation (market roles). */
export enum OrganisationKind {
  ELEXON = 'ELEXON',
  LDSO = 'LDSO',
  DCC = 'DCC',
  RECCO = 'RECCO',
  ELECTRALINK = 'ELECTRALINK',
  SUPPLIER = 'SUPPLIER',
  DCP = 'DCP',
  SOFTWARE_PROVIDER = 'SOFTWARE_PROVIDER',
  SERVICE_PROVIDER = 'SERVICE_PROVIDER',
}

/** Which subgraph is the CPSD's face of a desk (ARCHITECTURE.md "Who owns what"). */
export enum Party {
  ELEXON = 'ELEXON',
  MPAS = 'MPAS',
  DCC = 'DCC',
  REC = 'REC',
  PARTNERS = 'PARTNERS',
}

/** How a desk wants cases to reach it (CA §7.1). */
export enum ContactMethodKind {
  PORTAL = 'PORTAL',
  SHARED_MAILBOX = 'SHARED_MAILBOX',
  TMF621 = 'TMF621',
  WEBHOOK = 'WEBHOOK',
}

/** How an MI comms list entry hears the comms: at an e-mail address, or through a signed webhook (e.g. a Teams or Slack channel). */
export enum CommsChannel {
  EMAIL = 'EMAIL',
  WEBHOOK = 'WEBHOOK',
}

/** Roles carried in a partner JWT's `roles` claim (lower-case on the wire, as identity providers emit them). */
export enum Role {
  PARTICIPANT = 'participant',
  DESK_AGENT = 'desk_agent',
  MAJOR_INCIDENT_MANAGER = 'major_incident_manager',
  CPSD_ADMIN = 'cpsd_admin',
}

export const ROLES: readonly Role[] = Object.values(Role);

export function isRole(value: string): value is Role {
  return (ROLES as readonly string[]).includes(value);
}

/** The demo market's people for the dashboard's development sign-in (no one real). */
import type { DevPersona } from '../platform/market';

/** The demo users the development sign-in offers: people of the demo market (demo/market.ts), no one real. */
export const DEMO_PERSONAS: readonly DevPersona[] = [
  {
    id: 'british-gas',
    label: 'Sally — British Gas participant (child of Centrica)',
    sub: 'sally@britishgas.example',
    org: 'british-gas',
    roles: ['participant'],
    desks: [],
  },
  {
    id: 'british-gas-business',
    label: 'Sid — British Gas Business participant (child of Centrica)',
    sub: 'sid@bgb.example',
    org: 'british-gas-business',
    roles: ['participant'],
    desks: [],
  },
  {
    id: 'centrica',
    label: 'Pat — Centrica participant (parent of British Gas and British Gas Business)',
    sub: 'pat@centrica.example',
    org: 'centrica',
    roles: ['participant'],
    desks: [],
  },
  { id: 'eon-next', label: 'Olga — E.ON Next participant', sub: 'olga@eonnext.example', org: 'eon-next', roles: ['participant'], desks: [] },
  {
    id: 'ukpn',
    label: 'Uma — UK Power Networks participant (parent of three licence areas)',
    sub: 'uma@ukpn.example',
    org: 'ukpn',
    roles: ['participant'],
    desks: [],
  },
  { id: 'ukpn-lpn', label: 'Leo — UKPN London participant', sub: 'leo@ukpn-lpn.example', org: 'ukpn-lpn', roles: ['participant'], desks: [] },
  {
    id: 'elexon-agent',
    label: 'Eve — Elexon Service Desk agent',
    sub: 'eve@elexon.example',
    org: 'elexon',
    roles: ['participant', 'desk_agent'],
    desks: ['elexon-service-desk'],
  },
  {
    id: 'elexon-mi-manager',
    label: 'Max — Elexon Major Incident Manager',
    sub: 'max@elexon.example',
    org: 'elexon',
    roles: ['participant', 'major_incident_manager'],
    desks: [],
  },
  {
    id: 'cpsd-admin',
    label: 'Ada — CPSD service manager (Elexon admin: reports across every desk)',
    sub: 'ada@elexon.example',
    org: 'elexon',
    roles: ['participant', 'cpsd_admin'],
    desks: [],
  },
  {
    id: 'dcc-agent',
    label: 'Dan — DCC Service Desk agent',
    sub: 'dan@dcc.example',
    org: 'dcc',
    roles: ['participant', 'desk_agent'],
    desks: ['dcc-service-desk'],
  },
];

/**
 * The public status page (OM §5.22, the BSC status website equivalent): GET /status renders the same snapshot as
 * /status.json as one HTML page — a summary per service, the live major incidents under each service they affect,
 * and those resolved in the last 24 hours. No script: it refreshes itself with a meta refresh, and its style is a
 * static stylesheet (/status.css), as the dashboard's Content-Security-Policy allows nothing inline.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { ukDateTimeText } from '../schema/calendar';
import { Service } from '../schema/enums';
import type { StatusFeedIncident, StatusFeedSnapshot } from './status-snapshot';

export const STATUS_PAGE_PATHS = { page: '/status', stylesheet: '/status.css' } as const;

/** Seconds between the page's own reloads. */
export const STATUS_PAGE_REFRESH_SECONDS = 60;

/** The services' names as the public reads them (the dashboard shows the code; the page adds the name). */
export const SERVICE_NAMES = {
  [Service.DIP]: 'Data Integration Platform',
  [Service.LSS]: 'Load Shaping Service',
  [Service.MDS]: 'Market-wide Data Service',
  [Service.VAS]: 'Volume Allocation Service',
  [Service.ISD]: 'Industry Standing Data',
  [Service.SETTLEMENT_OPERATIONS]: 'Settlement operations',
  [Service.BSC]: 'Balancing and Settlement Code services',
  [Service.MPAS]: 'Meter Point Administration Service',
  [Service.SMART_METERING]: 'DCC smart metering communications',
  [Service.CSS]: 'Central Switching Service',
  [Service.REC]: 'Retail Energy Code services',
  [Service.EES]: 'Electricity Enquiry Service',
  [Service.DTS]: 'ElectraLink Data Transfer Service',
  [Service.DIP_CONNECTION]: 'Connections to the DIP',
  [Service.PARTICIPANT_SOFTWARE]: 'Participant software',
  [Service.SUPPLIER_SERVICES]: 'Supplier services',
} as const satisfies Record<Service, string>;

/**
 * Services the summary always lists: the market's shared services. A participant's own connection, software or
 * supplier services are nobody's "operational" to declare, so they appear only while a major incident names them.
 */
const ALWAYS_LISTED: readonly Service[] = Object.values(Service).filter(
  (s) => s !== Service.DIP_CONNECTION && s !== Service.PARTICIPANT_SOFTWARE && s !== Service.SUPPLIER_SERVICES,
);

const STATE_WORDS: Record<StatusFeedIncident['state'], string> = { PROMOTED: 'Major incident in progress', RESOLVED: 'Resolved' };

/** Text for HTML content and quoted attribute values. */
export function htmlText(value: string): string {
  return value.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&#39;');
}

/** As the dashboard writes a service: its code, underscores as spaces. */
export const serviceCode = (service: string): string => service.replace(/_/g, ' ');

function serviceName(service: string): string {
  return (SERVICE_NAMES as Record<string, string>)[service] ?? serviceCode(service);
}

function time(iso: string): string {
  return `<time datetime="${htmlText(iso)}">${htmlText(ukDateTimeText(new Date(iso)))}</time>`;
}

const anchorOf = (service: string): string => `service-${service.toLowerCase().replace(/[^a-z0-9]+/g, '-')}`;

function incidentArticle(incident: StatusFeedIncident, heading: 'h3' | 'h4', now: Date): string {
  const overdue = incident.state === 'PROMOTED' && incident.nextUpdateDueAt !== null && Date.parse(incident.nextUpdateDueAt) < now.getTime();
  const facts: [string, string][] = [
    ['Status', htmlText(STATE_WORDS[incident.state] ?? incident.state)],
    ['Services affected', htmlText(incident.services.map(serviceCode).join(', '))],
    ['Led by', htmlText(incident.leadName)],
    ['Started', time(incident.startedAt)],
    ...(incident.resolvedAt ? ([['Resolved', time(incident.resolvedAt)]] as [string, string][]) : []),
    [
      incident.state === 'RESOLVED' ? 'Final update' : 'Latest update',
      incident.latestUpdate
        ? `<p class="update-body">${htmlText(incident.latestUpdate)}</p>${incident.latestUpdateAt ? `<p class="posted">Posted ${time(incident.latestUpdateAt)}</p>` : ''}`
        : 'No update yet',
    ],
    ...(incident.state === 'PROMOTED'
      ? ([
          [
            'Next update due',
            incident.nextUpdateDueAt
              ? `${time(incident.nextUpdateDueAt)}${overdue ? ' <strong class="overdue">(overdue)</strong>' : ''}`
              : 'When there is news',
          ],
        ] as [string, string][])
      : []),
  ];
  return [
    `<article class="incident incident-${incident.state.toLowerCase()}" data-reference="${htmlText(incident.reference)}">`,
    `<${heading}><span class="reference">${htmlText(incident.reference)}</span> ${htmlText(incident.title)}</${heading}>`,
    '<dl>',
    ...facts.map(([term, detail]) => `<dt>${term}</dt><dd>${detail}</dd>`),
    '</dl>',
    '</article>',
  ].join('\n');
}

/** The whole page for one snapshot of the feed; `now` decides what is overdue. */
export function renderStatusPage(snapshot: StatusFeedSnapshot, now: Date = new Date(snapshot.generatedAt)): string {
  const live = snapshot.incidents.filter((i) => i.state === 'PROMOTED');
  const resolved = snapshot.incidents.filter((i) => i.state === 'RESOLVED');
  const liveByService = new Map<string, StatusFeedIncident[]>();
  for (const incident of live) {
    for (const service of incident.services) liveByService.set(service, [...(liveByService.get(service) ?? []), incident]);
  }
  const listed = [...ALWAYS_LISTED, ...Object.values(Service).filter((s) => !ALWAYS_LISTED.includes(s) && liveByService.has(s))];
  // A service the hub knows and this build does not still shows.
  for (const service of liveByService.keys()) if (!listed.includes(service as Service)) listed.push(service as Service);

  const overall = live.length
    ? `<p class="overall overall-major-incident">${live.length === 1 ? '1 major incident is' : `${live.length} major incidents are`} in progress</p>`
    : '<p class="overall overall-operational">All services operational</p>';

  const summaryRows = listed.map((service) => {
    const incidents = liveByService.get(service) ?? [];
    const status = incidents.length
      ? `<span class="status status-major-incident">Major incident</span> ${incidents.map((i) => `<a href="#${anchorOf(service)}">${htmlText(i.reference)}</a>`).join(', ')}`
      : '<span class="status status-operational">Operational</span>';
    return `<tr data-service="${htmlText(service)}"><th scope="row"><span class="code">${htmlText(serviceCode(service))}</span> <span class="name">${htmlText(serviceName(service))}</span></th><td>${status}</td></tr>`;
  });

  const current = live.length
    ? [...liveByService.entries()]
        .sort(([a], [b]) => listed.indexOf(a as Service) - listed.indexOf(b as Service))
        .map(([service, incidents]) =>
          [
            `<section class="service-incidents" aria-labelledby="${anchorOf(service)}">`,
            `<h3 id="${anchorOf(service)}">${htmlText(serviceCode(service))} <span class="name">${htmlText(serviceName(service))}</span></h3>`,
            '<ul class="incidents">',
            ...incidents.map((i) => `<li>${incidentArticle(i, 'h4', now)}</li>`),
            '</ul>',
            '</section>',
          ].join('\n'),
        )
    : ['<p class="none">No major incidents are in progress.</p>'];

  const recent = resolved.length
    ? ['<ul class="incidents">', ...resolved.map((i) => `<li>${incidentArticle(i, 'h3', now)}</li>`), '</ul>']
    : ['<p class="none">No major incidents were resolved in the last 24 hours.</p>'];

  return [
    '<!doctype html>',
    '<html lang="en-GB">',
    '<head>',
    '<meta charset="utf-8">',
    '<meta name="viewport" content="width=device-width, initial-scale=1">',
    `<meta http-equiv="refresh" content="${STATUS_PAGE_REFRESH_SECONDS}">`,
    `<title>${live.length ? 'Major incident in progress' : 'All services operational'} · CPSD service status</title>`,
    '<meta name="description" content="Industry-wide major incidents on MHHS central services, in business language">',
    `<link rel="stylesheet" href="${STATUS_PAGE_PATHS.stylesheet}">`,
    // No icon of its own: without this, browsers ask for /favicon.ico and get a 404.
    '<link rel="icon" href="data:,">',
    '<link rel="alternate" type="application/atom+xml" title="CPSD major incident status (Atom)" href="/status.atom">',
    '<link rel="alternate" type="application/json" title="CPSD major incident status (JSON)" href="/status.json">',
    '</head>',
    '<body>',
    '<a class="skip-link" href="#main">Skip to the service status</a>',
    '<header class="banner">',
    '<p class="site">Cross Party Service Desk</p>',
    '<h1>Service status</h1>',
    overall,
    '</header>',
    '<main id="main">',
    '<section aria-labelledby="services-heading">',
    '<h2 id="services-heading">Services</h2>',
    '<table class="services">',
    '<thead><tr><th scope="col">Service</th><th scope="col">Status</th></tr></thead>',
    '<tbody>',
    ...summaryRows,
    '</tbody>',
    '</table>',
    '</section>',
    '<section aria-labelledby="current-heading">',
    '<h2 id="current-heading">Current major incidents</h2>',
    ...current,
    '</section>',
    '<section aria-labelledby="recent-heading">',
    '<h2 id="recent-heading">Resolved in the last 24 hours</h2>',
    ...recent,
    '</section>',
    '</main>',
    '<footer class="page-footer">',
    `<p>Last updated ${time(snapshot.generatedAt)}. This page refreshes itself every minute; times are UK time.</p>`,
    '<p>Follow the status: <a href="/status.atom">Atom feed</a> · <a href="/status.json">JSON</a></p>',
    '<p>Updates here are published by the major incident’s lead. To report a problem, raise a case with your service desk.</p>',
    '</footer>',
    '</body>',
    '</html>',
    '',
  ].join('\n');
}

/** What GET /status answers while the feed cannot be read. */
export function renderStatusPageUnavailable(): string {
  return [
    '<!doctype html>',
    '<html lang="en-GB">',
    '<head>',
    '<meta charset="utf-8">',
    '<meta name="viewport" content="width=device-width, initial-scale=1">',
    `<meta http-equiv="refresh" content="${STATUS_PAGE_REFRESH_SECONDS}">`,
    '<title>Status unavailable · CPSD service status</title>',
    `<link rel="stylesheet" href="${STATUS_PAGE_PATHS.stylesheet}">`,
    '</head>',
    '<body>',
    '<header class="banner"><p class="site">Cross Party Service Desk</p><h1>Service status</h1></header>',
    '<main id="main">',
    '<p class="overall overall-unavailable">The status of the services cannot be shown right now; try again shortly. This page will retry by itself.</p>',
    '</main>',
    '</body>',
    '</html>',
    '',
  ].join('\n');
}

/** The page's stylesheet, read once. */
export function statusPageStylesheet(): Buffer {
  return readFileSync(path.join(__dirname, 'status-page.css'));
}

/**
 * The public major incident status feed (the BSC status page equivalent, OM §5.11 steps 13 and 20, §5.22): GET
 * /status.json and GET /status.atom, and the page GET /status (gateway/status-page.ts), no token needed. The gateway reads `majorIncidentStatusFeed` from the elexon hub
 * with its own service identity, keeps it ~10 seconds, and serves only what the hub publishes there: business
 * language from updates marked for the status page — never a case, a work note, an MPAN or a comms-list address.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { RouteHandler } from '../platform/http';
import { IDENTITY_HEADER, type IdentityTokenSigner } from '../platform/identity-token';
import { logger } from '../platform/logger';
import { SECURITY_HEADERS } from './dashboard';
import { GATEWAY_PRINCIPAL } from './directory-scope';
import type { StatusFeedIncident, StatusFeedSnapshot } from './status-snapshot';
import { renderStatusPage, renderStatusPageUnavailable, STATUS_PAGE_PATHS, statusPageStylesheet } from './status-page';

const FEED_QUERY = `{ majorIncidentStatusFeed { reference title state services leadName startedAt resolvedAt latestUpdate latestUpdateAt nextUpdateDueAt } }`;

export const STATUS_FEED_PATHS = { json: '/status.json', atom: '/status.atom' } as const;
const CACHE_CONTROL = 'public, max-age=10';
/** After this long without a successful refresh the feed answers 503 rather than serve old news. */
const MAX_STALE_MS = 5 * 60_000;

export type { StatusFeedIncident, StatusFeedSnapshot } from './status-snapshot';

export interface StatusFeedOptions {
  elexonUrl: string;
  signer: IdentityTokenSigner;
  /** How long one read of the hub is served (default 10 s). */
  ttlMs?: number;
  timeoutMs?: number;
}

interface Rendered {
  fetchedAt: number;
  json: string;
  atom: string;
  html: string;
}

type Format = 'json' | 'atom' | 'html';

/** How each format is answered, and what it says while the feed is unavailable. */
const FORMATS: Record<Format, { contentType: string; headers: Readonly<Record<string, string>>; unavailable: string }> = {
  json: {
    contentType: 'application/json; charset=utf-8',
    headers: { 'access-control-allow-origin': '*', 'x-content-type-options': 'nosniff' },
    unavailable: JSON.stringify({ error: 'The status feed is unavailable; try again shortly' }),
  },
  atom: {
    contentType: 'application/atom+xml; charset=utf-8',
    headers: { 'access-control-allow-origin': '*', 'x-content-type-options': 'nosniff' },
    unavailable: JSON.stringify({ error: 'The status feed is unavailable; try again shortly' }),
  },
  // A page people read: the dashboard's security headers (CSP, nosniff, no framing), not open to other origins.
  html: { contentType: 'text/html; charset=utf-8', headers: SECURITY_HEADERS, unavailable: renderStatusPageUnavailable() },
};

/** The routes, sharing one cached read of the hub: `Object.assign(routes, statusFeedRoutes(...))`. */
export function statusFeedRoutes(options: StatusFeedOptions): Record<string, RouteHandler> {
  const ttlMs = options.ttlMs ?? 10_000;
  let current: Rendered | null = null;
  let refreshing: Promise<Rendered | null> | null = null;

  async function load(): Promise<Rendered | null> {
    try {
      const response = await fetch(options.elexonUrl, {
        method: 'POST',
        headers: { 'content-type': 'application/json', [IDENTITY_HEADER]: await options.signer.sign(GATEWAY_PRINCIPAL, 'elexon') },
        body: JSON.stringify({ query: FEED_QUERY }),
        signal: AbortSignal.timeout(options.timeoutMs ?? 5_000),
      });
      const body = (await response.json()) as { data?: { majorIncidentStatusFeed: StatusFeedIncident[] } | null };
      if (!response.ok || !body.data) throw new Error(`status feed answered ${response.status}`);
      const snapshot: StatusFeedSnapshot = { generatedAt: new Date().toISOString(), incidents: body.data.majorIncidentStatusFeed };
      current = { fetchedAt: Date.now(), json: JSON.stringify(snapshot), atom: renderAtom(snapshot), html: renderStatusPage(snapshot) };
    } catch (error) {
      // Keep serving the last good feed for a while; with none, the route answers 503.
      logger.warn({ err: error }, 'could not read the major incident status feed');
    }
    return current;
  }

  async function feed(): Promise<Rendered | null> {
    if (current && Date.now() - current.fetchedAt < ttlMs) return current;
    refreshing ??= load().finally(() => {
      refreshing = null;
    });
    const rendered = await refreshing;
    return rendered && Date.now() - rendered.fetchedAt < MAX_STALE_MS ? rendered : null;
  }

  function route(format: Format): RouteHandler {
    const { contentType, headers, unavailable } = FORMATS[format];
    return async (req: IncomingMessage, res: ServerResponse) => {
      if (!getOrHead(req, res)) return;
      const rendered = await feed();
      if (!rendered) {
        res.writeHead(503, {
          ...(format === 'html' ? SECURITY_HEADERS : {}),
          'content-type': format === 'html' ? contentType : 'application/json; charset=utf-8',
          'content-length': Buffer.byteLength(unavailable),
          'retry-after': '10',
          'cache-control': 'no-store',
        });
        res.end(req.method === 'HEAD' ? undefined : unavailable);
        return;
      }
      const body = rendered[format];
      res.writeHead(200, { ...headers, 'content-type': contentType, 'content-length': Buffer.byteLength(body), 'cache-control': CACHE_CONTROL });
      res.end(req.method === 'HEAD' ? undefined : body);
    };
  }

  const stylesheet = statusPageStylesheet();
  return {
    [STATUS_FEED_PATHS.json]: route('json'),
    [STATUS_FEED_PATHS.atom]: route('atom'),
    [STATUS_PAGE_PATHS.page]: route('html'),
    [STATUS_PAGE_PATHS.stylesheet]: (req, res) => {
      if (!getOrHead(req, res)) return;
      res.writeHead(200, {
        ...SECURITY_HEADERS,
        'content-type': 'text/css; charset=utf-8',
        'content-length': stylesheet.length,
        'cache-control': 'public, max-age=300',
      });
      res.end(req.method === 'HEAD' ? undefined : stylesheet);
    },
  };
}

/** Answers 405 to anything but GET and HEAD; true when the request may go on. */
function getOrHead(req: IncomingMessage, res: ServerResponse): boolean {
  if (req.method === 'GET' || req.method === 'HEAD') return true;
  res.writeHead(405, { allow: 'GET, HEAD', 'content-length': '0' });
  res.end();
  return false;
}

/** Text for XML: characters XML 1.0 cannot carry are dropped, markup characters escaped. */
export function xmlText(value: string): string {
  return value
    .replace(/[^\t\n\r\u0020-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]/gu, '')
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&apos;');
}

const STATE_WORDS: Record<StatusFeedIncident['state'], string> = { PROMOTED: 'Investigating', RESOLVED: 'Resolved' };

function entryUpdated(incident: StatusFeedIncident): string {
  return incident.latestUpdateAt ?? incident.resolvedAt ?? incident.startedAt;
}

/** Atom 1.0 (RFC 4287): one entry per major incident, `updated` = its latest published update. */
export function renderAtom(snapshot: StatusFeedSnapshot): string {
  const updated = snapshot.incidents.map(entryUpdated).sort().at(-1) ?? snapshot.generatedAt;
  const entries = snapshot.incidents.map((incident) => {
    const lines = [
      `${STATE_WORDS[incident.state] ?? incident.state}. Services affected: ${incident.services.join(', ')}. Led by ${incident.leadName}.`,
      `Started ${incident.startedAt}${incident.resolvedAt ? `; resolved ${incident.resolvedAt}` : ''}.`,
      ...(incident.latestUpdate ? [`Latest update (${incident.latestUpdateAt}): ${incident.latestUpdate}`] : []),
      ...(incident.nextUpdateDueAt ? [`Next update by ${incident.nextUpdateDueAt}.`] : []),
    ];
    return [
      '  <entry>',
      `    <id>urn:cpsd:major-incident:${xmlText(incident.reference)}</id>`,
      `    <title type="text">${xmlText(`${incident.reference}: ${incident.title} (${STATE_WORDS[incident.state] ?? incident.state})`)}</title>`,
      `    <updated>${xmlText(entryUpdated(incident))}</updated>`,
      `    <published>${xmlText(incident.startedAt)}</published>`,
      `    <author><name>${xmlText(incident.leadName)}</name></author>`,
      `    <category scheme="urn:cpsd:major-incident-state" term="${xmlText(incident.state)}"/>`,
      ...incident.services.map((service) => `    <category scheme="urn:cpsd:service" term="${xmlText(service)}"/>`),
      ...(incident.latestUpdate ? [`    <summary type="text">${xmlText(incident.latestUpdate)}</summary>`] : []),
      `    <content type="text">${xmlText(lines.join('\n'))}</content>`,
      '  </entry>',
    ].join('\n');
  });
  return [
    '<?xml version="1.0" encoding="utf-8"?>',
    '<feed xmlns="http://www.w3.org/2005/Atom">',
    '  <id>urn:cpsd:status</id>',
    '  <title type="text">CPSD major incident status</title>',
    '  <subtitle type="text">Industry-wide major incidents on MHHS central services, in business language</subtitle>',
    `  <updated>${xmlText(updated)}</updated>`,
    '  <author><name>Cross Party Service Desk</name></author>',
    `  <link rel="self" type="application/atom+xml" href="${STATUS_FEED_PATHS.atom}"/>`,
    `  <link rel="alternate" type="application/json" href="${STATUS_FEED_PATHS.json}"/>`,
    ...entries,
    '</feed>',
    '',
  ].join('\n');
}

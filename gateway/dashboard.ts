/**
 * The participant dashboard, served by the gateway process: the built front end (web/dist) under /dashboard/ with a
 * strict Content-Security-Policy, and — only while the development token issuer is active — the demo sign-in routes
 * /dev/demo-users and /dev/token. The page itself talks only to the public /graphql API (HTTP and graphql-ws).
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import type { ServerResponse } from 'node:http';
import path from 'node:path';
import type { Role } from '../schema/enums';
import type { DevPersona } from '../platform/market';
import { DomainErrorCode } from '../schema/errors';
import { TransportErrorCode } from '../platform/errors';
import { HttpError, readBody, sendJson, type RouteHandler } from '../platform/http';
import type { DevIssuer } from './dev-issuer';

export const DASHBOARD_PATH = '/dashboard/';

/** Where `npm run build` puts the dashboard. */
export const DASHBOARD_DIST = path.resolve(__dirname, '..', 'web', 'dist');

/** No inline script or style, nothing from another origin; WebSockets to the gateway for live updates. */
export const CONTENT_SECURITY_POLICY = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self'",
  "connect-src 'self' ws: wss:",
  "img-src 'self' data:",
  "frame-ancestors 'none'",
  "base-uri 'none'",
  "form-action 'self'",
].join('; ');

export const SECURITY_HEADERS: Readonly<Record<string, string>> = {
  'content-security-policy': CONTENT_SECURITY_POLICY,
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'x-frame-options': 'DENY',
  'cross-origin-opener-policy': 'same-origin',
  'cross-origin-resource-policy': 'same-origin',
};

const CONTENT_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.webmanifest': 'application/manifest+json',
  '.txt': 'text/plain; charset=utf-8',
  '.woff2': 'font/woff2',
};

/** Vite names built assets `<name>-<hash>.<ext>` under assets/: their content never changes under that name. */
const HASHED_ASSET = /^assets\/.+-[A-Za-z0-9_-]{8,}\.[a-z0-9]+$/;

interface StaticFile {
  body: Buffer;
  headers: Record<string, string>;
}

function filesUnder(directory: string, prefix = ''): string[] {
  const out: string[] = [];
  for (const entry of readdirSync(directory, { withFileTypes: true })) {
    const relative = prefix ? `${prefix}/${entry.name}` : entry.name;
    if (entry.isDirectory()) out.push(...filesUnder(path.join(directory, entry.name), relative));
    else if (entry.isFile()) out.push(relative);
  }
  return out;
}

function sendStatic(file: StaticFile): RouteHandler {
  return (req, res) => {
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405, { ...SECURITY_HEADERS, allow: 'GET, HEAD', 'content-length': '0' });
      res.end();
      return;
    }
    if (req.headers['if-none-match'] === file.headers.etag) {
      res.writeHead(304, { ...SECURITY_HEADERS, etag: file.headers.etag, 'cache-control': file.headers['cache-control'] });
      res.end();
      return;
    }
    res.writeHead(200, file.headers);
    res.end(req.method === 'HEAD' ? undefined : file.body);
  };
}

function sendHtml(res: ServerResponse, status: number, html: string): void {
  res.writeHead(status, {
    ...SECURITY_HEADERS,
    'content-type': 'text/html; charset=utf-8',
    'cache-control': 'no-store',
    'content-length': Buffer.byteLength(html),
  });
  res.end(html);
}

/**
 * The dashboard's routes: one exact route per built file (read once, at start), `/dashboard/` for the page, and a
 * redirect from `/dashboard`. The page routes itself with the URL fragment, so no fallback route is needed. When the
 * dashboard has not been built, `/dashboard/` says how to build it.
 */
export function dashboardRoutes(distDir: string = DASHBOARD_DIST): Record<string, RouteHandler> {
  const routes: Record<string, RouteHandler> = {
    '/dashboard': (_req, res) => {
      res.writeHead(308, { ...SECURITY_HEADERS, location: DASHBOARD_PATH, 'content-length': '0' });
      res.end();
    },
  };
  if (!existsSync(path.join(distDir, 'index.html'))) {
    routes[DASHBOARD_PATH] = (_req, res) =>
      sendHtml(
        res,
        503,
        '<!doctype html><title>Dashboard not built</title><p>The dashboard has not been built: run <code>npm run build</code> (or <code>npm start</code>, which builds it).</p>',
      );
    return routes;
  }
  for (const relative of filesUnder(distDir)) {
    const full = path.join(distDir, relative);
    const body = readFileSync(full);
    const hashed = HASHED_ASSET.test(relative);
    const file: StaticFile = {
      body,
      headers: {
        ...SECURITY_HEADERS,
        'content-type': CONTENT_TYPES[path.extname(relative).toLowerCase()] ?? 'application/octet-stream',
        'content-length': String(body.length),
        'cache-control': hashed ? 'public, max-age=31536000, immutable' : 'no-cache',
        etag: `"${statSync(full).mtimeMs.toString(36)}-${body.length.toString(36)}"`,
      },
    };
    const handler = sendStatic(file);
    routes[`${DASHBOARD_PATH}${relative}`] = handler;
    if (relative === 'index.html') routes[DASHBOARD_PATH] = handler;
  }
  return routes;
}

// ---------------------------------------------------------------------------------------------------------------
// Development sign-in
// ---------------------------------------------------------------------------------------------------------------

/** Development tokens from the sign-in picker are short-lived. */
export const DEV_TOKEN_TTL_SECONDS = 3600;

/**
 * `GET /dev/demo-users` and `POST /dev/token` (body `{"persona":"<id>"}`): a token for that persona, exactly its
 * claims. Mounted only with the development issuer (no JWKS_URL, not production). The POST requires a JSON body, so a
 * cross-origin page cannot send it without a CORS preflight, which the gateway never grants.
 */
export function devSignInRoutes(issuer: DevIssuer, personas: readonly DevPersona[]): Record<string, RouteHandler> {
  return {
    '/dev/demo-users': (req, res) => {
      if (req.method !== 'GET' && req.method !== 'HEAD') throw new HttpError(TransportErrorCode.METHOD_NOT_ALLOWED, 'GET only');
      sendJson(res, 200, { personas }, { 'cache-control': 'no-store', 'x-content-type-options': 'nosniff' });
    },
    '/dev/token': async (req, res) => {
      if (req.method !== 'POST') throw new HttpError(TransportErrorCode.METHOD_NOT_ALLOWED, 'POST only');
      if (!(req.headers['content-type'] ?? '').includes('application/json'))
        throw new HttpError(TransportErrorCode.UNSUPPORTED_MEDIA_TYPE, 'Send JSON: {"persona":"<id>"}');
      let persona: DevPersona | undefined;
      try {
        const body = JSON.parse(await readBody(req, 4096)) as { persona?: unknown };
        persona = personas.find((p) => p.id === body.persona);
      } catch (error) {
        if (error instanceof HttpError) throw error;
        throw new HttpError(TransportErrorCode.BAD_REQUEST, 'Malformed JSON body');
      }
      if (!persona) throw new HttpError(DomainErrorCode.BAD_USER_INPUT, 'Unknown persona: GET /dev/demo-users lists them');
      const token = await issuer.issue({
        sub: persona.sub,
        org: persona.org,
        roles: persona.roles as Role[],
        desks: persona.desks,
        // The demo users' subjects are their e-mail addresses, as an identity provider's `email` claim would carry.
        ...(persona.sub.includes('@') ? { email: persona.sub } : {}),
        ttlSeconds: DEV_TOKEN_TTL_SECONDS,
      });
      const expiresAt = new Date(Date.now() + DEV_TOKEN_TTL_SECONDS * 1000).toISOString();
      sendJson(res, 200, { token, expiresAt, persona }, { 'cache-control': 'no-store', 'x-content-type-options': 'nosniff' });
    },
  };
}

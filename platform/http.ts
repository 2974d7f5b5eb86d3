/** A small HTTP front for Apollo Server (no framework): health, readiness, GraphQL, graceful drain. */
import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { HeaderMap, type ApolloServer, type BaseContext } from '@apollo/server';
import { httpTimeouts } from './config';
import { errorAnswer, TransportErrorCode, type ErrorCode } from './errors';
import { CORRELATION_HEADER, requestCorrelation, withCorrelation } from './correlation';
import { logger } from './logger';
import { collectProcessMetrics, metricsSettings, serveMetrics } from './metrics';
import { inServerSpan } from './tracing';

export const MAX_BODY_BYTES = 1024 * 1024;

export type RouteHandler = (req: IncomingMessage, res: ServerResponse, url: URL) => Promise<void> | void;

/** A refusal by the HTTP front, answered by the error contract (`errorAnswer`): its status follows from its code. */
export class HttpError extends Error {
  readonly status: number;
  constructor(
    readonly code: ErrorCode,
    message: string,
  ) {
    super(message);
    this.status = errorAnswer(code).status;
  }
}

export function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const payload = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(payload), ...headers });
  res.end(payload);
}

/** A GraphQL-shaped error response, for failures that happen before GraphQL execution (401, 413…): status and code by the contract. */
export function sendGraphQLError(res: ServerResponse, refusal: ErrorCode, message: string): void {
  const { code, status } = errorAnswer(refusal);
  sendJson(res, status, { errors: [{ message, extensions: { code } }] }, status === 401 ? { 'www-authenticate': 'Bearer' } : {});
}

/** Reads the whole body within `deadlineMs`: a client trickling bytes must not hold a request open for minutes. */
export function readBody(req: IncomingMessage, limit = MAX_BODY_BYTES, deadlineMs = httpTimeouts().bodyMs): Promise<string> {
  const declared = Number(req.headers['content-length']);
  if (declared > limit) return Promise.reject(new HttpError(TransportErrorCode.PAYLOAD_TOO_LARGE, 'Request body too large'));
  return new Promise<string>((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const finish = (error: Error | null) => {
      clearTimeout(timer);
      req.off('data', onData).off('end', onEnd).off('error', finish);
      if (error) {
        // What is left of the body is never read; stop taking it in (the answer says Connection: close).
        req.pause();
        reject(error);
      } else resolve(Buffer.concat(chunks).toString('utf8'));
    };
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) return finish(new HttpError(TransportErrorCode.PAYLOAD_TOO_LARGE, 'Request body too large'));
      chunks.push(chunk);
    };
    const onEnd = () => finish(null);
    const timer = setTimeout(() => finish(new HttpError(TransportErrorCode.REQUEST_TIMEOUT, 'Request body not received in time')), deadlineMs);
    timer.unref();
    req.on('data', onData).on('end', onEnd).on('error', finish);
  });
}

/** Runs one GraphQL-over-HTTP request through Apollo Server with an already-authenticated context. */
export async function executeGraphQL<TContext extends BaseContext>(
  apollo: ApolloServer<TContext>,
  req: IncomingMessage,
  res: ServerResponse,
  url: URL,
  context: TContext,
): Promise<void> {
  const headers = new HeaderMap();
  for (const [key, value] of Object.entries(req.headers)) {
    if (value !== undefined) headers.set(key, Array.isArray(value) ? value.join(', ') : value);
  }
  let body: unknown;
  if (req.method === 'POST') {
    // Only JSON: a browser sends text/plain or a form without a CORS preflight, so accepting one would let any web
    // page post a mutation. Apollo's own CSRF check relies on headers; this does not depend on its configuration.
    const mediaType = (req.headers['content-type'] ?? '').split(';', 1)[0]?.trim().toLowerCase();
    if (mediaType !== 'application/json') throw new HttpError(TransportErrorCode.UNSUPPORTED_MEDIA_TYPE, 'Send GraphQL requests as application/json');
    const raw = await readBody(req);
    try {
      body = raw.length ? JSON.parse(raw) : undefined;
    } catch {
      throw new HttpError(TransportErrorCode.BAD_REQUEST, 'Malformed JSON body');
    }
  }
  const result = await apollo.executeHTTPGraphQLRequest({
    httpGraphQLRequest: { method: req.method ?? 'GET', headers, search: url.search, body },
    context: async () => context,
  });
  const outHeaders: Record<string, string> = {};
  for (const [key, value] of result.headers) outHeaders[key] = value;
  if (result.body.kind === 'complete') {
    outHeaders['content-length'] = String(Buffer.byteLength(result.body.string));
    res.writeHead(result.status ?? 200, outHeaders);
    res.end(result.body.string);
    return;
  }
  res.writeHead(result.status ?? 200, outHeaders);
  for await (const chunk of result.body.asyncIterator) res.write(chunk);
  res.end();
}

export interface RunningHttpServer {
  server: http.Server;
  url: string;
  port: number;
  /** Stops accepting, lets in-flight requests finish (up to `graceMs`), then closes what is left. */
  close(graceMs?: number): Promise<void>;
}

export interface HttpServerOptions {
  name: string;
  host: string;
  port: number;
  routes: Record<string, RouteHandler>;
  /** Readiness: resolves true when the service can do work (e.g. its database answers). */
  ready: () => Promise<boolean>;
}

export async function startHttpServer(options: HttpServerOptions): Promise<RunningHttpServer> {
  let draining = false;
  const timeouts = httpTimeouts();
  const metrics = metricsSettings();
  if (metrics.enabled) collectProcessMetrics();
  if (metrics.enabled && !metrics.dev && !metrics.token)
    logger.warn({ service: options.name }, 'metrics: /metrics is not served in production until METRICS_TOKEN is set');
  const server = http.createServer(
    {
      headersTimeout: timeouts.headersMs,
      requestTimeout: timeouts.requestMs,
      // How often Node checks the two deadlines above (its default, 30 s, would let them overrun by that much).
      connectionsCheckingInterval: Math.max(100, Math.min(1000, Math.floor(timeouts.headersMs / 2))),
    },
    (req, res) => {
      const url = new URL(req.url ?? '/', 'http://localhost');
      const handle = async () => {
        if (url.pathname === '/healthz') return sendJson(res, 200, { status: 'ok', service: options.name });
        if (url.pathname === '/readyz') {
          const ok = !draining && (await options.ready().catch(() => false));
          return sendJson(res, ok ? 200 : 503, { status: ok ? 'ready' : 'not ready', service: options.name });
        }
        if (url.pathname === '/metrics' && req.method === 'GET' && (await serveMetrics(req, res, metrics))) return;
        const route = options.routes[url.pathname];
        if (!route) return sendJson(res, 404, { error: 'not found' });
        if (draining) res.setHeader('connection', 'close');
        return route(req, res, url);
      };
      const respond = (): Promise<void> =>
        handle().catch((error: unknown) => {
          if (error instanceof HttpError) {
            // The rest of a refused body is never read: the connection cannot be reused.
            if (error.status === 408 || error.status === 413) res.shouldKeepAlive = false;
            if (!res.headersSent) sendGraphQLError(res, error.code, error.message);
            return;
          }
          // A client that hangs up mid-request is routine (timeouts, load balancers), not a server error.
          const code = (error as NodeJS.ErrnoException).code;
          if (code === 'ECONNRESET' || (error as Error).message === 'aborted') {
            logger.debug({ path: url.pathname }, 'client closed the request');
            return;
          }
          logger.error({ err: error, path: url.pathname }, 'unhandled HTTP error');
          if (!res.headersSent) sendGraphQLError(res, TransportErrorCode.INTERNAL_SERVER_ERROR, 'Internal server error');
          else res.end();
        });
      // A route's request is a server span continuing the caller's traceparent, under its correlation id (answered
      // back); health, readiness, metrics and 404s are neither.
      if (options.routes[url.pathname]) {
        const id = requestCorrelation(req.headers[CORRELATION_HEADER]);
        res.setHeader(CORRELATION_HEADER, id);
        void withCorrelation(id, () => inServerSpan(options.name, req, res, url.pathname, respond));
      } else void respond();
    },
  );
  server.keepAliveTimeout = 65_000;
  // A malformed request, or one over the header/request deadlines: answer if the socket still can, never throw.
  server.on('clientError', (error: NodeJS.ErrnoException, socket) => {
    logger.debug({ err: error }, 'HTTP client error');
    if (error.code === 'ECONNRESET' || !socket.writable) {
      socket.destroy();
      return;
    }
    const status =
      error.code === 'ERR_HTTP_REQUEST_TIMEOUT'
        ? '408 Request Timeout'
        : error.code === 'HPE_HEADER_OVERFLOW'
          ? '431 Request Header Fields Too Large'
          : '400 Bad Request';
    socket.end(`HTTP/1.1 ${status}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host, () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  const host = options.host.includes(':') ? `[${options.host}]` : options.host;
  return {
    server,
    port,
    url: `http://${host === '0.0.0.0' ? '127.0.0.1' : host}:${port}`,
    close: (graceMs = 10_000) =>
      new Promise<void>((resolve) => {
        draining = true;
        const timer = setTimeout(() => server.closeAllConnections(), graceMs);
        timer.unref();
        server.close(() => {
          clearTimeout(timer);
          resolve();
        });
        server.closeIdleConnections();
      }),
  };
}

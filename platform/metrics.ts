/**
 * Prometheus metrics (prom-client): one registry per process, served at `GET /metrics` by every HTTP server of the
 * process (the gateway's and each subgraph's), so a one-process product and a service-per-process deployment expose
 * the same names. Every metric is named `cpsd_…`; labels are bounded sets chosen by the product (subgraph, outcome,
 * state, desk, priority, a sanitised and capped operation name) — never a person, a token, a case reference or text.
 *
 * Configuration: `METRICS=off` removes the endpoint; `METRICS_TOKEN` (a bearer token) is required to read the endpoint
 * when set, and in production the endpoint answers 404 unless it is set (the gateway is public; the figures are the
 * market's business); `METRICS_CACHE_MS` (10 s) is how long a gauge read from a database is kept between scrapes.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { timingSafeEqual } from 'node:crypto';
import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client';
import { logger } from './logger';

export const registry = new Registry();
let defaults = false;

export interface MetricsSettings {
  enabled: boolean;
  token: string | null;
  dev: boolean;
}

export function metricsSettings(env: Record<string, string | undefined> = process.env): MetricsSettings {
  // As loadConfig reads it (config.ts).
  const dev = env.NODE_ENV !== 'production' && env.CPSD_DEV !== 'false';
  const raw = (env.METRICS ?? 'on').trim().toLowerCase();
  if (!['on', 'off', 'true', 'false', '1', '0'].includes(raw)) throw new Error(`METRICS must be on or off, got "${env.METRICS}"`);
  const token = env.METRICS_TOKEN?.trim() || null;
  return { enabled: ['on', 'true', '1'].includes(raw), token, dev };
}

/** How long a scrape-time gauge's readings are kept (`METRICS_CACHE_MS`, default 10 s). */
function cacheMs(env: Record<string, string | undefined> = process.env): number {
  const value = Number(env.METRICS_CACHE_MS ?? 10_000);
  return Number.isFinite(value) && value >= 0 ? value : 10_000;
}

/** Process metrics (CPU, memory, event loop lag, GC), once per process. */
export function collectProcessMetrics(): void {
  if (defaults) return;
  defaults = true;
  collectDefaultMetrics({ register: registry, prefix: 'cpsd_' });
}

/** Latency buckets for requests and fetches (seconds): 1 ms to 10 s. */
export const LATENCY_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];
/** Buckets for asynchronous paths (commit → delivered): 10 ms to 10 min. */
export const DELAY_BUCKETS = [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10, 30, 60, 300, 600];

/** A metric registered once per process, whichever module asks first (several servers share the registry). */
function once<T>(name: string, make: () => T): T {
  return (registry.getSingleMetric(name) as T | undefined) ?? make();
}

export function counter<L extends string>(name: string, help: string, labelNames: readonly L[] = []): Counter<L> {
  return once(name, () => new Counter<L>({ name, help, labelNames: [...labelNames], registers: [registry] }));
}

export function histogram<L extends string>(name: string, help: string, labelNames: readonly L[], buckets = LATENCY_BUCKETS): Histogram<L> {
  return once(name, () => new Histogram<L>({ name, help, labelNames: [...labelNames], buckets, registers: [registry] }));
}

export function gauge<L extends string>(name: string, help: string, labelNames: readonly L[] = []): Gauge<L> {
  return once(name, () => new Gauge<L>({ name, help, labelNames: [...labelNames], registers: [registry] }));
}

/** One reading of a scrape-time gauge: its labels and value. */
export interface GaugeReading<L extends string = string> {
  labels: Partial<Record<L, string>>;
  value: number;
}

/**
 * A gauge read from a source (a database) when scraped, at most every `ttlMs` (so scraping faster costs nothing more),
 * from several sources at once (one per subgraph in a one-process product): each source's readings replace its own.
 * A failed read keeps the previous readings and is logged once per failure streak.
 */
export function sourcedGauge<L extends string>(
  name: string,
  help: string,
  labelNames: readonly L[],
  source: string,
  read: () => Promise<GaugeReading<L>[]>,
  ttlMs = cacheMs(),
): void {
  const sources = sourcesOf(name);
  sources.set(source, { read, ttlMs, at: 0, readings: [], failing: false, pending: null });
  once(
    name,
    () =>
      new Gauge<L>({
        name,
        help,
        labelNames: [...labelNames],
        registers: [registry],
        async collect() {
          this.reset();
          await Promise.all([...sourcesOf(name).values()].map(refresh));
          for (const entry of sourcesOf(name).values()) for (const r of entry.readings as GaugeReading<L>[]) this.set(r.labels, r.value);
        },
      }),
  );
}

interface Source {
  read: () => Promise<GaugeReading[]>;
  ttlMs: number;
  at: number;
  readings: GaugeReading[];
  failing: boolean;
  pending: Promise<void> | null;
}

const sourced = new Map<string, Map<string, Source>>();
function sourcesOf(name: string): Map<string, Source> {
  let sources = sourced.get(name);
  if (!sources) {
    sources = new Map();
    sourced.set(name, sources);
  }
  return sources;
}

async function refresh(source: Source): Promise<void> {
  if (Date.now() - source.at < source.ttlMs) return;
  source.pending ??= source
    .read()
    .then((readings) => {
      source.readings = readings;
      source.failing = false;
    })
    .catch((error: unknown) => {
      if (!source.failing) logger.warn({ err: error }, 'metrics: a gauge could not be read; serving its last readings');
      source.failing = true;
    })
    .finally(() => {
      source.at = Date.now();
      source.pending = null;
    });
  await source.pending;
}

/** Stops reading a source (its service stopped); its readings go with it. */
export function dropGaugeSource(source: string): void {
  for (const sources of sourced.values()) sources.delete(source);
}

/**
 * A label value a client chose (an operation name) made safe: GraphQL name characters only, at most 64 of them, and
 * at most `max` distinct values per label (then `other`), so a client cannot grow the series without bound.
 */
export function boundedLabel(seen: Set<string>, value: string | null | undefined, max = 200): string {
  if (!value) return 'anonymous';
  if (!/^[_A-Za-z][_0-9A-Za-z]{0,63}$/.test(value)) return 'other';
  if (seen.has(value)) return value;
  if (seen.size >= max) return 'other';
  seen.add(value);
  return value;
}

const equalTokens = (a: string, b: string): boolean => {
  const left = Buffer.from(a);
  const right = Buffer.from(b);
  return left.length === right.length && timingSafeEqual(left, right);
};

/** `GET /metrics` by the settings; false when the request is not for it (the caller answers 404). */
export async function serveMetrics(req: IncomingMessage, res: ServerResponse, settings: MetricsSettings): Promise<boolean> {
  if (!settings.enabled || (!settings.dev && !settings.token)) return false;
  if (settings.token) {
    const header = req.headers.authorization ?? '';
    const presented = header.startsWith('Bearer ') ? header.slice(7).trim() : '';
    if (!presented || !equalTokens(presented, settings.token)) {
      res.writeHead(401, { 'www-authenticate': 'Bearer', 'content-length': 0 });
      res.end();
      return true;
    }
  }
  const body = await registry.metrics();
  res.writeHead(200, { 'content-type': registry.contentType, 'content-length': Buffer.byteLength(body), 'cache-control': 'no-store' });
  res.end(body);
  return true;
}

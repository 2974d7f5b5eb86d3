/**
 * The operator's side of the metrics, checked without a Prometheus or a Grafana: the dashboard (deploy/grafana) and
 * the alerting rules (deploy/prometheus) are well formed, and every `cpsd_…` metric and label they read is one the
 * code registers — read from prom-client's registry after registering everything a running product would, so a
 * renamed metric fails here rather than leaving a panel empty or an alert that never fires.
 */
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { DataSource } from 'typeorm';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import '../../gateway/metrics';
import { CONSUMER_LAG, CONSUMER_LAG_HELP } from '../../platform/bus/consumers';
import { collectProcessMetrics, dropGaugeSource, registry, sourcedGauge } from '../../platform/metrics';
import { registerSubgraphGauges } from '../../platform/subgraph-metrics';
import { SUBGRAPHS } from '../../subgraphs';

const ROOT = path.resolve(__dirname, '..', '..');
const read = (file: string): string => readFileSync(path.join(ROOT, file), 'utf8');
const DASHBOARD_FILE = 'deploy/grafana/cpsd-gateway.json';
const RULES_FILE = 'deploy/prometheus/cpsd-alerts.yml';
const SCRAPE_FILE = 'deploy/prometheus/prometheus.yml';
/** The dashboard's data source: an input variable Grafana asks for on import. */
const DATASOURCE = `\${DS_PROMETHEUS}`;

// ---- what the code registers ---------------------------------------------------------------------------------------

interface Registered {
  type: string;
  labels: Set<string>;
}

/**
 * Every metric a running product registers: the gateway's, the bus's and the subgraphs' counters and histograms
 * register on import; the scrape-time gauges register when a subgraph or a bus starts, so they are registered here
 * as a subgraph would (on a database that is never read: the registry is listed, not collected).
 */
function registeredMetrics(): Map<string, Registered> {
  collectProcessMetrics();
  const db = { query: async () => [], driver: {} } as unknown as DataSource;
  const gauges = SUBGRAPHS.flatMap((subgraph) => subgraph.gauges ?? []);
  registerSubgraphGauges('observability-test', db, { outbox: true, gauges });
  sourcedGauge(CONSUMER_LAG, CONSUMER_LAG_HELP, ['consumer'], 'observability-test', async () => []);
  const metrics = new Map<string, Registered>();
  for (const metric of registry.getMetricsAsArray()) {
    const { name, labelNames } = metric as unknown as { name: string; labelNames: string[] };
    const type = (metric.constructor as { name: string }).name.toLowerCase();
    metrics.set(name, { type, labels: new Set(labelNames) });
  }
  dropGaugeSource('observability-test');
  return metrics;
}

const REGISTERED = registeredMetrics();

/** Labels Prometheus adds to every series it scrapes (deploy/prometheus/prometheus.yml relabels the last three). */
const TARGET_LABELS = new Set(['job', 'instance', 'service', 'pod', 'namespace']);
const SERIES_SUFFIXES: Record<string, string[]> = { histogram: ['_bucket', '_sum', '_count'], summary: ['_sum', '_count'] };

/** The registered metric a series name in an expression belongs to (a histogram's `_bucket`, `_sum`, `_count` included). */
function metricOf(series: string): { name: string; metric: Registered; suffix: string } | null {
  const exact = REGISTERED.get(series);
  if (exact) return { name: series, metric: exact, suffix: '' };
  for (const [type, suffixes] of Object.entries(SERIES_SUFFIXES)) {
    for (const suffix of suffixes) {
      const base = series.endsWith(suffix) ? REGISTERED.get(series.slice(0, -suffix.length)) : undefined;
      if (base?.type === type) return { name: series.slice(0, -suffix.length), metric: base, suffix };
    }
  }
  return null;
}

const labelsOf = (series: string): Set<string> => {
  const found = metricOf(series);
  return new Set([...(found?.metric.labels ?? []), ...TARGET_LABELS, ...(found?.suffix === '_bucket' ? ['le'] : [])]);
};

/** The `cpsd_…` series an expression reads. */
const seriesIn = (expr: string): string[] => [...new Set(expr.match(/\bcpsd_[a-zA-Z0-9_:]+/g) ?? [])];

/** What is wrong with an expression's metric and label names, as messages (empty when nothing is). */
function problemsOf(expr: string): string[] {
  const problems: string[] = [];
  for (const series of seriesIn(expr)) if (!metricOf(series)) problems.push(`${series} is not a metric the code registers`);
  // Label matchers: `cpsd_x{label="…", other=~"…"}`.
  for (const [, series, matchers] of expr.matchAll(/\b(cpsd_[a-zA-Z0-9_:]+)\s*\{([^}]*)\}/g)) {
    for (const [, label] of matchers!.matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)\s*(?:=~|!~|!=|=)/g)) {
      if (!labelsOf(series!).has(label!)) problems.push(`${series} has no label ${label}`);
    }
  }
  // Aggregations: `sum by (a, b) (…)` groups by labels some series inside carries.
  for (const match of expr.matchAll(/\b(?:by|without)\s*\(([^)]*)\)\s*\(/g)) {
    let depth = 1;
    let end = match.index! + match[0].length;
    for (; end < expr.length && depth > 0; end++) depth += expr[end] === '(' ? 1 : expr[end] === ')' ? -1 : 0;
    const inner = seriesIn(expr.slice(match.index! + match[0].length, end));
    const available = new Set(inner.flatMap((series) => [...labelsOf(series)]));
    for (const label of match[1]!
      .split(',')
      .map((l) => l.trim())
      .filter(Boolean)) {
      if (inner.length > 0 && !available.has(label)) problems.push(`no series in "${match[0]}…" has the label ${label}`);
    }
  }
  return problems;
}

describe('the metric names the code registers', () => {
  it('include every family the operator pages read, process metrics included', () => {
    for (const name of [
      'cpsd_gateway_requests_total',
      'cpsd_gateway_request_duration_seconds',
      'cpsd_subgraph_operation_duration_seconds',
      'cpsd_db_pool_connections',
      'cpsd_outbox_relay_lag_seconds',
      'cpsd_cases_open',
      'cpsd_delivery_queue',
      'cpsd_bus_consumer_lag',
      'cpsd_process_cpu_seconds_total',
    ]) {
      expect(REGISTERED.has(name), name).toBe(true);
    }
    expect(REGISTERED.get('cpsd_gateway_request_duration_seconds')?.type).toBe('histogram');
    expect([...(REGISTERED.get('cpsd_cases_open')?.labels ?? [])].sort()).toEqual(['desk', 'priority']);
  });

  it('are found by the checker, suffixes and labels included, and a wrong name or label is caught', () => {
    expect(problemsOf('histogram_quantile(0.99, sum by (operation, le) (rate(cpsd_gateway_request_duration_seconds_bucket[5m])))')).toEqual([]);
    expect(problemsOf('cpsd_gateway_requests_total_bucket')).toHaveLength(1);
    expect(problemsOf('cpsd_gateway_requests_totl')).toHaveLength(1);
    expect(problemsOf('max by (desk) (cpsd_major_incident_updates_overdue)')).toHaveLength(1);
    expect(problemsOf('cpsd_cases_open{lead_desk="x"}')).toHaveLength(1);
  });
});

// ---- the dashboard -------------------------------------------------------------------------------------------------

interface Panel {
  id: number;
  type: string;
  title: string;
  datasource?: { type: string; uid: string };
  gridPos: { x: number; y: number; w: number; h: number };
  targets?: { refId: string; expr: string; datasource?: { uid: string } }[];
  panels?: Panel[];
}

const dashboard = JSON.parse(read(DASHBOARD_FILE)) as {
  schemaVersion: number;
  uid: string;
  title: string;
  __inputs: { name: string; type: string; pluginId: string }[];
  templating: { list: { name: string; datasource?: { uid: string }; query?: { query: string } | string }[] };
  panels: Panel[];
};
const panels = dashboard.panels.flatMap((panel) => [panel, ...(panel.panels ?? [])]);
const queryPanels = panels.filter((panel) => panel.type !== 'row');
const dashboardExpressions = [
  ...queryPanels.flatMap((panel) => (panel.targets ?? []).map((target) => ({ where: `panel "${panel.title}"`, expr: target.expr }))),
  ...dashboard.templating.list.map((variable) => ({
    where: `variable $${variable.name}`,
    expr: typeof variable.query === 'string' ? variable.query : (variable.query?.query ?? ''),
  })),
];

describe(`the Grafana dashboard (${DASHBOARD_FILE})`, () => {
  it('is an importable dashboard: schema 38 or later, Prometheus as the DS_PROMETHEUS input', () => {
    expect(dashboard.schemaVersion).toBeGreaterThanOrEqual(38);
    expect(dashboard.uid).toMatch(/^[a-zA-Z0-9_-]{1,40}$/);
    expect(dashboard.__inputs).toContainEqual(expect.objectContaining({ name: 'DS_PROMETHEUS', type: 'datasource', pluginId: 'prometheus' }));
  });

  it('gives every panel a query on the DS_PROMETHEUS data source, with distinct refIds', () => {
    expect(queryPanels.length).toBeGreaterThan(10);
    for (const panel of queryPanels) {
      expect(panel.title, `panel ${panel.id}`).toBeTruthy();
      expect(panel.datasource?.uid, panel.title).toBe(DATASOURCE);
      expect(panel.targets?.length, `${panel.title} has no query`).toBeGreaterThan(0);
      for (const target of panel.targets ?? []) {
        expect(target.expr.trim(), `${panel.title} ${target.refId}`).not.toBe('');
        expect(target.datasource?.uid ?? panel.datasource?.uid, panel.title).toBe(DATASOURCE);
      }
      const refIds = (panel.targets ?? []).map((target) => target.refId);
      expect(new Set(refIds).size, panel.title).toBe(refIds.length);
    }
    for (const variable of dashboard.templating.list) expect(variable.datasource?.uid, `$${variable.name}`).toBe(DATASOURCE);
  });

  it('lays panels out on the 24-column grid without overlaps, with unique ids', () => {
    expect(new Set(panels.map((panel) => panel.id)).size).toBe(panels.length);
    const cells = new Set<string>();
    for (const { title, gridPos } of panels) {
      expect(gridPos.x + gridPos.w, title).toBeLessThanOrEqual(24);
      for (let x = gridPos.x; x < gridPos.x + gridPos.w; x++)
        for (let y = gridPos.y; y < gridPos.y + gridPos.h; y++) {
          expect(cells.has(`${x},${y}`), `${title} overlaps another panel at ${x},${y}`).toBe(false);
          cells.add(`${x},${y}`);
        }
    }
  });

  it('reads only metrics and labels the code registers', () => {
    const problems = dashboardExpressions.flatMap(({ where, expr }) => problemsOf(expr).map((problem) => `${where}: ${problem}`));
    expect(problems).toEqual([]);
  });

  it('shows what issue 15 asks for: traffic, latency, sockets, auth, outbox, bus, delivery, cases, MIs, pools', () => {
    const all = dashboardExpressions.map(({ expr }) => expr).join('\n');
    for (const name of [
      'cpsd_gateway_requests_total',
      'cpsd_gateway_request_duration_seconds_bucket',
      'cpsd_gateway_subgraph_fetch_duration_seconds_bucket',
      'cpsd_gateway_websocket_connections',
      'cpsd_gateway_subscriptions',
      'cpsd_gateway_auth_failures_total',
      'cpsd_outbox_backlog',
      'cpsd_outbox_relay_lag_seconds',
      'cpsd_bus_consumer_lag',
      'cpsd_delivery_queue',
      'cpsd_delivery_oldest_pending_seconds',
      'cpsd_cases_open',
      'cpsd_cases_sla_breached',
      'cpsd_cases_near_breach',
      'cpsd_major_incidents_open',
      'cpsd_major_incident_updates_overdue',
      'cpsd_db_pool_connections',
    ]) {
      expect(seriesIn(all), name).toContain(name);
    }
    expect(all).toContain('cpsd_delivery_queue{state="DEAD"}');
  });
});

// ---- the alerting rules --------------------------------------------------------------------------------------------

interface Rule {
  alert?: string;
  record?: string;
  expr: string;
  for?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
}

const rules = parse(read(RULES_FILE)) as { groups: { name: string; rules: Rule[] }[] };
const alerts = rules.groups.flatMap((group) => group.rules);
const operating = read('docs/operating.md');
/** GitHub's heading anchors: lower case, punctuation dropped, spaces to hyphens. */
const anchors = new Set(
  [...operating.matchAll(/^#{1,6}\s+(.+)$/gm)].map(([, heading]) =>
    heading!
      .trim()
      .toLowerCase()
      .replace(/[^\p{L}\p{N} _-]/gu, '')
      .replace(/ /g, '-'),
  ),
);

describe(`the alerting rules (${RULES_FILE})`, () => {
  it('are named groups of alerts, each with expr, for, a severity and summary/description/runbook annotations', () => {
    expect(rules.groups.length).toBeGreaterThan(0);
    expect(new Set(rules.groups.map((group) => group.name)).size).toBe(rules.groups.length);
    for (const rule of alerts) {
      expect(rule.alert, JSON.stringify(rule)).toMatch(/^Cpsd[A-Za-z]+$/);
      expect(rule.expr?.trim(), rule.alert).toBeTruthy();
      expect(rule.for, rule.alert).toMatch(/^\d+[smh]$/);
      expect(['critical', 'warning'], rule.alert).toContain(rule.labels?.severity);
      for (const key of ['summary', 'description', 'runbook_url']) expect(rule.annotations?.[key]?.trim(), `${rule.alert} ${key}`).toBeTruthy();
    }
    expect(new Set(alerts.map((rule) => rule.alert)).size).toBe(alerts.length);
  });

  it('read only metrics and labels the code registers', () => {
    const problems = alerts.flatMap((rule) => problemsOf(rule.expr).map((problem) => `${rule.alert}: ${problem}`));
    expect(problems).toEqual([]);
  });

  it('cover what an operator must act on', () => {
    const all = alerts.map((rule) => rule.expr).join('\n');
    expect(all).toContain('up{job="cpsd"} == 0');
    for (const name of [
      'cpsd_delivery_queue',
      'cpsd_delivery_oldest_pending_seconds',
      'cpsd_outbox_relay_lag_seconds',
      'cpsd_bus_consumer_lag',
      'cpsd_major_incident_updates_overdue',
      'cpsd_gateway_requests_total',
      'cpsd_db_pool_connections',
    ]) {
      expect(seriesIn(all), name).toContain(name);
    }
  });

  it('each link to a runbook section of docs/operating.md, and the README names every alert', () => {
    const readme = read('README.md');
    for (const rule of alerts) {
      const [file, anchor] = rule.annotations!.runbook_url!.split('#');
      expect(file, rule.alert).toBe('docs/operating.md');
      expect(anchors.has(anchor!), `${rule.alert}: docs/operating.md has no heading #${anchor}`).toBe(true);
      expect(readme, `README "Operating it" does not mention ${rule.alert}`).toContain(rule.alert);
    }
  });

  const promtool = spawnSync('promtool', ['--version'], { encoding: 'utf8' }).status === 0;
  it.skipIf(!promtool)(`pass promtool check rules${promtool ? '' : ' (skipped: promtool is not on the PATH)'}`, () => {
    const result = spawnSync('promtool', ['check', 'rules', path.join(ROOT, RULES_FILE)], { encoding: 'utf8' });
    expect(result.status, result.stdout + result.stderr).toBe(0);
  });
});

// ---- the scrape configuration --------------------------------------------------------------------------------------

describe(`the scrape configuration (${SCRAPE_FILE})`, () => {
  const config = parse(read(SCRAPE_FILE)) as {
    rule_files: string[];
    scrape_configs: { job_name: string; metrics_path: string; authorization?: { type: string; credentials_file?: string; credentials?: string } }[];
  };

  it('scrapes job cpsd (which the alerts and the dashboard name) at /metrics with a bearer token read from a file', () => {
    const job = config.scrape_configs.find((scrape) => scrape.job_name === 'cpsd');
    expect(job?.metrics_path).toBe('/metrics');
    expect(job?.authorization?.type).toBe('Bearer');
    expect(job?.authorization?.credentials_file).toMatch(/^\//);
    expect(job?.authorization?.credentials, 'the token belongs in a file, not in the configuration').toBeUndefined();
    expect(config.rule_files).toContain(path.basename(RULES_FILE));
  });
});

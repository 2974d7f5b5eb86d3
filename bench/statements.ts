/**
 * The SQL a subgraph ran for one GraphQL request, captured from its DataSource, and PostgreSQL's plan for it
 * (EXPLAIN (ANALYZE, BUFFERS)): shared by bench/cases.bench.ts and bench/reports.bench.ts.
 */
import type { Client as PgClient } from 'pg';
import type { DataSource } from 'typeorm';
import type { SqlStatement } from './sql-load';
import { at } from './support';

export interface PlanNode {
  'Node Type': string;
  'Parent Relationship'?: string;
  'Index Name'?: string;
  'Relation Name'?: string;
  'Actual Rows': number;
  'Actual Loops': number;
  'Actual Total Time': number;
  'Rows Removed by Filter'?: number;
  'Rows Removed by Index Recheck'?: number;
  'Shared Hit Blocks'?: number;
  'Shared Read Blocks'?: number;
  'Index Cond'?: string;
  Filter?: string;
  'Sort Key'?: string[];
  'Sort Method'?: string;
  Plans?: PlanNode[];
}

export interface Explained {
  planningMs: number;
  executionMs: number;
  top: string;
  indexes: string[];
  lines: string[];
}

export const oneLine = (sql: string) => sql.replace(/\s+/g, ' ').trim();

export function describeNode(node: PlanNode): string {
  const parts = [node['Node Type']];
  if (node['Index Name']) parts.push(`using ${node['Index Name']}`);
  else if (node['Relation Name']) parts.push(`on ${node['Relation Name']}`);
  return parts.join(' ');
}

export function explainLines(node: PlanNode, depth = 0, out: string[] = [], indexes: Set<string> = new Set()): { lines: string[]; indexes: Set<string> } {
  if (node['Index Name']) indexes.add(node['Index Name']);
  const details = [
    `rows ${node['Actual Rows']}${node['Actual Loops'] > 1 ? ` ×${node['Actual Loops']} loops` : ''}`,
    `${node['Actual Total Time'].toFixed(2)} ms`,
    node['Rows Removed by Filter'] ? `removed by filter ${node['Rows Removed by Filter']}` : '',
    node['Rows Removed by Index Recheck'] ? `removed by recheck ${node['Rows Removed by Index Recheck']}` : '',
    `buffers hit ${node['Shared Hit Blocks'] ?? 0} read ${node['Shared Read Blocks'] ?? 0}`,
    node['Sort Method'] ? `sort ${node['Sort Method']}` : '',
    node['Index Cond'] ? `cond ${oneLine(node['Index Cond']).slice(0, 120)}` : '',
  ].filter(Boolean);
  const relation = node['Parent Relationship'] === 'SubPlan' ? 'SubPlan: ' : '';
  out.push(`${'  '.repeat(depth)}${relation}${describeNode(node)} (${details.join(', ')})`);
  for (const child of node.Plans ?? []) explainLines(child, depth + 1, out, indexes);
  return { lines: out, indexes };
}

export async function explain(client: PgClient, statement: SqlStatement): Promise<Explained> {
  const result = await client.query(`EXPLAIN (ANALYZE, BUFFERS, FORMAT JSON) ${statement.sql}`, statement.params);
  const report = at(
    at(result.rows, 0, 'an EXPLAIN row')['QUERY PLAN'] as { Plan: PlanNode; 'Planning Time': number; 'Execution Time': number }[],
    0,
    'an EXPLAIN report',
  );
  const { lines, indexes } = explainLines(report.Plan);
  // The top node that reads the cases: the first scan under Limit/Sort/etc.
  const scans: PlanNode[] = [];
  const walk = (node: PlanNode) => {
    if (/Scan/.test(node['Node Type']) && node['Parent Relationship'] !== 'SubPlan') scans.push(node);
    for (const child of node.Plans ?? []) if (child['Parent Relationship'] !== 'SubPlan') walk(child);
  };
  walk(report.Plan);
  const top = `${describeNode(report.Plan)}${scans[0] && scans[0] !== report.Plan ? ` ← ${describeNode(scans[0])}` : ''}`;
  return { planningMs: report['Planning Time'], executionMs: report['Execution Time'], top, indexes: [...indexes], lines };
}

/** Records every statement a DataSource runs while `work` runs (the subgraph's queries for one request). */
export async function captureStatements(db: DataSource, work: () => Promise<void>): Promise<SqlStatement[]> {
  const captured: SqlStatement[] = [];
  const target = db as unknown as { query: (sql: string, params?: unknown[], ...rest: unknown[]) => Promise<unknown> };
  const original = target.query;
  target.query = function (this: unknown, sql: string, params?: unknown[], ...rest: unknown[]) {
    captured.push({ sql, params: params ?? [] });
    return original.call(this, sql, params, ...rest);
  };
  try {
    await work();
  } finally {
    Reflect.deleteProperty(target, 'query');
  }
  if (target.query !== original) throw new Error('could not restore the DataSource query method');
  // The subgraph's background work (outbox relay, scheduled jobs) shares the DataSource: leave it out.
  return captured.filter((s) => !/\boutbox\b|pg_(try_)?advisory|cpsd_bus\.|consumer_offsets/.test(s.sql));
}

export async function gatewayPost<T>(
  url: string,
  token: string,
  query: string,
  variables?: Record<string, unknown>,
): Promise<{ status: number; text: string; body: T }> {
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
    body: JSON.stringify({ query, ...(variables ? { variables } : {}) }),
  });
  const text = await response.text();
  return { status: response.status, text, body: JSON.parse(text) as T };
}

/** The whole plan of a statement as PostgreSQL prints it (EXPLAIN (ANALYZE, BUFFERS), text format). */
export async function explainText(client: PgClient, statement: SqlStatement): Promise<string[]> {
  const result = await client.query(`EXPLAIN (ANALYZE, BUFFERS) ${statement.sql}`, statement.params);
  return (result.rows as { 'QUERY PLAN': string }[]).map((row) => row['QUERY PLAN']);
}

/**
 * The dependency rules of the architecture (README "Architecture"), checked over the source: which folder may import what.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { builtinModules } from 'node:module';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

const ROOT = path.resolve(__dirname, '..', '..');
const SKIPPED_DIRECTORIES = new Set(['node_modules', 'dist', 'coverage', 'test-results']);

/** Every .ts and .tsx file of the repository (repo-relative, POSIX separators), outside node_modules and dot-folders. */
function sourceFiles(directory = ROOT): string[] {
  const files: string[] = [];
  for (const entry of readdirSync(directory, { withFileTypes: true })) {
    if (entry.name.startsWith('.') || SKIPPED_DIRECTORIES.has(entry.name)) continue;
    const full = path.join(directory, entry.name);
    if (entry.isDirectory()) files.push(...sourceFiles(full));
    else if (entry.isFile() && /\.tsx?$/.test(entry.name)) files.push(path.relative(ROOT, full).split(path.sep).join('/'));
  }
  return files;
}

const STATIC_IMPORT = /^[ \t]*(?:import|export)\b[^'";()=]*?\bfrom\s*['"]([^'"\n]+)['"]/gm;
const SIDE_EFFECT_IMPORT = /^[ \t]*import\s*['"]([^'"\n]+)['"]/gm;
const DYNAMIC_IMPORT = /\bimport\(\s*['"]([^'"\n]+)['"]\s*\)/g;
const REQUIRE = /\brequire\(\s*['"]([^'"\n]+)['"]\s*\)/g;

/** The module specifiers a source text imports, in any of the ways TypeScript allows. */
function importSpecifiers(source: string): string[] {
  const specifiers: string[] = [];
  for (const pattern of [STATIC_IMPORT, SIDE_EFFECT_IMPORT, DYNAMIC_IMPORT, REQUIRE]) {
    for (const match of source.matchAll(pattern)) specifiers.push(match[1]);
  }
  return specifiers;
}

type Target = { kind: 'file'; path: string } | { kind: 'builtin'; name: string } | { kind: 'package'; name: string };

const BUILTINS = new Set(builtinModules);

/** What a specifier in `fromFile` refers to: a repo path (resolved, repo-relative), a node built-in, or a package. */
function resolveSpecifier(fromFile: string, specifier: string): Target {
  if (specifier.startsWith('.') || specifier.startsWith('/')) {
    const absolute = path.resolve(ROOT, path.posix.dirname(fromFile), specifier);
    return { kind: 'file', path: path.relative(ROOT, absolute).split(path.sep).join('/') };
  }
  if (specifier.startsWith('node:') || BUILTINS.has(specifier)) return { kind: 'builtin', name: specifier.replace(/^node:/, '') };
  return { kind: 'package', name: specifier };
}

interface Import {
  from: string;
  specifier: string;
  target: Target;
}

const FILES = sourceFiles();
const IMPORTS: Import[] = FILES.flatMap((from) =>
  importSpecifiers(readFileSync(path.join(ROOT, from), 'utf8')).map((specifier) => ({ from, specifier, target: resolveSpecifier(from, specifier) })),
);

const isUnder = (file: string, folder: string): boolean => file === folder || file.startsWith(`${folder}/`);
const isTestFile = (file: string): boolean => file.includes('/__tests__/') || file.endsWith('.test.ts');
const describeImport = (i: Import): string => `${i.from} imports '${i.specifier}'`;

describe('the import scanner itself', () => {
  it('recognises every import form', () => {
    const source = [
      `import { a, type B } from '../a';`,
      `import type { C } from "./c";`,
      `import {`,
      `  d,`,
      `  e,`,
      `} from '../../d';`,
      `import * as f from 'f-package';`,
      `import g, { h } from '@scope/g';`,
      `export { i } from './i';`,
      `export * from './j';`,
      `export type { K } from './k';`,
      `import 'reflect-metadata';`,
      `const l = await import('./l');`,
      `const m = require('node:fs');`,
      `const n = 'from "./not-an-import"';`,
      `/** see import x from '../in-a-comment' */`,
      `export const o = 1;`,
    ].join('\n');
    expect(importSpecifiers(source).sort()).toEqual(
      ['../a', './c', '../../d', 'f-package', '@scope/g', './i', './j', './k', 'reflect-metadata', './l', 'node:fs'].sort(),
    );
  });

  it('resolves relative specifiers against the importing file and classifies the rest', () => {
    expect(resolveSpecifier('subgraphs/mpas/metering-point/x.ts', '../../elexon/directory/desk')).toEqual({
      kind: 'file',
      path: 'subgraphs/elexon/directory/desk',
    });
    expect(resolveSpecifier('schema/sla.ts', './calendar')).toEqual({ kind: 'file', path: 'schema/calendar' });
    expect(resolveSpecifier('schema/sla.ts', '../platform/db')).toEqual({ kind: 'file', path: 'platform/db' });
    expect(resolveSpecifier('schema/x.ts', 'node:crypto')).toEqual({ kind: 'builtin', name: 'crypto' });
    expect(resolveSpecifier('schema/x.ts', 'fs')).toEqual({ kind: 'builtin', name: 'fs' });
    expect(resolveSpecifier('schema/x.ts', 'graphql')).toEqual({ kind: 'package', name: 'graphql' });
  });

  it('finds the code it is meant to check (a scanner that reads nothing would pass every rule)', () => {
    for (const folder of ['schema', 'platform', 'gateway', 'subgraphs']) {
      expect(
        FILES.some((file) => isUnder(file, folder)),
        folder,
      ).toBe(true);
    }
    expect(FILES.some((file) => file.includes('node_modules'))).toBe(false);
    // The one sanctioned cross-subgraph import site is seen, so the subgraph rule has real imports to judge.
    const fromList = IMPORTS.filter((i) => i.from === 'subgraphs/index.ts' && i.target.kind === 'file').map((i) => (i.target as { path: string }).path);
    expect(fromList).toEqual(expect.arrayContaining(['subgraphs/elexon', 'subgraphs/mpas', 'subgraphs/dcc', 'subgraphs/rec', 'subgraphs/partners']));
  });
});

const IO_BUILTINS = new Set([
  'fs',
  'fs/promises',
  'net',
  'http',
  'https',
  'http2',
  'tls',
  'dgram',
  'dns',
  'dns/promises',
  'child_process',
  'cluster',
  'worker_threads',
]);

/** Production folders: everything that ships, outside tests, benchmarks and the demo market. */
const PRODUCTION = ['schema', 'platform', 'gateway', 'subgraphs', 'adapters', 'web'];
const LAYERS_ABOVE_PLATFORM = ['gateway', 'subgraphs', 'adapters', 'cli', 'demo', 'web'];

/** The rules, one predicate each: true when the import breaks the rule. */
const RULES = {
  /** Files under subgraphs/<a>/ import nothing under subgraphs/ outside subgraphs/<a>/ (not even the list). */
  subgraphIsolation(i: Import): boolean {
    const own = /^subgraphs\/([^/]+)\//.exec(i.from);
    if (!own || i.target.kind !== 'file') return false;
    return isUnder(i.target.path, 'subgraphs') && !isUnder(i.target.path, `subgraphs/${own[1]}`);
  },
  /** schema/ imports only schema/ and node built-ins; its tests may also use vitest. */
  schemaSelfContained(i: Import): boolean {
    if (!isUnder(i.from, 'schema')) return false;
    if (i.target.kind === 'builtin') return false;
    if (i.target.kind === 'file') return !isUnder(i.target.path, 'schema');
    return !(isTestFile(i.from) && i.target.name === 'vitest');
  },
  /** schema/ code does no I/O. */
  schemaPure(i: Import): boolean {
    return isUnder(i.from, 'schema') && !isTestFile(i.from) && i.target.kind === 'builtin' && IO_BUILTINS.has(i.target.name);
  },
  /** platform/ is the shared floor: it imports only schema/ and itself (its tests may use what they test against). */
  platformBelowEverything(i: Import): boolean {
    if (!isUnder(i.from, 'platform') || isTestFile(i.from) || i.target.kind !== 'file') return false;
    const target = i.target.path;
    return LAYERS_ABOVE_PLATFORM.some((folder) => isUnder(target, folder));
  },
  /** Bridges use the public GraphQL API and platform/, never a subgraph's or the gateway's internals. */
  adaptersOutsideSubgraphsAndGateway(i: Import): boolean {
    if (!isUnder(i.from, 'adapters') || isTestFile(i.from) || i.target.kind !== 'file') return false;
    const target = i.target.path;
    return ['subgraphs', 'gateway', 'cli'].some((folder) => isUnder(target, folder));
  },
  /** Production code never depends on the demo market: cli/ hands it in (tests and benchmarks may use it). */
  productionIndependentOfDemo(i: Import): boolean {
    if (!PRODUCTION.some((folder) => isUnder(i.from, folder)) || isTestFile(i.from) || i.target.kind !== 'file') return false;
    return isUnder(i.target.path, 'demo');
  },
  /** Only cli/ (the composition root), tests and benchmarks import cli/. */
  cliIsTheRoot(i: Import): boolean {
    if (isUnder(i.from, 'cli') || isUnder(i.from, 'test') || isUnder(i.from, 'bench') || isTestFile(i.from) || i.target.kind !== 'file') return false;
    return isUnder(i.target.path, 'cli');
  },
  /** The gateway serves; it never reaches into a subgraph's code (it talks to subgraphs over HTTP) or a bridge's. */
  gatewayOutsideSubgraphs(i: Import): boolean {
    if (!isUnder(i.from, 'gateway') || isTestFile(i.from) || i.target.kind !== 'file') return false;
    const target = i.target.path;
    return ['subgraphs', 'adapters'].some((folder) => isUnder(target, folder));
  },
  /** Subgraphs sit below the gateway: they never import it (the delivery engine may use the bridges' SDK). */
  subgraphsBelowGateway(i: Import): boolean {
    return isUnder(i.from, 'subgraphs') && !isTestFile(i.from) && i.target.kind === 'file' && isUnder(i.target.path, 'gateway');
  },
  /** The demo market is data: it imports only the domain's enums and the directory's shape. */
  demoIsData(i: Import): boolean {
    if (!isUnder(i.from, 'demo') || i.target.kind !== 'file') return false;
    return !isUnder(i.target.path, 'schema') && !isUnder(i.target.path, 'platform') && !isUnder(i.target.path, 'demo');
  },
  /** The dashboard is its own build: it talks to the public API and imports nothing of ours outside web/. */
  webSelfContained(i: Import): boolean {
    return isUnder(i.from, 'web') && i.target.kind === 'file' && !isUnder(i.target.path, 'web');
  },
} satisfies Record<string, (i: Import) => boolean>;

const imp = (from: string, specifier: string): Import => ({ from, specifier, target: resolveSpecifier(from, specifier) });

describe('the rules catch what they are meant to catch', () => {
  it('subgraph isolation', () => {
    expect(RULES.subgraphIsolation(imp('subgraphs/mpas/metering-point/x.ts', '../../elexon/directory/desk'))).toBe(true);
    expect(RULES.subgraphIsolation(imp('subgraphs/dcc/index.ts', '../rec'))).toBe(true);
    expect(RULES.subgraphIsolation(imp('subgraphs/dcc/index.ts', '..'))).toBe(true); // the list pulls in every subgraph
    expect(RULES.subgraphIsolation(imp('subgraphs/mpas/metering-point/x.ts', '../desk-profiles'))).toBe(false);
    expect(RULES.subgraphIsolation(imp('subgraphs/mpas/index.ts', '../../platform/federation'))).toBe(false);
    expect(RULES.subgraphIsolation(imp('subgraphs/index.ts', './elexon'))).toBe(false);
  });

  it('schema self-containment and purity', () => {
    expect(RULES.schemaSelfContained(imp('schema/sla.ts', 'graphql'))).toBe(true);
    expect(RULES.schemaSelfContained(imp('schema/sla.ts', '../platform/logger'))).toBe(true);
    expect(RULES.schemaSelfContained(imp('schema/sla.ts', 'vitest'))).toBe(true);
    expect(RULES.schemaSelfContained(imp('schema/sla.ts', './calendar'))).toBe(false);
    expect(RULES.schemaSelfContained(imp('schema/sla.ts', 'node:crypto'))).toBe(false);
    expect(RULES.schemaSelfContained(imp('schema/__tests__/sla.test.ts', 'vitest'))).toBe(false);
    expect(RULES.schemaPure(imp('schema/calendar.ts', 'node:fs'))).toBe(true);
    expect(RULES.schemaPure(imp('schema/calendar.ts', 'fs/promises'))).toBe(true);
    expect(RULES.schemaPure(imp('schema/calendar.ts', 'node:net'))).toBe(true);
    expect(RULES.schemaPure(imp('schema/calendar.ts', 'node:http'))).toBe(true);
    expect(RULES.schemaPure(imp('schema/calendar.ts', 'node:crypto'))).toBe(false);
  });

  it('platform and adapters', () => {
    expect(RULES.platformBelowEverything(imp('platform/subgraph.ts', '../gateway/auth'))).toBe(true);
    expect(RULES.platformBelowEverything(imp('platform/subgraph.ts', '../subgraphs'))).toBe(true);
    expect(RULES.platformBelowEverything(imp('platform/subgraph.ts', '../adapters/sdk'))).toBe(true);
    expect(RULES.platformBelowEverything(imp('platform/desk-profile.ts', '../demo/market'))).toBe(true);
    expect(RULES.platformBelowEverything(imp('platform/subgraph.ts', '../schema/enums'))).toBe(false);
    expect(RULES.platformBelowEverything(imp('platform/__tests__/db.test.ts', '../../cli/product'))).toBe(false);
    expect(RULES.adaptersOutsideSubgraphsAndGateway(imp('adapters/email/bridge.ts', '../../subgraphs/elexon/case'))).toBe(true);
    expect(RULES.adaptersOutsideSubgraphsAndGateway(imp('adapters/tmf621/index.ts', '../../gateway/auth'))).toBe(true);
    expect(RULES.adaptersOutsideSubgraphsAndGateway(imp('adapters/email/bridge.ts', '../../schema/mpan'))).toBe(false);
    expect(RULES.adaptersOutsideSubgraphsAndGateway(imp('adapters/tmf621/index.ts', '../../platform/partner-auth'))).toBe(false);
  });

  it('demo, cli and gateway', () => {
    expect(RULES.productionIndependentOfDemo(imp('adapters/email/senders.ts', '../../demo/market'))).toBe(true);
    expect(RULES.productionIndependentOfDemo(imp('gateway/dashboard.ts', '../demo/personas'))).toBe(true);
    expect(RULES.productionIndependentOfDemo(imp('subgraphs/elexon/seed.ts', '../../demo/market'))).toBe(true);
    expect(RULES.productionIndependentOfDemo(imp('cli/product.ts', '../demo/market'))).toBe(false);
    expect(RULES.productionIndependentOfDemo(imp('test/e2e/foundation.test.ts', '../../demo/market'))).toBe(false);
    expect(RULES.productionIndependentOfDemo(imp('gateway/__tests__/dashboard.test.ts', '../../demo/personas'))).toBe(false);
    expect(RULES.cliIsTheRoot(imp('gateway/server.ts', '../cli/compose'))).toBe(true);
    expect(RULES.cliIsTheRoot(imp('subgraphs/elexon/index.ts', '../../cli/product'))).toBe(true);
    expect(RULES.cliIsTheRoot(imp('cli/cpsd.ts', './compose'))).toBe(false);
    expect(RULES.cliIsTheRoot(imp('test/unit/supergraph.test.ts', '../../cli/compose'))).toBe(false);
    expect(RULES.gatewayOutsideSubgraphs(imp('gateway/server.ts', '../subgraphs'))).toBe(true);
    expect(RULES.gatewayOutsideSubgraphs(imp('gateway/server.ts', '../adapters/sdk'))).toBe(true);
    expect(RULES.gatewayOutsideSubgraphs(imp('gateway/server.ts', '../platform/http'))).toBe(false);
    expect(RULES.subgraphsBelowGateway(imp('subgraphs/elexon/index.ts', '../../gateway/server'))).toBe(true);
    expect(RULES.subgraphsBelowGateway(imp('subgraphs/delivery/engine.ts', '../../adapters/sdk'))).toBe(false);
    expect(RULES.demoIsData(imp('demo/personas.ts', '../gateway/dashboard'))).toBe(true);
    expect(RULES.demoIsData(imp('demo/market.ts', '../platform/market'))).toBe(false);
    expect(RULES.webSelfContained(imp('web/src/api.ts', '../../schema/enums'))).toBe(true);
    expect(RULES.webSelfContained(imp('web/src/views/cases.tsx', '../operations'))).toBe(false);
  });
});

describe('architecture rules (over the repository)', () => {
  const violationsOf = (rule: (i: Import) => boolean): string[] => IMPORTS.filter(rule).map(describeImport);

  it('a subgraph never imports from another subgraph (only the list subgraphs/index.ts names them all)', () => {
    expect(violationsOf(RULES.subgraphIsolation)).toEqual([]);
  });

  it('schema/ imports nothing outside schema/ except node built-ins (no graphql, typeorm, pg…)', () => {
    expect(violationsOf(RULES.schemaSelfContained)).toEqual([]);
  });

  it('schema/ is pure: no file system, network or process I/O', () => {
    expect(violationsOf(RULES.schemaPure)).toEqual([]);
  });

  it('platform/ imports only schema/ and itself (never gateway/, subgraphs/, adapters/, cli/ or demo/)', () => {
    expect(violationsOf(RULES.platformBelowEverything)).toEqual([]);
  });

  it('adapters/ never imports subgraphs/, gateway/ or cli/ (adapters use the public GraphQL API and platform/)', () => {
    expect(violationsOf(RULES.adaptersOutsideSubgraphsAndGateway)).toEqual([]);
  });

  it('production code never imports demo/ (cli/ hands the demo market in)', () => {
    expect(violationsOf(RULES.productionIndependentOfDemo)).toEqual([]);
  });

  it('only cli/, tests and benchmarks import cli/ (the supergraph composer included)', () => {
    expect(violationsOf(RULES.cliIsTheRoot)).toEqual([]);
  });

  it('the gateway never imports a subgraph or a bridge', () => {
    expect(violationsOf(RULES.gatewayOutsideSubgraphs)).toEqual([]);
  });

  it('subgraphs never import the gateway', () => {
    expect(violationsOf(RULES.subgraphsBelowGateway)).toEqual([]);
  });

  it('the demo market is data: it imports only schema/ and platform/', () => {
    expect(violationsOf(RULES.demoIsData)).toEqual([]);
  });

  it('the dashboard (web/) imports nothing of ours outside web/', () => {
    expect(violationsOf(RULES.webSelfContained)).toEqual([]);
  });

  it('production modules import one another without cycles (type-only imports count)', () => {
    expect(importCycles(productionGraph())).toEqual([]);
  });
});

// ---- import cycles ----------------------------------------------------------------------------------------------

/** A module's file for a resolved specifier path: `x.ts`, `x.tsx`, or `x/index.ts`, when one exists. */
function moduleFile(target: string): string | null {
  for (const candidate of [target, `${target}.ts`, `${target}.tsx`, `${target}/index.ts`]) if (FILE_SET.has(candidate)) return candidate;
  return null;
}
const FILE_SET = new Set(FILES);

/** Production modules and the production modules each imports. */
function productionGraph(): Map<string, string[]> {
  const graph = new Map<string, string[]>();
  for (const i of IMPORTS) {
    if (!PRODUCTION.some((folder) => isUnder(i.from, folder)) || isTestFile(i.from) || i.target.kind !== 'file') continue;
    const to = moduleFile(i.target.path);
    if (!to || isTestFile(to)) continue;
    graph.set(i.from, [...(graph.get(i.from) ?? []), to]);
  }
  return graph;
}

/** Every strongly connected set of two or more modules (or a module importing itself), each sorted: the cycles. */
function importCycles(graph: Map<string, string[]>): string[][] {
  // Tarjan's algorithm, iterative enough for a few hundred modules.
  let index = 0;
  const indices = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const cycles: string[][] = [];
  const visit = (node: string): void => {
    indices.set(node, index);
    low.set(node, index);
    index++;
    stack.push(node);
    onStack.add(node);
    for (const next of graph.get(node) ?? []) {
      if (!indices.has(next)) {
        visit(next);
        low.set(node, Math.min(low.get(node) ?? 0, low.get(next) ?? 0));
      } else if (onStack.has(next)) {
        low.set(node, Math.min(low.get(node) ?? 0, indices.get(next) ?? 0));
      }
    }
    if (low.get(node) === indices.get(node)) {
      const component: string[] = [];
      let member: string | undefined;
      do {
        member = stack.pop();
        if (member === undefined) break;
        onStack.delete(member);
        component.push(member);
      } while (member !== node);
      if (component.length > 1 || (graph.get(node) ?? []).includes(node)) cycles.push(component.sort());
    }
  };
  for (const node of graph.keys()) if (!indices.has(node)) visit(node);
  return cycles.sort((a, b) => (a[0] ?? '').localeCompare(b[0] ?? ''));
}

describe('the cycle check catches what it is meant to catch', () => {
  it('finds a planted two-module cycle, a longer one and a self-import, and nothing in a tree', () => {
    const planted = new Map([
      ['gateway/server.ts', ['gateway/subscriptions.ts']],
      ['gateway/subscriptions.ts', ['gateway/subgraph-client.ts']],
      ['gateway/subgraph-client.ts', ['gateway/server.ts']],
      ['adapters/tmf621/server.ts', ['adapters/tmf621/notifier.ts']],
      ['adapters/tmf621/notifier.ts', ['adapters/tmf621/server.ts']],
      ['schema/a.ts', ['schema/a.ts']],
      ['schema/b.ts', ['schema/c.ts']],
    ]);
    expect(importCycles(planted)).toEqual([
      ['adapters/tmf621/notifier.ts', 'adapters/tmf621/server.ts'],
      ['gateway/server.ts', 'gateway/subgraph-client.ts', 'gateway/subscriptions.ts'],
      ['schema/a.ts'],
    ]);
    expect(
      importCycles(
        new Map([
          ['a.ts', ['b.ts']],
          ['b.ts', ['c.ts']],
        ]),
      ),
    ).toEqual([]);
  });

  it('resolves imports to modules (a graph with no edges would find no cycle)', () => {
    const graph = productionGraph();
    expect(graph.get('gateway/server.ts')?.length ?? 0).toBeGreaterThan(3);
    expect(graph.get('subgraphs/elexon/cases/case.service.ts')).toEqual(expect.arrayContaining(['subgraphs/elexon/cases/case.steps.ts']));
  });
});

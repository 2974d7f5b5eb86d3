/**
 * The dependency rules of the architecture (README "Architecture"), checked over the source: which folder may import what.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { builtinModules } from 'node:module';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

const ROOT = path.resolve(__dirname, '..', '..');
const SKIPPED_DIRECTORIES = new Set(['node_modules', 'dist', 'coverage', 'test-results']);

/** Every .ts file of the repository (repo-relative, POSIX separators), outside node_modules and dot-folders. */
function sourceFiles(directory = ROOT): string[] {
  const files: string[] = [];
  for (const entry of readdirSync(directory, { withFileTypes: true })) {
    if (entry.name.startsWith('.') || SKIPPED_DIRECTORIES.has(entry.name)) continue;
    const full = path.join(directory, entry.name);
    if (entry.isDirectory()) files.push(...sourceFiles(full));
    else if (entry.isFile() && entry.name.endsWith('.ts')) files.push(path.relative(ROOT, full).split(path.sep).join('/'));
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
  platformBelowGatewayAndSubgraphs(i: Import): boolean {
    return isUnder(i.from, 'platform') && i.target.kind === 'file' && (isUnder(i.target.path, 'subgraphs') || isUnder(i.target.path, 'gateway'));
  },
  adaptersOutsideSubgraphs(i: Import): boolean {
    return isUnder(i.from, 'adapters') && i.target.kind === 'file' && isUnder(i.target.path, 'subgraphs');
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
    expect(RULES.platformBelowGatewayAndSubgraphs(imp('platform/subgraph.ts', '../gateway/auth'))).toBe(true);
    expect(RULES.platformBelowGatewayAndSubgraphs(imp('platform/subgraph.ts', '../subgraphs'))).toBe(true);
    expect(RULES.platformBelowGatewayAndSubgraphs(imp('platform/subgraph.ts', '../schema/enums'))).toBe(false);
    expect(RULES.adaptersOutsideSubgraphs(imp('adapters/email/bridge.ts', '../../subgraphs/elexon/case'))).toBe(true);
    expect(RULES.adaptersOutsideSubgraphs(imp('adapters/email/bridge.ts', '../../schema/mpan'))).toBe(false);
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

  it('platform/ never imports from subgraphs/ or gateway/', () => {
    expect(violationsOf(RULES.platformBelowGatewayAndSubgraphs)).toEqual([]);
  });

  it('adapters/ never imports from subgraphs/ (adapters use the public GraphQL API only)', () => {
    expect(violationsOf(RULES.adaptersOutsideSubgraphs)).toEqual([]);
  });
});

/**
 * Builds the participant dashboard (web/src → web/dist) with Vite's JS API. `npm run build` runs this file;
 * `npm start` and the browser tests call `ensureDashboardBuilt()`, which builds only when web/dist is missing or older
 * than its sources.
 */
import { existsSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';

export const WEB_ROOT = __dirname;
export const WEB_DIST = path.join(WEB_ROOT, 'dist');

/** What the build reads: a change to any of these makes web/dist stale. */
const SOURCES = ['src', 'index.html', 'build.ts', 'tsconfig.json'];

function newestMtime(target: string): number {
  if (!existsSync(target)) return 0;
  const stat = statSync(target);
  if (!stat.isDirectory()) return stat.mtimeMs;
  let newest = stat.mtimeMs;
  for (const entry of readdirSync(target)) {
    if (entry === '__tests__') continue;
    newest = Math.max(newest, newestMtime(path.join(target, entry)));
  }
  return newest;
}

/** True when web/dist is missing or older than anything it is built from. */
export function dashboardIsStale(): boolean {
  const built = path.join(WEB_DIST, 'index.html');
  if (!existsSync(built)) return true;
  const sourcesChanged = Math.max(...SOURCES.map((source) => newestMtime(path.join(WEB_ROOT, source))));
  return statSync(built).mtimeMs < sourcesChanged;
}

export async function buildDashboard(options: { quiet?: boolean } = {}): Promise<void> {
  const { build } = await import('vite');
  // Vite sets NODE_ENV=production for the build; in `npm start` the product starts in this same process afterwards
  // and must still see the caller's mode (development: the dev token issuer).
  const nodeEnv = process.env.NODE_ENV;
  try {
    await runBuild(build, options);
  } finally {
    if (nodeEnv === undefined) delete process.env.NODE_ENV;
    else process.env.NODE_ENV = nodeEnv;
  }
}

async function runBuild(build: typeof import('vite').build, options: { quiet?: boolean }): Promise<void> {
  await build({
    configFile: false,
    root: WEB_ROOT,
    base: '/dashboard/',
    logLevel: options.quiet ? 'warn' : 'info',
    // Preact through esbuild's automatic JSX runtime: no framework plugin needed.
    esbuild: { jsx: 'automatic', jsxImportSource: 'preact' },
    build: {
      outDir: WEB_DIST,
      emptyOutDir: true,
      target: 'es2022',
      // The CSP allows no inline script or style, and no data: scripts: nothing is inlined.
      modulePreload: { polyfill: false },
      assetsInlineLimit: 0,
      cssCodeSplit: false,
      reportCompressedSize: false,
    },
  });
}

/** Builds the dashboard when it is stale; true when it built. */
export async function ensureDashboardBuilt(options: { quiet?: boolean } = {}): Promise<boolean> {
  if (!dashboardIsStale()) return false;
  await buildDashboard(options);
  return true;
}

if (require.main === module) {
  buildDashboard().catch((error: unknown) => {
    process.stderr.write(`${(error as Error).stack ?? String(error)}\n`);
    process.exit(1);
  });
}

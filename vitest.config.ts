import path from 'node:path';
import { defineConfig } from 'vitest/config';

/**
 * One copy of graphql: Vite would resolve `graphql` in our sources to its ESM build while the Apollo packages
 * `require` the CommonJS one, and a schema from one copy is refused by the other. Pin every import to the CJS entry.
 */
const resolve = { alias: { graphql: path.resolve(__dirname, 'node_modules/graphql/index.js') } };

// Two projects: `unit` (pure code, no I/O) and `e2e` (real PostgreSQL, real HTTP through the gateway).
export default defineConfig({
  resolve,
  test: {
    // Each e2e file starts the whole product (five subgraphs and a gateway) on its own database: one at a time
    // suits a 2-core machine.
    fileParallelism: false,
    projects: [
      {
        resolve,
        test: {
          name: 'unit',
          include: [
            'schema/**/*.test.ts',
            'platform/**/*.test.ts',
            'gateway/**/*.test.ts',
            'subgraphs/**/*.test.ts',
            'adapters/**/*.test.ts',
            'test/unit/**/*.test.ts',
            'web/**/*.test.ts',
          ],
          environment: 'node',
          // type-graphql's decorators need the metadata polyfill before any GraphQL class loads.
          setupFiles: ['reflect-metadata'],
        },
      },
      {
        resolve,
        test: {
          name: 'e2e',
          include: ['test/e2e/**/*.test.ts'],
          environment: 'node',
          // type-graphql's decorators need the metadata polyfill before any GraphQL class loads.
          setupFiles: ['reflect-metadata'],
          testTimeout: 60_000,
          hookTimeout: 120_000,
        },
      },
      {
        resolve,
        test: {
          // Attacks, organised by threat: each case is an attack and the exact refusal it must get (real product).
          name: 'security',
          include: ['test/security/**/*.test.ts'],
          environment: 'node',
          setupFiles: ['reflect-metadata'],
          testTimeout: 90_000,
          hookTimeout: 120_000,
        },
      },
      {
        resolve,
        test: {
          // The participant dashboard in real headless Chromium (Debian's package, driven by playwright-core).
          name: 'browser',
          include: ['test/browser/**/*.test.ts'],
          environment: 'node',
          setupFiles: ['reflect-metadata'],
          testTimeout: 90_000,
          // Builds the dashboard when stale, then starts the product.
          hookTimeout: 180_000,
        },
      },
    ],
  },
});

import { defineConfig } from 'vitest/config';

// Two projects: `unit` (pure code, no I/O) and `e2e` (real PostgreSQL, real HTTP through the gateway).
export default defineConfig({
  test: {
    // Each e2e file starts the whole product (five subgraphs and a gateway) on its own database: one at a time
    // suits a 2-core machine.
    fileParallelism: false,
    projects: [
      {
        test: {
          name: 'unit',
          include: ['schema/**/*.test.ts', 'platform/**/*.test.ts', 'gateway/**/*.test.ts', 'subgraphs/**/*.test.ts', 'adapters/**/*.test.ts', 'test/unit/**/*.test.ts'],
          environment: 'node',
          // type-graphql's decorators need the metadata polyfill before any GraphQL class loads.
          setupFiles: ['reflect-metadata'],
        },
      },
      {
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
    ],
  },
});

/**
 * A delivery worker process on its own (what a delivery replica runs beside its API), for tests that kill one
 * mid-delivery: DATABASE_URL and the DELIVERY_* settings come from the environment; it prints "ready" once claiming.
 */
import 'reflect-metadata';
import { createBridges } from '../../../adapters';
import { loadConfig } from '../../../platform/config';
import { createDataSource } from '../../../platform/db';
import { startDeliveryWorkers } from '../../../subgraphs/delivery/engine';

async function main(): Promise<void> {
  const config = loadConfig();
  if (!config.databaseUrl) throw new Error('DATABASE_URL is required');
  const db = createDataSource({ url: config.databaseUrl, schema: 'delivery', entities: [], migrations: [], applicationName: 'cpsd-delivery-worker-process' });
  await db.initialize();
  await startDeliveryWorkers({
    db,
    bridges: createBridges({ dev: config.dev, env: process.env }),
    settings: config.delivery,
    name: process.env.WORKER_NAME ?? 'worker-process',
  });
  process.stdout.write('ready\n');
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? error.stack : String(error)}\n`);
  process.exit(1);
});

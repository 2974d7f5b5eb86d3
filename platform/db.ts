/** PostgreSQL access for a subgraph: one TypeORM DataSource in the subgraph's own schema, migrated under a lock. */
import { DataSource, type MixedList, type EntitySchema, type MigrationInterface } from 'typeorm';
import { logger } from './logger';

/** A TypeORM entity: a class (its constructor's parameters are TypeORM's business, not ours). */
export type EntityClass = abstract new (...args: never[]) => object;
/** A migration class TypeORM instantiates with no arguments. */
export type MigrationClass = new () => MigrationInterface;

export interface DatabaseOptions {
  url: string;
  /** The PostgreSQL schema this subgraph owns; nothing else writes to it. */
  schema: string;
  entities: MixedList<EntityClass | EntitySchema>;
  migrations: MigrationClass[];
  poolSize?: number;
  applicationName?: string;
}

export function createDataSource(options: DatabaseOptions): DataSource {
  return new DataSource({
    type: 'postgres',
    url: options.url,
    schema: options.schema,
    entities: options.entities,
    migrations: options.migrations,
    migrationsTableName: 'migrations',
    migrationsRun: false,
    synchronize: false,
    logging: false,
    extra: {
      max: options.poolSize ?? 10,
      application_name: options.applicationName ?? `cpsd-${options.schema}`,
      options: `-c search_path=${options.schema},public`,
    },
  });
}

/**
 * Creates the schema and runs pending migrations. An advisory lock keyed by schema makes concurrent starts
 * (several replicas of one subgraph) safe: one migrates, the others wait and find nothing to do.
 */
export async function migrate(dataSource: DataSource, schema: string): Promise<void> {
  const runner = dataSource.createQueryRunner();
  await runner.connect();
  try {
    await runner.query('SELECT pg_advisory_lock(hashtext($1))', [`cpsd-migrate:${schema}`]);
    await runner.query(`CREATE SCHEMA IF NOT EXISTS "${schema}"`);
    const applied = await dataSource.runMigrations({ transaction: 'each' });
    if (applied.length) logger.info({ schema, migrations: applied.map((m) => m.name) }, 'migrations applied');
  } finally {
    await runner.query('SELECT pg_advisory_unlock(hashtext($1))', [`cpsd-migrate:${schema}`]).catch(() => undefined);
    await runner.release();
  }
}

/** Creates a database on a server if it does not exist (used by the embedded start and by tests). */
export async function ensureDatabase(serverUrl: string, database: string): Promise<string> {
  const { Client } = await import('pg');
  const client = new Client({ connectionString: serverUrl });
  await client.connect();
  try {
    const exists = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [database]);
    if (!exists.rowCount) await client.query(`CREATE DATABASE "${database.replace(/"/g, '""')}"`);
  } finally {
    await client.end();
  }
  const url = new URL(serverUrl);
  url.pathname = `/${database}`;
  return url.toString();
}

export async function dropDatabase(serverUrl: string, database: string): Promise<void> {
  const { Client } = await import('pg');
  const client = new Client({ connectionString: serverUrl });
  await client.connect();
  try {
    await client.query(`DROP DATABASE IF EXISTS "${database.replace(/"/g, '""')}" WITH (FORCE)`);
  } finally {
    await client.end();
  }
}

/** Something that runs SQL: a DataSource, an EntityManager or a QueryRunner. */
export interface Queryable {
  query(sql: string, parameters?: unknown[]): Promise<unknown>;
}

/** The one row a statement always returns (an aggregate, `nextval`, `RETURNING` on an upsert); none is a bug. */
export async function queryOne<T>(db: Queryable, sql: string, parameters: unknown[] = []): Promise<T> {
  const [row] = (await db.query(sql, parameters)) as T[];
  if (row === undefined) throw new Error(`expected a row from: ${sql.trim().split('\n')[0]?.slice(0, 80)}`);
  return row;
}

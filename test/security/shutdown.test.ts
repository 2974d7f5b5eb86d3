/**
 * A clean stop: `npm start` (the whole product on its embedded PostgreSQL) interrupted by a Ctrl-C, which a terminal
 * sends as SIGINT to the whole foreground process group. Everything stops in reverse order of start — WebSocket
 * clients are told 1001 (going away), the relays and consumers stop before the database — the process exits 0, and
 * not one line at error or fatal level, nor a stack trace, is printed.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createClient } from 'graphql-ws';
import { afterAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { loadDevIssuer } from '../../gateway/dev-issuer';
import { SUBGRAPH_NAMES } from '../../platform/config';
import { waitFor } from '../e2e/harness';

const ROOT = path.resolve(__dirname, '..', '..');
const TSX = path.join(ROOT, 'node_modules', '.bin', 'tsx');
const dataDir = mkdtempSync(path.join(tmpdir(), 'cpsd-shutdown-'));
// Run as root, PostgreSQL runs as the `postgres` user, which must reach its data directory inside this one.
chmodSync(dataDir, 0o755);
let child: ChildProcess | null = null;

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

/** Lines at pino's error (50) or fatal (60) level, or that look like a stack trace or an uncaught error. */
function badLines(output: string): string[] {
  return output.split('\n').filter((line) => {
    if (!line.trim()) return false;
    try {
      const entry = JSON.parse(line) as { level?: number };
      if (typeof entry.level === 'number') return entry.level >= 50 || /\\n\s+at |"stack"/.test(line);
    } catch {
      // not a log line: printed text
    }
    return /^\s+at .+[:(]|\b(Error|TypeError|RangeError):|Unhandled|uncaught|ECONNREFUSED|terminating connection/i.test(line);
  });
}

afterAll(() => {
  if (child?.pid && child.exitCode === null) {
    try {
      process.kill(-child.pid, 'SIGKILL');
    } catch {
      // already gone
    }
  }
  rmSync(dataDir, { recursive: true, force: true });
});

describe('Ctrl-C on npm start', () => {
  it('closes WebSocket clients with 1001, stops in reverse order, exits 0 and prints no error', async () => {
    const ports: Record<string, string> = { PORT: String(await freePort()), EMBEDDED_PG_PORT: String(await freePort()) };
    for (const name of SUBGRAPH_NAMES) ports[`SUBGRAPH_${name.toUpperCase()}_PORT`] = String(await freePort());
    const env: NodeJS.ProcessEnv = {
      PATH: process.env.PATH,
      HOME: process.env.HOME,
      NODE_ENV: 'development',
      LOG_LEVEL: 'info',
      HOST: '127.0.0.1',
      CPSD_DATA_DIR: dataDir,
      EMAIL_INBOUND_PORT: '0',
      TMF621_PORT: '0',
      ...ports,
    };
    // Its own process group, as a terminal runs a foreground job: the group is what Ctrl-C signals.
    const started = spawn(TSX, ['cli/cpsd.ts', 'start'], { cwd: ROOT, env, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
    child = started;
    let stdout = '';
    let stderr = '';
    started.stdout!.on('data', (chunk: Buffer) => (stdout += chunk.toString('utf8')));
    started.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
    const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
      started.once('exit', (code, signal) => resolve({ code, signal })),
    );

    const gatewayUrl = await waitFor(
      () => {
        if (started.exitCode !== null) throw new Error(`npm start exited ${started.exitCode}:\n${stdout}\n${stderr}`);
        return /CPSD Gateway is running: (\S+)/.exec(stdout)?.[1];
      },
      'the start banner',
      240_000,
    );

    const issuer = await loadDevIssuer(dataDir, 'cpsd-dev-issuer', 'cpsd-gateway');
    const token = await issuer.issue({ sub: 'alice', org: 'ukpn', roles: ['participant' as never], desks: [] });
    let closeCode: number | null = null;
    const closed = new Promise<number>((resolve) => {
      const client = createClient({
        url: gatewayUrl.replace(/^http/, 'ws'),
        webSocketImpl: WebSocket,
        retryAttempts: 0,
        lazy: false,
        connectionParams: { authorization: `Bearer ${token}` },
        on: {
          closed: (event) => {
            closeCode = (event as { code: number }).code;
            resolve(closeCode);
            void client.dispose();
          },
        },
      });
      void new Promise<void>((connected) => client.on('connected', () => connected())).then(() => {
        // Connected and acknowledged: now the Ctrl-C, to the whole process group.
        process.kill(-started.pid!, 'SIGINT');
      });
    });

    // Bounded only so that a hang fails with the product's output rather than a bare timeout.
    const within = <T>(promise: Promise<T>, what: string): Promise<T> =>
      Promise.race([
        promise,
        new Promise<never>((_, reject) => setTimeout(() => reject(new Error(`${what} did not happen:\n${stdout}\n${stderr}`)), 90_000).unref()),
      ]);
    expect(await within(closed, 'the WebSocket close')).toBe(1001);
    const exit = await within(exited, 'the exit');
    expect({ exit, bad: badLines(stdout + stderr) }).toEqual({ exit: { code: 0, signal: null }, bad: [] });
    expect(stdout).toContain('"msg":"shutting down"');
    // PostgreSQL shut down cleanly, by us, after everything that used it (a clean shutdown removes its pid file).
    expect(existsSync(path.join(dataDir, 'postgres', 'postmaster.pid'))).toBe(false);
  }, 360_000);
});

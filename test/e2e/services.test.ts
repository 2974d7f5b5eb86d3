/**
 * The product as docker-compose runs it, with plain processes: one process per subgraph and one for the gateway,
 * configured by environment only; `npm run token` issues a token the running gateway accepts; SIGTERM drains and exits.
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SUBGRAPH_NAMES } from '../../platform/config';
import { dropDatabase, ensureDatabase } from '../../platform/db';
import { generateIdentityKeyPair } from '../../platform/identity-token';
import { SERVER_URL } from './harness';

const ROOT = path.resolve(__dirname, '..', '..');
const TSX = path.join(ROOT, 'node_modules', '.bin', 'tsx');
const database = `cpsd_e2e_services_${process.pid}`;
const dataDir = mkdtempSync(path.join(tmpdir(), 'cpsd-services-'));
const processes = new Map<string, ChildProcess>();
const output = new Map<string, string>();
let gatewayPort = 0;
let baseEnv: NodeJS.ProcessEnv;

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

function startService(name: string, env: NodeJS.ProcessEnv): void {
  // As the image runs it: one node process with tsx as a loader, so the signal reaches the service itself (the tsx CLI
  // wrapper relays it and may exit 143 on its own while the service is still draining).
  const child = spawn(process.execPath, ['--import', 'tsx', 'cli/cpsd.ts', 'service', name], {
    cwd: ROOT,
    env: { ...baseEnv, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  output.set(name, '');
  child.stdout!.on('data', (chunk: Buffer) => output.set(name, output.get(name) + chunk.toString()));
  child.stderr!.on('data', (chunk: Buffer) => output.set(name, output.get(name) + chunk.toString()));
  processes.set(name, child);
}

async function waitReady(name: string, port: number): Promise<void> {
  const deadline = Date.now() + 60_000;
  while (Date.now() < deadline) {
    if (processes.get(name)!.exitCode !== null) throw new Error(`${name} exited:\n${output.get(name)}`);
    const ok = await fetch(`http://127.0.0.1:${port}/readyz`).then(
      (r) => r.ok,
      () => false,
    );
    if (ok) return;
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  throw new Error(`${name} not ready:\n${output.get(name)}`);
}

beforeAll(async () => {
  const databaseUrl = await ensureDatabase(SERVER_URL, database);
  const keys = await generateIdentityKeyPair();
  baseEnv = { PATH: process.env.PATH, HOME: process.env.HOME, LOG_LEVEL: 'warn', HOST: '127.0.0.1', CPSD_DATA_DIR: dataDir };
  const ports: Record<string, number> = {};
  for (const name of SUBGRAPH_NAMES) {
    ports[name] = await freePort();
    startService(name, {
      DATABASE_URL: databaseUrl,
      IDENTITY_VERIFICATION_KEY: JSON.stringify(keys.publicJwk),
      SEED_DEMO_DATA: 'true',
      [`SUBGRAPH_${name.toUpperCase()}_PORT`]: String(ports[name]),
    });
  }
  await Promise.all(SUBGRAPH_NAMES.map((name) => waitReady(name, ports[name])));
  gatewayPort = await freePort();
  startService('gateway', {
    PORT: String(gatewayPort),
    DATABASE_URL: databaseUrl,
    IDENTITY_SIGNING_KEY: JSON.stringify(keys.privateJwk),
    ...Object.fromEntries(SUBGRAPH_NAMES.map((name) => [`SUBGRAPH_${name.toUpperCase()}_URL`, `http://127.0.0.1:${ports[name]}/graphql`])),
  });
  await waitReady('gateway', gatewayPort);
}, 120_000);

afterAll(async () => {
  for (const child of processes.values()) if (child.exitCode === null) child.kill('SIGKILL');
  await dropDatabase(SERVER_URL, database);
  rmSync(dataDir, { recursive: true, force: true });
});

describe('one service per process, configured by environment', () => {
  it('a token from `npm run token` answers me and a query across two subgraphs', async () => {
    const { stdout } = await promisify(execFile)(
      TSX,
      ['cli/cpsd.ts', 'token', '--sub', 'alice', '--org', 'nged', '--roles', 'participant,desk_agent', '--desks', 'nged-service-desk'],
      {
        cwd: ROOT,
        env: baseEnv,
      },
    );
    const token = stdout.trim();
    expect(token.split('.')).toHaveLength(3);
    const response = await fetch(`http://127.0.0.1:${gatewayPort}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
      body: JSON.stringify({
        query: '{ me { subject roles desks { id profile { contactMethod { kind } } } visibleOrganisations { id } } }',
      }),
    });
    const body = (await response.json()) as {
      data: {
        me: { subject: string; roles: string[]; desks: { id: string; profile: { contactMethod: { kind: string } } }[]; visibleOrganisations: { id: string }[] };
      };
    };
    expect(response.status).toBe(200);
    expect(body.data.me.subject).toBe('alice');
    expect(body.data.me.roles).toEqual(['PARTICIPANT', 'DESK_AGENT']);
    expect(body.data.me.desks[0].id).toBe('nged-service-desk');
    expect(body.data.me.desks[0].profile.contactMethod.kind).toBeTruthy(); // resolved by the mpas process
    expect(body.data.me.visibleOrganisations).toHaveLength(5); // NGED and its four licence areas
  });

  it('SIGTERM drains and every process exits cleanly', async () => {
    const exits = [...processes.entries()].map(
      ([name, child]) =>
        new Promise<[string, number | null]>((resolve) => {
          child.once('exit', (code) => resolve([name, code]));
          child.kill('SIGTERM');
        }),
    );
    const codes = await Promise.all(exits);
    expect(codes).toEqual([...processes.keys()].map((name) => [name, 0]));
  }, 30_000);
});

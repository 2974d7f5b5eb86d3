/**
 * Delivery workers in a process of their own (delivery-worker.ts), for the tests that kill one mid-send: started on
 * the product's database with the given settings, resolved once the process says it is ready.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';

const ROOT = path.resolve(__dirname, '..', '..', '..');

export async function spawnDeliveryWorker(options: {
  databaseUrl: string;
  workers: number;
  name: string;
  env?: Record<string, string>;
}): Promise<ChildProcess> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'test/e2e/support/delivery-worker.ts'], {
    cwd: ROOT,
    env: {
      PATH: process.env.PATH,
      HOME: process.env.HOME,
      LOG_LEVEL: 'warn',
      DATABASE_URL: options.databaseUrl,
      DELIVERY_WORKERS: String(options.workers),
      WORKER_NAME: options.name,
      ...options.env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  await new Promise<void>((resolve, reject) => {
    child.stdout!.on('data', (chunk: Buffer) => {
      output += chunk.toString();
      if (output.includes('ready')) resolve();
    });
    child.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.once('exit', (code) => reject(new Error(`worker process exited ${code}: ${output}`)));
  });
  return child;
}

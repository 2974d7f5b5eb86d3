/**
 * Helpers shared by the benchmarks (docs/benchmarking.md): settings from the environment,
 * medians and percentiles, RSS sampling, tables, and running a load generator as its own process.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';

export const REPO_ROOT = path.resolve(__dirname, '..');
export const DEFAULT_SERVER_URL = 'postgres://postgres@127.0.0.1:5432/postgres';

export function intFromEnv(name: string, fallback: number, min = 1): number {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < min) throw new Error(`${name} must be an integer ≥ ${min}, got "${raw}"`);
  return value;
}

/** `value`, or a thrown Error naming `what` when it is absent: for what a benchmark just set up or measured. */
export function must<T>(value: T | undefined | null, what: string): T {
  if (value === undefined || value === null) throw new Error(`bench: expected ${what}, found none`);
  return value;
}

/** `items[index]` (negative counts from the end), or a thrown Error naming `what` when out of range. */
export function at<T>(items: readonly T[], index: number, what = 'an item'): T {
  const i = index < 0 ? items.length + index : index;
  if (!Number.isInteger(i) || i < 0 || i >= items.length) throw new Error(`bench: expected ${what} at index ${index} of ${items.length}`);
  return items[i] as T;
}

/** Median of the values; NaN when empty. */
export function median(values: number[]): number {
  if (!values.length) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? at(sorted, mid) : (at(sorted, mid - 1) + at(sorted, mid)) / 2;
}

/** Nearest-rank percentile (0 < p ≤ 100) of already sorted values; NaN when empty. */
export function percentileOfSorted(sorted: readonly number[], p: number): number {
  if (!sorted.length) return Number.NaN;
  return at(sorted, Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1)));
}

export const mib = (bytes: number) => `${(bytes / 1024 / 1024).toFixed(0)} MiB`;

export function redactUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = '***';
    return parsed.toString();
  } catch {
    return '(unparsable URL)';
  }
}

/** Samples this process's RSS; the peak is tracked overall and per labelled phase. */
export class RssSampler {
  private timer: NodeJS.Timeout | null = null;
  private phasePeak = 0;
  peak = 0;

  start(intervalMs = 100): void {
    this.timer = setInterval(() => this.sample(), intervalMs);
    this.timer.unref();
  }

  sample(): void {
    const rss = process.memoryUsage().rss;
    if (rss > this.peak) this.peak = rss;
    if (rss > this.phasePeak) this.phasePeak = rss;
  }

  beginPhase(): void {
    this.phasePeak = 0;
    this.sample();
  }

  endPhase(): number {
    this.sample();
    return this.phasePeak;
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
  }
}

export function pad(value: string, width: number, right = false): string {
  return right ? value.padStart(width) : value.padEnd(width);
}

export function printTable(rows: string[][], rightAligned: boolean[]): void {
  const widths = at(rows, 0, 'a header row').map((_, col) => Math.max(...rows.map((row) => (row[col] ?? '').length)));
  for (const row of rows) console.log(`  ${row.map((cell, col) => pad(cell, widths[col] ?? 0, rightAligned[col] ?? false)).join('  ')}`);
}

let currentChild: ChildProcess | null = null;
process.on('exit', () => currentChild?.kill('SIGKILL'));

/**
 * Runs a bench script (TypeScript, through tsx) as its own Node process: writes `job` as JSON on its stdin and
 * returns the JSON its last stdout line carries. The child is killed after `limitMs`.
 */
export function runChild<Job, Result>(script: string, job: Job, limitMs: number): Promise<Result> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', script], {
      cwd: REPO_ROOT,
      env: process.env,
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    currentChild = child;
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    const killer = setTimeout(() => child.kill('SIGKILL'), limitMs);
    child.on('error', reject);
    child.on('close', (code, signal) => {
      clearTimeout(killer);
      currentChild = null;
      if (code !== 0) {
        reject(new Error(`${path.basename(script)} exited with ${signal ?? code}: ${stderr.trim() || stdout.trim()}`));
        return;
      }
      try {
        resolve(JSON.parse(stdout.trim().split('\n').pop() ?? '') as Result);
      } catch {
        reject(new Error(`${path.basename(script)} printed no result: ${stdout.trim()} ${stderr.trim()}`));
      }
    });
    child.stdin.end(JSON.stringify(job));
  });
}

/** Reads the whole of stdin as one JSON job (the child side of `runChild`). */
export async function readJob<Job>(): Promise<Job> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  const raw = Buffer.concat(chunks).toString('utf8');
  if (!raw.trim()) throw new Error('expected a job (JSON) on stdin');
  return JSON.parse(raw) as Job;
}

/** Something a benchmark started and must stop. */
export interface Cleanup {
  name: string;
  run: () => Promise<unknown> | unknown;
}

/** Stops everything in reverse order of start, never throwing; returns the ones slower than `slowMs`. */
export async function stopAll(cleanups: Cleanup[], slowMs: number, indent = ''): Promise<string[]> {
  const slow: string[] = [];
  for (const cleanup of [...cleanups].reverse()) {
    const began = Date.now();
    try {
      await cleanup.run();
    } catch (error) {
      console.error(`${indent}while stopping ${cleanup.name}: ${(error as Error).message}`);
    }
    if (Date.now() - began > slowMs) slow.push(`${cleanup.name} ${((Date.now() - began) / 1000).toFixed(1)} s`);
  }
  return slow;
}

/**
 * The subscriber side of the broadcast benchmark (bench/broadcast.bench.ts), run as its own Node process (forked,
 * with an IPC channel) so that the clients' CPU is not the gateways' event loop. It opens `count` graphql-ws
 * connections to one gateway, each with its own development token (a distinct user of one of a few visibility
 * scopes), subscribes once per connection, and timestamps every event it receives with the machine's clock
 * (`performance.timeOrigin + performance.now()`, comparable across processes on one machine).
 *
 * Protocol (parent → child → parent, JSON over IPC):
 *   start   → progress… then opened   (every connection acknowledged by the server and its subscribe sent)
 *   arm     → armed                    (a new bucket: receipts from now on belong to the next event)
 *   status  → status                   (how many distinct subscribers the bucket holds)
 *   collect → collected                (the bucket's receipt times, event sequences seen, CPU used since arm)
 *   stop    → stopped                  (all clients disposed; close codes seen; peak RSS), then the process exits
 */
import { performance } from 'node:perf_hooks';
import { createClient, type Client } from 'graphql-ws';
import WebSocket from 'ws';
import { loadDevIssuer } from '../gateway/dev-issuer';
import type { Role } from '../schema/enums';
import { at } from './support';

export interface SubscriberScope {
  label: string;
  org: string;
  roles: Role[];
  desks: string[];
}

export interface SubscriberJob {
  /** ws:// URL of the gateway's /graphql. */
  url: string;
  /** Which gateway (for messages). */
  name: string;
  count: number;
  /** Subscriber i gets scope i % scopes.length and its own subject. */
  scopes: SubscriberScope[];
  /** The development issuer's key lives here (the product's data dir). */
  dataDir: string;
  issuer: string;
  audience: string;
  query: string;
  variables: Record<string, unknown>;
  /** Connections being opened at once. */
  concurrency: number;
  /** Which field of `data` holds the envelope (to read `sequence`). */
  rootField: string;
}

export type ParentMessage =
  | { type: 'start'; job: SubscriberJob }
  | { type: 'arm'; round: string }
  | { type: 'status' }
  | { type: 'collect' }
  | { type: 'stop' };

export interface Collected {
  type: 'collected';
  round: string;
  /** Receipt time of each subscriber's first event in this bucket (ms since the epoch, sub-ms precision). */
  receipts: number[];
  /** Receipts beyond the first per subscriber (should be 0: one event per round). */
  extra: number;
  sequences: string[];
  errors: number;
  /** User+system CPU of this process between arm and collect, ms. */
  cpuMs: number;
}

export type ChildMessage =
  | { type: 'progress'; connected: number; failed: number }
  | { type: 'opened'; connected: number; failed: number; seconds: number; tokenSeconds: number; firstError?: string }
  | { type: 'armed'; round: string }
  | { type: 'status'; received: number; everReceived: number; open: number; closes: Record<string, number> }
  | Collected
  | { type: 'stopped'; closes: Record<string, number>; errors: number; maxRssBytes: number; firstError?: string }
  | { type: 'fatal'; message: string };

const now = () => performance.timeOrigin + performance.now();

function send(message: ChildMessage): void {
  process.send?.(message);
}

const clients: Client[] = [];
/** Per subscriber: time of its first receipt in the current bucket (NaN: none yet). */
let firstReceipt: Float64Array = new Float64Array(0);
let everReceived: Uint8Array = new Uint8Array(0);
let bucket = '';
let extra = 0;
let errors = 0;
let totalErrors = 0;
let firstError: string | undefined;
let open = 0;
const sequences = new Set<string>();
const closes: Record<string, number> = {};
let armedCpu = process.cpuUsage();
let stopping = false;

function noteError(message: string): void {
  errors += 1;
  totalErrors += 1;
  firstError ??= message.slice(0, 500);
}

async function start(job: SubscriberJob): Promise<void> {
  const issuer = await loadDevIssuer(job.dataDir, job.issuer, job.audience);
  const tokenStarted = now();
  const tokens: string[] = [];
  for (let i = 0; i < job.count; i++) {
    const scope = at(job.scopes, i % job.scopes.length, 'a subscriber scope');
    tokens.push(await issuer.issue({ sub: `bench-${job.name}-${scope.label}-${i}`, org: scope.org, roles: scope.roles, desks: scope.desks }));
  }
  const tokenSeconds = (now() - tokenStarted) / 1000;
  firstReceipt = new Float64Array(job.count).fill(Number.NaN);
  everReceived = new Uint8Array(job.count);

  const started = now();
  let connected = 0;
  let failed = 0;
  let next = 0;
  let lastProgress = started;
  await new Promise<void>((resolve) => {
    const launch = () => {
      while (next < job.count && next - connected - failed < job.concurrency) {
        const index = next++;
        let settled = false;
        let isOpen = false;
        const settle = (ok: boolean) => {
          if (settled) return;
          settled = true;
          if (ok) connected += 1;
          else failed += 1;
          if (now() - lastProgress > 2000) {
            lastProgress = now();
            send({ type: 'progress', connected, failed });
          }
          if (connected + failed === job.count) resolve();
          else launch();
        };
        const client = createClient({
          url: job.url,
          webSocketImpl: WebSocket,
          lazy: true,
          retryAttempts: 0,
          connectionParams: { authorization: `Bearer ${tokens[index]}` },
          on: {
            connected: () => {
              isOpen = true;
              open += 1;
              settle(true);
            },
            closed: (event) => {
              const code = String((event as { code?: number }).code ?? 'unknown');
              if (isOpen) open -= 1;
              isOpen = false;
              if (!stopping) closes[code] = (closes[code] ?? 0) + 1;
              settle(false);
            },
            error: (error) => {
              noteError(`connection ${index}: ${(error as Error)?.message ?? String(error)}`);
              settle(false);
            },
          },
        });
        clients.push(client);
        client.subscribe(
          { query: job.query, variables: job.variables },
          {
            next: (result) => {
              const at = now();
              if (result.errors?.length) noteError(`subscriber ${index}: ${JSON.stringify(result.errors).slice(0, 400)}`);
              everReceived[index] = 1;
              if (Number.isNaN(firstReceipt[index])) firstReceipt[index] = at;
              else extra += 1;
              const envelope = (result.data as Record<string, { sequence?: string }> | null | undefined)?.[job.rootField];
              if (envelope?.sequence !== undefined) sequences.add(String(envelope.sequence));
            },
            error: (error) => {
              if (!stopping) noteError(`subscriber ${index}: ${JSON.stringify(error).slice(0, 400)}`);
            },
            complete: () => undefined,
          },
        );
      }
    };
    launch();
  });
  send({ type: 'opened', connected, failed, seconds: (now() - started) / 1000, tokenSeconds, ...(firstError ? { firstError } : {}) });
}

process.on('message', (message: ParentMessage) => {
  switch (message.type) {
    case 'start':
      start(message.job).catch((error: unknown) => send({ type: 'fatal', message: (error as Error).stack ?? String(error) }));
      return;
    case 'arm':
      bucket = message.round;
      firstReceipt.fill(Number.NaN);
      extra = 0;
      errors = 0;
      sequences.clear();
      armedCpu = process.cpuUsage();
      send({ type: 'armed', round: bucket });
      return;
    case 'status': {
      let received = 0;
      let ever = 0;
      for (const receipt of firstReceipt) if (!Number.isNaN(receipt)) received += 1;
      for (const flag of everReceived) ever += flag;
      send({ type: 'status', received, everReceived: ever, open, closes: { ...closes } });
      return;
    }
    case 'collect': {
      const cpu = process.cpuUsage(armedCpu);
      const receipts = [...firstReceipt].filter((t) => !Number.isNaN(t));
      send({ type: 'collected', round: bucket, receipts, extra, sequences: [...sequences], errors, cpuMs: (cpu.user + cpu.system) / 1000 });
      return;
    }
    case 'stop': {
      stopping = true;
      void Promise.allSettled(clients.map((c) => c.dispose())).then(() => {
        send({
          type: 'stopped',
          closes: { ...closes },
          errors: totalErrors,
          maxRssBytes: process.resourceUsage().maxRSS * 1024,
          ...(firstError ? { firstError } : {}),
        });
        setTimeout(() => process.exit(0), 100);
      });
      return;
    }
  }
});

process.on('disconnect', () => process.exit(0));

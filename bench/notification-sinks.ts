/**
 * The notifications benchmark's receivers, in a process of their own so they never take the engine's event loop: an
 * SMTP sink (smtp-server on loopback, keeping each message's Message-ID and arrival time, one ticket per Message-ID)
 * and a signed-webhook receiver (the e2e tests' one: verifies each Standard Webhooks signature, one ticket per
 * webhook-id). Started with `fork()`; answers IPC messages: `{ kind: 'stats' }` → what arrived since the last stats.
 * A webhook path is `/hooks/<organisation>/<name>`: its secret is the development secret of that organisation's
 * notification webhook endpoint for the URL (notification-preferences.ts `webhookEndpointId`).
 */
import 'reflect-metadata';
import { SMTPServer } from 'smtp-server';
import { devWebhookSecret } from '../adapters/webhook/bridge';
import { webhookEndpointId } from '../subgraphs/delivery/notification-preferences';
import { startWebhookReceiver } from '../test/e2e/support/webhook-receiver';

export interface Arrival {
  /** The Message-ID (email) or webhook-id (webhook): both carry the delivery id. */
  key: string;
  channel: 'email' | 'webhook';
  ok: boolean;
  /** Wall clock with sub-millisecond resolution, comparable with the engine process's. */
  at: number;
}

const now = (): number => performance.timeOrigin + performance.now();
const MESSAGE_ID = /^message-id:\s*(<[^>\r\n]+>)/im;

async function main(): Promise<void> {
  let arrivals: Arrival[] = [];
  const tickets = new Set<string>();
  const smtp = new SMTPServer({
    authOptional: true,
    disabledCommands: ['AUTH', 'STARTTLS'],
    logger: false,
    disableReverseLookup: true,
    closeTimeout: 200,
    maxClients: 1000,
    onData(stream, _session, callback) {
      const chunks: Buffer[] = [];
      stream.on('data', (chunk: Buffer) => chunks.push(chunk));
      stream.on('end', () => {
        const raw = Buffer.concat(chunks).toString('utf8');
        const headers = raw.slice(0, raw.indexOf('\r\n\r\n') >>> 0);
        const key = MESSAGE_ID.exec(headers)?.[1] ?? '';
        arrivals.push({ key, channel: 'email', ok: key !== '', at: now() });
        if (key) tickets.add(key);
        callback(null, 'Queued');
      });
    },
  });
  await new Promise<void>((resolve) => smtp.listen(0, '127.0.0.1', resolve));
  const smtpPort = (smtp.server.address() as { port: number }).port;

  const hooks = await startWebhookReceiver({
    secretFor: (path) => devWebhookSecret(webhookEndpointId(path.split('/')[2] ?? '', hooks.url(path))),
  });
  hooks.onRequest = (request) => {
    arrivals.push({ key: request.webhookId, channel: 'webhook', ok: request.verified && request.answer === 200, at: request.receivedAt });
    if (request.newTicket) tickets.add(request.webhookId);
  };

  let peakRss = 0;
  const sampler = setInterval(() => (peakRss = Math.max(peakRss, process.memoryUsage().rss)), 100);
  process.on('message', (message: { kind: string }) => {
    if (message.kind === 'stats') {
      hooks.requests.length = 0;
      process.send!({ kind: 'stats', arrivals, tickets: tickets.size, peakRss });
      arrivals = [];
    }
    if (message.kind === 'stop') {
      clearInterval(sampler);
      void Promise.all([hooks.close(), new Promise<void>((resolve) => smtp.close(() => resolve()))]).then(() => process.exit(0));
    }
  });
  process.send!({ kind: 'ready', smtpPort, webhookBase: hooks.url('/hooks') });
}

void main();

/**
 * The delivery benchmark's receiver, in a process of its own so it never takes the engine's event loop: a desk's
 * webhook endpoint that verifies each Standard Webhooks signature and dedupes on webhook-id (the same receiver the
 * e2e tests use). Started with `fork()`; answers IPC messages: `{ kind: 'stats' }` → what it received.
 */
import { devWebhookSecret } from '../adapters/webhook/bridge';
import { startWebhookReceiver } from '../test/e2e/support/webhook-receiver';

async function main(): Promise<void> {
  const deskId = process.env.BENCH_DESK ?? '';
  const receiver = await startWebhookReceiver({ secretFor: () => devWebhookSecret(deskId) });
  let peakRss = 0;
  const sampler = setInterval(() => (peakRss = Math.max(peakRss, process.memoryUsage().rss)), 100);
  process.on('message', (message: { kind: string }) => {
    if (message.kind === 'stats') {
      const received = receiver.requests.map((r) => ({
        handoffId: String(r.payload?.data.handoffId ?? ''),
        webhookId: r.webhookId,
        verified: r.verified,
        answer: r.answer,
        // Wall clock with sub-millisecond resolution, comparable with the engine process's.
        at: r.receivedAt,
      }));
      receiver.requests.length = 0;
      process.send!({ kind: 'stats', received, tickets: receiver.tickets.size, peakRss });
    }
    if (message.kind === 'stop') {
      clearInterval(sampler);
      void receiver.close().then(() => process.exit(0));
    }
  });
  process.send!({ kind: 'ready', url: receiver.url('/hooks/bench') });
}

void main();

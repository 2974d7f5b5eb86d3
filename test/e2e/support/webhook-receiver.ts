/**
 * A desk's webhook receiver on loopback, as a party would run one: it verifies every request's Standard Webhooks
 * signature with the `standardwebhooks` library (401 otherwise), keeps one ticket per `webhook-id` (a redelivery is
 * acknowledged, not a second ticket), and answers from a per-path script so tests can make it fail, throttle or hang.
 */
import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { Webhook } from 'standardwebhooks';

/** An answer: an HTTP status (with headers, after a delay), or no answer at all. */
export type ReceiverAnswer = { status: number; headers?: Record<string, string>; delayMs?: number } | 'hang';

export interface ReceivedWebhook {
  path: string;
  webhookId: string;
  headers: IncomingHttpHeaders;
  /** The raw body, exactly as sent. */
  body: string;
  payload: { type: string; timestamp: string; data: Record<string, unknown> } | null;
  verified: boolean;
  /** What the receiver answered ('hang': nothing). */
  answer: number | 'hang';
  /** Whether this request made a new ticket. */
  newTicket: boolean;
  /** Wall-clock milliseconds (sub-millisecond resolution), comparable across processes on one machine. */
  receivedAt: number;
}

export interface WebhookReceiver {
  url(path: string): string;
  /** Answers for the next requests to `path`, in order; once they run out, 200. */
  script(path: string, answers: ReceiverAnswer[]): void;
  requests: ReceivedWebhook[];
  /** Tickets by webhook-id: the first accepted request of each. */
  tickets: Map<string, ReceivedWebhook>;
  /** Called for each request before it is answered. */
  onRequest: ((request: ReceivedWebhook) => void) | null;
  close(): Promise<void>;
}

export async function startWebhookReceiver(options: { secretFor(path: string): string }): Promise<WebhookReceiver> {
  const scripts = new Map<string, ReceiverAnswer[]>();
  const sockets = new Set<Socket>();
  const verifiers = new Map<string, Webhook>();
  const verifier = (path: string): Webhook => {
    let existing = verifiers.get(path);
    if (!existing) {
      existing = new Webhook(options.secretFor(path));
      verifiers.set(path, existing);
    }
    return existing;
  };

  const receiver: WebhookReceiver = {
    url: (path) => `http://127.0.0.1:${port}${path}`,
    script: (path, answers) => scripts.set(path, [...answers]),
    requests: [],
    tickets: new Map(),
    onRequest: null,
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };

  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const path = (req.url ?? '/').split('?', 1)[0] ?? '/';
      const body = Buffer.concat(chunks).toString('utf8');
      let verified = false;
      let payload: ReceivedWebhook['payload'] = null;
      try {
        payload = verifier(path).verify(body, req.headers as Record<string, string>) as ReceivedWebhook['payload'];
        verified = true;
      } catch {
        verified = false;
      }
      const webhookId = String(req.headers['webhook-id'] ?? '');
      const scripted = scripts.get(path)?.shift();
      const answer: ReceiverAnswer = !verified ? { status: 401 } : (scripted ?? { status: 200 });
      const accepted = answer !== 'hang' && answer.status >= 200 && answer.status < 300;
      const newTicket = accepted && !receiver.tickets.has(webhookId);
      const received: ReceivedWebhook = {
        path,
        webhookId,
        headers: req.headers,
        body,
        payload,
        verified,
        answer: answer === 'hang' ? 'hang' : answer.status,
        newTicket,
        receivedAt: performance.timeOrigin + performance.now(),
      };
      receiver.requests.push(received);
      if (newTicket) receiver.tickets.set(webhookId, received);
      receiver.onRequest?.(received);
      if (answer === 'hang') return;
      const respond = (): void => {
        if (res.destroyed) return;
        res.writeHead(answer.status, { 'content-type': 'application/json', ...answer.headers });
        res.end(JSON.stringify({ ok: accepted }));
      };
      if (answer.delayMs) setTimeout(respond, answer.delayMs);
      else respond();
    });
  });
  server.keepAliveTimeout = 30_000;
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return receiver;
}

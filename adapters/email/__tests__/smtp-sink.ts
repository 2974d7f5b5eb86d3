/**
 * A real SMTP server on loopback (smtp-server) standing in for a desk's mail relay: it keeps every byte it received,
 * holds one "ticket" per distinct Message-ID (what a receiver deduping retries does), and answers as the conformance
 * suite tells it — 451 for a transient failure, 450 4.7.0 for a rate limit, 550 5.1.1 for a mailbox that is gone,
 * 554 for a rejection, or nothing at all. `onAccepted` sees each accepted message before the sink answers it, so a
 * test can hold the reply (or kill the sender) once the sink has the message.
 */
import { simpleParser } from 'mailparser';
import { SMTPServer } from 'smtp-server';
import type { ConformancePeer, PeerBehaviour } from '../../conformance';

export interface SunkMessage {
  envelopeFrom: string;
  recipients: string[];
  raw: string;
  messageId: string | undefined;
  subject: string | undefined;
  inReplyTo: string | undefined;
  references: string[];
  text: string;
}

export interface SmtpSink extends ConformancePeer {
  host: string;
  port: number;
  /** Accepted messages, in order (each distinct Message-ID once per acceptance). */
  messages(): SunkMessage[];
  /** SMTP sessions (connections) opened, and still open. */
  sessions(): { opened: number; open: number };
  /** Closes every open session from the server's side (a relay dropping idle connections). */
  dropSessions(): void;
  /** Called with each accepted message (already kept) before the 250 reply; the reply waits for its promise. */
  onAccepted: ((message: SunkMessage) => Promise<void> | void) | null;
  close(): Promise<void>;
}

const smtpError = (code: number, message: string): Error => Object.assign(new Error(message), { responseCode: code });

export async function startSmtpSink(): Promise<SmtpSink> {
  let behaviour: PeerBehaviour = { kind: 'accept' };
  const received: string[] = [];
  const keys: (string | undefined)[] = [];
  const tickets = new Set<string>();
  const accepted: SunkMessage[] = [];
  let opened = 0;

  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['AUTH', 'STARTTLS'],
    logger: false,
    disableReverseLookup: true,
    closeTimeout: 200,
    onConnect(_session, callback) {
      opened += 1;
      callback();
    },
    onRcptTo(address, _session, callback) {
      if (behaviour.kind === 'gone') {
        received.push(`RCPT TO:<${address.address}> refused 550 5.1.1`);
        keys.push(undefined);
        return callback(smtpError(550, '5.1.1 Mailbox does not exist'));
      }
      callback();
    },
    onData(stream, session, callback) {
      const chunks: Buffer[] = [];
      stream.on('data', (chunk: Buffer) => chunks.push(chunk));
      stream.on('end', () => {
        const raw = Buffer.concat(chunks).toString('utf8');
        const envelopeFrom = session.envelope.mailFrom ? session.envelope.mailFrom.address : '';
        const recipients = session.envelope.rcptTo.map((r) => r.address);
        received.push(`MAIL FROM:<${envelopeFrom}>\nRCPT TO:${recipients.map((r) => `<${r}>`).join(',')}\n\n${raw}`);
        void simpleParser(raw).then((parsed) => {
          keys.push(parsed.messageId);
          switch (behaviour.kind) {
            case 'hang':
              return; // never answers; the client's signal must end the attempt
            case 'transient':
              return callback(smtpError(451, '4.3.0 Temporary local problem, try again'));
            case 'rate-limited':
              return callback(smtpError(450, `4.7.0 Too many messages, slow down (retry in ${behaviour.retryAfterSeconds}s)`));
            case 'rejected':
              return callback(smtpError(554, '5.7.1 Message rejected by policy'));
            case 'gone':
            case 'accept': {
              if (parsed.messageId) tickets.add(parsed.messageId);
              const references = parsed.references === undefined ? [] : Array.isArray(parsed.references) ? parsed.references : [parsed.references];
              const message: SunkMessage = {
                envelopeFrom,
                recipients,
                raw,
                messageId: parsed.messageId,
                subject: parsed.subject,
                inReplyTo: parsed.inReplyTo,
                references,
                text: parsed.text ?? '',
              };
              accepted.push(message);
              const held = sink.onAccepted?.(message);
              if (!held) return callback(null, 'Queued');
              return void held.then(() => callback(null, 'Queued'));
            }
          }
        });
      });
    },
  });
  // smtp-server keeps its live connections in `connections` (not in its typings).
  const liveConnections = () => (server as unknown as { connections: Set<{ close(): void }> }).connections;
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.server.address() as { port: number }).port;
  const sink: SmtpSink = {
    host: '127.0.0.1',
    port,
    behave: (next) => {
      behaviour = next;
    },
    tickets: () => tickets.size,
    idempotencyKeys: () => keys,
    received: () => received,
    messages: () => accepted,
    sessions: () => ({ opened, open: liveConnections().size }),
    dropSessions: () => {
      for (const connection of liveConnections()) connection.close();
    },
    onAccepted: null,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
  return sink;
}

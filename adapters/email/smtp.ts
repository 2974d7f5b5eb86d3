/**
 * One message over SMTP with nodemailer's connection and composer, abortable by the delivery's signal (nodemailer's
 * transport cannot be aborted mid-send; its SMTPConnection can be closed), and the SMTP reply classified into a
 * delivery outcome: 4yz (and 503) try again, 5yz is final — and a 5.1.x "no such mailbox" means the desk's mailbox
 * is gone, like HTTP 410.
 */
import MailComposer from 'nodemailer/lib/mail-composer';
import SMTPConnection from 'nodemailer/lib/smtp-connection';
import { maskMpan } from '../../schema/mpan';
import { inSpan, SpanKind } from '../../platform/tracing';
import type { DeliveryOutcome } from '../sdk';
import type { ComposedEmail } from './compose';

export interface SmtpSettings {
  host: string;
  port: number;
  /** TLS from the first byte (port 465); otherwise STARTTLS when the server offers it. */
  secure?: boolean;
  /** Refuse to send unless STARTTLS succeeds (production relays). */
  requireTLS?: boolean;
  /** SMTP AUTH; the password is read from `passEnv` at each attempt, never stored in the configuration. */
  auth?: { user: string; passEnv: string };
  /** Name sent with EHLO. */
  clientName?: string;
  /** Extra options for tls.connect (a private CA, or `rejectUnauthorized: false` for a loopback test relay). */
  tls?: { rejectUnauthorized?: boolean; ca?: string; servername?: string };
  connectionTimeoutMs?: number;
}

/** A composed email (compose.ts) with its envelope. */
export interface OutgoingMail extends ComposedEmail {
  from: string;
  to: string;
  replyTo?: string;
  date?: Date;
}

/** The RFC 5322 message as bytes (what the server, and any test sink, receives after DATA). */
export function buildMessage(mail: OutgoingMail): Promise<Buffer> {
  const composer = new MailComposer({
    from: mail.from,
    to: mail.to,
    ...(mail.replyTo ? { replyTo: mail.replyTo } : {}),
    subject: mail.subject,
    text: mail.text,
    messageId: mail.messageId,
    ...(mail.inReplyTo ? { inReplyTo: mail.inReplyTo } : {}),
    ...(mail.references.length ? { references: mail.references } : {}),
    headers: mail.headers,
    date: mail.date ?? new Date(),
  });
  return composer.compile().build();
}

interface SmtpFailure {
  code?: string;
  responseCode?: number;
  response?: string;
}

/** Enhanced status codes meaning the mailbox does not exist (any more): bad/moved destination mailbox or system. */
const MAILBOX_GONE = /\b5\.1\.(1|2|6|10)\b/;

export function classifySmtpError(error: unknown): DeliveryOutcome {
  const failure = (error ?? {}) as SmtpFailure;
  const reply = maskMpan(
    String(failure.response ?? '')
      .replace(/\s+/g, ' ')
      .slice(0, 200),
  );
  const status = failure.responseCode;
  if (typeof status === 'number' && status >= 400) {
    if (status >= 500 && status !== 503) {
      if (MAILBOX_GONE.test(reply)) return { kind: 'ENDPOINT_GONE', reason: `SMTP ${reply || status}: the desk's mailbox does not exist` };
      return { kind: 'PERMANENT_FAILURE', reason: `SMTP ${reply || status}` };
    }
    return { kind: 'RETRY', reason: `SMTP ${reply || status}` };
  }
  return { kind: 'RETRY', reason: `could not reach the mail relay${failure.code ? ` (${failure.code})` : ''}` };
}

/**
 * Sends one message; resolves with the server's final reply, or rejects with nodemailer's error (which carries
 * `responseCode` / `response` for SMTP replies). Aborting the signal closes the connection at once.
 */
export function sendRaw(
  settings: SmtpSettings,
  password: string | undefined,
  envelope: { from: string; to: string },
  raw: Buffer,
  signal: AbortSignal,
): Promise<string> {
  // A client span of the delivery attempt's trace (nodemailer's socket is not instrumented): the relay, never the mail.
  const attributes = { 'network.protocol.name': 'smtp', 'server.address': settings.host, 'server.port': settings.port };
  return inSpan('smtp send', { kind: SpanKind.CLIENT, attributes }, () => sendOver(settings, password, envelope, raw, signal));
}

function sendOver(
  settings: SmtpSettings,
  password: string | undefined,
  envelope: { from: string; to: string },
  raw: Buffer,
  signal: AbortSignal,
): Promise<string> {
  return new Promise<string>((resolve, reject) => {
    const timeout = settings.connectionTimeoutMs ?? 30_000;
    const connection = new SMTPConnection({
      host: settings.host,
      port: settings.port,
      secure: settings.secure ?? false,
      requireTLS: settings.requireTLS ?? false,
      ...(settings.clientName ? { name: settings.clientName } : {}),
      ...(settings.tls ? { tls: settings.tls } : {}),
      connectionTimeout: timeout,
      greetingTimeout: timeout,
      socketTimeout: timeout * 2,
      socketCloseTimeout: 0,
      logger: false,
      debug: false,
    });
    let settled = false;
    const finish = (error: unknown, reply?: string): void => {
      if (settled) return;
      settled = true;
      signal.removeEventListener('abort', onAbort);
      if (error) {
        connection.close();
        reject(error);
      } else {
        connection.quit();
        resolve(reply ?? '');
      }
    };
    const onAbort = (): void => finish(Object.assign(new Error('aborted'), { code: 'ETIMEDOUT' }));
    if (signal.aborted) return onAbort();
    signal.addEventListener('abort', onAbort, { once: true });
    connection.on('error', (error: unknown) => finish(error));
    connection.connect((connectError) => {
      if (connectError) return finish(connectError);
      const send = (): void =>
        connection.send({ from: envelope.from, to: [envelope.to] }, raw, (sendError, info) => {
          if (sendError) return finish(sendError);
          finish(null, info?.response ?? '');
        });
      if (!settings.auth) return send();
      connection.login({ user: settings.auth.user, pass: password ?? '' }, (loginError) => (loginError ? finish(loginError) : send()));
    });
  });
}

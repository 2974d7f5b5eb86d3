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

/** How a pool keeps its connections (defaults in brackets). */
export interface SmtpPoolOptions {
  /** Connections kept open between messages [8]; more open while more messages are in flight. */
  maxIdle?: number;
  /** Messages over one connection before it is closed and another opened [100]. */
  maxMessages?: number;
  /** How long an unused connection stays open [5 s]: a burst reuses connections, a quiet engine holds none. */
  idleMs?: number;
}

interface PooledConnection {
  connection: SMTPConnection;
  messages: number;
  /** Closed by either side, or failed: never used again. */
  dead: boolean;
  idleTimer: NodeJS.Timeout | null;
}

const isSmtpReply = (error: unknown): boolean => typeof (error as SmtpFailure | null)?.responseCode === 'number';

/**
 * SMTP connections kept open and reused across messages (one TCP and TLS handshake, greeting and login per
 * connection instead of per email: what bounded bench:notifications). A message goes over an idle connection when
 * there is one; a reused connection the relay dropped meanwhile fails before the message is accepted, and the message
 * is sent once more over a new connection (the Message-ID is the same, so a receiver that dedupes keeps one). A
 * connection that saw an error, an abort or its `maxMessages` is closed, never reused.
 */
export class SmtpPool {
  private readonly idle: PooledConnection[] = [];
  private readonly all = new Set<PooledConnection>();
  private closed = false;
  private readonly maxIdle: number;
  private readonly maxMessages: number;
  private readonly idleMs: number;

  constructor(
    private readonly settings: SmtpSettings,
    options: SmtpPoolOptions = {},
  ) {
    this.maxIdle = options.maxIdle ?? 8;
    this.maxMessages = options.maxMessages ?? 100;
    this.idleMs = options.idleMs ?? 5_000;
  }

  /** Open connections (in use and idle). */
  get size(): number {
    return this.all.size;
  }

  /**
   * Sends one message; resolves with the server's final reply, or rejects with nodemailer's error (which carries
   * `responseCode` / `response` for SMTP replies). Aborting the signal closes the connection at once.
   */
  send(password: string | undefined, envelope: { from: string; to: string }, raw: Buffer, signal: AbortSignal): Promise<string> {
    // A client span of the delivery attempt's trace (nodemailer's socket is not instrumented): the relay, never the mail.
    const attributes = { 'network.protocol.name': 'smtp', 'server.address': this.settings.host, 'server.port': this.settings.port };
    return inSpan('smtp send', { kind: SpanKind.CLIENT, attributes }, () => this.sendPooled(password, envelope, raw, signal));
  }

  private async sendPooled(password: string | undefined, envelope: { from: string; to: string }, raw: Buffer, signal: AbortSignal): Promise<string> {
    // Closing lets go of what is open; a later send (workers started again) opens what it needs.
    this.closed = false;
    const reused = this.take();
    if (reused) {
      try {
        return await this.sendOver(reused, envelope, raw, signal);
      } catch (error) {
        // A reply is the relay's answer to this message; anything else on a reused connection is a stale socket.
        if (isSmtpReply(error) || signal.aborted) throw error;
      }
    }
    const fresh = await this.open(password, signal);
    return this.sendOver(fresh, envelope, raw, signal);
  }

  /** Closes every connection: idle ones at once, one in use when its message is done or aborted. */
  async close(): Promise<void> {
    this.closed = true;
    for (const pooled of [...this.all]) if (this.idle.includes(pooled)) this.discard(pooled, true);
    this.idle.length = 0;
  }

  private take(): PooledConnection | null {
    for (let pooled = this.idle.pop(); pooled; pooled = this.idle.pop()) {
      if (pooled.idleTimer) clearTimeout(pooled.idleTimer);
      pooled.idleTimer = null;
      if (!pooled.dead) return pooled;
    }
    return null;
  }

  private release(pooled: PooledConnection): void {
    if (pooled.dead) return;
    if (this.closed || pooled.messages >= this.maxMessages || this.idle.length >= this.maxIdle) {
      this.discard(pooled, true);
      return;
    }
    pooled.idleTimer = setTimeout(() => {
      const at = this.idle.indexOf(pooled);
      if (at >= 0) this.idle.splice(at, 1);
      this.discard(pooled, true);
    }, this.idleMs);
    pooled.idleTimer.unref();
    this.idle.push(pooled);
  }

  private discard(pooled: PooledConnection, polite: boolean): void {
    if (pooled.idleTimer) clearTimeout(pooled.idleTimer);
    pooled.idleTimer = null;
    this.all.delete(pooled);
    if (pooled.dead) return;
    pooled.dead = true;
    if (polite) pooled.connection.quit();
    else pooled.connection.close();
  }

  private open(password: string | undefined, signal: AbortSignal): Promise<PooledConnection> {
    const { settings } = this;
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
    const pooled: PooledConnection = { connection, messages: 0, dead: false, idleTimer: null };
    this.all.add(pooled);
    // Closed by the relay (or failed) while idle or in use: forgotten, never handed out again.
    const gone = () => {
      if (!pooled.dead) {
        pooled.dead = true;
        if (pooled.idleTimer) clearTimeout(pooled.idleTimer);
        this.all.delete(pooled);
      }
    };
    connection.on('end', gone);
    return new Promise<PooledConnection>((resolve, reject) => {
      let settled = false;
      const fail = (error: unknown) => {
        if (settled) return;
        settled = true;
        signal.removeEventListener('abort', onAbort);
        this.discard(pooled, false);
        reject(error);
      };
      const onAbort = () => fail(Object.assign(new Error('aborted'), { code: 'ETIMEDOUT' }));
      if (signal.aborted) return onAbort();
      signal.addEventListener('abort', onAbort, { once: true });
      connection.on('error', (error: unknown) => {
        gone();
        fail(error);
      });
      connection.connect((connectError) => {
        if (connectError) return fail(connectError);
        const ready = () => {
          if (settled) return;
          settled = true;
          signal.removeEventListener('abort', onAbort);
          resolve(pooled);
        };
        if (!settings.auth) return ready();
        connection.login({ user: settings.auth.user, pass: password ?? '' }, (loginError) => (loginError ? fail(loginError) : ready()));
      });
    });
  }

  private sendOver(pooled: PooledConnection, envelope: { from: string; to: string }, raw: Buffer, signal: AbortSignal): Promise<string> {
    return new Promise<string>((resolve, reject) => {
      let settled = false;
      const finish = (error: unknown, reply?: string) => {
        if (settled) return;
        settled = true;
        signal.removeEventListener('abort', onAbort);
        pooled.connection.off('error', onError);
        if (error) {
          this.discard(pooled, false);
          reject(error);
          return;
        }
        pooled.messages += 1;
        this.release(pooled);
        resolve(reply ?? '');
      };
      const onAbort = () => finish(Object.assign(new Error('aborted'), { code: 'ETIMEDOUT' }));
      const onError = (error: unknown) => finish(error);
      if (signal.aborted) return onAbort();
      if (pooled.dead) return finish(Object.assign(new Error('the connection was closed'), { code: 'ECONNECTION' }));
      signal.addEventListener('abort', onAbort, { once: true });
      pooled.connection.on('error', onError);
      pooled.connection.send({ from: envelope.from, to: [envelope.to] }, raw, (sendError, info) => {
        if (sendError) return finish(sendError);
        finish(null, info?.response ?? '');
      });
    });
  }
}

/**
 * The email bridge (SHARED_MAILBOX desks, and the MI comms list): SMTP out with nodemailer, SMTP in with smtp-server.
 * Outbound mail carries the case reference, what changed and a portal link — never evidence (OM §10.5.5) — with a
 * Message-ID derived from the delivery (stable across retries) and In-Reply-To / References on the case's thread
 * root, so every email about a case threads in the desk's mailbox and a reply finds its case again.
 */
import { mkdir, rename, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { ContactMethodKind } from '../../schema/enums';
import type { Bridge, CpsdApi, DeliveryOutcome, InboundContext, OutboundDelivery, RunningInbound } from '../sdk';
import { composeEmail } from './compose';
import { startEmailReceiver, type EmailInboundOptions } from './receiver';
import { buildMessage, classifySmtpError, SmtpPool, type SmtpPoolOptions, type SmtpSettings } from './smtp';

export interface EmailBridgeOptions {
  smtp: SmtpSettings;
  /** The From of every CPSD email, e.g. `CPSD <cpsd@cpsd.example>`; its address is also the envelope sender. */
  from: string;
  /** Where desks reply (the inbound receiver's address). Defaults to the From address. */
  replyTo?: string;
  /** Right-hand side of our Message-IDs; defaults to the From address's domain. */
  messageIdDomain?: string;
  /** Portal base URL for links when a delivery carries none. */
  portalBaseUrl?: string | null;
  /** Where `smtp.auth.passEnv` is read (process.env in production), at each attempt. */
  env?: Record<string, string | undefined>;
  /** The SMTP receiver for replies; without it the bridge is outbound only. */
  inbound?: EmailInboundOptions;
  /** How outbound SMTP connections are kept and reused (smtp.ts SmtpPool). */
  pool?: SmtpPoolOptions;
  /** Development without a relay: write each message as `<dropDir>/<delivery id>.eml` instead of sending it. */
  dropDir?: string;
}

const ADDRESS = /^[^\s@<>()",;:]+@[^\s@<>()",;:]+\.[^\s@<>()",;:]+$|^[^\s@<>()",;:]+@(localhost|\[[0-9.]+\])$/i;

/** The bare address of `Name <a@b>` or `a@b`. */
export function addressOf(mailbox: string): string {
  const match = /<([^<>]+)>\s*$/.exec(mailbox);
  return (match?.[1] ?? mailbox).trim();
}

export class EmailBridge implements Bridge {
  readonly kind = ContactMethodKind.SHARED_MAILBOX;
  private readonly messageIdDomain: string;
  private readonly pool: SmtpPool;

  constructor(private readonly options: EmailBridgeOptions) {
    this.pool = new SmtpPool(options.smtp, options.pool);
    const fromAddress = addressOf(options.from);
    if (!ADDRESS.test(fromAddress)) throw new Error(`email bridge: the From address ${fromAddress} is not an email address`);
    this.messageIdDomain = options.messageIdDomain ?? fromAddress.slice(fromAddress.indexOf('@') + 1);
  }

  async deliver(delivery: OutboundDelivery, signal: AbortSignal): Promise<DeliveryOutcome> {
    const to = delivery.target.contactMethod.address.trim();
    if (!ADDRESS.test(to)) return { kind: 'PERMANENT_FAILURE', reason: 'the desk has no valid mailbox address' };
    const passEnv = this.options.smtp.auth?.passEnv;
    const password = passEnv ? (this.options.env ?? process.env)[passEnv] : undefined;
    if (passEnv && !password) return { kind: 'PERMANENT_FAILURE', reason: `no SMTP password: set ${passEnv}` };

    const email = composeEmail(delivery, { messageIdDomain: this.messageIdDomain, portalBaseUrl: this.options.portalBaseUrl ?? null });
    let raw: Buffer;
    try {
      raw = await buildMessage({
        from: this.options.from,
        to,
        replyTo: this.options.replyTo ?? this.options.from,
        subject: email.subject,
        text: email.text,
        messageId: email.messageId,
        inReplyTo: email.inReplyTo,
        references: email.references,
        headers: email.headers,
      });
    } catch (error) {
      return { kind: 'PERMANENT_FAILURE', reason: `the message could not be composed (${(error as Error).name})` };
    }
    if (this.options.dropDir) return this.drop(delivery.deliveryId, raw, email.messageId);
    try {
      const reply = await this.pool.send(password, { from: addressOf(this.options.from), to }, raw, signal);
      return { kind: 'DELIVERED', externalReference: email.messageId, detail: `SMTP ${reply.slice(0, 120)}` };
    } catch (error) {
      if (signal.aborted) return { kind: 'RETRY', reason: 'the mail relay did not answer in time' };
      return classifySmtpError(error);
    }
  }

  /** Writes the message where a developer can open it; the same delivery writes the same file (once, however retried). */
  private async drop(deliveryId: string, raw: Buffer, messageId: string): Promise<DeliveryOutcome> {
    const dir = this.options.dropDir as string;
    const file = path.join(dir, `${deliveryId.replace(/[^A-Za-z0-9-]/g, '_')}.eml`);
    try {
      await mkdir(dir, { recursive: true });
      await writeFile(`${file}.tmp`, raw);
      await rename(`${file}.tmp`, file);
      return { kind: 'DELIVERED', externalReference: messageId, detail: 'written to the development mail folder (no SMTP_HOST)' };
    } catch (error) {
      return { kind: 'RETRY', reason: `the development mail folder could not be written (${(error as NodeJS.ErrnoException).code ?? 'error'})` };
    }
  }

  /** Closes the outbound SMTP connections kept open (the engine calls it when its workers stop). */
  close(): Promise<void> {
    return this.pool.close();
  }

  /** Whether a reply receiver is configured (`EMAIL_INBOUND_PORT`). */
  get hasInbound(): boolean {
    return this.options.inbound !== undefined;
  }

  /** Starts the SMTP receiver for replies (when configured). */
  async startInbound(context: InboundContext): Promise<RunningInbound> {
    if (!this.options.inbound) return { stop: async () => undefined };
    return this.startReceiver(context.api);
  }

  /** The receiver with its bound port (tests and the CLI print it). */
  startReceiver(api: CpsdApi): ReturnType<typeof startEmailReceiver> {
    if (!this.options.inbound) throw new Error('email bridge: no inbound receiver configured');
    return startEmailReceiver(this.options.inbound, {
      api,
      messageIdDomain: this.messageIdDomain,
      ownAddresses: [addressOf(this.options.from), ...(this.options.replyTo ? [addressOf(this.options.replyTo)] : [])],
    });
  }
}

export function emailBridge(options: EmailBridgeOptions): EmailBridge {
  return new EmailBridge(options);
}

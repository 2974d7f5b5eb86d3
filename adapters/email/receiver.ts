/**
 * Inbound email: an SMTP receiver (smtp-server) that takes replies from desks' shared mailboxes and turns each into a
 * customer-visible comment on its case through the public API, as a desk agent of the desk that wrote.
 *
 * What an email may do, and no more (OM §10.3, CA §6): add a comment. It never changes a case's or a hand-off's state
 * — not even a reply to a resolved or closed case reopens it: reopening is the raiser's (or the case desk's) decision
 * with a reason, and inbound mail comes from the desks a case was handed to, which may not reopen. Such a reply is
 * still recorded as a comment (the case's desk and raiser see it and can reopen or raise a follow-on case).
 *
 * Refused with a 5yz reply (the sending server bounces it to the sender, so a person learns why):
 * - a MAIL FROM that is no desk's nominated sender (550 5.7.1, before any data is read);
 * - a header From that, together with the envelope sender, is not nominated for one desk (550 5.7.1);
 * - no case reference in the thread headers or subject, or a case the sender's desk may not write to — the same
 *   answer whether or not the case exists (550 5.7.1 / 550 5.6.0);
 * - no new text above the quoted history (550 5.6.0).
 * A failure of the API itself is 451 4.3.0: the sending server retries later. Auto-replies are accepted and dropped.
 * Message bodies, subjects and addresses are never logged.
 *
 * Abuse limits: a message over `maxMessageBytes` is refused (552 5.3.4) without being parsed — bytes past the limit
 * are drained, never buffered; at most `maxRecipients` RCPT TO per message (452 4.5.3); at most `maxClients`
 * connections, `maxConnectionsPerAddress` of them from one address (421 4.7.0); an idle connection is closed after
 * `socketTimeoutMs` (421).
 */
import { createHash } from 'node:crypto';
import { PassThrough } from 'node:stream';
import { SMTPServer, type SMTPServerDataStream, type SMTPServerSession } from 'smtp-server';
import { simpleParser, type AddressObject, type ParsedMail } from 'mailparser';
import { ERROR_CONTRACT } from '../../schema/errors';
import { logger } from '../../platform/logger';
import { apiErrorCode, deskServiceIdentity } from '../gateway-api';
import type { CpsdApi, RunningInbound } from '../sdk';
import { extractReplyText, isAutomatic } from './reply';
import { DirectorySenders, type NominatedSenders, normaliseAddress, type MailboxDesk } from './senders';
import { findCaseReference } from './thread';

export interface EmailInboundOptions {
  /** Interface to listen on (default 127.0.0.1). */
  host?: string;
  /** 0 picks a free port (tests). */
  port: number;
  /** The addresses replies are sent to (our Reply-To); mail for anything else is refused. */
  addresses: string[];
  /**
   * Where the nominated senders come from (see senders.ts): the directory through the API, read at start and every
   * `refreshMs` (default 60 s) — or, in tests of the receiver alone, a fixed list.
   */
  senders: { fromApi: true; refreshMs?: number } | { desks: readonly MailboxDesk[] };
  /** Largest message accepted (default 5 MB). */
  maxMessageBytes?: number;
  /** RCPT TO per message (default 5: a reply goes to one address). */
  maxRecipients?: number;
  /** Concurrent connections in all (default 100) and from one remote address (default 10). */
  maxClients?: number;
  maxConnectionsPerAddress?: number;
  /** An idle connection is closed after this long (default 60 s). */
  socketTimeoutMs?: number;
  /** STARTTLS: PEM key and certificate. Without them the receiver speaks plain SMTP (behind a relay that does TLS). */
  tls?: { key: string | Buffer; cert: string | Buffer };
  /** Name in the greeting. */
  serverName?: string;
}

export interface InboundVerdict {
  /** The SMTP reply code sent for the DATA command. */
  code: number;
  message: string;
  caseReference?: string;
  deskId?: string;
}

interface ReplyCase {
  id: string;
  reference: string;
  state: string;
  desk: { id: string };
  handoffs: { id: string; state: string; toDesk: { id: string } }[];
}

const CASE_FOR_REPLY = `query CaseForEmailReply($reference: String!) {
  caseByReference(reference: $reference) { id reference state desk { id } handoffs { id state toDesk { id } } }
}`;

const ADD_COMMENT = `mutation EmailReplyComment($input: AddCommentInput!) { addComment(input: $input) { id } }`;

const refuse = (code: number, message: string, extra: Partial<InboundVerdict> = {}): InboundVerdict => ({ code, message, ...extra });

function firstAddress(value: AddressObject | AddressObject[] | undefined): string | null {
  const objects = Array.isArray(value) ? value : value ? [value] : [];
  for (const object of objects) for (const entry of object.value) if (entry.address) return entry.address;
  return null;
}

function headerLookup(parsed: ParsedMail) {
  return (name: string): string | undefined => {
    const value = parsed.headers.get(name.toLowerCase());
    if (value === undefined || value === null) return undefined;
    if (typeof value === 'string') return value;
    if (Array.isArray(value)) return value.map(String).join(', ');
    if (value instanceof Date) return value.toISOString();
    return 'value' in value && typeof value.value === 'string' ? value.value : String(value);
  };
}

export interface InboundDependencies {
  api: CpsdApi;
  senders: NominatedSenders;
  messageIdDomain: string;
  /** Our own sending addresses: mail from them is a loop and is dropped. */
  ownAddresses: readonly string[];
}

/** Decides what to do with one parsed message (exported for tests; the SMTP server calls it for every DATA). */
export async function handleInboundMail(parsed: ParsedMail, envelopeFrom: string, deps: InboundDependencies): Promise<InboundVerdict> {
  const from = firstAddress(parsed.from);
  if (!from) return refuse(550, '5.7.1 The message has no From address');
  if (deps.ownAddresses.map(normaliseAddress).includes(normaliseAddress(from))) return refuse(250, '2.6.0 Own message ignored');
  const desks = deps.senders.desksForBoth(from, envelopeFrom);
  if (!desks.length) return refuse(550, '5.7.1 The sender is not a nominated mailbox of a CPSD desk');
  if (isAutomatic(headerLookup(parsed), parsed.subject)) return refuse(250, '2.6.0 Automatic reply accepted and not recorded');

  const found = findCaseReference(
    { subject: parsed.subject ?? null, inReplyTo: parsed.inReplyTo ?? null, references: parsed.references ?? null },
    deps.messageIdDomain,
  );
  if (!found) return refuse(550, '5.6.0 No CPSD case reference found: reply to a CPSD email, keeping [CPSD-…] in the subject');
  const reference = found.reference;

  // The desk that wrote: one of the sender's desks whose agents work this case (its own desk or a hand-off to it).
  let target: { desk: MailboxDesk; c: ReplyCase } | null = null;
  try {
    for (const desk of desks) {
      const { caseByReference: c } = await deps.api.request<{ caseByReference: ReplyCase | null }>(
        CASE_FOR_REPLY,
        { reference },
        deskServiceIdentity('email', desk.deskId, desk.organisationId),
      );
      if (c && (c.desk.id === desk.deskId || c.handoffs.some((h) => h.toDesk.id === desk.deskId))) {
        target = { desk, c };
        break;
      }
    }
  } catch (error) {
    logger.warn({ reference, code: apiErrorCode(error) }, 'email bridge: case look-up failed');
    return refuse(451, '4.3.0 The CPSD is not available just now; please try again later');
  }
  // Indistinguishable from a case that does not exist, as in the API.
  if (!target) return refuse(550, `5.7.1 No case ${reference} that this mailbox may write to`, { caseReference: reference });

  const reply = extractReplyText(parsed.text ?? '');
  if (!reply) return refuse(550, '5.6.0 No reply text found above the quoted message', { caseReference: reference });
  const attachments = parsed.attachments.length ? ' Attachments were not imported: please add evidence in the CPSD portal.' : '';
  const body = `Reply by email from ${from}.${attachments}\n\n${reply}`;
  // One comment per message however often the sending server retries: the Message-ID (or the content) is the key.
  const key = `email:${createHash('sha256')
    .update(parsed.messageId ?? `${from}\n${parsed.subject ?? ''}\n${reply}`)
    .digest('hex')
    .slice(0, 48)}`;
  try {
    await deps.api.request(
      ADD_COMMENT,
      { input: { caseId: target.c.id, body, visibility: 'CUSTOMER_VISIBLE', idempotencyKey: key } },
      deskServiceIdentity('email', target.desk.deskId, target.desk.organisationId),
    );
  } catch (error) {
    const code = apiErrorCode(error);
    logger.warn({ reference, deskId: target.desk.deskId, code }, 'email bridge: comment refused');
    if (code === ERROR_CONTRACT.BAD_USER_INPUT.graphql)
      return refuse(550, '5.6.0 The reply could not be recorded as a comment (too long or empty)', { caseReference: reference });
    if (code === ERROR_CONTRACT.FORBIDDEN.graphql || code === ERROR_CONTRACT.NOT_FOUND.graphql)
      return refuse(550, `5.7.1 No case ${reference} that this mailbox may write to`, { caseReference: reference });
    return refuse(451, '4.3.0 The CPSD is not available just now; please try again later', { caseReference: reference });
  }
  const closedNote = ['RESOLVED', 'CLOSED', 'CANCELLED'].includes(target.c.state) ? ` (the case is ${target.c.state}: a comment does not reopen it)` : '';
  logger.info({ reference, deskId: target.desk.deskId, matchedBy: found.from, state: target.c.state }, 'email bridge: reply recorded as a comment');
  return { code: 250, message: `2.0.0 Recorded on ${reference}${closedNote}`, caseReference: reference, deskId: target.desk.deskId };
}

function smtpError(code: number, message: string): Error {
  return Object.assign(new Error(message), { responseCode: code });
}

/** Starts the SMTP receiver. `address` is where it listens (port resolved when 0 was asked). */
export async function startEmailReceiver(
  options: EmailInboundOptions,
  deps: Omit<InboundDependencies, 'senders'>,
): Promise<RunningInbound & { port: number; host: string }> {
  const directory = new DirectorySenders('desks' in options.senders ? options.senders.desks : []);
  if ('fromApi' in options.senders) await directory.follow(deps.api, options.senders.refreshMs ?? 60_000);
  const accepted = new Set(options.addresses.map(normaliseAddress));
  const maxBytes = options.maxMessageBytes ?? 5 * 1024 * 1024;
  const maxRecipients = options.maxRecipients ?? 5;
  const maxPerAddress = options.maxConnectionsPerAddress ?? 10;
  const perAddress = new Map<string, number>();
  const counted = new Set<string>();
  /** RCPT TO commands of each session's current message (smtp-server folds repeats of one address into one). */
  const recipients = new Map<string, number>();
  const server = new SMTPServer({
    name: options.serverName ?? 'cpsd-email-bridge',
    banner: 'CPSD email bridge',
    size: maxBytes,
    authOptional: true,
    disabledCommands: options.tls ? ['AUTH'] : ['AUTH', 'STARTTLS'],
    ...(options.tls ? { key: options.tls.key, cert: options.tls.cert } : {}),
    logger: false,
    disableReverseLookup: true,
    maxClients: options.maxClients ?? 100,
    socketTimeout: options.socketTimeoutMs ?? 60_000,
    closeTimeout: 10_000,
    onConnect(session, callback) {
      const address = session.remoteAddress;
      const open = perAddress.get(address) ?? 0;
      if (open >= maxPerAddress) return callback(smtpError(421, '4.7.0 Too many connections from your address; try again later'));
      perAddress.set(address, open + 1);
      counted.add(session.id);
      callback();
    },
    onClose(session) {
      recipients.delete(session.id);
      if (!counted.delete(session.id)) return;
      const open = (perAddress.get(session.remoteAddress) ?? 1) - 1;
      if (open > 0) perAddress.set(session.remoteAddress, open);
      else perAddress.delete(session.remoteAddress);
    },
    onMailFrom(address, session, callback) {
      recipients.set(session.id, 0);
      // Refused before any data is read: only desks' nominated mailboxes write in.
      if (!directory.current.isNominated(address.address)) return callback(smtpError(550, '5.7.1 The sender is not a nominated mailbox of a CPSD desk'));
      callback();
    },
    onRcptTo(address, session, callback) {
      const count = (recipients.get(session.id) ?? 0) + 1;
      recipients.set(session.id, count);
      if (count > maxRecipients) return callback(smtpError(452, '4.5.3 Too many recipients'));
      if (!accepted.has(normaliseAddress(address.address))) return callback(smtpError(550, '5.1.1 No such CPSD mailbox'));
      callback();
    },
    onData(stream: SMTPServerDataStream, session: SMTPServerSession, callback) {
      const envelopeFrom = session.envelope.mailFrom ? session.envelope.mailFrom.address : '';
      // The parser sees at most maxBytes: past the limit the rest is drained and dropped, never buffered or parsed.
      const limited = new PassThrough();
      let size = 0;
      let tooBig = false;
      stream.on('data', (chunk: Buffer) => {
        if (tooBig) return;
        size += chunk.length;
        if (size > maxBytes) {
          tooBig = true;
          limited.destroy();
          return;
        }
        limited.write(chunk);
      });
      stream.on('end', () => {
        if (tooBig || stream.sizeExceeded) {
          logger.info({ bytes: size }, 'email bridge: message refused as too big');
          return callback(smtpError(552, '5.3.4 Message too big for the CPSD'));
        }
        limited.end();
      });
      simpleParser(limited, { skipImageLinks: true, skipTextToHtml: true })
        .then(async (parsed) => {
          if (tooBig || stream.sizeExceeded) return;
          const verdict = await handleInboundMail(parsed, envelopeFrom, { ...deps, senders: directory.current });
          if (verdict.code >= 400) return callback(smtpError(verdict.code, verdict.message));
          callback(null, verdict.message);
        })
        .catch((error: unknown) => {
          if (tooBig) return; // answered at the end of the stream
          logger.warn({ reason: (error as Error).name }, 'email bridge: unreadable message');
          // Drain whatever is left so the SMTP session can answer.
          stream.resume();
          callback(smtpError(550, '5.6.0 The message could not be read'));
        });
    },
  });
  server.on('error', (error) => logger.warn({ reason: (error as Error).message }, 'email bridge: SMTP receiver error'));
  const host = options.host ?? '127.0.0.1';
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const port = (server.server.address() as { port: number }).port;
  return {
    host,
    port,
    stop: () =>
      new Promise<void>((resolve) => {
        directory.stop();
        server.close(() => resolve());
      }),
  };
}

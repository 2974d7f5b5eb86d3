/**
 * Email threading, pure: the Message-ID of a delivery (stable across retries, so a receiver dedupes), the thread root
 * of a case (derived from its reference, so every email about a case threads without any stored state), and reading
 * a case reference back out of a reply's subject or its In-Reply-To / References headers.
 */
import { createHash } from 'node:crypto';

/** A CPSD case reference as the hub issues it (CPSD-000123). */
const REFERENCE = /^CPSD-\d{6,}$/;
const REFERENCE_IN_TEXT = /\bCPSD-\d{6,}\b/i;
const BRACKETED_REFERENCE = /\[\s*(CPSD-\d{6,})\s*\]/i;

export function isCaseReference(value: unknown): value is string {
  return typeof value === 'string' && REFERENCE.test(value);
}

/** Characters a msg-id's left part may hold here (RFC 5322 dot-atom-text, narrowed to what we generate). */
const SAFE_ID = /^[A-Za-z0-9][A-Za-z0-9._-]{0,120}$/;

function idPart(value: string): string {
  return SAFE_ID.test(value) ? value : createHash('sha256').update(value).digest('hex').slice(0, 40);
}

/** The thread root every email about a case refers to: `<CPSD-000123@domain>`. Never sent as a Message-ID itself. */
export function caseThreadId(reference: string, domain: string): string {
  return `<${reference}@${domain}>`;
}

/**
 * The Message-ID of one delivery: `<CPSD-000123.<delivery key>@domain>`. The same for every attempt of the delivery
 * (receivers dedupe on it), and it names the case, so a reply's In-Reply-To alone finds the case again.
 */
export function deliveryMessageId(idempotencyKey: string, reference: string | null, domain: string): string {
  const key = idPart(idempotencyKey);
  return `<${isCaseReference(reference) ? `${reference}.` : ''}${key}@${domain}>`;
}

/** Message ids of a header value (`<a@b> <c@d>`), in order. */
export function messageIds(value: string | string[] | undefined | null): string[] {
  const text = Array.isArray(value) ? value.join(' ') : (value ?? '');
  return [...text.matchAll(/<([^<>\s]+@[^<>\s]+)>/g)].map((m) => `<${m[1]}>`);
}

export interface ReplyHeaders {
  subject?: string | null;
  inReplyTo?: string | string[] | null;
  references?: string | string[] | null;
}

export interface FoundReference {
  reference: string;
  /** Where it was found: our own message ids are the stronger evidence. */
  from: 'thread' | 'subject';
}

/**
 * The case a reply is about. Our own message ids (in In-Reply-To, then References, newest first) win over the
 * subject: a subject is easily edited, a thread header is kept by mail clients. Message ids of other domains are
 * ignored — only ids we minted name a case.
 */
export function findCaseReference(headers: ReplyHeaders, domain: string): FoundReference | null {
  const ours = new RegExp(`^<(CPSD-\\d{6,})(?:\\.[^@>]+)?@${domain.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}>$`, 'i');
  const ids = [...messageIds(headers.inReplyTo ?? null), ...messageIds(headers.references ?? null).reverse()];
  for (const id of ids) {
    const match = ours.exec(id);
    if (match?.[1]) return { reference: match[1].toUpperCase(), from: 'thread' };
  }
  const subject = headers.subject ?? '';
  const match = BRACKETED_REFERENCE.exec(subject) ?? REFERENCE_IN_TEXT.exec(subject);
  if (!match) return null;
  return { reference: (match[1] ?? match[0]).toUpperCase(), from: 'subject' };
}

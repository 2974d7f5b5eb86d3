/**
 * The new text of an emailed reply, pure: quoted history, the "On … wrote:" and Outlook header blocks, signatures and
 * mobile footers are cut, so the case gets what the sender wrote now — not our own email quoted back. Also tells an
 * auto-reply (RFC 3834, out-of-office) from a person's reply.
 */

/** Lines that start the quoted history: everything from here down is old. */
const HISTORY_STARTS: RegExp[] = [
  /^-{2,}\s*(original message|forwarded message|ursprüngliche nachricht|message d'origine)\s*-{2,}\s*$/i,
  /^_{10,}\s*$/, // Outlook's separator line
  /^on\s.{1,300}\swrote:\s*$/i,
  /^le\s.{1,300}\sa écrit\s*:\s*$/i,
  /^am\s.{1,300}\sschrieb\s.{0,200}:\s*$/i,
];

/** An Outlook header block (From: … then Sent:/Date: … then To:/Subject:) also starts the history. */
const OUTLOOK_FROM = /^\*?from:\*?\s.+$/i;
const OUTLOOK_NEXT = /^\*?(sent|date|to|cc|subject):\*?\s/i;

/** Signature delimiters and footers: everything from here down is not the message. */
const SIGNATURE_STARTS: RegExp[] = [/^--\s?$/, /^sent from my \w+/i, /^get outlook for \w+/i, /^sent from (outlook|mail) for \w+/i];

export const MAX_REPLY_CHARS = 8_000;

export function extractReplyText(body: string | null | undefined): string {
  const lines = (body ?? '').replace(/\r\n?/g, '\n').split('\n');
  const kept: string[] = [];
  for (const [i, line] of lines.entries()) {
    const trimmed = line.trim();
    if (HISTORY_STARTS.some((p) => p.test(trimmed))) break;
    // "On Mon, 1 Jan 2024 at 10:00, Desk <desk@x>" + "wrote:" on the next line (clients wrap it).
    if (/^on\s/i.test(trimmed) && /^.{0,200}wrote:\s*$/i.test((lines[i + 1] ?? '').trim()) && !/wrote:\s*$/i.test(trimmed)) break;
    if (OUTLOOK_FROM.test(trimmed) && OUTLOOK_NEXT.test((lines[i + 1] ?? '').trim())) break;
    if (SIGNATURE_STARTS.some((p) => p.test(trimmed))) break;
    if (trimmed.startsWith('>')) continue;
    kept.push(line.replace(/\s+$/, ''));
  }
  const text = kept
    .join('\n')
    .replace(/\n{3,}/g, '\n\n')
    .trim();
  return text.length > MAX_REPLY_CHARS ? `${text.slice(0, MAX_REPLY_CHARS)}\n[… the rest of the email was cut]` : text;
}

/** Header names are matched case-insensitively; values as strings (mailparser gives a Map of lower-cased names). */
export type HeaderLookup = (name: string) => string | undefined;

/**
 * An automatic message (RFC 3834 `Auto-Submitted`, out-of-office, mailing-list bulk): never made into a comment, so
 * two auto-responders can never ping-pong through a case.
 */
export function isAutomatic(header: HeaderLookup, subject: string | null | undefined): boolean {
  const autoSubmitted = header('auto-submitted')?.trim().toLowerCase();
  if (autoSubmitted && autoSubmitted !== 'no') return true;
  if (header('x-autoreply') || header('x-autorespond')) return true;
  const precedence = header('precedence')?.trim().toLowerCase();
  if (precedence && ['bulk', 'junk', 'list', 'auto_reply'].includes(precedence)) return true;
  return /^\s*(automatic reply|auto(matic)?[- ]?reply|out of (the )?office|abwesenheit)/i.test(subject ?? '');
}

/**
 * Which characters free text from a client may hold. Control characters break the database (PostgreSQL refuses NUL)
 * and forge log lines and e-mail headers; bidirectional overrides and isolates make text read differently from what
 * it is (a case subject that displays as something else, "Trojan Source"); lone surrogates are not text at all and
 * fail to encode. Tab, line feed and carriage return are ordinary in multi-line bodies and stay allowed.
 */
import { DomainError } from './errors';

export type ForbiddenCharacterKind = 'CONTROL' | 'BIDI_CONTROL' | 'LONE_SURROGATE';

export interface ForbiddenCharacter {
  kind: ForbiddenCharacterKind;
  /** UTF-16 index in the string (what a JavaScript client sees). */
  index: number;
  /** The code unit or code point, e.g. `U+0000`, `U+202E`, `U+D800`. */
  codePoint: string;
}

/**
 * C0 except tab, LF and CR; DEL; C1. Bidi embeddings and overrides (U+202A–U+202E) and isolates (U+2066–U+2069).
 * With the `u` flag a surrogate range matches only a surrogate that is not half of a pair.
 */
const FORBIDDEN = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F-\u009F]|[\u202A-\u202E\u2066-\u2069]|[\uD800-\uDFFF]/u;

function kindOf(unit: number): ForbiddenCharacterKind {
  if (unit >= 0xd800 && unit <= 0xdfff) return 'LONE_SURROGATE';
  if ((unit >= 0x202a && unit <= 0x202e) || (unit >= 0x2066 && unit <= 0x2069)) return 'BIDI_CONTROL';
  return 'CONTROL';
}

/** The first character free text must not hold, or null when the text is acceptable. */
export function findForbiddenCharacter(text: string): ForbiddenCharacter | null {
  const match = FORBIDDEN.exec(text);
  if (!match) return null;
  const unit = match[0].charCodeAt(0);
  return { kind: kindOf(unit), index: match.index, codePoint: `U+${unit.toString(16).toUpperCase().padStart(4, '0')}` };
}

export function isAcceptableText(text: string): boolean {
  return !FORBIDDEN.test(text);
}

const DESCRIPTION: Record<ForbiddenCharacterKind, string> = {
  CONTROL: 'a control character',
  BIDI_CONTROL: 'a bidirectional override or isolate character',
  LONE_SURROGATE: 'an unpaired surrogate (not valid Unicode)',
};

/**
 * The client-facing reason `field` was refused. Names the character by code point, never echoes the text (it may
 * be personal data, and echoing a bidi override would reorder the message itself).
 */
export function forbiddenCharacterMessage(field: string, found: ForbiddenCharacter): string {
  return `${field} must not contain ${DESCRIPTION[found.kind]} (${found.codePoint} at position ${found.index})`;
}

/** A required text argument, trimmed: `BAD_USER_INPUT` on the field when it is empty or longer than `max`. */
export function requiredText(field: string, value: string | null | undefined, max: number): string {
  const trimmed = (value ?? '').trim();
  if (!trimmed) throw DomainError.badUserInput(`${field} is required`, field);
  if (trimmed.length > max) throw DomainError.badUserInput(`${field} must be at most ${max} characters`, field);
  return trimmed;
}

/** E-mail addresses a client gives (comms lists, escalation contacts, report recipients), checked one way everywhere. */
import { DomainError } from './errors';

/** A practical e-mail check: one @, a dot-atom-ish local part, a domain of LDH labels with a dot. */
const EMAIL = /^[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]+@(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)+[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?$/;

/** The address, trimmed and with its domain lower-cased; BAD_USER_INPUT unless it is an e-mail address. */
export function normaliseEmail(value: string | null | undefined, field = 'address'): string {
  const trimmed = (value ?? '').trim();
  const at = trimmed.lastIndexOf('@');
  const local = trimmed.slice(0, at);
  if (
    !trimmed ||
    trimmed.length > 254 ||
    at < 1 ||
    local.length > 64 ||
    local.startsWith('.') ||
    local.endsWith('.') ||
    local.includes('..') ||
    !EMAIL.test(trimmed)
  ) {
    throw DomainError.badUserInput(`${field} must be an e-mail address`, field);
  }
  return `${local}@${trimmed.slice(at + 1).toLowerCase()}`;
}

/** Whether a value is an address `normaliseEmail` accepts. */
export function isEmailAddress(value: string): boolean {
  try {
    normaliseEmail(value);
    return true;
  } catch {
    return false;
  }
}

/** A list of addresses: each checked (the field names its index), duplicates dropped, at most `max`. */
export function normaliseEmails(values: readonly string[] | null | undefined, field: string, max = 50): string[] {
  const list = values ?? [];
  if (list.length > max) throw DomainError.badUserInput(`${field} holds at most ${max} addresses`, field);
  const seen = new Set<string>();
  for (const [index, value] of list.entries()) seen.add(normaliseEmail(value, `${field}[${index}]`).toLowerCase());
  return [...seen];
}

/**
 * The Notifications page's rules, without the page: the kinds of notice in the desk's words, the digest periods it
 * offers, the form's checks before anything is sent, and where each API error belongs on the form.
 */
import type { ApiError } from './api';
import type { NotificationChannel, NotificationKind, NotificationPreference } from './operations';
import { duration } from './time';

/** The API's bounds on a digest period (subgraphs/delivery/notification-preferences.ts). */
export const DIGEST_MIN_MINUTES = 15;
export const DIGEST_MAX_MINUTES = 7 * 24 * 60;

export const KIND_LABELS: Record<NotificationKind, { label: string; hint: string }> = {
  ACKNOWLEDGEMENT: { label: 'Case received', hint: 'The desk has your case, with its reference.' },
  STATE_CHANGE: { label: 'Case progress', hint: 'Triaged, transferred, put on hold, resumed, reopened or withdrawn.' },
  COMMENT: { label: 'Comments from the desk', hint: 'A comment the desk writes for you (never its internal work notes).' },
  RESOLUTION: { label: 'Case resolved', hint: 'With links to confirm the resolution or reopen the case.' },
  AUTO_CLOSE_REMINDER: { label: 'Closing reminder', hint: 'A day before a resolved case closes by itself.' },
  CLOSURE: { label: 'Case closed', hint: 'The case is closed.' },
};

export const CHANNEL_LABELS: Record<NotificationChannel, { label: string; address: string; hint: string }> = {
  EMAIL: { label: 'Email', address: 'Email address', hint: 'e.g. a personal or shared mailbox.' },
  WEBHOOK: {
    label: 'Webhook',
    address: 'Webhook URL',
    hint: 'An https URL, e.g. a Teams or Slack incoming webhook. Each call is signed like every CPSD webhook.',
  },
};

export type DigestChoice = 'immediate' | 'hourly' | 'every-4-hours' | 'daily' | 'weekly' | 'minutes';

/** The periods the form offers, with the minutes each one sends to the API (`minutes`: typed by the user). */
export const DIGEST_CHOICES: readonly { value: DigestChoice; label: string; minutes: number | null }[] = [
  { value: 'immediate', label: 'Each notice at once', minutes: null },
  { value: 'hourly', label: 'A digest every hour', minutes: 60 },
  { value: 'every-4-hours', label: 'A digest every 4 hours', minutes: 240 },
  { value: 'daily', label: 'A digest once a day', minutes: 1440 },
  { value: 'weekly', label: 'A digest once a week', minutes: DIGEST_MAX_MINUTES },
  { value: 'minutes', label: 'A digest every so many minutes', minutes: null },
];

/** The choice that shows a stored period: one of the named ones when it matches, else "every so many minutes". */
export function digestChoiceOf(minutes: number | null): DigestChoice {
  if (minutes === null) return 'immediate';
  return DIGEST_CHOICES.find((choice) => choice.value !== 'minutes' && choice.minutes === minutes)?.value ?? 'minutes';
}

/** The period to send for a choice, or why the typed minutes will not do (the API's own rule, checked first). */
export function digestMinutesFor(choice: DigestChoice, typed: string): { ok: true; minutes: number | null } | { ok: false; error: string } {
  if (choice !== 'minutes') return { ok: true, minutes: DIGEST_CHOICES.find((c) => c.value === choice)?.minutes ?? null };
  const text = typed.trim();
  if (!text) return { ok: false, error: 'Enter how many minutes between digests.' };
  const minutes = Number(text);
  if (!/^\d+$/.test(text) || minutes < DIGEST_MIN_MINUTES || minutes > DIGEST_MAX_MINUTES) {
    return { ok: false, error: `Enter a whole number of minutes from ${DIGEST_MIN_MINUTES} to ${DIGEST_MAX_MINUTES} (a week).` };
  }
  return { ok: true, minutes };
}

/** How a preference's notices go out, in words: "Each notice at once", "A digest once a day", "A digest every 1 h 30 min". */
export function describeDigest(minutes: number | null): string {
  const choice = digestChoiceOf(minutes);
  if (choice !== 'minutes') return DIGEST_CHOICES.find((c) => c.value === choice)?.label ?? '';
  return `A digest every ${duration(minutes ?? 0)}`;
}

/** Which notices a preference carries, in words. */
export function describeKinds(kinds: readonly NotificationKind[]): string {
  if (!kinds.length) return 'Nothing (this channel is silenced)';
  if (kinds.length === Object.keys(KIND_LABELS).length) return 'Every notice';
  return (Object.keys(KIND_LABELS) as NotificationKind[])
    .filter((kind) => kinds.includes(kind))
    .map((kind) => KIND_LABELS[kind].label)
    .join(', ');
}

/** What waits for a preference's next digest: "Nothing waiting", "1 notice waiting", "3 notices waiting". */
export function describeWaiting(count: number): string {
  if (!count) return 'Nothing waiting';
  return `${count} ${count === 1 ? 'notice' : 'notices'} waiting`;
}

/**
 * What the caller hears, in plain words. Without a personal preference a raiser hears every kind of notice at their
 * sign-in email; with one, only through their own rows. The organisation's rows are heard as well, either way.
 */
export function defaultExplanation(preferences: readonly Pick<NotificationPreference, 'scope'>[], organisationName: string): string[] {
  const mine = preferences.some((p) => p.scope === 'PERSONAL');
  const theirs = preferences.some((p) => p.scope === 'ORGANISATION');
  const lines = [
    mine
      ? 'You have preferences of your own, so you hear of the cases you raise only through them: nothing goes to the email address you sign in with unless it is listed below.'
      : 'You have no preferences of your own, so you hear of every case you raise — every kind of notice, each at once — at the email address you sign in with.',
  ];
  if (theirs) lines.push(`${organisationName}’s preferences below also hear of every case anyone in ${organisationName} raises, whatever yours say.`);
  return lines;
}

export type FormField = 'scope' | 'channel' | 'address' | 'kinds' | 'digest' | 'digest-minutes';
export type FormErrors = Partial<Record<FormField, string>>;

/** Where an API error's `extensions.field` belongs on the form (the typed minutes when the user typed them). */
export function formFieldOf(apiField: unknown, choice: DigestChoice): FormField | null {
  switch (apiField) {
    case 'input.scope':
      return 'scope';
    case 'input.channel':
      return 'channel';
    case 'input.address':
    case 'address':
      return 'address';
    case 'input.kinds':
      return 'kinds';
    case 'input.digestEveryMinutes':
      return choice === 'minutes' ? 'digest-minutes' : 'digest';
    default:
      return null;
  }
}

/**
 * The API's message for a field, without the API's name for it: "input.address must be an e-mail address" reads
 * "This must be an e-mail address" beside the field.
 */
export function fieldMessage(message: string, apiField: string): string {
  const bare = apiField.replace(/^input\./, '');
  for (const name of [apiField, bare]) {
    if (message.startsWith(`${name} `)) return `This ${message.slice(name.length + 1)}`;
  }
  return message;
}

/** The API's errors by form field; `rest` is the error when none of them names a field of the form. */
export function apiFormErrors(error: ApiError, choice: DigestChoice): { byField: FormErrors; rest: ApiError | null } {
  const byField: FormErrors = {};
  for (const entry of error.errors) {
    const apiField = entry.extensions?.field;
    const field = formFieldOf(apiField, choice);
    if (field && !byField[field]) byField[field] = fieldMessage(entry.message, String(apiField));
  }
  return { byField, rest: Object.keys(byField).length ? null : error };
}

/** The form's own checks before anything is sent: an address, and a period the API will take. */
export function checkForm(form: { address: string; digest: DigestChoice; digestMinutes: string }): FormErrors {
  const errors: FormErrors = {};
  if (!form.address.trim()) errors.address = 'Enter the address to send to.';
  const digest = digestMinutesFor(form.digest, form.digestMinutes);
  if (!digest.ok) errors['digest-minutes'] = digest.error;
  return errors;
}

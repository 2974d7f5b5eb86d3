/**
 * Report periods in UK time (Europe/London: GMT in winter, BST in summer), whatever the browser's zone: "this month"
 * starts at UK midnight on the 1st, whichever offset applies then. A period runs from (inclusive) to (exclusive), as
 * the report queries take it; a period that would end in the future ends now instead, so a case is never counted as
 * breached against a due time that has not come yet.
 */

/** A calendar date in the UK (month 1–12). */
export interface UkDate {
  year: number;
  month: number;
  day: number;
}

export type PeriodChoice = 'this-month' | 'last-month' | 'last-90-days' | 'custom';

export const PERIOD_CHOICES: readonly { value: PeriodChoice; label: string }[] = [
  { value: 'this-month', label: 'This month' },
  { value: 'last-month', label: 'Last month' },
  { value: 'last-90-days', label: 'Last 90 days' },
  { value: 'custom', label: 'Custom dates' },
];

/** What the report queries take: ISO instants. */
export interface Period {
  from: string;
  to: string;
}

export type PeriodResult = { ok: true; period: Period } | { ok: false; errors: { from?: string; to?: string } };

const PARTS = new Intl.DateTimeFormat('en-GB', {
  timeZone: 'Europe/London',
  year: 'numeric',
  month: '2-digit',
  day: '2-digit',
  hour: '2-digit',
  minute: '2-digit',
  second: '2-digit',
  hourCycle: 'h23',
});

function partsOf(instant: number): Record<string, number> {
  const out: Record<string, number> = {};
  for (const part of PARTS.formatToParts(new Date(instant))) if (part.type !== 'literal') out[part.type] = Number(part.value);
  return out;
}

/** UK local time minus UTC at `instant`, in ms (0 in GMT, one hour in BST). */
export function ukOffsetMs(instant: number): number {
  const p = partsOf(instant);
  const local = Date.UTC(p.year ?? 0, (p.month ?? 1) - 1, p.day ?? 1, p.hour ?? 0, p.minute ?? 0, p.second ?? 0);
  return local - Math.floor(instant / 1000) * 1000;
}

/** The UK calendar date at `instant`. */
export function ukDateOf(instant: number): UkDate {
  const p = partsOf(instant);
  return { year: p.year ?? 0, month: p.month ?? 1, day: p.day ?? 1 };
}

/** `date` moved by whole days and months (day 0 is the last of the month before; month 13 is January next year). */
export function shiftDate(date: UkDate, { days = 0, months = 0 }: { days?: number; months?: number }): UkDate {
  const d = new Date(Date.UTC(date.year, date.month - 1 + months, date.day + days));
  return { year: d.getUTCFullYear(), month: d.getUTCMonth() + 1, day: d.getUTCDate() };
}

/** The instant of UK midnight at the start of `date` (UK clocks change at 01:00 UTC, so midnight always exists). */
export function ukMidnight(date: UkDate): Date {
  const asUtc = Date.UTC(date.year, date.month - 1, date.day);
  const first = asUtc - ukOffsetMs(asUtc);
  return new Date(asUtc - ukOffsetMs(first));
}

/** "2026-11-03" (an <input type="date"> value) as a date; null when it is not a real date. */
export function parseDateInput(value: string): UkDate | null {
  const match = /^(\d{4})-(\d{2})-(\d{2})$/.exec(value.trim());
  if (!match) return null;
  const date = { year: Number(match[1]), month: Number(match[2]), day: Number(match[3]) };
  const check = shiftDate(date, {});
  return check.year === date.year && check.month === date.month && check.day === date.day ? date : null;
}

/** A date as an <input type="date"> value. */
export function dateInputValue(date: UkDate): string {
  return `${String(date.year).padStart(4, '0')}-${String(date.month).padStart(2, '0')}-${String(date.day).padStart(2, '0')}`;
}

const iso = (instant: number | Date) => new Date(instant).toISOString();

/**
 * The period a choice means at `now`: this month (from the 1st, to now), last month (the whole calendar month), the
 * last 90 days (today and the 89 days before it, to now), or custom dates (from the start of `from` to the end of
 * `to`, both UK dates and both included; ending now at the latest).
 */
export function periodFor(choice: PeriodChoice, now: number, custom: { from: string; to: string } = { from: '', to: '' }): PeriodResult {
  const today = ukDateOf(now);
  const firstOfMonth = { ...today, day: 1 };
  switch (choice) {
    case 'this-month':
      return { ok: true, period: { from: iso(ukMidnight(firstOfMonth)), to: iso(now) } };
    case 'last-month':
      return { ok: true, period: { from: iso(ukMidnight(shiftDate(firstOfMonth, { months: -1 }))), to: iso(ukMidnight(firstOfMonth)) } };
    case 'last-90-days':
      return { ok: true, period: { from: iso(ukMidnight(shiftDate(today, { days: -89 }))), to: iso(now) } };
    case 'custom': {
      const errors: { from?: string; to?: string } = {};
      const from = parseDateInput(custom.from);
      const to = parseDateInput(custom.to);
      if (!custom.from.trim()) errors.from = 'Enter a from date.';
      else if (!from) errors.from = 'Enter the from date as a real date, for example 2026-11-01.';
      if (!custom.to.trim()) errors.to = 'Enter a to date.';
      else if (!to) errors.to = 'Enter the to date as a real date, for example 2026-11-30.';
      if (from && to) {
        const start = ukMidnight(from).getTime();
        const end = ukMidnight(shiftDate(to, { days: 1 })).getTime();
        if (end <= start) errors.to = 'The to date must be the same as or after the from date.';
        else if (start >= now) errors.from = 'The from date is in the future: there is nothing to report yet.';
        else if (!errors.from && !errors.to) return { ok: true, period: { from: iso(start), to: iso(Math.min(end, now)) } };
      }
      return { ok: false, errors };
    }
  }
}

const DAY = new Intl.DateTimeFormat('en-GB', { timeZone: 'Europe/London', day: 'numeric', month: 'short', year: 'numeric' });
const DAY_TIME = new Intl.DateTimeFormat('en-GB', {
  timeZone: 'Europe/London',
  day: 'numeric',
  month: 'short',
  year: 'numeric',
  hour: '2-digit',
  minute: '2-digit',
  timeZoneName: 'short',
});
const MONTH = new Intl.DateTimeFormat('en-GB', { timeZone: 'Europe/London', month: 'short', year: 'numeric' });

/** A period for people: "1 Nov 2026 – 3 Dec 2026, 14:05 GMT" (the end exclusive: a whole day shows as its last day). */
export function periodLabel(period: Period): string {
  const from = Date.parse(period.from);
  const to = Date.parse(period.to);
  const toIsMidnight = ukMidnight(ukDateOf(to)).getTime() === to;
  return `${DAY.format(from)} – ${toIsMidnight ? DAY.format(to - 1) : DAY_TIME.format(to)}`;
}

/** A trend bucket's start for people: "Nov 2026" (month) or "w/c 2 Nov 2026" (week), in UK time. */
export function bucketLabel(start: string, interval: 'DAY' | 'WEEK' | 'MONTH'): string {
  if (interval === 'MONTH') return MONTH.format(Date.parse(start));
  if (interval === 'WEEK') return `w/c ${DAY.format(Date.parse(start))}`;
  return DAY.format(Date.parse(start));
}

const DAY_MONTH = new Intl.DateTimeFormat('en-GB', { timeZone: 'Europe/London', day: 'numeric', month: 'short' });

/** A bucket's start on a chart's axis, where room is short: "30 Nov" (day or week) or "Nov 2026" (month). */
export function bucketShortLabel(start: string, interval: 'DAY' | 'WEEK' | 'MONTH'): string {
  return interval === 'MONTH' ? MONTH.format(Date.parse(start)) : DAY_MONTH.format(Date.parse(start));
}

/** Times on the dashboard are UK local time (Europe/London: GMT in winter, BST in summer), whatever the browser's zone. */
import { ukOffsetMs } from './period';

const DATE_TIME = new Intl.DateTimeFormat('en-GB', {
  timeZone: 'Europe/London',
  day: 'numeric',
  month: 'short',
  year: 'numeric',
  hour: '2-digit',
  minute: '2-digit',
  timeZoneName: 'short',
});

const TIME = new Intl.DateTimeFormat('en-GB', { timeZone: 'Europe/London', hour: '2-digit', minute: '2-digit', timeZoneName: 'short' });

/** e.g. "6 Nov 2026, 14:03 GMT" or "6 Jul 2026, 09:30 BST". */
export function ukDateTime(iso: string | number | Date): string {
  return DATE_TIME.format(new Date(iso));
}

/** e.g. "14:03 GMT". */
export function ukTime(iso: string | number | Date): string {
  return TIME.format(new Date(iso));
}

/** "in 1 h 5 min", "12 min ago", "now". */
export function relative(iso: string | number | Date, now = Date.now()): string {
  const minutes = Math.round((new Date(iso).getTime() - now) / 60_000);
  if (minutes === 0) return 'now';
  const span = duration(Math.abs(minutes));
  return minutes > 0 ? `in ${span}` : `${span} ago`;
}

/** Minutes as "2 d 3 h", "1 h 5 min", "45 min". */
export function duration(totalMinutes: number): string {
  const minutes = Math.abs(Math.round(totalMinutes));
  const days = Math.floor(minutes / 1440);
  const hours = Math.floor((minutes % 1440) / 60);
  const rest = minutes % 60;
  if (days) return hours ? `${days} d ${hours} h` : `${days} d`;
  if (hours) return rest ? `${hours} h ${rest} min` : `${hours} h`;
  return `${rest} min`;
}

/** An instant as a `datetime-local` value in UK time ("2026-11-06T14:03"), whatever the browser's zone. */
export function toUkLocalInput(iso: string | number | Date): string {
  const instant = new Date(iso).getTime();
  return new Date(instant + ukOffsetMs(instant)).toISOString().slice(0, 16);
}

/** A `datetime-local` value read as UK time, as an ISO instant; null when it is not a date-time. */
export function fromUkLocalInput(value: string): string | null {
  const match = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})$/.exec(value);
  if (!match) return null;
  const [, y, mo, d, h, mi] = match.map(Number) as [number, number, number, number, number, number];
  const wall = Date.UTC(y, mo - 1, d, h, mi);
  // Two passes settle the offset on either side of a clock change.
  const guess = wall - ukOffsetMs(wall);
  return new Date(wall - ukOffsetMs(guess)).toISOString();
}

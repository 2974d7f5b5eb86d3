/** Times on the dashboard are UK local time (Europe/London: GMT in winter, BST in summer), whatever the browser's zone. */

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

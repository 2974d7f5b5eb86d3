/** Business and 24/7 calendars in Europe/London time (GMT/BST, England & Wales bank holidays), with no date library. */

// ---------------------------------------------------------------------------------------------------------------
// Europe/London offset
// ---------------------------------------------------------------------------------------------------------------

const MINUTE_MS = 60_000;
const HOUR_MS = 60 * MINUTE_MS;
const DAY_MS = 24 * HOUR_MS;

/**
 * UK summer time runs from 01:00 UTC on the last Sunday of March to 01:00 UTC on the last Sunday of October (the
 * EU-harmonised rule, in force since 1996; earlier years are computed by the same rule and so may be wrong).
 */
export function bstStart(year: number): Date {
  return new Date(lastSundayUtcMs(year, 3) + HOUR_MS);
}

export function bstEnd(year: number): Date {
  return new Date(lastSundayUtcMs(year, 10) + HOUR_MS);
}

/** Midnight UTC of the last Sunday of a month (1-based). */
function lastSundayUtcMs(year: number, month: number): number {
  const lastDay = Date.UTC(year, month, 0); // day 0 of the next month
  return lastDay - new Date(lastDay).getUTCDay() * DAY_MS;
}

const bstCache = new Map<number, readonly [number, number]>();

function bstBoundsMs(year: number): readonly [number, number] {
  let bounds = bstCache.get(year);
  if (!bounds) {
    bounds = [bstStart(year).getTime(), bstEnd(year).getTime()];
    bstCache.set(year, bounds);
  }
  return bounds;
}

function londonOffsetMs(utcMs: number): number {
  const [start, end] = bstBoundsMs(new Date(utcMs).getUTCFullYear());
  return utcMs >= start && utcMs < end ? HOUR_MS : 0;
}

/** Minutes Europe/London is ahead of UTC at this instant: 60 in BST, 0 in GMT. */
export function londonOffsetMinutes(instant: Date): number {
  return londonOffsetMs(instant.getTime()) / MINUTE_MS;
}

export function isBritishSummerTime(instant: Date): boolean {
  return londonOffsetMs(instant.getTime()) !== 0;
}

/** A wall-clock reading in Europe/London. `month` is 1–12; `weekday` is 0 (Sunday) – 6 (Saturday). */
export interface LondonDateTime {
  year: number;
  month: number;
  day: number;
  hour: number;
  minute: number;
  second: number;
  weekday: number;
}

export function toLondonTime(instant: Date): LondonDateTime {
  const local = new Date(instant.getTime() + londonOffsetMs(instant.getTime()));
  return {
    year: local.getUTCFullYear(),
    month: local.getUTCMonth() + 1,
    day: local.getUTCDate(),
    hour: local.getUTCHours(),
    minute: local.getUTCMinutes(),
    second: local.getUTCSeconds(),
    weekday: local.getUTCDay(),
  };
}

/**
 * The instant at which London's clocks read the given wall time. A time that does not exist (the spring-forward
 * hour, 01:00–02:00 local) is read as GMT, i.e. one hour later on the clock; an ambiguous time (the repeated
 * autumn hour) resolves to the later, GMT, instant. Neither case can fall inside core hours.
 */
export function fromLondonTime(year: number, month: number, day: number, hour = 0, minute = 0): Date {
  return new Date(londonWallToUtcMs(Date.UTC(year, month - 1, day, hour, minute)));
}

/** `wallMs` is the wall-clock reading encoded as if it were UTC. */
function londonWallToUtcMs(wallMs: number): number {
  const guess = wallMs - londonOffsetMs(wallMs);
  const offset = londonOffsetMs(guess);
  return wallMs - offset;
}

const MONTH_ABBREVIATIONS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sept', 'Oct', 'Nov', 'Dec'] as const;

/**
 * An instant as UK readers see it, e.g. "6 Nov 2026, 14:03 GMT" or "6 Jul 2026, 09:30 BST": the same words as the
 * dashboard's `ukDateTime` (web/src/time.ts; en-GB writes September "Sept"), for pages the server renders.
 */
export function ukDateTimeText(instant: Date): string {
  const t = toLondonTime(instant);
  const pad = (n: number) => String(n).padStart(2, '0');
  return `${t.day} ${MONTH_ABBREVIATIONS[t.month - 1]} ${t.year}, ${pad(t.hour)}:${pad(t.minute)} ${isBritishSummerTime(instant) ? 'BST' : 'GMT'}`;
}

/** `YYYY-MM-DD` of the London calendar date of an instant. */
export function londonDateString(instant: Date): string {
  return dayNumberToIso(londonDayNumber(instant.getTime()));
}

// ---------------------------------------------------------------------------------------------------------------
// Day numbers (days since 1970-01-01 of a London calendar date) keep the day-stepping loops cheap.
// ---------------------------------------------------------------------------------------------------------------

function londonDayNumber(utcMs: number): number {
  return Math.floor((utcMs + londonOffsetMs(utcMs)) / DAY_MS);
}

function dayNumber(year: number, month: number, day: number): number {
  return Date.UTC(year, month - 1, day) / DAY_MS;
}

function dayNumberToIso(dn: number): string {
  return new Date(dn * DAY_MS).toISOString().slice(0, 10);
}

function weekdayOf(dn: number): number {
  return (((dn + 4) % 7) + 7) % 7; // 1970-01-01 was a Thursday
}

function isoToDayNumber(iso: string): number {
  const match = /^(\d{4})-(\d{2})-(\d{2})$/.exec(iso);
  if (!match) throw new RangeError(`Expected a YYYY-MM-DD date, got "${iso}"`);
  const [year, month, day] = [Number(match[1]), Number(match[2]), Number(match[3])];
  const dn = dayNumber(year, month, day);
  if (dayNumberToIso(dn) !== iso) throw new RangeError(`Not a calendar date: "${iso}"`);
  return dn;
}

// ---------------------------------------------------------------------------------------------------------------
// England & Wales bank holidays
// ---------------------------------------------------------------------------------------------------------------

export interface BankHoliday {
  /** `YYYY-MM-DD`, London calendar date. */
  date: string;
  name: string;
}

/** Gregorian Easter Sunday (Anonymous Gregorian / Meeus–Jones–Butcher algorithm) as `YYYY-MM-DD`. */
export function easterSunday(year: number): string {
  const a = year % 19;
  const b = Math.floor(year / 100);
  const c = year % 100;
  const d = Math.floor(b / 4);
  const e = b % 4;
  const f = Math.floor((b + 8) / 25);
  const g = Math.floor((b - f + 1) / 3);
  const h = (19 * a + b - d - g + 15) % 30;
  const i = Math.floor(c / 4);
  const k = c % 4;
  const l = (32 + 2 * e + 2 * i - h - k) % 7;
  const m = Math.floor((a + 11 * h + 22 * l) / 451);
  const month = Math.floor((h + l - 7 * m + 114) / 31);
  const day = ((h + l - 7 * m + 114) % 31) + 1;
  return dayNumberToIso(dayNumber(year, month, day));
}

/**
 * Proclaimed one-off changes to the rule-based list (gov.uk). `moved` replaces the rule's date of the named
 * holiday; `extra` adds a day. Only changes since 2011 are listed: older ones (1995 VE Day, 1999 Millennium, 2002
 * Golden Jubilee) predate any case this product will hold.
 */
const ONE_OFF_CHANGES: Readonly<Record<number, { moved?: Readonly<Record<string, string>>; extra?: readonly BankHoliday[] }>> = {
  2011: { extra: [{ date: '2011-04-29', name: 'Royal wedding' }] },
  2012: {
    moved: { 'Spring bank holiday': '2012-06-04' },
    extra: [{ date: '2012-06-05', name: 'Queen’s Diamond Jubilee' }],
  },
  2020: { moved: { 'Early May bank holiday': '2020-05-08' } }, // VE Day 75th anniversary
  2022: {
    moved: { 'Spring bank holiday': '2022-06-02' },
    extra: [
      { date: '2022-06-03', name: 'Platinum Jubilee bank holiday' },
      { date: '2022-09-19', name: 'State Funeral of Queen Elizabeth II' },
    ],
  },
  2023: { extra: [{ date: '2023-05-08', name: 'Bank holiday for the coronation of King Charles III' }] },
};

function firstWeekdayOfMonth(year: number, month: number, weekday: number): number {
  const first = dayNumber(year, month, 1);
  return first + ((weekday - weekdayOf(first) + 7) % 7);
}

function lastWeekdayOfMonth(year: number, month: number, weekday: number): number {
  const last = dayNumber(year, month + 1, 0);
  return last - ((weekdayOf(last) - weekday + 7) % 7);
}

/** England & Wales bank holidays of a year, in date order, computed by rule plus the one-off table. */
export function bankHolidays(year: number): BankHoliday[] {
  const list: { dn: number; name: string }[] = [];
  const add = (dn: number, name: string): void => {
    list.push({ dn, name });
  };

  // New Year's Day; a weekend date moves to the next Monday ("substitute day").
  const newYear = dayNumber(year, 1, 1);
  const newYearWeekday = weekdayOf(newYear);
  add(newYear + (newYearWeekday === 6 ? 2 : newYearWeekday === 0 ? 1 : 0), 'New Year’s Day');

  const easter = isoToDayNumber(easterSunday(year));
  add(easter - 2, 'Good Friday');
  add(easter + 1, 'Easter Monday');

  add(firstWeekdayOfMonth(year, 5, 1), 'Early May bank holiday');
  add(lastWeekdayOfMonth(year, 5, 1), 'Spring bank holiday');
  add(lastWeekdayOfMonth(year, 8, 1), 'Summer bank holiday');

  // Christmas Day and Boxing Day; weekend dates give substitute days on the next free weekdays.
  const christmas = dayNumber(year, 12, 25);
  switch (weekdayOf(christmas)) {
    case 5: // Fri: Boxing Day is a Saturday → Monday 28th
      add(christmas, 'Christmas Day');
      add(christmas + 3, 'Boxing Day');
      break;
    case 6: // Sat: both move → Monday 27th and Tuesday 28th
      add(christmas + 2, 'Christmas Day');
      add(christmas + 3, 'Boxing Day');
      break;
    case 0: // Sun: Boxing Day is Monday 26th, Christmas moves to Tuesday 27th
      add(christmas + 1, 'Boxing Day');
      add(christmas + 2, 'Christmas Day');
      break;
    default:
      add(christmas, 'Christmas Day');
      add(christmas + 1, 'Boxing Day');
  }

  const changes = ONE_OFF_CHANGES[year];
  if (changes?.moved) {
    for (const [name, date] of Object.entries(changes.moved)) {
      const entry = list.find((h) => h.name === name);
      if (entry) entry.dn = isoToDayNumber(date);
    }
  }
  for (const extra of changes?.extra ?? []) add(isoToDayNumber(extra.date), extra.name);

  return list.sort((x, y) => x.dn - y.dn).map((h) => ({ date: dayNumberToIso(h.dn), name: h.name }));
}

const holidayCache = new Map<number, ReadonlySet<number>>();

function isBankHolidayDayNumber(dn: number): boolean {
  const year = new Date(dn * DAY_MS).getUTCFullYear();
  let set = holidayCache.get(year);
  if (!set) {
    set = new Set(bankHolidays(year).map((h) => isoToDayNumber(h.date)));
    holidayCache.set(year, set);
  }
  return set.has(dn);
}

/**
 * Whether a date is an England & Wales bank holiday. A `Date` is read as an instant and judged by its London
 * calendar date; a string is a London calendar date `YYYY-MM-DD`.
 */
export function isBankHoliday(date: Date | string): boolean {
  return isBankHolidayDayNumber(typeof date === 'string' ? isoToDayNumber(date) : londonDayNumber(date.getTime()));
}

// ---------------------------------------------------------------------------------------------------------------
// Core hours (OM §2.3): 08:30–17:30 London time, Monday–Friday, excluding bank holidays.
// ---------------------------------------------------------------------------------------------------------------

/** Core hours as minutes after London midnight. */
export const CORE_HOURS = { opensAt: 8 * 60 + 30, closesAt: 17 * 60 + 30 } as const;
/** One business day = 9 business hours. */
export const BUSINESS_DAY_MINUTES = CORE_HOURS.closesAt - CORE_HOURS.opensAt;

function isBusinessDayNumber(dn: number): boolean {
  const weekday = weekdayOf(dn);
  return weekday !== 0 && weekday !== 6 && !isBankHolidayDayNumber(dn);
}

/** Whether a London calendar date (a `Date` is read by its London date) is a business day. */
export function isBusinessDay(date: Date | string): boolean {
  return isBusinessDayNumber(typeof date === 'string' ? isoToDayNumber(date) : londonDayNumber(date.getTime()));
}

/** Opening hours on weekdays, as minutes after London midnight. */
interface WeekdayHours {
  opensAt: number;
  closesAt: number;
}

/** The opening window of a day as UTC ms. DST switches happen at 01:00 UTC on Sundays, never inside a window. */
function windowOf(dn: number, hours: WeekdayHours): readonly [number, number] {
  const midnightWall = dn * DAY_MS;
  return [londonWallToUtcMs(midnightWall + hours.opensAt * MINUTE_MS), londonWallToUtcMs(midnightWall + hours.closesAt * MINUTE_MS)];
}

function isWorkingTimeIn(hours: WeekdayHours, instant: Date): boolean {
  const t = instant.getTime();
  const dn = londonDayNumber(t);
  if (!isBusinessDayNumber(dn)) return false;
  const [open, close] = windowOf(dn, hours);
  return t >= open && t < close;
}

function nextWorkingInstantIn(hours: WeekdayHours, instant: Date): Date {
  const t = instant.getTime();
  for (let dn = londonDayNumber(t); ; dn++) {
    if (!isBusinessDayNumber(dn)) continue;
    const [open, close] = windowOf(dn, hours);
    if (t < close) return new Date(Math.max(t, open));
  }
}

/**
 * The earliest instant at which `minutes` working minutes have been counted since `start` — a due time. Time outside
 * the hours does not count, so a case raised at 18:00 on Friday starts counting at Monday's opening, and a due time
 * that uses up a day exactly is that day's closing (not the next opening). Steps one day at a time.
 */
function addWorkingTimeIn(hours: WeekdayHours, start: Date, minutes: number): Date {
  assertMinutes(minutes);
  let remaining = Math.round(minutes * MINUTE_MS);
  const startMs = start.getTime();
  if (remaining === 0) return new Date(startMs);
  for (let dn = londonDayNumber(startMs); ; dn++) {
    if (!isBusinessDayNumber(dn)) continue;
    const [open, close] = windowOf(dn, hours);
    const from = Math.max(startMs, open);
    if (from >= close) continue;
    if (remaining <= close - from) return new Date(from + remaining);
    remaining -= close - from;
  }
}

/** Working minutes in [a, b); negative when b is before a. Steps one day at a time. */
function workingMinutesBetweenIn(hours: WeekdayHours, a: Date, b: Date): number {
  const aMs = a.getTime();
  const bMs = b.getTime();
  if (bMs < aMs) return -workingMinutesBetweenIn(hours, b, a);
  let total = 0;
  const last = londonDayNumber(bMs);
  for (let dn = londonDayNumber(aMs); dn <= last; dn++) {
    if (!isBusinessDayNumber(dn)) continue;
    const [open, close] = windowOf(dn, hours);
    const overlap = Math.min(bMs, close) - Math.max(aMs, open);
    if (overlap > 0) total += overlap;
  }
  return total / MINUTE_MS;
}

export function isBusinessTime(instant: Date): boolean {
  return isWorkingTimeIn(CORE_HOURS, instant);
}

/** The instant itself if it is business time, else the next opening (the next business day's 08:30). */
export function nextBusinessInstant(instant: Date): Date {
  return nextWorkingInstantIn(CORE_HOURS, instant);
}

function assertMinutes(minutes: number): void {
  if (!Number.isFinite(minutes) || minutes < 0) throw new RangeError(`minutes must be a finite number ≥ 0, got ${minutes}`);
}

/** `minutes` business minutes after `start` on core hours (see `addWorkingTimeIn`). */
export function addBusinessTime(start: Date, minutes: number): Date {
  return addWorkingTimeIn(CORE_HOURS, start, minutes);
}

/** Business minutes (core hours) in [a, b); negative when b is before a. */
export function businessMinutesBetween(a: Date, b: Date): number {
  return workingMinutesBetweenIn(CORE_HOURS, a, b);
}

// ---------------------------------------------------------------------------------------------------------------
// 24/7 time
// ---------------------------------------------------------------------------------------------------------------

export function addClockTime(start: Date, minutes: number): Date {
  assertMinutes(minutes);
  return new Date(start.getTime() + Math.round(minutes * MINUTE_MS));
}

/** Elapsed real minutes in [a, b) (negative when b is before a); DST changes do not add or lose time. */
export function clockMinutesBetween(a: Date, b: Date): number {
  return (b.getTime() - a.getTime()) / MINUTE_MS;
}

// ---------------------------------------------------------------------------------------------------------------
// The calendar abstraction SLA code counts on
// ---------------------------------------------------------------------------------------------------------------

/**
 * `24x7`; `BUSINESS` (core hours, OM §2.3); or a desk's own weekday hours, `WEEKDAYS 07:30-18:00` (London time,
 * Monday–Friday, closed on England & Wales bank holidays), as its profile publishes them.
 */
export type CalendarKind = '24x7' | 'BUSINESS' | `WEEKDAYS ${string}`;

const WEEKDAYS = /^WEEKDAYS ([01]\d|2[0-3]):([0-5]\d)-([01]\d|2[0-4]):([0-5]\d)$/;

/** The weekday hours a calendar spec names, or null when it is not one (`24x7`, or malformed). */
export function weekdayHoursOf(kind: string): WeekdayHours | null {
  if (kind === 'BUSINESS') return CORE_HOURS;
  const match = WEEKDAYS.exec(kind);
  if (!match) return null;
  const [, oh, om, ch, cm] = match.map(Number) as [number, number, number, number, number];
  const hours = { opensAt: oh * 60 + om, closesAt: ch * 60 + cm };
  return hours.closesAt > hours.opensAt && hours.closesAt <= 24 * 60 ? hours : null;
}

/** The calendar spec of weekday hours `HH:MM`–`HH:MM`, checked. */
export function weekdayCalendarKind(opens: string, closes: string): CalendarKind {
  const kind = `WEEKDAYS ${opens}-${closes}` as const;
  if (!weekdayHoursOf(kind)) throw new RangeError(`not weekday hours: ${opens}-${closes}`);
  return kind;
}

/** Which time counts toward a target. SLA code uses only this interface, so it never knows which calendar it has. */
export interface Calendar {
  readonly kind: CalendarKind;
  /** Does time count at this instant? */
  isWorkingTime(instant: Date): boolean;
  /** The instant itself when working time, else the next instant at which time starts counting. */
  nextWorkingInstant(instant: Date): Date;
  /** The earliest instant at which `minutes` of counted time have passed since `start`. */
  addMinutes(start: Date, minutes: number): Date;
  /** Counted minutes in [a, b); negative when b is before a. */
  minutesBetween(a: Date, b: Date): number;
}

function weekdayCalendar(kind: CalendarKind, hours: WeekdayHours): Calendar {
  return Object.freeze({
    kind,
    isWorkingTime: (instant: Date) => isWorkingTimeIn(hours, instant),
    nextWorkingInstant: (instant: Date) => nextWorkingInstantIn(hours, instant),
    addMinutes: (start: Date, minutes: number) => addWorkingTimeIn(hours, start, minutes),
    minutesBetween: (a: Date, b: Date) => workingMinutesBetweenIn(hours, a, b),
  });
}

export const BUSINESS_CALENDAR: Calendar = weekdayCalendar('BUSINESS', CORE_HOURS);

export const CLOCK_CALENDAR: Calendar = Object.freeze({
  kind: '24x7' as const,
  isWorkingTime: (_instant: Date) => true,
  nextWorkingInstant: (instant: Date) => new Date(instant.getTime()),
  addMinutes: addClockTime,
  minutesBetween: clockMinutesBetween,
});

const WEEKDAY_CALENDARS = new Map<string, Calendar>();

/** The calendar of a spec; a malformed spec is an error (desks and cases store only checked ones). */
export function calendarOf(kind: CalendarKind): Calendar {
  if (kind === '24x7') return CLOCK_CALENDAR;
  if (kind === 'BUSINESS') return BUSINESS_CALENDAR;
  let calendar = WEEKDAY_CALENDARS.get(kind);
  if (!calendar) {
    const hours = weekdayHoursOf(kind);
    if (!hours) throw new RangeError(`not a calendar: ${kind}`);
    calendar = weekdayCalendar(kind, hours);
    WEEKDAY_CALENDARS.set(kind, calendar);
  }
  return calendar;
}

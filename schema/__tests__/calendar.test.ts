// Business and 24/7 calendar rules (OM §2.3): London time, bank holidays, due times across weekends, Easter, Christmas, BST.
import { describe, expect, it } from 'vitest';
import {
  BUSINESS_CALENDAR,
  BUSINESS_DAY_MINUTES,
  CLOCK_CALENDAR,
  addBusinessTime,
  addClockTime,
  bankHolidays,
  bstEnd,
  bstStart,
  businessMinutesBetween,
  calendarOf,
  clockMinutesBetween,
  easterSunday,
  fromLondonTime,
  isBankHoliday,
  isBritishSummerTime,
  isBusinessDay,
  isBusinessTime,
  londonDateString,
  londonOffsetMinutes,
  nextBusinessInstant,
  toLondonTime,
  ukDateTimeText,
  weekdayCalendarKind,
  weekdayHoursOf,
} from '../calendar';

const at = (iso: string): Date => new Date(iso);
const HOUR = 60;
const DAY = BUSINESS_DAY_MINUTES;

describe('Europe/London offset (BST = last Sunday of March 01:00 UTC → last Sunday of October 01:00 UTC)', () => {
  it.each([
    [2019, '2019-03-31T01:00:00.000Z', '2019-10-27T01:00:00.000Z'],
    [2024, '2024-03-31T01:00:00.000Z', '2024-10-27T01:00:00.000Z'],
    [2025, '2025-03-30T01:00:00.000Z', '2025-10-26T01:00:00.000Z'],
    [2026, '2026-03-29T01:00:00.000Z', '2026-10-25T01:00:00.000Z'],
    [2027, '2027-03-28T01:00:00.000Z', '2027-10-31T01:00:00.000Z'],
    [2028, '2028-03-26T01:00:00.000Z', '2028-10-29T01:00:00.000Z'],
  ])('%i: BST from %s to %s', (year, start, end) => {
    expect(bstStart(year).toISOString()).toBe(start);
    expect(bstEnd(year).toISOString()).toBe(end);
  });

  it.each([
    ['2026-01-15T12:00:00Z', 0],
    ['2026-03-29T00:59:59Z', 0], // 00:59:59 GMT, a second before the clocks go forward
    ['2026-03-29T01:00:00Z', 60], // 02:00 BST
    ['2026-07-01T12:00:00Z', 60],
    ['2026-10-25T00:59:59Z', 60], // 01:59:59 BST
    ['2026-10-25T01:00:00Z', 0], // 01:00 GMT, the repeated hour
    ['2026-12-31T23:59:59Z', 0],
  ])('offset at %s is %i minutes', (iso, minutes) => {
    expect(londonOffsetMinutes(at(iso))).toBe(minutes);
    expect(isBritishSummerTime(at(iso))).toBe(minutes === 60);
  });

  it.each([
    ['2026-01-15T12:00:00Z', { year: 2026, month: 1, day: 15, hour: 12, minute: 0, weekday: 4 }],
    ['2026-06-30T23:30:00Z', { year: 2026, month: 7, day: 1, hour: 0, minute: 30, weekday: 3 }], // BST: next day
    ['2026-03-29T01:00:00Z', { year: 2026, month: 3, day: 29, hour: 2, minute: 0, weekday: 0 }],
    ['2026-10-25T01:30:00Z', { year: 2026, month: 10, day: 25, hour: 1, minute: 30, weekday: 0 }],
  ])('toLondonTime(%s)', (iso, expected) => {
    expect(toLondonTime(at(iso))).toMatchObject(expected);
  });

  it.each([
    [[2026, 1, 15, 8, 30], '2026-01-15T08:30:00.000Z'],
    [[2026, 7, 15, 8, 30], '2026-07-15T07:30:00.000Z'],
    [[2026, 3, 29, 0, 30], '2026-03-29T00:30:00.000Z'], // still GMT
    [[2026, 3, 29, 1, 30], '2026-03-29T01:30:00.000Z'], // does not exist: read as GMT (02:30 BST)
    [[2026, 3, 29, 2, 30], '2026-03-29T01:30:00.000Z'],
    [[2026, 10, 25, 0, 30], '2026-10-24T23:30:00.000Z'], // still BST
    [[2026, 10, 25, 1, 30], '2026-10-25T01:30:00.000Z'], // ambiguous: the later (GMT) instant
    [[2026, 10, 25, 2, 30], '2026-10-25T02:30:00.000Z'],
  ] as const)('fromLondonTime(%j) = %s', ([y, mo, d, h, mi], iso) => {
    expect(fromLondonTime(y, mo, d, h, mi).toISOString()).toBe(iso);
  });

  it.each([
    ['2026-06-30T23:30:00Z', '2026-07-01'],
    ['2026-12-31T23:30:00Z', '2026-12-31'],
  ])('londonDateString(%s) = %s', (iso, date) => {
    expect(londonDateString(at(iso))).toBe(date);
  });
});

describe('ukDateTimeText: what a UK reader sees, as the dashboard words it', () => {
  it.each([
    ['2026-11-06T14:03:00Z', '6 Nov 2026, 14:03 GMT'],
    ['2026-07-06T08:30:59Z', '6 Jul 2026, 09:30 BST'],
    ['2026-03-29T00:59:00Z', '29 Mar 2026, 00:59 GMT'],
    ['2026-03-29T01:00:00Z', '29 Mar 2026, 02:00 BST'], // the clocks go forward
    ['2026-10-25T00:30:00Z', '25 Oct 2026, 01:30 BST'],
    ['2026-10-25T01:30:00Z', '25 Oct 2026, 01:30 GMT'], // the repeated hour, told apart by its zone
    ['2026-06-30T23:15:00Z', '1 Jul 2026, 00:15 BST'], // already tomorrow in London
  ])('%s is "%s"', (iso, text) => {
    expect(ukDateTimeText(new Date(iso))).toBe(text);
  });

  it('matches Intl en-GB in Europe/London (the dashboard’s formatter)', () => {
    const intl = new Intl.DateTimeFormat('en-GB', {
      timeZone: 'Europe/London',
      day: 'numeric',
      month: 'short',
      year: 'numeric',
      hour: '2-digit',
      minute: '2-digit',
      timeZoneName: 'short',
    });
    for (const iso of ['2026-01-02T03:04:00Z', '2026-08-31T22:59:00Z', '2026-09-10T10:00:00Z', '2027-12-25T12:00:00Z']) {
      expect(ukDateTimeText(new Date(iso))).toBe(intl.format(new Date(iso)));
    }
  });
});

describe('England & Wales bank holidays', () => {
  it.each([
    [1818, '1818-03-22'], // earliest possible
    [1943, '1943-04-25'], // latest possible
    [2000, '2000-04-23'],
    [2008, '2008-03-23'],
    [2019, '2019-04-21'],
    [2020, '2020-04-12'],
    [2021, '2021-04-04'],
    [2022, '2022-04-17'],
    [2023, '2023-04-09'],
    [2024, '2024-03-31'],
    [2025, '2025-04-20'],
    [2026, '2026-04-05'],
    [2027, '2027-03-28'],
    [2028, '2028-04-16'],
    [2029, '2029-04-01'],
    [2030, '2030-04-21'],
    [2038, '2038-04-25'],
    [2285, '2285-03-22'],
  ])('Easter Sunday %i is %s', (year, date) => {
    expect(easterSunday(year)).toBe(date);
  });

  // gov.uk/bank-holidays (England and Wales), including substitute days and one-off changes.
  it.each([
    [2012, ['01-02', '04-06', '04-09', '05-07', '06-04', '06-05', '08-27', '12-25', '12-26']], // Diamond Jubilee
    [2019, ['01-01', '04-19', '04-22', '05-06', '05-27', '08-26', '12-25', '12-26']],
    [2020, ['01-01', '04-10', '04-13', '05-08', '05-25', '08-31', '12-25', '12-28']], // VE Day Friday; Boxing Day Sat
    [2021, ['01-01', '04-02', '04-05', '05-03', '05-31', '08-30', '12-27', '12-28']], // Christmas on Saturday
    [2022, ['01-03', '04-15', '04-18', '05-02', '06-02', '06-03', '08-29', '09-19', '12-26', '12-27']], // Jubilee, funeral; Christmas Sunday
    [2023, ['01-02', '04-07', '04-10', '05-01', '05-08', '05-29', '08-28', '12-25', '12-26']], // coronation
    [2024, ['01-01', '03-29', '04-01', '05-06', '05-27', '08-26', '12-25', '12-26']],
    [2025, ['01-01', '04-18', '04-21', '05-05', '05-26', '08-25', '12-25', '12-26']],
    [2026, ['01-01', '04-03', '04-06', '05-04', '05-25', '08-31', '12-25', '12-28']], // Boxing Day Saturday → Mon 28
    [2027, ['01-01', '03-26', '03-29', '05-03', '05-31', '08-30', '12-27', '12-28']],
    [2028, ['01-03', '04-14', '04-17', '05-01', '05-29', '08-28', '12-25', '12-26']], // New Year on Saturday
  ])('%i', (year, days) => {
    expect(bankHolidays(year).map((h) => h.date)).toEqual(days.map((d) => `${year}-${d}`));
  });

  it.each([
    ['2026-04-03', true, 'Good Friday'],
    ['2026-04-06', true, 'Easter Monday'],
    ['2026-12-28', true, 'Boxing Day substitute'],
    ['2026-12-26', false, 'Boxing Day itself is a Saturday, not a working day but not the bank holiday'],
    ['2022-06-02', true, 'moved Spring bank holiday'],
    ['2022-05-30', false, 'the rule date of the moved Spring bank holiday'],
    ['2020-05-04', false, 'the rule date of the moved Early May bank holiday'],
    ['2026-04-07', false, 'Easter Tuesday'],
  ])('isBankHoliday(%s) = %s (%s)', (date, expected) => {
    expect(isBankHoliday(date)).toBe(expected);
  });

  it.each([
    ['2026-04-02T23:30:00Z', true], // 00:30 BST on Good Friday
    ['2026-04-02T22:59:59Z', false], // 23:59:59 BST Thursday
    ['2026-12-24T23:59:59Z', false],
    ['2026-12-25T00:00:00Z', true],
  ])('an instant is judged by its London date: isBankHoliday(%s) = %s', (iso, expected) => {
    expect(isBankHoliday(at(iso))).toBe(expected);
  });

  it('rejects a malformed date string', () => {
    expect(() => isBankHoliday('2026-02-30')).toThrow(RangeError);
    expect(() => isBankHoliday('3 April 2026')).toThrow(RangeError);
  });
});

describe('core hours 08:30–17:30 Mon–Fri, London time', () => {
  it.each([
    ['2026-01-12T08:29:59Z', false, 'Monday before opening (GMT)'],
    ['2026-01-12T08:30:00Z', true, 'Monday opening (GMT)'],
    ['2026-01-12T17:29:59Z', true, 'Monday just before close (GMT)'],
    ['2026-01-12T17:30:00Z', false, 'Monday close (GMT)'],
    ['2026-07-13T07:30:00Z', true, 'Monday 08:30 BST'],
    ['2026-07-13T07:29:59Z', false, 'Monday 08:29:59 BST'],
    ['2026-07-13T16:30:00Z', false, 'Monday 17:30 BST'],
    ['2026-01-17T12:00:00Z', false, 'Saturday'],
    ['2026-01-18T12:00:00Z', false, 'Sunday'],
    ['2026-04-03T11:00:00Z', false, 'Good Friday'],
    ['2026-12-28T11:00:00Z', false, 'Boxing Day substitute'],
  ])('isBusinessTime(%s) = %s (%s)', (iso, expected) => {
    expect(isBusinessTime(at(iso))).toBe(expected);
    expect(BUSINESS_CALENDAR.isWorkingTime(at(iso))).toBe(expected);
  });

  it.each([
    ['2026-01-16', true],
    ['2026-01-17', false],
    ['2026-04-06', false],
  ])('isBusinessDay(%s) = %s', (date, expected) => {
    expect(isBusinessDay(date)).toBe(expected);
  });

  it.each([
    ['2026-01-12T10:00:00Z', '2026-01-12T10:00:00.000Z', 'in hours: itself'],
    ['2026-01-12T06:00:00Z', '2026-01-12T08:30:00.000Z', 'early morning: opening'],
    ['2026-01-13T19:00:00Z', '2026-01-14T08:30:00.000Z', 'evening: next opening'],
    ['2026-01-16T17:30:00Z', '2026-01-19T08:30:00.000Z', 'Friday close: Monday'],
    ['2026-04-02T17:00:00Z', '2026-04-07T07:30:00.000Z', 'Maundy Thursday evening: Tuesday after Easter (BST)'],
    ['2026-12-24T18:00:00Z', '2026-12-29T08:30:00.000Z', 'Christmas Eve evening: Tuesday 29th'],
  ])('nextBusinessInstant(%s) = %s (%s)', (iso, expected) => {
    expect(nextBusinessInstant(at(iso)).toISOString()).toBe(expected);
  });
});

describe('addBusinessTime: the due time counting only core-hours minutes', () => {
  it.each([
    ['2026-01-12T09:00:00Z', 1 * HOUR, '2026-01-12T10:00:00.000Z', 'within a day'],
    ['2026-01-12T08:30:00Z', DAY, '2026-01-12T17:30:00.000Z', 'a whole day ends at 17:30, not the next 08:30'],
    ['2026-01-12T10:00:00Z', 0, '2026-01-12T10:00:00.000Z', 'zero minutes'],
    ['2026-01-16T16:30:00Z', 2 * HOUR, '2026-01-19T09:30:00.000Z', 'across a weekend'],
    ['2026-01-17T11:00:00Z', 15, '2026-01-19T08:45:00.000Z', 'raised on Saturday: clock starts Monday 08:30'],
    ['2026-01-13T19:00:00Z', 15, '2026-01-14T08:45:00.000Z', 'raised at 19:00: clock starts next 08:30'],
    ['2026-01-13T06:00:00Z', 30, '2026-01-13T09:00:00.000Z', 'raised at 06:00: clock starts 08:30'],
    ['2026-04-02T15:00:00Z', 5 * DAY, '2026-04-13T15:00:00.000Z', 'P3 across Easter 2026 (Thu 16:00 BST → Mon 13 Apr 16:00 BST)'],
    ['2026-04-02T15:00:00Z', 2 * HOUR, '2026-04-07T08:00:00.000Z', 'Maundy Thursday → Tuesday after Easter Monday'],
    ['2026-12-24T10:00:00Z', DAY, '2026-12-29T10:00:00.000Z', 'P2 across Christmas 2026 (25 Fri, 28 Mon substitute)'],
    ['2026-12-31T17:00:00Z', 1 * HOUR, '2027-01-04T09:00:00.000Z', 'across New Year 2027 (Fri 1 Jan)'],
    ['2026-03-27T17:00:00Z', 1 * HOUR, '2026-03-30T08:00:00.000Z', 'across the spring BST switch (Fri 17:00 GMT → Mon 09:00 BST)'],
    ['2026-10-23T16:00:00Z', 1 * HOUR, '2026-10-26T09:00:00.000Z', 'across the autumn switch (Fri 17:00 BST → Mon 09:00 GMT)'],
    ['2026-03-27T08:30:00Z', 2 * DAY, '2026-03-30T16:30:00.000Z', 'two full days either side of the spring switch'],
    ['2026-11-02T08:30:00Z', 20 * DAY, '2026-11-27T17:30:00.000Z', 'P4: 20 business days = four working weeks'],
    ['2026-12-01T08:30:00Z', 20 * DAY, '2026-12-30T17:30:00.000Z', 'P4 over Christmas (25th and 28th skipped)'],
    ['2026-12-08T08:30:00Z', 20 * DAY, '2027-01-07T17:30:00.000Z', 'P4 over Christmas and New Year'],
    ['2022-06-01T16:00:00Z', 1 * HOUR, '2022-06-06T08:00:00.000Z', 'over the 2022 Platinum Jubilee (Thu 2 and Fri 3 June)'],
    ['2022-09-16T16:00:00Z', 1 * HOUR, '2022-09-20T08:00:00.000Z', 'over the 2022 state funeral (Mon 19 Sept)'],
    ['2023-05-05T16:00:00Z', 1 * HOUR, '2023-05-09T08:00:00.000Z', 'over the 2023 coronation (Mon 8 May)'],
  ])('%s + %i min = %s (%s)', (start, minutes, due) => {
    expect(addBusinessTime(at(start), minutes).toISOString()).toBe(due);
    expect(BUSINESS_CALENDAR.addMinutes(at(start), minutes).toISOString()).toBe(due);
  });

  it('rejects negative or non-finite minutes', () => {
    expect(() => addBusinessTime(at('2026-01-12T09:00:00Z'), -1)).toThrow(RangeError);
    expect(() => addBusinessTime(at('2026-01-12T09:00:00Z'), Number.NaN)).toThrow(RangeError);
  });

  it('steps by day, not by minute: ten years of business time in well under a second', () => {
    const started = performance.now();
    const due = addBusinessTime(at('2026-01-05T08:30:00Z'), 2_530 * DAY);
    expect(performance.now() - started).toBeLessThan(500);
    expect(businessMinutesBetween(at('2026-01-05T08:30:00Z'), due)).toBe(2_530 * DAY);
  });
});

describe('businessMinutesBetween', () => {
  it.each([
    ['2026-01-12T09:00:00Z', '2026-01-12T10:00:00Z', 60, 'within a day'],
    ['2026-01-12T06:00:00Z', '2026-01-12T20:00:00Z', DAY, 'a whole day from outside hours'],
    ['2026-01-16T16:30:00Z', '2026-01-19T09:30:00Z', 120, 'across a weekend'],
    ['2026-01-17T00:00:00Z', '2026-01-19T00:00:00Z', 0, 'a weekend'],
    ['2026-04-02T15:00:00Z', '2026-04-07T08:00:00Z', 120, 'Easter 2026'],
    ['2026-12-24T10:00:00Z', '2026-12-29T10:00:00Z', DAY, 'Christmas 2026'],
    ['2026-03-27T08:30:00Z', '2026-03-30T16:30:00Z', 2 * DAY, 'across the spring BST switch'],
    ['2026-01-01T00:00:00Z', '2027-01-01T00:00:00Z', 253 * DAY, 'all of 2026: 365 − 104 weekend days − 8 bank holidays'],
    ['2026-01-12T10:00:00Z', '2026-01-12T09:00:00Z', -60, 'negative when reversed'],
  ])('%s → %s = %i (%s)', (a, b, minutes) => {
    expect(businessMinutesBetween(at(a), at(b))).toBe(minutes);
    expect(BUSINESS_CALENDAR.minutesBetween(at(a), at(b))).toBe(minutes);
  });

  it.each([
    '2026-01-12T09:17:00Z',
    '2026-01-16T17:10:00Z',
    '2026-01-17T03:00:00Z',
    '2026-03-27T12:00:00Z',
    '2026-04-02T16:59:00Z',
    '2026-10-23T15:45:00Z',
    '2026-12-23T14:00:00Z',
  ])('inverts addBusinessTime from %s', (start) => {
    for (const minutes of [1, 59, DAY - 1, DAY, DAY + 1, 5 * DAY, 20 * DAY + 17]) {
      expect(businessMinutesBetween(at(start), addBusinessTime(at(start), minutes))).toBe(minutes);
    }
  });
});

describe('24/7 calendar', () => {
  it.each([
    ['2026-01-17T22:00:00Z', 6 * HOUR, '2026-01-18T04:00:00.000Z', 'P1 overnight at a weekend'],
    ['2026-03-29T00:00:00Z', 6 * HOUR, '2026-03-29T06:00:00.000Z', 'six real hours across spring forward (07:00 BST)'],
    ['2026-10-25T00:00:00Z', 6 * HOUR, '2026-10-25T06:00:00.000Z', 'six real hours across fall back (06:00 GMT)'],
    ['2026-12-24T20:00:00Z', 15, '2026-12-24T20:15:00.000Z', 'triage response on Christmas Eve night'],
  ])('%s + %i min = %s (%s)', (start, minutes, due) => {
    expect(addClockTime(at(start), minutes).toISOString()).toBe(due);
    expect(CLOCK_CALENDAR.addMinutes(at(start), minutes).toISOString()).toBe(due);
    expect(clockMinutesBetween(at(start), at(due))).toBe(minutes);
  });

  it('always counts', () => {
    expect(CLOCK_CALENDAR.isWorkingTime(at('2026-12-25T03:00:00Z'))).toBe(true);
    expect(CLOCK_CALENDAR.nextWorkingInstant(at('2026-12-25T03:00:00Z')).toISOString()).toBe('2026-12-25T03:00:00.000Z');
  });

  it.each([
    ['BUSINESS', BUSINESS_CALENDAR],
    ['24x7', CLOCK_CALENDAR],
  ] as const)('calendarOf(%s)', (kind, calendar) => {
    expect(calendarOf(kind)).toBe(calendar);
    expect(calendar.kind).toBe(kind);
  });
});

describe("a desk's own weekday hours (WEEKDAYS hh:mm-hh:mm)", () => {
  const nged = calendarOf('WEEKDAYS 09:00-17:00');

  it('counts only its hours: a P1 raised at 04:56 on a Tuesday is due for triage 15 minutes after it opens', () => {
    expect(nged.nextWorkingInstant(at('2026-03-03T04:56:00Z')).toISOString()).toBe('2026-03-03T09:00:00.000Z');
    expect(nged.addMinutes(at('2026-03-03T04:56:00Z'), 15).toISOString()).toBe('2026-03-03T09:15:00.000Z');
    // 08:45, when core hours would have it due, the desk is still closed.
    expect(nged.isWorkingTime(at('2026-03-03T08:45:00Z'))).toBe(false);
  });

  it('follows London time across BST and skips weekends and bank holidays', () => {
    // 09:00 BST is 08:00 UTC; Good Friday and Easter Monday 2026 (3 and 6 April) are closed.
    expect(nged.nextWorkingInstant(at('2026-04-02T16:30:00Z')).toISOString()).toBe('2026-04-07T08:00:00.000Z');
    expect(nged.addMinutes(at('2026-04-02T15:00:00Z'), 60).toISOString()).toBe('2026-04-02T16:00:00.000Z');
    expect(nged.addMinutes(at('2026-04-02T15:00:00Z'), 90).toISOString()).toBe('2026-04-07T08:30:00.000Z');
    expect(nged.minutesBetween(at('2026-04-02T08:00:00Z'), at('2026-04-07T09:00:00Z'))).toBe(8 * 60 + 60);
  });

  it('is one calendar per spec, and refuses hours that are not hours', () => {
    expect(calendarOf('WEEKDAYS 09:00-17:00')).toBe(nged);
    expect(nged.kind).toBe('WEEKDAYS 09:00-17:00');
    expect(weekdayHoursOf('BUSINESS')).toEqual({ opensAt: 8 * 60 + 30, closesAt: 17 * 60 + 30 });
    expect(weekdayHoursOf('WEEKDAYS 17:00-09:00')).toBeNull();
    expect(weekdayHoursOf('WEEKDAYS 25:00-26:00')).toBeNull();
    expect(() => calendarOf('WEEKDAYS 9-5' as never)).toThrow(RangeError);
    expect(() => weekdayCalendarKind('18:00', '08:00')).toThrow(RangeError);
    expect(weekdayCalendarKind('07:30', '18:00')).toBe('WEEKDAYS 07:30-18:00');
  });
});

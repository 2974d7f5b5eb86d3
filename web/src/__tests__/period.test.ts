import { describe, expect, it } from 'vitest';
import { bucketLabel, bucketShortLabel, parseDateInput, periodFor, periodLabel, shiftDate, ukDateOf, ukMidnight, ukOffsetMs } from '../period';

const at = (isoText: string) => Date.parse(isoText);

describe('UK time', () => {
  it('knows the offset in GMT and in BST', () => {
    expect(ukOffsetMs(at('2026-01-15T12:00:00Z'))).toBe(0);
    expect(ukOffsetMs(at('2026-07-15T12:00:00Z'))).toBe(3600_000);
  });

  it('finds UK midnight in winter, in summer and on the days the clocks change', () => {
    expect(ukMidnight({ year: 2026, month: 1, day: 1 }).toISOString()).toBe('2026-01-01T00:00:00.000Z');
    expect(ukMidnight({ year: 2026, month: 7, day: 1 }).toISOString()).toBe('2026-06-30T23:00:00.000Z');
    // BST starts at 01:00 UTC on 29 March 2026 and ends at 01:00 UTC on 25 October 2026.
    expect(ukMidnight({ year: 2026, month: 3, day: 29 }).toISOString()).toBe('2026-03-29T00:00:00.000Z');
    expect(ukMidnight({ year: 2026, month: 3, day: 30 }).toISOString()).toBe('2026-03-29T23:00:00.000Z');
    expect(ukMidnight({ year: 2026, month: 10, day: 25 }).toISOString()).toBe('2026-10-24T23:00:00.000Z');
    expect(ukMidnight({ year: 2026, month: 10, day: 26 }).toISOString()).toBe('2026-10-26T00:00:00.000Z');
  });

  it('reads the UK date of an instant (late evening UTC in summer is already tomorrow)', () => {
    expect(ukDateOf(at('2026-06-30T23:30:00Z'))).toEqual({ year: 2026, month: 7, day: 1 });
    expect(ukDateOf(at('2026-12-31T23:30:00Z'))).toEqual({ year: 2026, month: 12, day: 31 });
  });

  it('shifts dates across months and years', () => {
    expect(shiftDate({ year: 2026, month: 1, day: 1 }, { months: -1 })).toEqual({ year: 2025, month: 12, day: 1 });
    expect(shiftDate({ year: 2026, month: 3, day: 1 }, { days: -1 })).toEqual({ year: 2026, month: 2, day: 28 });
  });

  it('parses date inputs, refusing dates that do not exist', () => {
    expect(parseDateInput('2026-11-03')).toEqual({ year: 2026, month: 11, day: 3 });
    expect(parseDateInput('2026-02-30')).toBeNull();
    expect(parseDateInput('3/11/2026')).toBeNull();
  });
});

describe('report periods', () => {
  const now = at('2026-07-15T10:20:00Z');

  it('this month: from UK midnight on the 1st to now', () => {
    expect(periodFor('this-month', now)).toEqual({ ok: true, period: { from: '2026-06-30T23:00:00.000Z', to: '2026-07-15T10:20:00.000Z' } });
  });

  it('last month: the whole calendar month, across the change from BST to GMT', () => {
    expect(periodFor('last-month', at('2026-11-03T09:00:00Z'))).toEqual({
      ok: true,
      period: { from: '2026-09-30T23:00:00.000Z', to: '2026-11-01T00:00:00.000Z' },
    });
    expect(periodFor('last-month', at('2026-01-10T09:00:00Z'))).toEqual({
      ok: true,
      period: { from: '2025-12-01T00:00:00.000Z', to: '2026-01-01T00:00:00.000Z' },
    });
  });

  it('last 90 days: today and the 89 days before, to now', () => {
    expect(periodFor('last-90-days', now)).toEqual({ ok: true, period: { from: '2026-04-16T23:00:00.000Z', to: '2026-07-15T10:20:00.000Z' } });
  });

  it('custom dates: both days included, ending now at the latest', () => {
    expect(periodFor('custom', now, { from: '2026-03-01', to: '2026-03-31' })).toEqual({
      ok: true,
      period: { from: '2026-03-01T00:00:00.000Z', to: '2026-03-31T23:00:00.000Z' },
    });
    expect(periodFor('custom', now, { from: '2026-07-01', to: '2026-07-31' })).toEqual({
      ok: true,
      period: { from: '2026-06-30T23:00:00.000Z', to: '2026-07-15T10:20:00.000Z' },
    });
    expect(periodFor('custom', now, { from: '2026-07-15', to: '2026-07-15' })).toMatchObject({ ok: true });
  });

  it('custom dates: says what is wrong, on the field', () => {
    expect(periodFor('custom', now, { from: '2026-03-10', to: '2026-03-09' })).toEqual({
      ok: false,
      errors: { to: 'The to date must be the same as or after the from date.' },
    });
    expect(periodFor('custom', now, { from: '', to: '2026-02-30' })).toEqual({
      ok: false,
      errors: { from: 'Enter a from date.', to: 'Enter the to date as a real date, for example 2026-11-30.' },
    });
    expect(periodFor('custom', now, { from: '2026-08-01', to: '2026-08-02' })).toMatchObject({ ok: false, errors: { from: expect.stringMatching(/future/) } });
  });

  it('labels periods and trend buckets in UK time', () => {
    expect(periodLabel({ from: '2026-09-30T23:00:00.000Z', to: '2026-11-01T00:00:00.000Z' })).toBe('1 Oct 2026 – 31 Oct 2026');
    expect(periodLabel({ from: '2026-06-30T23:00:00.000Z', to: '2026-07-15T10:20:00.000Z' })).toBe('1 Jul 2026 – 15 Jul 2026, 11:20 BST');
    expect(bucketLabel('2026-06-30T23:00:00.000Z', 'MONTH')).toBe('Jul 2026');
    expect(bucketLabel('2026-11-02T00:00:00.000Z', 'WEEK')).toBe('w/c 2 Nov 2026');
    expect(bucketShortLabel('2026-11-02T00:00:00.000Z', 'WEEK')).toBe('2 Nov');
    expect(bucketShortLabel('2026-06-30T23:00:00.000Z', 'MONTH')).toBe('Jul 2026');
  });
});

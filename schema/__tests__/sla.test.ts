// The SLA clock: due times, elapsed/remaining time, holds that pause it, and breaches.
import { describe, expect, it } from 'vitest';
import { BUSINESS_CALENDAR, CLOCK_CALENDAR, type Calendar } from '../calendar';
import { Priority } from '../enums';
import { HYPERCARE, SERVICE_REQUEST_SLAS, STANDARD, type SlaTarget } from '../priority';
import {
  calendarForTarget,
  computeSlaClock,
  serviceRequestTerms,
  slaTargetMinutes,
  slaTermsFor,
  type HoldInterval,
  type SlaClock,
  type SlaTerms,
} from '../sla';

const at = (iso: string): Date => new Date(iso);
const hold = (from: string, to: string | null): HoldInterval => ({ from: at(from), to: to === null ? null : at(to) });

describe('slaTargetMinutes', () => {
  it.each([
    [{ amount: 0.25, unit: 'CLOCK_HOURS' }, 15],
    [{ amount: 6, unit: 'CLOCK_HOURS' }, 360],
    [{ amount: 4, unit: 'BUSINESS_HOURS' }, 240],
    [{ amount: 10, unit: 'BUSINESS_HOURS' }, 600],
    [{ amount: 200, unit: 'BUSINESS_HOURS' }, 12_000],
    [{ amount: 1, unit: 'BUSINESS_DAYS' }, 540],
    [{ amount: 5, unit: 'BUSINESS_DAYS' }, 2_700],
    [{ amount: 20, unit: 'BUSINESS_DAYS' }, 10_800],
  ] as [SlaTarget, number][])('%j = %i minutes', (target, minutes) => {
    expect(slaTargetMinutes(target)).toBe(minutes);
  });
});

describe('which calendar a target counts on', () => {
  it.each([
    ['CLOCK_HOURS', '24x7', CLOCK_CALENDAR],
    ['CLOCK_HOURS', 'BUSINESS', BUSINESS_CALENDAR],
    ['BUSINESS_HOURS', '24x7', BUSINESS_CALENDAR],
    ['BUSINESS_DAYS', '24x7', BUSINESS_CALENDAR],
    ['BUSINESS_DAYS', 'BUSINESS', BUSINESS_CALENDAR],
  ] as const)('%s under a %s policy', (unit, policyCalendar, calendar) => {
    expect(calendarForTarget({ amount: 1, unit }, policyCalendar)).toBe(calendar);
  });

  it.each([
    [STANDARD, Priority.P1, CLOCK_CALENDAR, 360],
    [STANDARD, Priority.P2, BUSINESS_CALENDAR, 540],
    [STANDARD, Priority.P3, BUSINESS_CALENDAR, 2_700],
    [STANDARD, Priority.P4, BUSINESS_CALENDAR, 10_800],
    [HYPERCARE, Priority.P1, CLOCK_CALENDAR, 360],
    [HYPERCARE, Priority.P2, BUSINESS_CALENDAR, 600],
    [HYPERCARE, Priority.P3, BUSINESS_CALENDAR, 2_700],
    [HYPERCARE, Priority.P4, BUSINESS_CALENDAR, 12_000],
  ])('$name %s resolves on its calendar', (policy, priority, calendar, minutes) => {
    const terms = slaTermsFor(policy, priority);
    expect(terms.resolution.calendar).toBe(calendar);
    expect(slaTargetMinutes(terms.resolution.target)).toBe(minutes);
    expect(terms.response.calendar).toBe(CLOCK_CALENDAR);
    expect(slaTargetMinutes(terms.response.target)).toBe(15);
  });

  it('service requests count response and resolution in business time', () => {
    const terms = serviceRequestTerms(SERVICE_REQUEST_SLAS.HIGH_PRIORITY);
    expect(terms.response.calendar).toBe(BUSINESS_CALENDAR);
    expect(terms.resolution.calendar).toBe(BUSINESS_CALENDAR);
  });
});

interface Scenario {
  name: string;
  terms: SlaTerms;
  raisedAt: string;
  holds?: HoldInterval[];
  respondedAt?: string;
  resolvedAt?: string;
  now: string;
  expected: Partial<Omit<SlaClock, 'responseDueAt' | 'resolutionDueAt'>> & { responseDueAt?: string; resolutionDueAt?: string };
}

const P1 = slaTermsFor(STANDARD, Priority.P1);
const P2 = slaTermsFor(STANDARD, Priority.P2);
const P3 = slaTermsFor(STANDARD, Priority.P3);
const P4 = slaTermsFor(STANDARD, Priority.P4);
const HYPERCARE_P2 = slaTermsFor(HYPERCARE, Priority.P2);
const REQUEST_HIGH = serviceRequestTerms(SERVICE_REQUEST_SLAS.HIGH_PRIORITY);

const scenarios: Scenario[] = [
  {
    name: 'P1 on the 24/7 calendar counts through a Saturday night',
    terms: P1,
    raisedAt: '2026-01-17T22:00:00Z',
    respondedAt: '2026-01-17T22:10:00Z',
    now: '2026-01-18T03:00:00Z',
    expected: {
      responseDueAt: '2026-01-17T22:15:00.000Z',
      resolutionDueAt: '2026-01-18T04:00:00.000Z',
      targetMinutes: 360,
      elapsedMinutes: 300,
      remainingMinutes: 60,
      paused: false,
      running: true,
      responseBreached: false,
      resolutionBreached: false,
    },
  },
  {
    name: 'P1 one minute past six hours has breached',
    terms: P1,
    raisedAt: '2026-01-17T22:00:00Z',
    respondedAt: '2026-01-17T22:10:00Z',
    now: '2026-01-18T04:01:00Z',
    expected: { elapsedMinutes: 361, remainingMinutes: -1, resolutionBreached: true },
  },
  {
    name: 'P1 at exactly six hours is on time (breach is elapsed > target)',
    terms: P1,
    raisedAt: '2026-01-17T22:00:00Z',
    respondedAt: '2026-01-17T22:10:00Z',
    now: '2026-01-18T04:00:00Z',
    expected: { elapsedMinutes: 360, remainingMinutes: 0, consumedRatio: 1, resolutionBreached: false },
  },
  {
    name: 'P1 across the spring BST switch: six real hours (due 07:00 BST)',
    terms: P1,
    raisedAt: '2026-03-29T00:00:00Z',
    respondedAt: '2026-03-29T00:05:00Z',
    now: '2026-03-29T01:30:00Z',
    expected: { resolutionDueAt: '2026-03-29T06:00:00.000Z', elapsedMinutes: 90 },
  },
  {
    name: 'P1 on hold for two hours: due moves two hours later',
    terms: P1,
    raisedAt: '2026-01-12T10:00:00Z',
    respondedAt: '2026-01-12T10:05:00Z',
    holds: [hold('2026-01-12T11:00:00Z', '2026-01-12T13:00:00Z')],
    now: '2026-01-12T15:00:00Z',
    expected: { resolutionDueAt: '2026-01-12T18:00:00.000Z', elapsedMinutes: 180, remainingMinutes: 180, paused: false },
  },
  {
    name: 'P3 raised at 19:00 starts its clock at the next 08:30',
    terms: P3,
    raisedAt: '2026-01-13T19:00:00Z',
    respondedAt: '2026-01-13T19:12:00Z',
    now: '2026-01-14T08:30:00Z',
    expected: {
      resolutionDueAt: '2026-01-20T17:30:00.000Z', // Wed, Thu, Fri, Mon, Tue
      elapsedMinutes: 0,
      remainingMinutes: 2_700,
      running: true,
      resolutionBreached: false,
    },
  },
  {
    name: 'P3 across Easter 2026: Thursday 16:00 BST is due Monday 13 April 16:00 BST',
    terms: P3,
    raisedAt: '2026-04-02T15:00:00Z',
    respondedAt: '2026-04-02T15:05:00Z',
    now: '2026-04-07T08:30:00Z', // Tuesday 09:30 BST
    expected: { resolutionDueAt: '2026-04-13T15:00:00.000Z', elapsedMinutes: 90 + 60 },
  },
  {
    name: 'P2 across Christmas 2026: Christmas Eve 10:00 is due Tuesday 29 December 10:00',
    terms: P2,
    raisedAt: '2026-12-24T10:00:00Z',
    respondedAt: '2026-12-24T10:02:00Z',
    now: '2026-12-28T12:00:00Z',
    expected: { resolutionDueAt: '2026-12-29T10:00:00.000Z', elapsedMinutes: 450, remainingMinutes: 90 },
  },
  {
    name: 'P2 across the spring BST switch: Friday 13:30 GMT is due Monday 13:30 BST',
    terms: P2,
    raisedAt: '2026-03-27T13:30:00Z',
    respondedAt: '2026-03-27T13:31:00Z',
    now: '2026-03-27T13:30:00Z',
    expected: { resolutionDueAt: '2026-03-30T12:30:00.000Z' },
  },
  {
    name: 'P2 with a hold spanning a weekend: only Thursday, Friday morning and Monday count',
    terms: P2,
    raisedAt: '2026-01-15T14:30:00Z', // Thu
    respondedAt: '2026-01-15T14:40:00Z',
    holds: [hold('2026-01-16T10:30:00Z', '2026-01-19T11:30:00Z')], // Fri 10:30 → Mon 11:30
    now: '2026-01-19T12:30:00Z',
    expected: {
      resolutionDueAt: '2026-01-19T15:30:00.000Z', // 180 Thu + 120 Fri + 240 Mon from 11:30 (without the hold: Fri 14:30)
      elapsedMinutes: 360,
      remainingMinutes: 180,
      paused: false,
      running: true,
    },
  },
  {
    name: 'P2 still on hold: paused, elapsed frozen, due projected as if resuming now',
    terms: P2,
    raisedAt: '2026-01-15T14:30:00Z',
    respondedAt: '2026-01-15T14:40:00Z',
    holds: [hold('2026-01-16T10:30:00Z', null)],
    now: '2026-01-20T09:30:00Z', // Tue
    expected: {
      resolutionDueAt: '2026-01-20T13:30:00.000Z', // 240 minutes left from 09:30
      elapsedMinutes: 300,
      remainingMinutes: 240,
      paused: true,
      running: false,
      resolutionBreached: false,
    },
  },
  {
    name: 'a hold put on at this very instant already pauses the clock',
    terms: P2,
    raisedAt: '2026-01-15T14:30:00Z',
    respondedAt: '2026-01-15T14:40:00Z',
    holds: [hold('2026-01-16T10:30:00Z', null)],
    now: '2026-01-16T10:30:00Z',
    expected: { paused: true, elapsedMinutes: 300, resolutionDueAt: '2026-01-16T14:30:00.000Z' },
  },
  {
    name: 'overlapping holds are merged, and a hold begun before the raise counts only from the raise',
    terms: P2,
    raisedAt: '2026-01-12T09:30:00Z',
    respondedAt: '2026-01-12T09:35:00Z',
    holds: [
      hold('2026-01-12T09:00:00Z', '2026-01-12T10:30:00Z'),
      hold('2026-01-12T12:00:00Z', '2026-01-12T14:00:00Z'),
      hold('2026-01-12T13:00:00Z', '2026-01-12T15:00:00Z'),
    ],
    now: '2026-01-12T17:30:00Z',
    expected: {
      elapsedMinutes: 90 + 150, // 10:30–12:00 and 15:00–17:30
      resolutionDueAt: '2026-01-13T13:30:00.000Z', // 300 left at Monday's close → Tuesday 08:30 + 300
    },
  },
  {
    name: 'breached before the hold started: due stays before the hold',
    terms: P1,
    raisedAt: '2026-01-12T00:00:00Z',
    respondedAt: '2026-01-12T00:05:00Z',
    holds: [hold('2026-01-12T08:00:00Z', null)],
    now: '2026-01-12T09:00:00Z',
    expected: { resolutionDueAt: '2026-01-12T06:00:00.000Z', elapsedMinutes: 480, resolutionBreached: true, paused: true },
  },
  {
    name: 'resolved on time: judged at resolution however late it is now',
    terms: P3,
    raisedAt: '2026-01-12T09:00:00Z',
    respondedAt: '2026-01-12T09:05:00Z',
    resolvedAt: '2026-01-16T17:00:00Z', // 510 + 3×540 + 510
    now: '2026-03-01T12:00:00Z',
    expected: {
      resolutionDueAt: '2026-01-19T09:00:00.000Z',
      elapsedMinutes: 2_640,
      remainingMinutes: 60,
      resolutionBreached: false,
      paused: false,
      running: false,
    },
  },
  {
    name: 'resolved late has breached',
    terms: P3,
    raisedAt: '2026-01-12T09:00:00Z',
    respondedAt: '2026-01-12T09:05:00Z',
    resolvedAt: '2026-01-19T10:00:00Z',
    now: '2026-01-19T10:00:00Z',
    expected: { elapsedMinutes: 2_760, remainingMinutes: -60, resolutionBreached: true, running: false },
  },
  {
    name: 'resolved out of hours after a 17:30 due time: no business time passed, so no breach',
    terms: P2,
    raisedAt: '2026-01-12T08:30:00Z',
    respondedAt: '2026-01-12T08:35:00Z',
    resolvedAt: '2026-01-12T18:00:00Z',
    now: '2026-01-13T09:00:00Z',
    expected: { resolutionDueAt: '2026-01-12T17:30:00.000Z', elapsedMinutes: 540, resolutionBreached: false },
  },
  {
    name: 'resolved while on hold: the hold ends at resolution and the case is not paused',
    terms: P2,
    raisedAt: '2026-01-12T08:30:00Z',
    respondedAt: '2026-01-12T08:35:00Z',
    holds: [hold('2026-01-12T10:30:00Z', null)],
    resolvedAt: '2026-01-13T12:00:00Z',
    now: '2026-01-20T12:00:00Z',
    expected: { elapsedMinutes: 120, paused: false, running: false, resolutionBreached: false },
  },
  {
    name: 'hypercare P2 is 10 business hours',
    terms: HYPERCARE_P2,
    raisedAt: '2026-01-12T08:30:00Z',
    respondedAt: '2026-01-12T08:35:00Z',
    now: '2026-01-12T08:30:00Z',
    expected: { resolutionDueAt: '2026-01-13T09:30:00.000Z', targetMinutes: 600 },
  },
  {
    name: 'P4 is 20 business days',
    terms: P4,
    raisedAt: '2026-11-02T08:30:00Z',
    respondedAt: '2026-11-02T08:35:00Z',
    now: '2026-11-02T08:30:00Z',
    expected: { resolutionDueAt: '2026-11-27T17:30:00.000Z', targetMinutes: 10_800 },
  },
  {
    name: 'triage response: due 15 real minutes after a night-time raise, late at 16',
    terms: P3,
    raisedAt: '2026-01-13T19:00:00Z',
    respondedAt: '2026-01-13T19:16:00Z',
    now: '2026-01-14T09:00:00Z',
    expected: { responseDueAt: '2026-01-13T19:15:00.000Z', responseBreached: true, resolutionBreached: false },
  },
  {
    name: 'triage response at exactly 15 minutes is on time',
    terms: P3,
    raisedAt: '2026-01-13T19:00:00Z',
    respondedAt: '2026-01-13T19:15:00Z',
    now: '2026-01-14T09:00:00Z',
    expected: { responseBreached: false },
  },
  {
    name: 'no response yet after 20 minutes has breached the response target',
    terms: P3,
    raisedAt: '2026-01-13T19:00:00Z',
    now: '2026-01-13T19:20:00Z',
    expected: { responseBreached: true, running: true },
  },
  {
    name: 'no response yet after 10 minutes is not breached',
    terms: P3,
    raisedAt: '2026-01-13T19:00:00Z',
    now: '2026-01-13T19:10:00Z',
    expected: { responseBreached: false },
  },
  {
    name: 'resolved (e.g. closed as misrouted) without a separate response: resolution is the response',
    terms: P3,
    raisedAt: '2026-01-13T19:00:00Z',
    resolvedAt: '2026-01-13T19:05:00Z',
    now: '2026-01-14T12:00:00Z',
    expected: { responseBreached: false },
  },
  {
    name: 'high-priority service request raised Friday 16:00: response due Monday 11:00 (4 business hours)',
    terms: REQUEST_HIGH,
    raisedAt: '2026-01-16T16:00:00Z',
    now: '2026-01-19T10:00:00Z',
    expected: {
      responseDueAt: '2026-01-19T11:00:00.000Z',
      resolutionDueAt: '2026-01-20T16:00:00.000Z', // 2 business days = 1080: 90 Fri + 540 Mon + 450 Tue
      responseBreached: false,
    },
  },
];

describe('computeSlaClock', () => {
  it.each(scenarios)('$name', (s) => {
    const clock = computeSlaClock({
      ...s.terms,
      raisedAt: at(s.raisedAt),
      holds: s.holds ?? [],
      respondedAt: s.respondedAt === undefined ? null : at(s.respondedAt),
      resolvedAt: s.resolvedAt === undefined ? null : at(s.resolvedAt),
      now: at(s.now),
    });
    const { responseDueAt, resolutionDueAt, ...rest } = s.expected;
    if (responseDueAt !== undefined) expect(clock.responseDueAt.toISOString()).toBe(responseDueAt);
    if (resolutionDueAt !== undefined) expect(clock.resolutionDueAt.toISOString()).toBe(resolutionDueAt);
    expect(clock).toMatchObject(rest);
  });

  it('is calendar-agnostic: any Calendar implementation drives it', () => {
    // A calendar where only even UTC hours count, to prove sla.ts relies on the interface alone.
    const evenHours: Calendar = {
      kind: 'BUSINESS',
      isWorkingTime: (t) => t.getUTCHours() % 2 === 0,
      nextWorkingInstant: (t) => t,
      addMinutes: (start, minutes) => {
        let t = start.getTime();
        let left = minutes;
        while (left > 0) {
          if (new Date(t).getUTCHours() % 2 === 0) left--;
          t += 60_000;
        }
        return new Date(t);
      },
      minutesBetween: (a, b) => {
        let n = 0;
        for (let t = a.getTime(); t < b.getTime(); t += 60_000) if (new Date(t).getUTCHours() % 2 === 0) n++;
        return n;
      },
    };
    const target: SlaTarget = { amount: 2, unit: 'BUSINESS_HOURS' };
    const clock = computeSlaClock({
      response: { target: { amount: 0.25, unit: 'CLOCK_HOURS' }, calendar: CLOCK_CALENDAR },
      resolution: { target, calendar: evenHours },
      raisedAt: at('2026-01-12T00:00:00Z'),
      holds: [],
      respondedAt: null,
      resolvedAt: null,
      now: at('2026-01-12T03:00:00Z'),
    });
    expect(clock.elapsedMinutes).toBe(60 + 60); // 00–01 and 02–03 counted
    expect(clock.resolutionDueAt.toISOString()).toBe('2026-01-12T03:00:00.000Z');
  });
});

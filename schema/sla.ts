/** The SLA clock: response and resolution due times, elapsed and remaining time, pauses while On Hold, breaches. */
import { BUSINESS_CALENDAR, BUSINESS_DAY_MINUTES, CLOCK_CALENDAR, calendarOf, type Calendar, type CalendarKind } from './calendar';
import type { Priority } from './enums';
import type { ServiceRequestSla, SlaPolicy, SlaTarget } from './priority';

const MINUTE_MS = 60_000;

/** Calendars speak (possibly fractional) minutes; the clock works in whole milliseconds to stay exact. */
function toMs(minutes: number): number {
  return Math.round(minutes * MINUTE_MS);
}

/** A target in minutes of its own calendar: hours × 60, business days × 9 h × 60. */
export function slaTargetMinutes(target: SlaTarget): number {
  switch (target.unit) {
    case 'CLOCK_HOURS':
    case 'BUSINESS_HOURS':
      return target.amount * 60;
    case 'BUSINESS_DAYS':
      return target.amount * BUSINESS_DAY_MINUTES;
  }
}

/**
 * The calendar a target is counted on, for a desk with calendar `deskCalendar`. A desk that keeps weekday hours
 * (`BUSINESS` core hours, or its own `WEEKDAYS hh:mm-hh:mm`) counts every target in those hours; a 24x7 desk counts
 * `CLOCK_HOURS` round the clock and `BUSINESS_*` units in core hours (OM §2.3). A business day is 9 business hours.
 */
export function calendarForTarget(target: SlaTarget, deskCalendar: CalendarKind = '24x7'): Calendar {
  if (deskCalendar !== '24x7') return calendarOf(deskCalendar);
  return target.unit === 'CLOCK_HOURS' ? CLOCK_CALENDAR : BUSINESS_CALENDAR;
}

/** A target together with the calendar it is counted on. */
export interface SlaTerm {
  target: SlaTarget;
  calendar: Calendar;
}

export interface SlaTerms {
  response: SlaTerm;
  resolution: SlaTerm;
}

/** Response and resolution terms of an incident/problem/change of the given priority under a policy. */
export function slaTermsFor(policy: SlaPolicy, priority: Priority): SlaTerms {
  const resolution = policy.resolutionTargets[priority];
  return {
    response: { target: policy.responseTarget, calendar: calendarForTarget(policy.responseTarget, policy.calendar) },
    resolution: { target: resolution, calendar: calendarForTarget(resolution, policy.calendar) },
  };
}

/** Response and resolution terms of a service request (OM §7.2). */
export function serviceRequestTerms(sla: ServiceRequestSla): SlaTerms {
  return {
    response: { target: sla.responseTarget, calendar: calendarForTarget(sla.responseTarget, sla.calendar) },
    resolution: { target: sla.resolutionTarget, calendar: calendarForTarget(sla.resolutionTarget, sla.calendar) },
  };
}

/** A period On Hold; `to` is null while the case is still on hold. */
export interface HoldInterval {
  from: Date;
  to: Date | null;
}

export interface SlaClockInput extends SlaTerms {
  raisedAt: Date;
  holds: readonly HoldInterval[];
  /** When 1st-line triage responded; null if not yet. */
  respondedAt: Date | null;
  /** When the case was resolved (work-around or fix implemented); null while open. */
  resolvedAt: Date | null;
  now: Date;
}

export interface SlaClock {
  responseDueAt: Date;
  /** Where counted time reaches the target; pushed later by paused time (see `computeSlaClock`). */
  resolutionDueAt: Date;
  /** The resolution target in minutes of its calendar. */
  targetMinutes: number;
  /** Counted minutes, holds excluded, from raise to resolution (or now), whole minutes rounded down. */
  elapsedMinutes: number;
  /** `targetMinutes - elapsedMinutes`; negative once overdue. */
  remainingMinutes: number;
  /** Counted time as a share of the target (1 = due now; > 1.5 is an MI threshold, DOMAIN.md). */
  consumedRatio: number;
  /** On Hold now (an open hold covers `now` and the case is not resolved). */
  paused: boolean;
  /** The resolution clock is counting: not resolved and not paused (it may still be outside core hours). */
  running: boolean;
  responseBreached: boolean;
  resolutionBreached: boolean;
}

/**
 * Computes the SLA clock of a case.
 *
 * Counting. Resolution time counts from `raisedAt` to `resolvedAt` (or `now` while open) on the resolution
 * calendar, minus time On Hold (OM §5.12: On Hold pauses the SLA clock). Holds are clipped to that span and
 * overlapping holds are merged; a hold still open counts as paused up to the end of the span. Time outside core
 * hours is not counted on the business calendar, so a case raised at 19:00 starts its clock at the next 08:30.
 *
 * Due time with pauses. The resolution due time is the instant at which counted (non-paused) time reaches the
 * target: the clock runs from the raise until the first hold, stops, resumes when the hold ends, and so on. While a
 * case is On Hold its due time is projected as if the clock resumed now, so it moves later for as long as the hold
 * lasts and is exact again once the hold ends. A resolved case's due time is what it was at resolution.
 *
 * Breach. Resolution is breached when counted time exceeds the target (`>`; reaching it exactly is on time),
 * judged at `resolvedAt` for a resolved case. Because it is counted time that is compared, a business-calendar case
 * resolved at 18:00 after a 17:30 due time has not breached: no business time passed in between.
 *
 * Response. The response clock is not paused by holds (a case goes On Hold only after triage, see case-state.ts).
 * It stops at `respondedAt`, or at `resolvedAt` if the case was resolved without a recorded response; it is
 * breached when its counted time exceeds the response target.
 */
export function computeSlaClock(input: SlaClockInput): SlaClock {
  const { raisedAt, now, resolvedAt, response, resolution } = input;
  const raisedMs = raisedAt.getTime();
  const endMs = Math.max(raisedMs, (resolvedAt ?? now).getTime());
  const holds = normaliseHolds(input.holds, raisedMs, endMs);

  // Resolution: counted time up to the end of the span.
  const calendar = resolution.calendar;
  const targetMs = toMs(slaTargetMinutes(resolution.target));
  let elapsedMs = toMs(calendar.minutesBetween(raisedAt, new Date(endMs)));
  for (const [from, to] of holds) elapsedMs -= toMs(calendar.minutesBetween(new Date(from), new Date(to)));
  elapsedMs = Math.max(0, elapsedMs);

  const lastHold = holds[holds.length - 1];
  const paused = resolvedAt === null && lastHold !== undefined && lastHold[2] && lastHold[0] <= now.getTime();

  // Due: walk the running segments between holds until the target is used up.
  let remaining = targetMs;
  let cursor = raisedMs;
  let resolutionDueAt: Date | undefined;
  for (const [from, to, open] of holds) {
    const counted = toMs(calendar.minutesBetween(new Date(cursor), new Date(from)));
    if (counted >= remaining) {
      resolutionDueAt = calendar.addMinutes(new Date(cursor), remaining / MINUTE_MS);
      break;
    }
    remaining -= counted;
    // An open hold of an unresolved case is projected to end now; a resolved case's holds end by resolution.
    cursor = open && resolvedAt === null ? Math.max(to, now.getTime()) : to;
  }
  resolutionDueAt ??= calendar.addMinutes(new Date(cursor), remaining / MINUTE_MS);

  // Response.
  const responseTargetMs = toMs(slaTargetMinutes(response.target));
  const responseDueAt = response.calendar.addMinutes(raisedAt, responseTargetMs / MINUTE_MS);
  const responseEnd = input.respondedAt ?? resolvedAt ?? now;
  const responseElapsedMs = Math.max(0, toMs(response.calendar.minutesBetween(raisedAt, responseEnd)));

  const targetMinutes = targetMs / MINUTE_MS;
  const elapsedMinutes = Math.floor(elapsedMs / MINUTE_MS);
  return {
    responseDueAt,
    resolutionDueAt,
    targetMinutes,
    elapsedMinutes,
    remainingMinutes: targetMinutes - elapsedMinutes,
    consumedRatio: targetMs === 0 ? (elapsedMs > 0 ? Infinity : 0) : elapsedMs / targetMs,
    paused,
    running: resolvedAt === null && !paused,
    responseBreached: responseElapsedMs > responseTargetMs,
    resolutionBreached: elapsedMs > targetMs,
  };
}

/** The share of the resolution target at which a case is near breach, unless Elexon configures another (Hypercare §5). */
export const DEFAULT_NEAR_BREACH_PERCENT = 75;

/**
 * When counted resolution time reaches `share` (0–1) of the target: the near-breach instant, on the same calendar
 * and with the same holds (an open hold projected to end now) as the due time.
 */
export function nearBreachAt(input: SlaClockInput, share: number): Date {
  const { target, calendar } = input.resolution;
  return computeSlaClock({ ...input, resolution: { target: { ...target, amount: target.amount * share }, calendar } }).resolutionDueAt;
}

/**
 * Holds clipped to [start, end], empty ones dropped, overlapping or touching ones merged, in time order, as
 * `[fromMs, toMs, open]`; `open` marks a merged hold that includes one still open (`to` null), whose end is `end`.
 */
function normaliseHolds(holds: readonly HoldInterval[], startMs: number, endMs: number): [number, number, boolean][] {
  const clipped = holds
    .map((h): [number, number, boolean] => {
      const open = h.to === null || h.to.getTime() > endMs;
      return [Math.max(startMs, h.from.getTime()), Math.min(endMs, h.to === null ? endMs : h.to.getTime()), open];
    })
    // A hold that starts exactly at the end of the span is empty but still means "paused now".
    .filter(([from, to, open]) => to > from || (open && from === endMs))
    .sort((a, b) => a[0] - b[0]);
  const merged: [number, number, boolean][] = [];
  for (const hold of clipped) {
    const last = merged[merged.length - 1];
    if (last && hold[0] <= last[1]) {
      last[1] = Math.max(last[1], hold[1]);
      last[2] = last[2] || hold[2];
    } else {
      merged.push([...hold]);
    }
  }
  return merged;
}

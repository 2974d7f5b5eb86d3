/** The priority matrix (OM §3.8–3.10) and the SLA targets each priority carries, as data. */
import { Impact, Priority, Urgency } from './enums';
import type { CalendarKind } from './calendar';
import { DomainError } from './errors';

/** Policies are shared module-level data: freeze them so no caller can shift another's targets. */
function deepFreeze<T>(value: T): T {
  if (value !== null && typeof value === 'object' && !Object.isFrozen(value)) {
    for (const child of Object.values(value)) deepFreeze(child);
    Object.freeze(value);
  }
  return value;
}

/**
 * Priority = impact × urgency, assessed by the desk, never chosen by the raiser (OM §3.8).
 * Rows are urgency, columns impact, exactly as the OM table reads.
 */
export const PRIORITY_MATRIX: Readonly<Record<Urgency, Readonly<Record<Impact, Priority>>>> = deepFreeze({
  [Urgency.HIGH]: { [Impact.HIGH]: Priority.P1, [Impact.MEDIUM]: Priority.P2, [Impact.LOW]: Priority.P3 },
  [Urgency.MEDIUM]: { [Impact.HIGH]: Priority.P2, [Impact.MEDIUM]: Priority.P3, [Impact.LOW]: Priority.P4 },
  [Urgency.LOW]: { [Impact.HIGH]: Priority.P3, [Impact.MEDIUM]: Priority.P4, [Impact.LOW]: Priority.P4 },
});

export function priorityFor(impact: Impact, urgency: Urgency): Priority {
  return PRIORITY_MATRIX[urgency][impact];
}

/**
 * How a target is counted:
 * - `CLOCK_HOURS`: elapsed real time, 24/7 — for desks that work 24/7/365 (the Elexon Service Desk, OM §3.1).
 * - `BUSINESS_HOURS`: time inside core hours only, 08:30–17:30 Mon–Fri excluding E&W bank holidays (OM §2.3).
 * - `BUSINESS_DAYS`: business days of 9 business hours each (so 5 business days = 45 business hours).
 * Sub-hour targets are fractions of an hour (15 minutes = 0.25 `CLOCK_HOURS`).
 */
export type SlaUnit = 'CLOCK_HOURS' | 'BUSINESS_HOURS' | 'BUSINESS_DAYS';

export interface SlaTarget {
  amount: number;
  unit: SlaUnit;
}

/**
 * A named set of targets. `calendar` is the hours of cover the policy assumes of the desk: `24x7` counts
 * `CLOCK_HOURS` targets around the clock; `BUSINESS` counts even hour targets in core hours only (a desk that is
 * closed overnight cannot be held to clock hours). `BUSINESS_*` targets are always counted in core hours.
 */
export interface SlaPolicy {
  name: string;
  responseTarget: SlaTarget;
  resolutionTargets: Readonly<Record<Priority, SlaTarget>>;
  calendar: CalendarKind;
}

/** 1st-line triage within 15 minutes of raising (OM §4.1 step 2, §5.17); the desk is staffed 24/7. */
export const TRIAGE_RESPONSE_TARGET: SlaTarget = deepFreeze<SlaTarget>({ amount: 0.25, unit: 'CLOCK_HOURS' });

/**
 * Normal operations (OM §3.10). P1 "6 hours" is clock time: a P1 is a complete loss of service and the Elexon desk
 * is available 24/7/365 (OM §3.1), so its clock does not stop overnight. P2 "1 Day" is read as one business day,
 * in line with P3 and P4, which the OM states in business days.
 */
export const STANDARD: SlaPolicy = deepFreeze<SlaPolicy>({
  name: 'STANDARD',
  responseTarget: TRIAGE_RESPONSE_TARGET,
  resolutionTargets: {
    [Priority.P1]: { amount: 6, unit: 'CLOCK_HOURS' },
    [Priority.P2]: { amount: 1, unit: 'BUSINESS_DAYS' },
    [Priority.P3]: { amount: 5, unit: 'BUSINESS_DAYS' },
    [Priority.P4]: { amount: 20, unit: 'BUSINESS_DAYS' },
  },
  calendar: '24x7',
});

/**
 * Hypercare (Hypercare §5.2: "P1 – 6 hours P2 – 10 hours (1 bus day) P3 – (5 bus days) P4 – 200 hours (20 days)").
 * P1 stays in clock hours as in STANDARD. P2 and P4 are business hours: the seed glosses them as "1 bus day" and
 * "20 days", so they are business time, not clock time. The seed's glosses assume a 10-hour day while the OM's core
 * day is 9 hours (08:30–17:30); the hour figures are taken literally (10 and 200 business hours), which makes
 * Hypercare P2/P4 one hour and about 2 business days longer than STANDARD's 1 and 20 days.
 */
export const HYPERCARE: SlaPolicy = deepFreeze<SlaPolicy>({
  name: 'HYPERCARE',
  responseTarget: TRIAGE_RESPONSE_TARGET, // MI response ≤ 15 minutes
  resolutionTargets: {
    [Priority.P1]: { amount: 6, unit: 'CLOCK_HOURS' },
    [Priority.P2]: { amount: 10, unit: 'BUSINESS_HOURS' },
    [Priority.P3]: { amount: 5, unit: 'BUSINESS_DAYS' },
    [Priority.P4]: { amount: 200, unit: 'BUSINESS_HOURS' },
  },
  calendar: '24x7',
});

export const SLA_POLICIES: Readonly<Record<'STANDARD' | 'HYPERCARE', SlaPolicy>> = Object.freeze({ STANDARD, HYPERCARE });

/** Service request classes with a timeline in OM §7.2 ("Custom" has none, so it has no targets here). */
export type ServiceRequestTier = 'STANDARD' | 'COMPLEX' | 'HIGH_PRIORITY';

export interface ServiceRequestSla {
  name: ServiceRequestTier;
  responseTarget: SlaTarget;
  resolutionTarget: SlaTarget;
  calendar: CalendarKind;
}

/**
 * OM §7.2 (Elexon Service Desk only). Ranges take their upper bound, which is the point of breach: High priority
 * "1–2 Business Days" → 2, Complex "5–10 Business Days" → 10. Complex's "Within 1 Day" response is read as one
 * business day, like the other request targets.
 */
export const SERVICE_REQUEST_SLAS: Readonly<Record<ServiceRequestTier, ServiceRequestSla>> = deepFreeze<Record<ServiceRequestTier, ServiceRequestSla>>({
  STANDARD: {
    name: 'STANDARD',
    responseTarget: { amount: 1, unit: 'BUSINESS_DAYS' },
    resolutionTarget: { amount: 5, unit: 'BUSINESS_DAYS' },
    calendar: 'BUSINESS',
  },
  COMPLEX: {
    name: 'COMPLEX',
    responseTarget: { amount: 1, unit: 'BUSINESS_DAYS' },
    resolutionTarget: { amount: 10, unit: 'BUSINESS_DAYS' },
    calendar: 'BUSINESS',
  },
  HIGH_PRIORITY: {
    name: 'HIGH_PRIORITY',
    responseTarget: { amount: 4, unit: 'BUSINESS_HOURS' },
    resolutionTarget: { amount: 2, unit: 'BUSINESS_DAYS' },
    calendar: 'BUSINESS',
  },
});

export const SLA_UNITS: readonly SlaUnit[] = ['CLOCK_HOURS', 'BUSINESS_HOURS', 'BUSINESS_DAYS'];

/** The longest target a policy may set, per unit (a year of each): a typo of a few zeros is refused, not stored. */
const MAX_TARGET: Readonly<Record<SlaUnit, number>> = { CLOCK_HOURS: 8_760, BUSINESS_HOURS: 2_300, BUSINESS_DAYS: 260 };

/** A policy's name: the word cases and desks carry (`STANDARD`, `HYPERCARE`, `DCC_SWITCHING`). */
export const SLA_POLICY_NAME = /^[A-Z][A-Z0-9_]{1,39}$/;

/**
 * A desk's resolution targets as a `cpsd_admin` sets them: exactly one per priority, each a positive amount of a known
 * unit. Returns them keyed by priority, or throws `BAD_USER_INPUT` naming the field.
 */
export function validateResolutionTargets(
  targets: readonly { priority: Priority; amount: number; unit: SlaUnit }[] | null | undefined,
  field: string,
): Record<Priority, SlaTarget> {
  const byPriority = new Map<Priority, SlaTarget>();
  for (const [index, target] of (targets ?? []).entries()) {
    const at = `${field}[${index}]`;
    if (!Object.values(Priority).includes(target.priority)) throw DomainError.badUserInput(`${at}.priority must be P1–P4`, `${at}.priority`);
    if (byPriority.has(target.priority)) throw DomainError.badUserInput(`${target.priority} has two targets`, `${at}.priority`);
    if (!SLA_UNITS.includes(target.unit)) throw DomainError.badUserInput(`${at}.unit must be one of ${SLA_UNITS.join(', ')}`, `${at}.unit`);
    if (!Number.isFinite(target.amount) || target.amount <= 0 || target.amount > MAX_TARGET[target.unit]) {
      throw DomainError.badUserInput(`${at}.amount must be more than 0 and at most ${MAX_TARGET[target.unit]} ${target.unit}`, `${at}.amount`);
    }
    byPriority.set(target.priority, { amount: target.amount, unit: target.unit });
  }
  const missing = Object.values(Priority).filter((priority) => !byPriority.has(priority));
  if (missing.length) throw DomainError.badUserInput(`${field}: a target for every priority is required; missing ${missing.join(', ')}`, field);
  return Object.fromEntries(byPriority) as Record<Priority, SlaTarget>;
}

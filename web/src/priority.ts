/**
 * The OM §3.8–3.10 priority matrix and what a triage would set, for the triage form's preview before saving. The
 * dashboard imports nothing outside web/, so this is a copy of schema/priority.ts's table;
 * test/unit/web-priority.test.ts fails the day the two differ. The gateway still derives the priority itself.
 */
import type { CaseType, Impact, Priority, ServiceRequestClass, SlaTargetUnit, Urgency } from './operations';
import { duration, ukDateTime } from './time';

export interface Target {
  amount: number;
  unit: SlaTargetUnit;
}

/** Rows are urgency, columns impact, as the OM table reads. */
export const PRIORITY_MATRIX: Readonly<Record<Urgency, Readonly<Record<Impact, Priority>>>> = {
  HIGH: { HIGH: 'P1', MEDIUM: 'P2', LOW: 'P3' },
  MEDIUM: { HIGH: 'P2', MEDIUM: 'P3', LOW: 'P4' },
  LOW: { HIGH: 'P3', MEDIUM: 'P4', LOW: 'P4' },
};

/** What triage sets: a service request is always P4 (OM §4.1); anything else is impact × urgency. */
export function priorityFor(type: CaseType, impact: Impact, urgency: Urgency): Priority {
  return type === 'SERVICE_REQUEST' ? 'P4' : PRIORITY_MATRIX[urgency][impact];
}

/** A service request's resolution target comes from its class (OM §7.2), not from the desk's priority targets. */
export const SERVICE_REQUEST_RESOLUTION: Readonly<Record<ServiceRequestClass, Target>> = {
  STANDARD: { amount: 5, unit: 'BUSINESS_DAYS' },
  HIGH_PRIORITY: { amount: 2, unit: 'BUSINESS_DAYS' },
};

/** The resolution target a triage would set: the class's for a service request, else the policy's for the priority. */
export function triageTarget(
  type: CaseType,
  serviceRequestClass: ServiceRequestClass,
  priority: Priority,
  policyTargets: readonly { priority: Priority; amount: number; unit: SlaTargetUnit }[] | null,
): Target | null {
  if (type === 'SERVICE_REQUEST') return SERVICE_REQUEST_RESOLUTION[serviceRequestClass];
  const target = policyTargets?.find((t) => t.priority === priority);
  return target ? { amount: target.amount, unit: target.unit } : null;
}

/** "6 hours", "1 business day", "200 business hours". */
export function targetLabel({ amount, unit }: Target): string {
  const plural = amount === 1 ? '' : 's';
  if (unit === 'CLOCK_HOURS') return `${amount} hour${plural}`;
  if (unit === 'BUSINESS_HOURS') return `${amount} business hour${plural}`;
  return `${amount} business day${plural}`;
}

export interface DuePreview {
  /** The exact due time, when the dashboard can count it (clock hours on a 24×7 desk); null otherwise. */
  dueAt: string | null;
  /** For people: "14:03 GMT on 6 Nov 2026 (in 5 h 40 min)" or how the gateway will count it. */
  text: string;
}

/**
 * When the case would be due if triaged now. The resolution clock counts from the raise, less time on hold, so with
 * `elapsedMinutes` counted so far the rest of a clock-hours target runs from now. Business-time targets need the
 * desk's hours and the England & Wales bank holidays, which only the gateway knows: for those the preview says how the
 * target is counted and the gateway sets the exact time.
 */
export function previewDue(target: Target | null, calendar: string, elapsedMinutes: number, now: number): DuePreview {
  if (!target) return { dueAt: null, text: 'The gateway sets the target at triage.' };
  if (target.unit === 'CLOCK_HOURS' && calendar === '24x7') {
    const left = Math.max(0, target.amount * 60 - elapsedMinutes);
    const dueAt = new Date(now + left * 60_000).toISOString();
    return { dueAt, text: `${ukDateTime(dueAt)} (in ${duration(left)})` };
  }
  const hours = calendar === '24x7' || calendar === 'BUSINESS' ? 'core hours, 08:30–17:30 Mon–Fri' : `the desk's hours (${calendar})`;
  return { dueAt: null, text: `${targetLabel(target)} counted in ${hours}, excluding bank holidays; the exact time is set when you save.` };
}

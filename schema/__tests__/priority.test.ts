// The priority matrix and SLA targets (OM §3.8–3.10, §7.2, Hypercare §5.2), checked cell by cell.
import { describe, expect, it } from 'vitest';
import { Impact, Priority, Urgency } from '../enums';
import {
  HYPERCARE,
  PRIORITY_MATRIX,
  SERVICE_REQUEST_SLAS,
  SLA_POLICIES,
  STANDARD,
  TRIAGE_RESPONSE_TARGET,
  priorityFor,
  validateResolutionTargets,
} from '../priority';

describe('priority = impact × urgency (OM §3.8)', () => {
  it.each([
    [Urgency.HIGH, Impact.HIGH, Priority.P1],
    [Urgency.HIGH, Impact.MEDIUM, Priority.P2],
    [Urgency.HIGH, Impact.LOW, Priority.P3],
    [Urgency.MEDIUM, Impact.HIGH, Priority.P2],
    [Urgency.MEDIUM, Impact.MEDIUM, Priority.P3],
    [Urgency.MEDIUM, Impact.LOW, Priority.P4],
    [Urgency.LOW, Impact.HIGH, Priority.P3],
    [Urgency.LOW, Impact.MEDIUM, Priority.P4],
    [Urgency.LOW, Impact.LOW, Priority.P4],
  ])('urgency %s × impact %s → %s', (urgency, impact, priority) => {
    expect(priorityFor(impact, urgency)).toBe(priority);
    expect(PRIORITY_MATRIX[urgency][impact]).toBe(priority);
  });
});

describe('resolution targets', () => {
  it.each([
    ['STANDARD', Priority.P1, 6, 'CLOCK_HOURS'],
    ['STANDARD', Priority.P2, 1, 'BUSINESS_DAYS'],
    ['STANDARD', Priority.P3, 5, 'BUSINESS_DAYS'],
    ['STANDARD', Priority.P4, 20, 'BUSINESS_DAYS'],
    ['HYPERCARE', Priority.P1, 6, 'CLOCK_HOURS'],
    ['HYPERCARE', Priority.P2, 10, 'BUSINESS_HOURS'],
    ['HYPERCARE', Priority.P3, 5, 'BUSINESS_DAYS'],
    ['HYPERCARE', Priority.P4, 200, 'BUSINESS_HOURS'],
  ] as const)('%s %s: %i %s', (policy, priority, amount, unit) => {
    expect(SLA_POLICIES[policy].resolutionTargets[priority]).toEqual({ amount, unit });
  });

  it.each([STANDARD, HYPERCARE])('$name: triage response within 15 minutes, 24/7 desk', (policy) => {
    expect(policy.responseTarget).toEqual({ amount: 0.25, unit: 'CLOCK_HOURS' });
    expect(policy.responseTarget).toBe(TRIAGE_RESPONSE_TARGET);
    expect(policy.calendar).toBe('24x7');
  });

  it.each([
    ['STANDARD', 1, 'BUSINESS_DAYS', 5, 'BUSINESS_DAYS'],
    ['COMPLEX', 1, 'BUSINESS_DAYS', 10, 'BUSINESS_DAYS'],
    ['HIGH_PRIORITY', 4, 'BUSINESS_HOURS', 2, 'BUSINESS_DAYS'],
  ] as const)('service request %s: response %i %s, resolution %i %s (OM §7.2)', (tier, ra, ru, sa, su) => {
    const sla = SERVICE_REQUEST_SLAS[tier];
    expect(sla.responseTarget).toEqual({ amount: ra, unit: ru });
    expect(sla.resolutionTarget).toEqual({ amount: sa, unit: su });
    expect(sla.calendar).toBe('BUSINESS');
  });

  it('policies are frozen: no caller can shift shared targets', () => {
    expect(Object.isFrozen(STANDARD)).toBe(true);
    expect(Object.isFrozen(STANDARD.resolutionTargets[Priority.P1])).toBe(true);
    expect(Object.isFrozen(PRIORITY_MATRIX[Urgency.HIGH])).toBe(true);
    expect(Object.isFrozen(SERVICE_REQUEST_SLAS.HIGH_PRIORITY.responseTarget)).toBe(true);
  });
});

describe('a desk’s resolution targets, as cpsd_admin sets them', () => {
  const full = [
    { priority: Priority.P1, amount: 4, unit: 'CLOCK_HOURS' as const },
    { priority: Priority.P2, amount: 8, unit: 'BUSINESS_HOURS' as const },
    { priority: Priority.P3, amount: 3, unit: 'BUSINESS_DAYS' as const },
    { priority: Priority.P4, amount: 10, unit: 'BUSINESS_DAYS' as const },
  ];
  const fieldOf = (run: () => unknown): string | undefined => {
    try {
      run();
    } catch (error) {
      return (error as { field?: string }).field;
    }
    return undefined;
  };

  it('keys one target per priority', () => {
    expect(validateResolutionTargets(full, 'input.resolutionTargets')).toEqual({
      P1: { amount: 4, unit: 'CLOCK_HOURS' },
      P2: { amount: 8, unit: 'BUSINESS_HOURS' },
      P3: { amount: 3, unit: 'BUSINESS_DAYS' },
      P4: { amount: 10, unit: 'BUSINESS_DAYS' },
    });
  });

  it('refuses a missing priority, a repeated one, a negative, zero or absurd amount and an unknown unit, naming the field', () => {
    expect(fieldOf(() => validateResolutionTargets(full.slice(0, 3), 'input.resolutionTargets'))).toBe('input.resolutionTargets');
    expect(fieldOf(() => validateResolutionTargets([...full, full[0]!], 'f'))).toBe('f[4].priority');
    expect(fieldOf(() => validateResolutionTargets([{ ...full[0]!, amount: -1 }, ...full.slice(1)], 'f'))).toBe('f[0].amount');
    expect(fieldOf(() => validateResolutionTargets([{ ...full[0]!, amount: 0 }, ...full.slice(1)], 'f'))).toBe('f[0].amount');
    expect(fieldOf(() => validateResolutionTargets([{ ...full[0]!, amount: 1e9 }, ...full.slice(1)], 'f'))).toBe('f[0].amount');
    expect(fieldOf(() => validateResolutionTargets([{ ...full[0]!, amount: Number.NaN }, ...full.slice(1)], 'f'))).toBe('f[0].amount');
    expect(fieldOf(() => validateResolutionTargets([{ ...full[0]!, unit: 'WEEKS' as never }, ...full.slice(1)], 'f'))).toBe('f[0].unit');
  });
});

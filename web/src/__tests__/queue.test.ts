import { describe, expect, it } from 'vitest';
import { ApiError } from '../api';
import { fieldErrors } from '../field-errors';
import { previewDue, priorityFor, targetLabel, triageTarget } from '../priority';
import { matchesReference, moveSelection, queueOrder, referenceSearch, slaStanding, type QueueCase } from '../queue';

const NOW = Date.parse('2026-03-10T12:00:00Z');
const minutes = (n: number) => new Date(NOW + n * 60_000).toISOString();

function item(patch: Partial<Omit<QueueCase, 'sla'>> & { sla?: Partial<QueueCase['sla']> } = {}): QueueCase {
  const { sla, ...rest } = patch;
  return {
    reference: 'CPSD-000001',
    state: 'IN_PROGRESS',
    raisedAt: minutes(-60),
    ...rest,
    sla: {
      responseDueAt: minutes(-45),
      resolutionDueAt: minutes(300),
      elapsedPercent: 20,
      paused: false,
      responseBreached: false,
      resolutionBreached: false,
      ...sla,
    },
  };
}

describe('the SLA standing of a queued case', () => {
  it('counts down the resolution target, with the share used in words', () => {
    expect(slaStanding(item(), NOW)).toMatchObject({ tone: 'ok', kind: 'resolution', minutesLeft: 300, label: 'Resolve in 5 h (20 % used)' });
  });

  it('is near breach past 75 % of the target, and says so', () => {
    expect(slaStanding(item({ sla: { elapsedPercent: 80, resolutionDueAt: minutes(40) } }), NOW)).toMatchObject({
      tone: 'near',
      label: 'Near breach — resolve in 40 min (80 % used)',
    });
    expect(slaStanding(item({ sla: { elapsedPercent: 75 } }), NOW).tone).toBe('ok');
  });

  it('is breached when the API says so or the due time has passed, with how late', () => {
    expect(slaStanding(item({ sla: { resolutionDueAt: minutes(-90), elapsedPercent: 110 } }), NOW)).toMatchObject({
      tone: 'breached',
      label: 'Breached — resolve 1 h 30 min late',
    });
    expect(slaStanding(item({ sla: { resolutionBreached: true, resolutionDueAt: minutes(5) } }), NOW).label).toBe('Breached — resolve target missed');
  });

  it('runs the triage (response) clock while New, its share counted from the raise', () => {
    const fresh = item({ state: 'NEW', raisedAt: minutes(-12), sla: { responseDueAt: minutes(3), resolutionDueAt: null, elapsedPercent: null } });
    expect(slaStanding(fresh, NOW)).toMatchObject({ tone: 'near', kind: 'response', percent: 80, label: 'Near breach — triage in 3 min (80 % used)' });
    const late = item({ state: 'NEW', raisedAt: minutes(-30), sla: { responseDueAt: minutes(-15), responseBreached: true, resolutionDueAt: null } });
    expect(slaStanding(late, NOW)).toMatchObject({ tone: 'breached', label: 'Breached — triage 15 min late' });
  });

  it('is paused on hold (unless already breached), and has no clock once resolved', () => {
    expect(slaStanding(item({ state: 'ON_HOLD', sla: { paused: true, resolutionDueAt: minutes(-5) } }), NOW).tone).toBe('paused');
    expect(slaStanding(item({ state: 'ON_HOLD', sla: { paused: true, resolutionBreached: true } }), NOW).tone).toBe('breached');
    expect(slaStanding(item({ state: 'RESOLVED' }), NOW)).toMatchObject({ tone: 'none', label: 'No clock running' });
  });
});

describe('the queue order', () => {
  it('puts breached first, then near breach, then the least time left; paused last', () => {
    const ok = item({ reference: 'OK', sla: { resolutionDueAt: minutes(30), elapsedPercent: 50 } });
    const later = item({ reference: 'LATER', sla: { resolutionDueAt: minutes(600), elapsedPercent: 10 } });
    const near = item({ reference: 'NEAR', sla: { resolutionDueAt: minutes(100), elapsedPercent: 90 } });
    const breached = item({ reference: 'BREACHED', sla: { resolutionDueAt: minutes(-10), resolutionBreached: true } });
    const paused = item({ reference: 'PAUSED', state: 'ON_HOLD', sla: { paused: true } });
    expect(queueOrder([paused, later, ok, near, breached], NOW).map((c) => c.reference)).toEqual(['BREACHED', 'NEAR', 'OK', 'LATER', 'PAUSED']);
  });
});

describe('keyboard selection', () => {
  it('moves with j/k and the arrows, stopping at the ends', () => {
    expect(moveSelection('j', 0, 3)).toBe(1);
    expect(moveSelection('ArrowDown', 2, 3)).toBe(2);
    expect(moveSelection('k', 0, 3)).toBe(0);
    expect(moveSelection('ArrowUp', 2, 3)).toBe(1);
    expect(moveSelection('End', 0, 3)).toBe(2);
    expect(moveSelection('Home', 2, 3)).toBe(0);
    expect(moveSelection('x', 1, 3)).toBeNull();
    expect(moveSelection('j', 0, 0)).toBeNull();
  });
});

describe('reference search', () => {
  it('recognises a reference in any of its usual spellings, and nothing else', () => {
    expect(referenceSearch('CPSD-000123')).toBe('000123');
    expect(referenceSearch(' cpsd123 ')).toBe('000123');
    expect(referenceSearch('123')).toBe('000123');
    expect(referenceSearch('DIP failure')).toBeNull();
    expect(matchesReference('CPSD-000123', '000123')).toBe(true);
    expect(matchesReference('CPSD-001123', '000123')).toBe(false);
  });
});

describe('the triage preview', () => {
  it('derives the priority, and a service request is P4 whatever its impact and urgency', () => {
    expect(priorityFor('INCIDENT', 'HIGH', 'HIGH')).toBe('P1');
    expect(priorityFor('INCIDENT', 'LOW', 'HIGH')).toBe('P3');
    expect(priorityFor('SERVICE_REQUEST', 'HIGH', 'HIGH')).toBe('P4');
  });

  it('takes the policy target for the priority, a service request its class target', () => {
    const targets = [
      { priority: 'P1' as const, amount: 6, unit: 'CLOCK_HOURS' as const },
      { priority: 'P2' as const, amount: 1, unit: 'BUSINESS_DAYS' as const },
    ];
    expect(triageTarget('INCIDENT', 'STANDARD', 'P1', targets)).toEqual({ amount: 6, unit: 'CLOCK_HOURS' });
    expect(triageTarget('INCIDENT', 'STANDARD', 'P3', targets)).toBeNull();
    expect(triageTarget('SERVICE_REQUEST', 'HIGH_PRIORITY', 'P4', targets)).toEqual({ amount: 2, unit: 'BUSINESS_DAYS' });
    expect(targetLabel({ amount: 1, unit: 'BUSINESS_DAYS' })).toBe('1 business day');
    expect(targetLabel({ amount: 200, unit: 'BUSINESS_HOURS' })).toBe('200 business hours');
  });

  it('counts a clock-hours target on a 24×7 desk to the minute, less the time already counted', () => {
    const due = previewDue({ amount: 6, unit: 'CLOCK_HOURS' }, '24x7', 20, NOW);
    expect(due.dueAt).toBe(minutes(340));
    expect(due.text).toBe('10 Mar 2026, 17:40 GMT (in 5 h 40 min)');
  });

  it('leaves business-time targets to the gateway, saying how they are counted', () => {
    const due = previewDue({ amount: 5, unit: 'BUSINESS_DAYS' }, '24x7', 0, NOW);
    expect(due.dueAt).toBeNull();
    expect(due.text).toContain('5 business days counted in core hours, 08:30–17:30 Mon–Fri');
  });
});

describe('API errors beside their fields', () => {
  it('places each error by extensions.field and keeps the rest general', () => {
    const error = new ApiError(
      'impact is wrong',
      [
        { message: 'impact is wrong', extensions: { code: 'BAD_USER_INPUT', field: 'input.impact' } },
        { message: 'serviceRequestClass is for service requests only', extensions: { code: 'BAD_USER_INPUT', field: 'serviceRequestClass' } },
        { message: 'Not your desk', extensions: { code: 'FORBIDDEN' } },
      ],
      200,
    );
    expect(fieldErrors(error, ['impact', 'urgency', 'serviceRequestClass'])).toEqual({
      byField: { impact: 'impact is wrong', serviceRequestClass: 'serviceRequestClass is for service requests only' },
      general: ['Not your desk'],
    });
    expect(fieldErrors(new ApiError('The gateway could not be reached.', [], 0), ['impact']).general).toEqual(['The gateway could not be reached.']);
    expect(fieldErrors(null, ['impact'])).toEqual({ byField: {}, general: [] });
  });
});

/** The pure rules of major incidents: update cadence, overdue flags, triggering criteria, PIR validation. */
import { describe, expect, it } from 'vitest';
import { Service } from '../enums';
import { isDomainError } from '../errors';
import {
  MajorIncidentState,
  MajorIncidentThreshold,
  nextUpdateDue,
  pirDueAt,
  pirOverdue,
  thresholdsMet,
  updateOverdue,
  validatePir,
  type PirInput,
} from '../major-incident';

const NOW = new Date('2026-03-02T10:00:00Z');
const minutes = (n: number) => new Date(NOW.getTime() + n * 60_000);

function fieldOf(run: () => unknown): string | undefined {
  try {
    run();
  } catch (error) {
    if (isDomainError(error)) return `${error.code}:${error.field}`;
    throw error;
  }
  return undefined;
}

describe('the update cadence (OM §5.19.1)', () => {
  it('defaults to 30 minutes ahead', () => {
    expect(nextUpdateDue(null, NOW, 'nextUpdateDueAt')).toEqual(minutes(30));
    expect(nextUpdateDue(undefined, NOW, 'nextUpdateDueAt')).toEqual(minutes(30));
  });

  it.each([30, 45, 60, 29.6, 60.4])('accepts %s minutes ahead', (ahead) => {
    expect(nextUpdateDue(minutes(ahead), NOW, 'nextUpdateDueAt')).toEqual(minutes(ahead));
  });

  it.each([-10, 0, 5, 14.5, 15, 20, 29, 60.6, 61, 300])('refuses %s minutes ahead on the named field', (ahead) => {
    expect(fieldOf(() => nextUpdateDue(minutes(ahead), NOW, 'input.nextUpdateDueAt'))).toBe('BAD_USER_INPUT:input.nextUpdateDueAt');
  });

  it('names the 30–60 minute range in its message', () => {
    expect(() => nextUpdateDue(minutes(20), NOW, 'nextUpdateDueAt')).toThrow(/30–60 minutes ahead/);
  });

  it('an update is overdue only while the incident is live and its due time has passed', () => {
    expect(updateOverdue({ state: MajorIncidentState.PROMOTED, nextUpdateDueAt: minutes(-1) }, NOW)).toBe(true);
    expect(updateOverdue({ state: MajorIncidentState.PROMOTED, nextUpdateDueAt: minutes(1) }, NOW)).toBe(false);
    expect(updateOverdue({ state: MajorIncidentState.RESOLVED, nextUpdateDueAt: minutes(-60) }, NOW)).toBe(false);
    expect(updateOverdue({ state: MajorIncidentState.CANDIDATE, nextUpdateDueAt: null }, NOW)).toBe(false);
  });
});

describe('the post-incident review is due within 24 hours of resolution (OM §5.23)', () => {
  it('is due 24 hours after resolution and overdue only while not recorded', () => {
    const resolvedAt = new Date(NOW.getTime() - 25 * 3_600_000);
    expect(pirDueAt({ resolvedAt })).toEqual(new Date(NOW.getTime() - 3_600_000));
    expect(pirOverdue({ resolvedAt }, false, NOW)).toBe(true);
    expect(pirOverdue({ resolvedAt }, true, NOW)).toBe(false);
    expect(pirOverdue({ resolvedAt: new Date(NOW.getTime() - 23 * 3_600_000) }, false, NOW)).toBe(false);
    expect(pirDueAt({ resolvedAt: null })).toBeNull();
    expect(pirOverdue({ resolvedAt: null }, false, NOW)).toBe(false);
  });

  const pir: PirInput = {
    serviceImpactedAt: minutes(-240),
    serviceRestoredAt: minutes(-60),
    description: 'DIP stopped delivering',
    businessImpact: 'Messages delayed',
    summary: 'Detected, promoted, fixed',
    resolution: 'Component replaced',
    affectedServices: [Service.DIP],
    affectedUsers: 'All publishers',
    timeline: [{ at: minutes(-240), event: 'Detected' }],
    rootCause: 'Full disk',
    actions: [{ owner: 'DIP provider', action: 'Alert at 70%', dueAt: minutes(7 * 24 * 60) }],
    processReview: 'Fine',
  };

  it('takes the App. E template and stores times as ISO strings', () => {
    const valid = validatePir(pir);
    expect(valid.actions).toEqual([{ owner: 'DIP provider', action: 'Alert at 70%', dueAt: minutes(7 * 24 * 60).toISOString() }]);
    expect(valid.timeline).toEqual([{ at: minutes(-240).toISOString(), event: 'Detected', comments: null }]);
    expect(valid.incidentManagers).toEqual([]);
  });

  it.each([
    ['restored before impacted', { serviceRestoredAt: minutes(-300) }, 'serviceRestoredAt'],
    ['no timeline', { timeline: [] }, 'timeline'],
    ['an action without an owner', { actions: [{ owner: ' ', action: 'x', dueAt: minutes(10) }] }, 'actions[0].owner'],
    ['an MPAN in the root cause', { rootCause: 'Supply 1200023305967 lost reads' }, 'rootCause'],
    ['no affected services', { affectedServices: [] }, 'affectedServices'],
  ])('refuses %s', (_label, change, field) => {
    expect(fieldOf(() => validatePir({ ...pir, ...change } as PirInput))).toBe(`BAD_USER_INPUT:${field}`);
  });
});

describe('triggering criteria (OM §5.9–5.10)', () => {
  it('are the thresholds answered true, in the OM’s order', () => {
    expect(thresholdsMet({ participantImpact: false, duration: true, complianceRisk: false, securityBreach: true })).toEqual([
      MajorIncidentThreshold.DURATION,
      MajorIncidentThreshold.SECURITY_BREACH,
    ]);
    expect(thresholdsMet({ participantImpact: false, duration: false, complianceRisk: false, securityBreach: false })).toEqual([]);
  });
});

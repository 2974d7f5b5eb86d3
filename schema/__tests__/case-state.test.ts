// The case state machine (CA §6, OM §5.12–5.13, §10.3): every legal and illegal transition.
import { describe, expect, it } from 'vitest';
import {
  AUTO_CLOSE_AFTER_DAYS,
  CaseAction,
  IllegalTransition,
  REOPEN_WINDOW_DAYS,
  allowedActions,
  applyAction,
  autoCloseDueAt,
  clockRunning,
  isIllegalTransition,
  isOpen,
  isTerminal,
  nextState,
  pausesClock,
  reopenDeadline,
} from '../case-state';
import { CaseState } from '../enums';
import { DomainError, DomainErrorCode } from '../errors';

const { NEW, IN_PROGRESS, ON_HOLD, RESOLVED, CLOSED, CANCELLED } = CaseState;
const A = CaseAction;
const DAY_MS = 24 * 60 * 60 * 1000;

// DOMAIN.md "Case lifecycle", OM §5.12–5.13, §10.3, CA §2a.
const LEGAL: [CaseState, CaseAction, CaseState, string][] = [
  [NEW, A.TRIAGE, IN_PROGRESS, 'New → (Assessment) → In Progress'],
  [NEW, A.RESOLVE, RESOLVED, 'misrouted at triage: closed as resolved'],
  [NEW, A.CANCEL, CANCELLED, 'raiser withdraws'],
  [NEW, A.ROUTE, NEW, 'transferred before triage: the new desk triages it'],
  [IN_PROGRESS, A.HOLD, ON_HOLD, 'In Progress → (Dependency Check) → On Hold'],
  [IN_PROGRESS, A.RESOLVE, RESOLVED, 'In Progress → (Resolution Implemented) → Resolved'],
  [IN_PROGRESS, A.CANCEL, CANCELLED, 'raiser withdraws'],
  [IN_PROGRESS, A.RETRIAGE, IN_PROGRESS, 'the desk re-assesses priority while working it'],
  [IN_PROGRESS, A.ROUTE, NEW, 'transferred: the new desk triages it afresh (CA §2a)'],
  [ON_HOLD, A.RESUME, IN_PROGRESS, 'On Hold → (Receive Input) → In Progress'],
  [ON_HOLD, A.RESOLVE, RESOLVED, 'resolved while waiting (e.g. vendor fix landed)'],
  [ON_HOLD, A.CANCEL, CANCELLED, 'raiser withdraws'],
  [ON_HOLD, A.RETRIAGE, ON_HOLD, 'the desk re-assesses priority while it waits'],
  [ON_HOLD, A.ROUTE, NEW, 'transferred while waiting: the hold ends, the new desk triages it'],
  [RESOLVED, A.CONFIRM, CLOSED, 'raiser confirms'],
  [RESOLVED, A.CLOSE, CLOSED, 'desk closes after reminders'],
  [RESOLVED, A.AUTO_CLOSE, CLOSED, 'no answer in 5 days'],
  [RESOLVED, A.REOPEN, IN_PROGRESS, 'raiser reopens with a comment'],
  [CLOSED, A.REOPEN, IN_PROGRESS, 'closed case reopened within the window'],
];

const ALLOWED: [CaseState, CaseAction[]][] = [
  [NEW, [A.TRIAGE, A.RESOLVE, A.CANCEL, A.ROUTE]],
  [IN_PROGRESS, [A.HOLD, A.RESOLVE, A.CANCEL, A.RETRIAGE, A.ROUTE]],
  [ON_HOLD, [A.RESUME, A.RESOLVE, A.CANCEL, A.RETRIAGE, A.ROUTE]],
  [RESOLVED, [A.CONFIRM, A.CLOSE, A.AUTO_CLOSE, A.REOPEN]],
  [CLOSED, [A.REOPEN]],
  [CANCELLED, []],
];

const legalKey = new Set(LEGAL.map(([from, action]) => `${from}/${action}`));
const ILLEGAL: [CaseState, CaseAction][] = Object.values(CaseState).flatMap((state) =>
  Object.values(CaseAction)
    .filter((action) => !legalKey.has(`${state}/${action}`))
    .map((action): [CaseState, CaseAction] => [state, action]),
);

describe('legal transitions', () => {
  it.each(LEGAL)('%s --%s--> %s (%s)', (from, action, to) => {
    expect(nextState(from, action)).toBe(to);
    expect(applyAction(from, action)).toBe(to);
  });
});

describe('illegal transitions', () => {
  it('covers every other state × action pair', () => {
    expect(ILLEGAL.length + LEGAL.length).toBe(Object.values(CaseState).length * Object.values(CaseAction).length);
  });

  it.each(ILLEGAL)('%s --%s--> refused, naming what is allowed', (from, action) => {
    const result = nextState(from, action);
    expect(isIllegalTransition(result)).toBe(true);
    expect(result).toBeInstanceOf(IllegalTransition);
    const illegal = result as IllegalTransition;
    expect(illegal).toMatchObject({ currentState: from, action, reason: 'NOT_ALLOWED' });
    expect(illegal.allowed).toEqual(ALLOWED.find(([s]) => s === from)![1]);
  });

  it.each([
    [NEW, A.HOLD, 'New cannot go On Hold: triage first'],
    [CANCELLED, A.REOPEN, 'a cancelled case stays cancelled'],
    [CLOSED, A.RESOLVE, 'a closed case must be reopened before it is resolved again'],
    [ON_HOLD, A.HOLD, 'already on hold'],
    [CLOSED, A.ROUTE, 'a closed case is not transferred: reopen it first'],
    [NEW, A.RETRIAGE, 'a new case is triaged, not re-triaged'],
  ])('%s --%s--> is refused (%s)', (from, action) => {
    expect(isIllegalTransition(nextState(from, action))).toBe(true);
  });

  it('applyAction throws an ILLEGAL_TRANSITION DomainError naming the action attempted, the current state and allowed actions', () => {
    let thrown: unknown;
    try {
      applyAction(CLOSED, A.RESOLVE);
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(DomainError);
    expect(thrown).toMatchObject({
      code: DomainErrorCode.ILLEGAL_TRANSITION,
      field: 'caseId',
      message: 'Cannot RESOLVE a case that is CLOSED; the case is CLOSED and allows REOPEN',
      details: { currentState: CLOSED, action: A.RESOLVE, allowed: [A.REOPEN], reason: 'NOT_ALLOWED' },
    });
  });
});

describe('allowedActions', () => {
  it.each(ALLOWED)('%s allows %j', (state, actions) => {
    expect(allowedActions(state)).toEqual(actions);
  });
});

describe('time-bound transitions', () => {
  const closedAt = new Date('2026-01-12T12:00:00Z');
  const resolvedAt = new Date('2026-01-12T12:00:00Z');
  const after = (base: Date, days: number, ms = 0): Date => new Date(base.getTime() + days * DAY_MS + ms);

  it('defaults: auto-close after 5 days, reopen within 10 days', () => {
    expect(AUTO_CLOSE_AFTER_DAYS).toBe(5);
    expect(REOPEN_WINDOW_DAYS).toBe(10);
    expect(autoCloseDueAt(resolvedAt).toISOString()).toBe('2026-01-17T12:00:00.000Z');
    expect(reopenDeadline(closedAt).toISOString()).toBe('2026-01-22T12:00:00.000Z');
  });

  it.each([
    [after(closedAt, 1), undefined, IN_PROGRESS],
    [after(closedAt, 10), undefined, IN_PROGRESS], // the last instant of the window
    [after(closedAt, 10, 1), undefined, 'REOPEN_WINDOW_EXPIRED'],
    [after(closedAt, 30), undefined, 'REOPEN_WINDOW_EXPIRED'],
    [after(closedAt, 30), 45, IN_PROGRESS], // configurable
  ])('reopening a case closed at 12 Jan, at %s (window %s days) → %s', (now, reopenWindowDays, expected) => {
    const result = nextState(CLOSED, A.REOPEN, { now, closedAt, reopenWindowDays });
    if (expected === IN_PROGRESS) expect(result).toBe(IN_PROGRESS);
    else expect(result).toMatchObject({ reason: expected, currentState: CLOSED, allowed: [] });
  });

  it.each([
    [after(resolvedAt, 4, DAY_MS - 1), 'AUTO_CLOSE_NOT_DUE'],
    [after(resolvedAt, 5), CLOSED],
    [after(resolvedAt, 9), CLOSED],
  ])('auto-closing a case resolved at 12 Jan, at %s → %s', (now, expected) => {
    const result = nextState(RESOLVED, A.AUTO_CLOSE, { now, resolvedAt });
    if (expected === CLOSED) expect(result).toBe(CLOSED);
    else expect(result).toMatchObject({ reason: expected, allowed: [A.CONFIRM, A.CLOSE, A.REOPEN] });
  });

  it('the raiser may confirm or reopen a resolved case before auto-close is due', () => {
    const context = { now: after(resolvedAt, 1), resolvedAt };
    expect(nextState(RESOLVED, A.CONFIRM, context)).toBe(CLOSED);
    expect(nextState(RESOLVED, A.REOPEN, context)).toBe(IN_PROGRESS);
  });

  it('allowedActions with a context leaves out what time forbids', () => {
    expect(allowedActions(CLOSED, { now: after(closedAt, 11), closedAt })).toEqual([]);
    expect(allowedActions(CLOSED, { now: after(closedAt, 2), closedAt })).toEqual([A.REOPEN]);
  });

  it('applyAction refuses a reopen after the window as an ILLEGAL_TRANSITION', () => {
    expect(() => applyAction(CLOSED, A.REOPEN, { now: after(closedAt, 11), closedAt })).toThrow(DomainError);
  });
});

describe('state properties', () => {
  it.each([
    [NEW, true, true, false, false],
    [IN_PROGRESS, true, true, false, false],
    [ON_HOLD, true, false, true, false],
    [RESOLVED, false, false, false, false],
    [CLOSED, false, false, false, false],
    [CANCELLED, false, false, false, true],
  ])('%s: open=%s, clock running=%s, pauses clock=%s, terminal=%s', (state, open, running, pauses, terminal) => {
    expect(isOpen(state)).toBe(open);
    expect(clockRunning(state)).toBe(running);
    expect(pausesClock(state)).toBe(pauses);
    expect(isTerminal(state)).toBe(terminal);
  });
});

/** The case state machine (CA §6, OM §5.12–5.13, §10.3): which action moves a case from which state to which. */
import { CaseState } from './enums';
import { DomainError } from './errors';

/**
 * What someone does to a case. Several actions reach the same state; they stay distinct because who did it and why
 * is recorded and notified differently (a raiser's confirmation vs the desk's closure vs the 5-day auto-close).
 */
export enum CaseAction {
  /** 1st-line triage assessed the case and work begins (OM §5.13 "New → (Assessment) → In Progress"). */
  TRIAGE = 'TRIAGE',
  /** Work pauses awaiting caller, change, problem or vendor; pauses the SLA clock. */
  HOLD = 'HOLD',
  /** The awaited input arrived (OM §5.13 "On Hold → (Receive Input) → In Progress"). */
  RESUME = 'RESUME',
  /** A work-around or fix is implemented — or the case was misrouted and is closed as resolved (CA §2a). */
  RESOLVE = 'RESOLVE',
  /** The raiser confirms the resolution (OM §10.3). */
  CONFIRM = 'CONFIRM',
  /** The desk closes a resolved case (e.g. after follow-up reminders went unanswered, OM §10.3). */
  CLOSE = 'CLOSE',
  /** The system closes a resolved case the raiser has not answered within AUTO_CLOSE_AFTER_DAYS. */
  AUTO_CLOSE = 'AUTO_CLOSE',
  /** The raiser (or desk) reopens a resolved case, or a closed one within REOPEN_WINDOW_DAYS. */
  REOPEN = 'REOPEN',
  /** The raiser withdraws the case before it is resolved. */
  CANCEL = 'CANCEL',
  /** The desk re-assesses an open case already under way (type, impact, urgency): its state does not change. */
  RETRIAGE = 'RETRIAGE',
  /** The desk transfers an open case to another desk, whose triage starts afresh: back to New (CA §2a). */
  ROUTE = 'ROUTE',
}

/** A resolved case the raiser has not confirmed or reopened closes automatically after 5 days (OM §10.3). */
export const AUTO_CLOSE_AFTER_DAYS = 5;
/** The raiser is reminded this many days before a resolved case closes by itself. */
export const AUTO_CLOSE_REMINDER_DAYS_BEFORE = 1;

/**
 * How long after closure a closed case may still be reopened. The OM allows reopening a closed case without a
 * limit (§10.3, "if a reopened ticket is not feasible… a new ticket can be created"); 10 days is this product's
 * default, after which a new case referencing the old one is the way. Override per call with `reopenWindowDays`.
 */
export const REOPEN_WINDOW_DAYS = 10;

const DAY_MS = 24 * 60 * 60 * 1000;

/**
 * The graph. New cannot go On Hold: On Hold means work already under way is paused (OM §5.12) and the OM's workflow
 * only holds from In Progress (§5.13); triage comes first and is due within 15 minutes anyway. New may be resolved
 * directly, because a receiving desk that finds a case misrouted closes it as resolved at triage (CA §2a).
 */
const TRANSITIONS: Readonly<Record<CaseState, Readonly<Partial<Record<CaseAction, CaseState>>>>> = {
  [CaseState.NEW]: {
    [CaseAction.TRIAGE]: CaseState.IN_PROGRESS,
    [CaseAction.RESOLVE]: CaseState.RESOLVED,
    [CaseAction.CANCEL]: CaseState.CANCELLED,
    [CaseAction.ROUTE]: CaseState.NEW,
  },
  [CaseState.IN_PROGRESS]: {
    [CaseAction.HOLD]: CaseState.ON_HOLD,
    [CaseAction.RESOLVE]: CaseState.RESOLVED,
    [CaseAction.CANCEL]: CaseState.CANCELLED,
    [CaseAction.RETRIAGE]: CaseState.IN_PROGRESS,
    [CaseAction.ROUTE]: CaseState.NEW,
  },
  [CaseState.ON_HOLD]: {
    [CaseAction.RESUME]: CaseState.IN_PROGRESS,
    [CaseAction.RESOLVE]: CaseState.RESOLVED,
    [CaseAction.CANCEL]: CaseState.CANCELLED,
    [CaseAction.RETRIAGE]: CaseState.ON_HOLD,
    [CaseAction.ROUTE]: CaseState.NEW,
  },
  [CaseState.RESOLVED]: {
    [CaseAction.CONFIRM]: CaseState.CLOSED,
    [CaseAction.CLOSE]: CaseState.CLOSED,
    [CaseAction.AUTO_CLOSE]: CaseState.CLOSED,
    [CaseAction.REOPEN]: CaseState.IN_PROGRESS,
  },
  [CaseState.CLOSED]: {
    [CaseAction.REOPEN]: CaseState.IN_PROGRESS,
  },
  [CaseState.CANCELLED]: {},
};

const ACTION_ORDER: readonly CaseAction[] = Object.values(CaseAction);

/**
 * Times that guard the time-bound transitions. When omitted, only the graph is checked (fine for listing actions
 * in a UI; a service applying an action must pass it).
 */
export interface TransitionContext {
  now: Date;
  /** When the case was resolved; guards AUTO_CLOSE. */
  resolvedAt?: Date | null;
  /** When the case was closed; guards REOPEN of a closed case. */
  closedAt?: Date | null;
  reopenWindowDays?: number;
  autoCloseAfterDays?: number;
}

export type IllegalTransitionReason = 'NOT_ALLOWED' | 'REOPEN_WINDOW_EXPIRED' | 'AUTO_CLOSE_NOT_DUE';

/** Returned (not thrown) by `nextState` when an action cannot be applied; `applyAction` turns it into an ILLEGAL_TRANSITION. */
export class IllegalTransition extends Error {
  readonly currentState: CaseState;
  readonly action: CaseAction;
  /** Actions that are possible from `currentState` (given the same context, when one was passed). */
  readonly allowed: CaseAction[];
  readonly reason: IllegalTransitionReason;

  constructor(currentState: CaseState, action: CaseAction, reason: IllegalTransitionReason, allowed: CaseAction[]) {
    super(describe(currentState, action, reason));
    this.name = 'IllegalTransition';
    this.currentState = currentState;
    this.action = action;
    this.allowed = allowed;
    this.reason = reason;
  }
}

function describe(state: CaseState, action: CaseAction, reason: IllegalTransitionReason): string {
  switch (reason) {
    case 'NOT_ALLOWED':
      return `Cannot ${action} a case that is ${state}`;
    case 'REOPEN_WINDOW_EXPIRED':
      return 'A closed case can be reopened only within its reopen window; raise a new case referencing it';
    case 'AUTO_CLOSE_NOT_DUE':
      return 'A resolved case closes automatically only once the auto-close period after resolution has passed';
  }
}

export function isIllegalTransition(value: unknown): value is IllegalTransition {
  return value instanceof IllegalTransition;
}

/** Why a graph-legal action is refused at this time, or null. */
function timeGuard(state: CaseState, action: CaseAction, context: TransitionContext): IllegalTransitionReason | null {
  const now = context.now.getTime();
  if (state === CaseState.CLOSED && action === CaseAction.REOPEN && context.closedAt) {
    if (now > reopenDeadline(context.closedAt, context.reopenWindowDays).getTime()) return 'REOPEN_WINDOW_EXPIRED';
  }
  if (state === CaseState.RESOLVED && action === CaseAction.AUTO_CLOSE && context.resolvedAt) {
    if (now < autoCloseDueAt(context.resolvedAt, context.autoCloseAfterDays).getTime()) return 'AUTO_CLOSE_NOT_DUE';
  }
  return null;
}

/**
 * Actions possible from a state, in CaseAction declaration order. Without a context this is the graph; with one,
 * time-guarded actions that are not possible at `context.now` are left out.
 */
export function allowedActions(state: CaseState, context?: TransitionContext): CaseAction[] {
  const edges = TRANSITIONS[state];
  return ACTION_ORDER.filter((action) => edges[action] !== undefined && (context === undefined || timeGuard(state, action, context) === null));
}

/** The state an action leads to, or an IllegalTransition saying why not and what is allowed. */
export function nextState(state: CaseState, action: CaseAction, context?: TransitionContext): CaseState | IllegalTransition {
  const target = TRANSITIONS[state][action];
  const reason = target === undefined ? 'NOT_ALLOWED' : context ? timeGuard(state, action, context) : null;
  if (target === undefined || reason !== null) {
    return new IllegalTransition(state, action, reason ?? 'NOT_ALLOWED', allowedActions(state, context));
  }
  return target;
}

/** The DomainError for a refused action: ILLEGAL_TRANSITION, naming the action attempted, the state and what it allows. */
export function illegalTransitionError(transition: IllegalTransition, field = 'caseId'): DomainError {
  const allowed = transition.allowed.join(', ') || 'nothing more';
  return DomainError.illegalTransition(`${transition.message}; the case is ${transition.currentState} and allows ${allowed}`, field, {
    currentState: transition.currentState,
    action: transition.action,
    allowed: transition.allowed,
    reason: transition.reason,
  });
}

/**
 * `nextState` for services: the new state, or a thrown ILLEGAL_TRANSITION DomainError on `field` carrying
 * `{ currentState, action, allowed, reason }`. Pass the context: time-bound transitions are checked only with it.
 */
export function applyAction(state: CaseState, action: CaseAction, context?: TransitionContext, field = 'caseId'): CaseState {
  const result = nextState(state, action, context);
  if (result instanceof IllegalTransition) throw illegalTransitionError(result, field);
  return result;
}

/** When a resolved case auto-closes if the raiser neither confirms nor reopens (5 × 24 h after resolution). */
export function autoCloseDueAt(resolvedAt: Date, afterDays: number = AUTO_CLOSE_AFTER_DAYS): Date {
  return new Date(resolvedAt.getTime() + afterDays * DAY_MS);
}

/** The last instant a closed case may be reopened. */
export function reopenDeadline(closedAt: Date, windowDays: number = REOPEN_WINDOW_DAYS): Date {
  return new Date(closedAt.getTime() + windowDays * DAY_MS);
}

/** Not yet resolved, closed or cancelled: work is owed. */
export function isOpen(state: CaseState): boolean {
  return state === CaseState.NEW || state === CaseState.IN_PROGRESS || state === CaseState.ON_HOLD;
}

/** The SLA clock counts in this state (New and In Progress). */
export function clockRunning(state: CaseState): boolean {
  return state === CaseState.NEW || state === CaseState.IN_PROGRESS;
}

/** On Hold pauses the clock (it resumes on RESUME); Resolved, Closed and Cancelled stop it instead. */
export function pausesClock(state: CaseState): boolean {
  return state === CaseState.ON_HOLD;
}

/** No action leads out of this state. */
export function isTerminal(state: CaseState): boolean {
  return allowedActions(state).length === 0;
}

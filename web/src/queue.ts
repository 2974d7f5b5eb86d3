/** The desk queue's pure logic: where each case stands against its running SLA target, the order, the selection. */
import type { CaseState } from './operations';
import { duration } from './time';

/** The share of a target past which a case is near breach in the queue (OM escalation practice: 75 %). */
export const NEAR_BREACH_PERCENT = 75;

export const OPEN_STATES: readonly CaseState[] = ['NEW', 'IN_PROGRESS', 'ON_HOLD'];

export interface QueueCase {
  reference: string;
  state: CaseState;
  raisedAt: string;
  sla: {
    responseDueAt: string;
    resolutionDueAt: string | null;
    elapsedPercent: number | null;
    paused: boolean;
    responseBreached: boolean;
    resolutionBreached: boolean;
  };
}

export type SlaTone = 'ok' | 'near' | 'breached' | 'paused' | 'none';

export interface SlaStanding {
  tone: SlaTone;
  /** The target running now: triage (response) while New, resolution after. */
  kind: 'response' | 'resolution' | null;
  dueAt: string | null;
  /** Negative once late. */
  minutesLeft: number | null;
  percent: number | null;
  /** Words, so the standing never rests on colour alone: "Breached — triage 12 min late". */
  label: string;
}

/** Where a case stands against the SLA target running now. */
export function slaStanding(item: QueueCase, now: number): SlaStanding {
  if (!OPEN_STATES.includes(item.state)) return { tone: 'none', kind: null, dueAt: null, minutesLeft: null, percent: null, label: 'No clock running' };
  const kind = item.state === 'NEW' ? 'response' : 'resolution';
  const dueAt = kind === 'response' ? item.sla.responseDueAt : item.sla.resolutionDueAt;
  const verb = kind === 'response' ? 'triage' : 'resolve';
  if (!dueAt) return { tone: 'none', kind, dueAt: null, minutesLeft: null, percent: null, label: 'Resolution target set at triage' };
  const minutesLeft = Math.round((Date.parse(dueAt) - now) / 60_000);
  const percent = kind === 'response' ? responsePercent(item.raisedAt, dueAt, now) : item.sla.elapsedPercent;
  const breached = (kind === 'response' ? item.sla.responseBreached : item.sla.resolutionBreached) || (!item.sla.paused && minutesLeft < 0);
  if (breached) {
    const late = minutesLeft < 0 ? ` ${duration(minutesLeft)} late` : '';
    return { tone: 'breached', kind, dueAt, minutesLeft, percent, label: `Breached — ${verb}${late || ' target missed'}` };
  }
  if (item.sla.paused) return { tone: 'paused', kind, dueAt, minutesLeft, percent, label: 'Paused — on hold, the clock is stopped' };
  const share = percent === null ? '' : ` (${Math.round(percent)} % used)`;
  if (percent !== null && percent > NEAR_BREACH_PERCENT) {
    return { tone: 'near', kind, dueAt, minutesLeft, percent, label: `Near breach — ${verb} in ${duration(minutesLeft)}${share}` };
  }
  return { tone: 'ok', kind, dueAt, minutesLeft, percent, label: `${verb === 'triage' ? 'Triage' : 'Resolve'} in ${duration(minutesLeft)}${share}` };
}

function responsePercent(raisedAt: string, dueAt: string, now: number): number | null {
  const span = Date.parse(dueAt) - Date.parse(raisedAt);
  return span > 0 ? ((now - Date.parse(raisedAt)) / span) * 100 : null;
}

const TONE_ORDER: Record<SlaTone, number> = { breached: 0, near: 1, ok: 2, paused: 3, none: 4 };

/** Most urgent first: breached (latest first), near breach, then by time left; paused and clockless cases last. */
export function queueOrder<T extends QueueCase>(items: readonly T[], now: number): T[] {
  const keyed = items.map((item) => ({ item, standing: slaStanding(item, now) }));
  keyed.sort((a, b) => {
    const byTone = TONE_ORDER[a.standing.tone] - TONE_ORDER[b.standing.tone];
    if (byTone) return byTone;
    const left = (a.standing.minutesLeft ?? Number.POSITIVE_INFINITY) - (b.standing.minutesLeft ?? Number.POSITIVE_INFINITY);
    if (left) return left;
    return Date.parse(a.item.raisedAt) - Date.parse(b.item.raisedAt);
  });
  return keyed.map((k) => k.item);
}

/** The selection after a key press: j / ArrowDown go down, k / ArrowUp up, Home / End to the ends; null: not a move. */
export function moveSelection(key: string, index: number, count: number): number | null {
  if (count === 0) return null;
  switch (key) {
    case 'j':
    case 'ArrowDown':
      return Math.min(count - 1, index + 1);
    case 'k':
    case 'ArrowUp':
      return Math.max(0, index - 1);
    case 'Home':
      return 0;
    case 'End':
      return count - 1;
    default:
      return null;
  }
}

/** A search that names a case reference ("CPSD-000123", "cpsd-123", "000123"): matched on the loaded queue itself. */
export function referenceSearch(text: string): string | null {
  const match = /^(?:cpsd-?)?(\d{1,6})$/i.exec(text.trim());
  return match?.[1] ? match[1].padStart(6, '0') : null;
}

export function matchesReference(reference: string, digits: string): boolean {
  return reference.endsWith(digits);
}

/**
 * The Major Incident Manager's console, its rules without the page: who runs a major incident, the next-update
 * choices (30–60 minutes, OM §5.19.1), the countdown to the next update in words, and the comms record in words.
 */
import type { CommsDelivery, CommsNotice, MeData } from './operations';
import { duration, ukTime } from './time';

/** OM §5.19.1: updates every 30–60 minutes; the first choice is the default. */
export const NEXT_UPDATE_MINUTES = [30, 35, 40, 45, 50, 55, 60] as const;
export const DEFAULT_NEXT_UPDATE_MINUTES = NEXT_UPDATE_MINUTES[0];

/** A next-update choice as the select offers it, e.g. "30 minutes (at 14:35 GMT)". */
export function nextUpdateChoiceLabel(minutes: number, now: number): string {
  return `${minutes} minutes (at ${ukTime(now + minutes * 60_000)})`;
}

/** The `nextUpdateDueAt` to send for a choice, counted from the moment of posting. */
export function nextUpdateDueAt(minutes: number, now: number): string {
  return new Date(now + minutes * 60_000).toISOString();
}

/** A Major Incident Manager of the organisation that leads runs the incident's comms (OM §5.24). */
export function isMajorIncidentManager(me: Pick<MeData['me'], 'roles'>): boolean {
  return me.roles.includes('MAJOR_INCIDENT_MANAGER');
}

export function leadsIncident(me: Pick<MeData['me'], 'roles' | 'organisation'>, lead: { id: string } | null): boolean {
  return isMajorIncidentManager(me) && Boolean(lead && me.organisation?.id === lead.id);
}

/** "29 min 05 s" under an hour, "1 h 5 min" beyond. */
export function countdownSpan(ms: number): string {
  const seconds = Math.floor(Math.abs(ms) / 1000);
  if (seconds >= 3600) return duration(Math.floor(seconds / 60));
  const minutes = Math.floor(seconds / 60);
  const rest = String(seconds % 60).padStart(2, '0');
  return minutes ? `${minutes} min ${rest} s` : `${seconds % 60} s`;
}

export interface NextUpdateStanding {
  overdue: boolean;
  /** In words, so that overdue never rests on colour alone. */
  text: string;
}

/** Where the incident stands against its next-update promise at `now`. */
export function nextUpdateStanding(dueAt: string | null, now: number): NextUpdateStanding {
  if (!dueAt) return { overdue: false, text: 'No update is due.' };
  const left = Date.parse(dueAt) - now;
  const at = ukTime(dueAt);
  if (left >= 0) return { overdue: false, text: `Next update due in ${countdownSpan(left)} (at ${at}).` };
  return { overdue: true, text: `OVERDUE: the next update was due ${countdownSpan(left)} ago (at ${at}). Post an update now.` };
}

/** The whole comms record in one line: "Sent to 5, delivered 9, 1 pending/retrying, 0 failed". */
export function commsSummary(delivery: Pick<CommsDelivery, 'recipients' | 'delivered' | 'pending' | 'retrying' | 'failed'>): string {
  return `Sent to ${delivery.recipients}, delivered ${delivery.delivered}, ${delivery.pending + delivery.retrying} pending/retrying, ${delivery.failed} failed`;
}

/** One notice against its delivery target (OM §5.18–5.19): on time, late, still in time, or no target. */
export function noticeTiming(notice: Pick<CommsNotice, 'dueBy' | 'onTime'>): { tone: 'on-time' | 'late' | 'waiting' | 'none'; text: string } {
  if (notice.onTime === true) return { tone: 'on-time', text: 'On time' };
  if (notice.onTime === false) return { tone: 'late', text: 'Late' };
  if (notice.dueBy) return { tone: 'waiting', text: `Due to all by ${ukTime(notice.dueBy)}` };
  return { tone: 'none', text: 'No delivery target (regular update)' };
}

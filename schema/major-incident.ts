/**
 * The pure rules of industry-wide major incidents (OM §5.6–5.11, §5.17–5.24, App. E): the states and decisions, the
 * 30–60 minute update cadence, the overdue flags, the thresholds that trigger promotion, the post-incident review's
 * template and the business-language rule for everything that reaches every participant. No I/O: the elexon subgraph's
 * major-incident service applies them inside its transactions.
 */
import { Service } from './enums';
import { DomainError } from './errors';
import { maskMpan } from './mpan';
import { requiredText } from './text';

export enum MajorIncidentState {
  CANDIDATE = 'CANDIDATE',
  PROMOTED = 'PROMOTED',
  REJECTED = 'REJECTED',
  RESOLVED = 'RESOLVED',
}
/** The validity checks of OM §5.8, one per type of check. */

export enum MajorIncidentValidityCheck {
  SETTLEMENT_IMPACT = 'SETTLEMENT_IMPACT',
  SCOPE_AND_SCALE = 'SCOPE_AND_SCALE',
  REGULATORY_RISK = 'REGULATORY_RISK',
  SERVICE_DISRUPTION = 'SERVICE_DISRUPTION',
  RESTORATION_COMPLEXITY = 'RESTORATION_COMPLEXITY',
  SECURITY = 'SECURITY',
}
/** The example thresholds of OM §5.9; the ones met when promoted are the recorded triggering criteria (§5.10). */

export enum MajorIncidentThreshold {
  PARTICIPANT_IMPACT = 'PARTICIPANT_IMPACT',
  DURATION = 'DURATION',
  COMPLIANCE_RISK = 'COMPLIANCE_RISK',
  SECURITY_BREACH = 'SECURITY_BREACH',
}

export enum MajorIncidentDecision {
  PROMOTE = 'PROMOTE',
  REJECT = 'REJECT',
}

export enum MajorIncidentUpdateKind {
  INITIAL = 'INITIAL',
  UPDATE = 'UPDATE',
  ESCALATION = 'ESCALATION',
  RESOLUTION = 'RESOLUTION',
}

const MINUTE_MS = 60_000;
const HOUR_MS = 60 * MINUTE_MS;

/**
 * OM §5.19.1: regular updates every 30 minutes to 1 hour, so the next one is due 30–60 minutes ahead (30 by default).
 * Half a minute's grace either side absorbs clock skew and request latency, never a whole minute more.
 */
export const UPDATE_CADENCE = { defaultMinutes: 30, minMinutes: 30, maxMinutes: 60, toleranceMinutes: 0.5 } as const;
/** OM §5.19.1: the PIR is due within 24 hours of resolution. */
export const PIR_DUE_AFTER_MS = 24 * HOUR_MS;
/** Resolved major incidents stay on the public status page this long. */
export const STATUS_FEED_RESOLVED_WINDOW_MS = 24 * HOUR_MS;

/** The lengths a major incident's texts may run to. */
export const MAJOR_INCIDENT_LIMITS = {
  title: 200,
  body: 2_000,
  note: 2_000,
  pirText: 10_000,
  pirShort: 500,
  timelineEntries: 200,
  actions: 100,
  people: 20,
} as const;
const LIMITS = MAJOR_INCIDENT_LIMITS;

/** Whether the next update is overdue: only a promoted (live) major incident has a cadence. */
export function updateOverdue(mi: { state: MajorIncidentState; nextUpdateDueAt: Date | null }, now: Date): boolean {
  return mi.state === MajorIncidentState.PROMOTED && mi.nextUpdateDueAt !== null && mi.nextUpdateDueAt.getTime() < now.getTime();
}

export function pirDueAt(mi: { resolvedAt: Date | null }): Date | null {
  return mi.resolvedAt ? new Date(mi.resolvedAt.getTime() + PIR_DUE_AFTER_MS) : null;
}

export function pirOverdue(mi: { resolvedAt: Date | null }, pirRecorded: boolean, now: Date): boolean {
  const due = pirDueAt(mi);
  return due !== null && !pirRecorded && due.getTime() < now.getTime();
}

/** The thresholds answered true, in the OM's order: what triggers promotion (OM §5.10). */
export function thresholdsMet(t: ThresholdAnswers): MajorIncidentThreshold[] {
  const met: MajorIncidentThreshold[] = [];
  if (t.participantImpact) met.push(MajorIncidentThreshold.PARTICIPANT_IMPACT);
  if (t.duration) met.push(MajorIncidentThreshold.DURATION);
  if (t.complianceRisk) met.push(MajorIncidentThreshold.COMPLIANCE_RISK);
  if (t.securityBreach) met.push(MajorIncidentThreshold.SECURITY_BREACH);
  return met;
}

/** Major incident comms reach every participant and the public status page: business language, never an MPAN. */
export function businessText(field: string, value: string | null | undefined, max: number): string {
  const trimmed = requiredText(field, value, max);
  if (maskMpan(trimmed) !== trimmed) {
    throw DomainError.badUserInput(`${field} must not contain MPANs: major incident comms go to every participant`, field);
  }
  return trimmed;
}

export function optionalBusinessText(field: string, value: string | null | undefined, max: number): string | null {
  return value?.trim() ? businessText(field, value, max) : null;
}

export function serviceList(field: string, values: Service[] | null | undefined): Service[] {
  const list = [...new Set(values ?? [])];
  if (!list.length) throw DomainError.badUserInput(`${field}: name at least one service`, field);
  const known = new Set<string>(Object.values(Service));
  for (const service of list) if (!known.has(service)) throw DomainError.badUserInput(`${field}: unknown service ${service}`, field);
  return list;
}

export function validDate(field: string, value: Date | null | undefined): Date {
  if (!(value instanceof Date) || Number.isNaN(value.getTime())) throw DomainError.badUserInput(`${field} must be a date-time`, field);
  return value;
}

/** The next update's due time: 30 minutes by default, otherwise 30–60 minutes ahead (half a minute's grace for clock skew). */
export function nextUpdateDue(value: Date | null | undefined, now: Date, field: string): Date {
  if (value === null || value === undefined) return new Date(now.getTime() + UPDATE_CADENCE.defaultMinutes * MINUTE_MS);
  const due = validDate(field, value);
  const minutesAhead = (due.getTime() - now.getTime()) / MINUTE_MS;
  if (
    minutesAhead < UPDATE_CADENCE.minMinutes - UPDATE_CADENCE.toleranceMinutes ||
    minutesAhead > UPDATE_CADENCE.maxMinutes + UPDATE_CADENCE.toleranceMinutes
  ) {
    throw DomainError.badUserInput(
      `${field} must be ${UPDATE_CADENCE.minMinutes}–${UPDATE_CADENCE.maxMinutes} minutes ahead (OM §5.19.1); it is ${Math.round(minutesAhead)} minutes ahead`,
      field,
      { minutesAhead: Math.round(minutesAhead) },
    );
  }
  return due;
}

export interface ThresholdAnswers {
  participantImpact: boolean;
  duration: boolean;
  complianceRisk: boolean;
  securityBreach: boolean;
}

export function thresholdAnswers(field: string, input: ThresholdAnswers | null | undefined): ThresholdAnswers {
  if (!input) throw DomainError.badUserInput(`${field}: answer every threshold`, field);
  const answers = {
    participantImpact: input.participantImpact,
    duration: input.duration,
    complianceRisk: input.complianceRisk,
    securityBreach: input.securityBreach,
  };
  for (const [key, value] of Object.entries(answers)) {
    if (typeof value !== 'boolean') throw DomainError.badUserInput(`${field}.${key} must be true or false`, `${field}.${key}`);
  }
  return answers;
}

/** The post-incident review (OM App. E) as validated and stored: dates in the timeline and actions are ISO strings (JSON). */
export interface ValidPir {
  reportReference: string | null;
  serviceImpactedAt: Date;
  serviceRestoredAt: Date;
  incidentManagers: string[];
  description: string;
  businessImpact: string;
  summary: string;
  resolution: string;
  affectedServices: Service[];
  affectedUsers: string;
  timeline: { at: string; event: string; comments: string | null }[];
  rootCause: string;
  actions: { owner: string; action: string; dueAt: string }[];
  processReview: string;
  additionalNotes: string | null;
}

/** The review as a caller sends it: the same template, its optional parts optional, its dates as dates. */
export type PirInput = Omit<ValidPir, 'reportReference' | 'incidentManagers' | 'additionalNotes' | 'timeline' | 'actions'> & {
  reportReference?: string | null;
  incidentManagers?: string[] | null;
  additionalNotes?: string | null;
  timeline: { at: Date; event: string; comments?: string | null }[];
  actions: { owner: string; action: string; dueAt: Date }[];
  idempotencyKey?: string | null;
};

/** The App. E template, validated. The review is shared with stakeholders, so it is held to business language too. */
export function validatePir(input: PirInput): ValidPir {
  const serviceImpactedAt = validDate('serviceImpactedAt', input.serviceImpactedAt);
  const serviceRestoredAt = validDate('serviceRestoredAt', input.serviceRestoredAt);
  if (serviceRestoredAt.getTime() < serviceImpactedAt.getTime()) {
    throw DomainError.badUserInput('serviceRestoredAt must not be before serviceImpactedAt', 'serviceRestoredAt');
  }
  const managers = input.incidentManagers ?? [];
  if (managers.length > LIMITS.people) throw DomainError.badUserInput(`at most ${LIMITS.people} incidentManagers`, 'incidentManagers');
  const timeline = input.timeline ?? [];
  if (!timeline.length) throw DomainError.badUserInput('timeline: list the major activities with their times', 'timeline');
  if (timeline.length > LIMITS.timelineEntries) throw DomainError.badUserInput(`at most ${LIMITS.timelineEntries} timeline entries`, 'timeline');
  const actions = input.actions ?? [];
  if (actions.length > LIMITS.actions) throw DomainError.badUserInput(`at most ${LIMITS.actions} actions`, 'actions');
  return {
    reportReference: optionalBusinessText('reportReference', input.reportReference, 100),
    serviceImpactedAt,
    serviceRestoredAt,
    incidentManagers: managers.map((m, i) => businessText(`incidentManagers[${i}]`, m, LIMITS.pirShort)),
    description: businessText('description', input.description, LIMITS.pirText),
    businessImpact: businessText('businessImpact', input.businessImpact, LIMITS.pirText),
    summary: businessText('summary', input.summary, LIMITS.pirText),
    resolution: businessText('resolution', input.resolution, LIMITS.pirText),
    affectedServices: serviceList('affectedServices', input.affectedServices),
    affectedUsers: businessText('affectedUsers', input.affectedUsers, LIMITS.pirText),
    timeline: timeline.map((e, i) => ({
      at: validDate(`timeline[${i}].at`, e.at).toISOString(),
      event: businessText(`timeline[${i}].event`, e.event, LIMITS.pirShort * 4),
      comments: optionalBusinessText(`timeline[${i}].comments`, e.comments, LIMITS.pirShort * 4),
    })),
    rootCause: businessText('rootCause', input.rootCause, LIMITS.pirText),
    actions: actions.map((a, i) => ({
      owner: businessText(`actions[${i}].owner`, a.owner, LIMITS.pirShort),
      action: businessText(`actions[${i}].action`, a.action, LIMITS.pirShort * 4),
      dueAt: validDate(`actions[${i}].dueAt`, a.dueAt).toISOString(),
    })),
    processReview: businessText('processReview', input.processReview, LIMITS.pirText),
    additionalNotes: optionalBusinessText('additionalNotes', input.additionalNotes, LIMITS.pirText),
  };
}

/**
 * Plays the demo week (demo/week.ts) through the hub's own services — the case service, the major-incident service
 * and the comms list service — each with its clock set to the step's time, so the week is backdated yet every rule
 * holds (state machine, who may do what, SLA terms on the desk's calendar, hand-offs, MI cadence) and every change
 * writes its timeline entry and outbox event as it would live. Every mutation carries an idempotency key made from
 * the scenario, so an interrupted seeding run again completes it and a second run adds nothing.
 */
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { DataSource } from 'typeorm';
import { fromLondonTime, toLondonTime } from '../schema/calendar';
import { CommsChannel } from '../schema/enums';
import type { Principal } from '../schema/identity';
import { MajorIncidentDecision } from '../schema/major-incident';
import { logger } from '../platform/logger';
import { elexonOutbox } from '../subgraphs/elexon/cases/case.runtime';
import { CaseService } from '../subgraphs/elexon/cases/case.service';
import { CommsListService } from '../subgraphs/elexon/major-incidents/comms-list.service';
import { MajorIncidentService } from '../subgraphs/elexon/major-incidents/major-incident.service';
import type { DemoStep, DemoWeek, DemoWhen } from '../demo/week';

const MINUTE_MS = 60_000;
const DAY_MS = 24 * 60 * MINUTE_MS;

/** The marker in the data folder that says the demo week was seeded there. */
export const DEMO_WEEK_MARKER = 'demo-week-seeded.json';

export interface DemoWeekSummary {
  cases: number;
  majorIncidentReference: string;
  commsListEntries: number;
}

/** The instant a scenario time names, relative to `now`. */
export function instantOf(when: DemoWhen, now: Date): Date {
  if ('minutesAgo' in when) return new Date(now.getTime() - when.minutesAgo * MINUTE_MS);
  const today = toLondonTime(now);
  const day = new Date(Date.UTC(today.year, today.month - 1, today.day) - when.daysAgo * DAY_MS);
  const [hour, minute] = when.at.split(':').map(Number) as [number, number];
  return fromLondonTime(day.getUTCFullYear(), day.getUTCMonth() + 1, day.getUTCDate(), hour, minute);
}

/** Seeds the week unless the data folder's marker says it already was; returns the summary when it seeded. */
export async function seedDemoWeekOnce(db: DataSource, week: DemoWeek, dataDir: string, now = new Date()): Promise<DemoWeekSummary | null> {
  const marker = path.join(dataDir, DEMO_WEEK_MARKER);
  if (existsSync(marker)) return null;
  const summary = await seedDemoWeek(db, week, now);
  mkdirSync(dataDir, { recursive: true });
  writeFileSync(marker, `${JSON.stringify({ seededAt: now.toISOString(), ...summary }, null, 2)}\n`);
  return summary;
}

/** Plays the whole week with `now` as the moment of seeding. */
export async function seedDemoWeek(db: DataSource, week: DemoWeek, now = new Date()): Promise<DemoWeekSummary> {
  let clock = now;
  const at = (when: DemoWhen, notBefore?: Date): Date => {
    // A step is never before the one it follows, and never in the future.
    let t = instantOf(when, now);
    if (notBefore && t.getTime() <= notBefore.getTime()) t = new Date(notBefore.getTime() + MINUTE_MS);
    if (t.getTime() > now.getTime()) t = now;
    clock = t;
    return t;
  };
  const cases = new CaseService(db, elexonOutbox, () => clock);
  const majorIncidents = new MajorIncidentService(db, elexonOutbox, () => clock);
  const commsList = new CommsListService(db, () => clock);
  const who = (key: string): Principal => {
    const actor = week.actors[key];
    if (!actor) throw new Error(`demo week: no actor ${key}`);
    return { ...actor, visibleOrganisationIds: [actor.organisationId], kind: 'USER' };
  };
  const key = (...parts: (string | number)[]) => ['demo-week', ...parts].join(':');

  const caseIds = new Map<string, string>();
  const lastStepAt = new Map<string, Date>();
  for (const demo of week.cases) {
    let last = at(demo.raisedAt);
    const raised = await cases.raiseCase(who(demo.raisedBy), {
      deskId: demo.deskId,
      category: demo.category,
      subject: demo.subject,
      description: demo.description,
      evidence: demo.evidence ?? null,
      idempotencyKey: key(demo.key, 'raise'),
    });
    caseIds.set(demo.key, raised.id);
    for (const [index, s] of demo.steps.entries()) {
      last = at(s.when, last);
      await play(db, cases, who(s.by), raised.id, s, key(demo.key, index, s.do));
    }
    lastStepAt.set(demo.key, last);
  }

  const mi = week.majorIncident;
  const miCaseId = caseIds.get(mi.caseKey);
  if (!miCaseId) throw new Error(`demo week: the major incident's case ${mi.caseKey} is not in the week`);
  at(mi.proposedAt, lastStepAt.get(mi.caseKey));
  const proposed = await majorIncidents.propose(who(mi.proposedBy), miCaseId, {
    title: mi.title,
    services: mi.services,
    validityChecks: mi.validityChecks,
    thresholds: mi.thresholds,
    idempotencyKey: key('mi', 'propose'),
  });
  let last = at(mi.promotedAt, clock);
  await majorIncidents.review(who(mi.promotedBy), proposed.id, MajorIncidentDecision.PROMOTE, {
    note: mi.reviewNote,
    initialUpdate: { body: mi.initialUpdate, statusPage: true },
    idempotencyKey: key('mi', 'promote'),
  });
  // The updates and the linking interleave by time, as they would on the day.
  const linkAt = instantOf(mi.linkedAt, now).getTime();
  let linked = false;
  const link = async () => {
    last = at(mi.linkedAt, last);
    for (const childKey of mi.linkedCaseKeys) {
      const childId = caseIds.get(childKey);
      if (!childId) throw new Error(`demo week: linked case ${childKey} is not in the week`);
      await cases.linkChildCase(who(mi.linkedBy), { parentId: miCaseId, childId, idempotencyKey: key('mi', 'link', childKey) });
    }
    linked = true;
  };
  for (const [index, update] of mi.updates.entries()) {
    if (!linked && instantOf(update.when, now).getTime() > linkAt) await link();
    last = at(update.when, last);
    await majorIncidents.postUpdate(who(update.by), proposed.id, {
      body: update.body,
      kind: update.kind ?? null,
      statusPage: update.statusPage ?? false,
      idempotencyKey: key('mi', 'update', index),
    });
  }
  if (!linked) await link();

  at({ minutesAgo: 0 });
  for (const entry of week.commsList) {
    // Subscribing the same address again replaces it: a second seeding adds no entry.
    await commsList.subscribe(who(entry.by), { services: entry.services, channel: CommsChannel.EMAIL, address: entry.address, name: entry.name });
  }
  // Resolved cases nobody answered for 5 days close, as the hub's own job would close them.
  await cases.autoCloseResolved(now);

  const summary = { cases: caseIds.size, majorIncidentReference: proposed.reference, commsListEntries: week.commsList.length };
  logger.info(summary, 'seeded the demo week');
  return summary;
}

async function play(db: DataSource, cases: CaseService, principal: Principal, caseId: string, s: DemoStep, idempotencyKey: string): Promise<void> {
  switch (s.do) {
    case 'triage':
      await cases.triageCase(principal, {
        caseId,
        type: s.type,
        impact: s.impact,
        urgency: s.urgency,
        serviceRequestClass: s.serviceRequestClass ?? null,
        idempotencyKey,
      });
      return;
    case 'hold':
      await cases.putCaseOnHold(principal, { caseId, reason: s.reason, note: s.note, idempotencyKey });
      return;
    case 'resume':
      await cases.resumeCase(principal, { caseId, note: s.note, idempotencyKey });
      return;
    case 'comment':
      await cases.addComment(principal, { caseId, body: s.body, visibility: s.visibility, idempotencyKey });
      return;
    case 'handOff':
      await cases.handOffCase(principal, { caseId, toDeskId: s.toDeskId, reason: s.reason, idempotencyKey });
      return;
    case 'acknowledgeHandoff':
      await cases.updateHandoffState(principal, 'acknowledgeHandoff', {
        handoffId: await handoffTo(db, caseId, s.toDeskId),
        externalReference: s.externalReference,
        idempotencyKey,
      });
      return;
    case 'updateHandoff':
      await cases.updateHandoffState(principal, 'updateHandoff', { handoffId: await handoffTo(db, caseId, s.toDeskId), note: s.note, idempotencyKey });
      return;
    case 'resolveHandoff':
      await cases.updateHandoffState(principal, 'resolveHandoff', {
        handoffId: await handoffTo(db, caseId, s.toDeskId),
        resolution: s.resolution,
        idempotencyKey,
      });
      return;
    case 'closeAsMisrouted':
      await cases.closeAsMisrouted(principal, { caseId, guidance: s.guidance, idempotencyKey });
      return;
    case 'resolve':
      await cases.resolveCase(principal, { caseId, resolution: s.resolution, idempotencyKey });
      return;
    case 'confirm':
      await cases.confirmResolution(principal, { caseId, note: s.note, idempotencyKey });
      return;
    case 'close':
      await cases.closeCase(principal, { caseId, note: s.note, idempotencyKey });
      return;
    case 'reopen':
      await cases.reopenCase(principal, { caseId, comment: s.comment, idempotencyKey });
      return;
    case 'cancel':
      await cases.cancelCase(principal, { caseId, comment: s.comment, idempotencyKey });
      return;
  }
}

/** The case's latest hand-off to a desk (the scenario opens at most one per desk). */
async function handoffTo(db: DataSource, caseId: string, deskId: string): Promise<string> {
  const [row] = (await db.query('SELECT id FROM elexon.handoffs WHERE case_id = $1 AND to_desk_id = $2 ORDER BY created_at DESC LIMIT 1', [
    caseId,
    deskId,
  ])) as {
    id: string;
  }[];
  if (!row) throw new Error(`demo week: no hand-off of ${caseId} to ${deskId}`);
  return row.id;
}

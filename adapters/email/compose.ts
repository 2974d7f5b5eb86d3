/**
 * What an outbound CPSD email says, pure. OM §10.5.5: an email carries the case reference and a portal link — never
 * MPANs or other evidence. The body is the reference, what changed in business words and the link; `maskMpan` runs
 * over the subject and the body as the last line of defence (the producer masked already).
 */
import { EventFamily, familyOf } from '../../schema/events';
import { maskMpan } from '../../schema/mpan';
import type { OutboundDelivery } from '../sdk';
import { caseThreadId, deliveryMessageId, isCaseReference } from './thread';
import { MI_KIND_WORDS, RAISER_WORDS } from '../../schema/notice-words';
import { dailyReportLines, ukTime } from './daily-report';

export interface ComposeOptions {
  /** The right-hand side of every Message-ID we mint (e.g. cpsd.example). */
  messageIdDomain: string;
  /** Portal base URL, used when the delivery carries no portal link (links become `<base>/cases/<reference>`). */
  portalBaseUrl?: string | null;
}

export interface ComposedEmail {
  subject: string;
  text: string;
  messageId: string;
  /** The case's thread root, when the delivery is about a case. */
  inReplyTo: string | null;
  references: string[];
  /** Extra headers: RFC 3834 marks the mail as machine-sent, so auto-responders stay quiet. */
  headers: Record<string, string>;
}

/** Hand-off / external-ticket and case states in the words a desk reads. */
const STATE_WORDS: Record<string, string> = {
  OPEN: 'handed to your desk and awaiting your acknowledgement',
  REQUESTED: 'handed to your desk and awaiting your acknowledgement',
  ACKNOWLEDGED: 'acknowledged by your desk',
  IN_PROGRESS: 'in progress',
  RESOLVED: 'resolved',
  REJECTED: 'rejected as not for your desk',
  NEW: 'new, awaiting triage',
  ON_HOLD: 'on hold',
  CLOSED: 'closed',
  CANCELLED: 'withdrawn by the raiser',
  CANDIDATE: 'under review as a major incident candidate',
  PROMOTED: 'a major incident',
};

/** What happened, by event type. Unknown types still send a sensible generic line. */
const EVENT_WORDS: Record<string, string> = {
  'ticket.opened': 'A CPSD case has been handed to your desk.',
  'ticket.updated': 'A CPSD case handed to your desk has changed.',
  'case.raised': 'A CPSD case has been raised with your desk.',
  'case.routed': 'A CPSD case has been transferred to your desk.',
  'case.commented': 'There is a new comment on a CPSD case.',
  'case.resolved': 'A CPSD case has been resolved.',
  'case.reopened': 'A CPSD case has been reopened.',
  'case.closed': 'A CPSD case has been closed.',
  'case.on_hold': 'A CPSD case has been put on hold.',
  'case.resumed': 'Work on a CPSD case has resumed.',
  'case.cancelled': 'A CPSD case has been withdrawn by its raiser.',
  'major_incident.promoted': 'A major incident has been declared.',
  'major_incident.updated': 'There is an update on a major incident.',
  'major_incident.escalated': 'A major incident has been escalated.',
  'major_incident.resolved': 'A major incident has been resolved.',
  'major_incident.update_overdue': 'A major incident your organisation leads is overdue an update (OM §5.19.1): post one now.',
  'case.sla_near_breach': 'A CPSD case is close to breaching its resolution target.',
  'report.daily': 'The CPSD Hypercare daily report.',
};

const text = (value: unknown): string | null => (typeof value === 'string' && value.trim() ? value.trim() : null);

/** One line of free business text: no line breaks (header injection), bounded, MPANs masked. */
function oneLine(value: string, max = 150): string {
  const flat = maskMpan(value)
    .replace(/[\r\n\t]+/g, ' ')
    .replace(/\s{2,}/g, ' ')
    .trim();
  return flat.length > max ? `${flat.slice(0, max - 1)}…` : flat;
}

function portalLink(delivery: OutboundDelivery, reference: string | null, options: ComposeOptions): string | null {
  if (delivery.portalUrl) return delivery.portalUrl;
  if (!reference || !options.portalBaseUrl) return null;
  return `${options.portalBaseUrl.replace(/\/+$/, '')}/cases/${encodeURIComponent(reference)}`;
}

const FOOTER_PRIVACY = 'For data protection this email carries no MPANs or other case evidence (OM §10.5.5): please read and add them in the portal.';
const HEADERS = { 'Auto-Submitted': 'auto-generated', 'X-Auto-Response-Suppress': 'OOF, AutoReply' };

/** The daily report: figures and references only, to a distribution list. */
function composeDailyReport(delivery: OutboundDelivery, options: ComposeOptions): ComposedEmail {
  const { data } = delivery.event;
  const { topic, lines } = dailyReportLines((data.report as Record<string, unknown> | undefined) ?? {});
  const link = text(data.link);
  const body = ['Hello,', '', 'The CPSD Hypercare daily report.', '', ...lines];
  if (link) body.push(`Figures, charts and every case in the CPSD dashboard: ${link}`, '');
  body.push(FOOTER_PRIVACY, '', '— CPSD (Cross-Party Service Desk)');
  return {
    subject: `[CPSD] ${topic}`,
    text: maskMpan(body.join('\n')),
    messageId: deliveryMessageId(delivery.idempotencyKey, null, options.messageIdDomain),
    inReplyTo: null,
    references: [],
    headers: HEADERS,
  };
}

/** A notice to the raiser or their organisation: the reference, what happened and the portal link, no case text. */
function composeRaiserNotice(delivery: OutboundDelivery, options: ComposeOptions): ComposedEmail {
  const { event } = delivery;
  const { data } = event;
  const reference = isCaseReference(event.caseReference) ? event.caseReference : null;
  const link = portalLink(delivery, reference, options);
  const state = text(data.state);
  const lines = ['Hello,', '', RAISER_WORDS[event.type] ?? 'There is an update on your CPSD case.', ''];
  if (reference) lines.push(`Case reference: ${reference}`);
  if (text(data.deskName)) lines.push(`Desk: ${oneLine(String(data.deskName), 120)}`);
  if (state) lines.push(`Status: ${STATE_WORDS[state] ?? oneLine(state, 40)}`);
  if ((event.type === 'case.resolved' || event.type === 'case.auto_close_reminder') && text(data.autoClosesAt)) {
    lines.push(`Closes by itself: ${ukTime(data.autoClosesAt)}`);
  }
  lines.push('');
  if (link) {
    if (event.type === 'case.resolved' || event.type === 'case.auto_close_reminder') {
      lines.push(`Confirm the fix, or reopen the case if it is not fixed, in the CPSD portal: ${link}`, '');
    } else if (event.type === 'case.commented') {
      lines.push(`Read the comment and reply in the CPSD portal: ${link}`, '');
    } else {
      lines.push(`Follow your case in the CPSD portal: ${link}`, '');
    }
  }
  lines.push(FOOTER_PRIVACY, 'Please reply in the portal: this mailbox does not read replies from raisers.', '', '— CPSD (Cross-Party Service Desk)');
  const thread = reference ? caseThreadId(reference, options.messageIdDomain) : null;
  return {
    subject: `[${reference ?? 'CPSD'}] ${RAISER_WORDS[event.type] ?? 'Update on your CPSD case'}`,
    text: maskMpan(lines.join('\n')),
    messageId: deliveryMessageId(delivery.idempotencyKey, reference, options.messageIdDomain),
    inReplyTo: thread,
    references: thread ? [thread] : [],
    headers: HEADERS,
  };
}

interface DigestLine {
  caseReference?: unknown;
  link?: unknown;
  eventType?: unknown;
  state?: unknown;
  deskName?: unknown;
  occurredAt?: unknown;
}

/** A digest of notices: per case, what happened and when, with the portal link — references and states only. */
function composeDigest(delivery: OutboundDelivery, options: ComposeOptions): ComposedEmail {
  const { data } = delivery.event;
  const items = (Array.isArray(data.items) ? data.items : []) as DigestLine[];
  const byCase = new Map<string, DigestLine[]>();
  for (const item of items) {
    const reference = typeof item.caseReference === 'string' && isCaseReference(item.caseReference) ? item.caseReference : null;
    if (!reference) continue;
    byCase.set(reference, [...(byCase.get(reference) ?? []), item]);
  }
  const notices = [...byCase.values()].reduce((n, list) => n + list.length, 0);
  const topic = `Your digest: ${notices} ${notices === 1 ? 'update' : 'updates'} on ${byCase.size} ${byCase.size === 1 ? 'case' : 'cases'}`;
  const lines = ['Hello,', '', 'What happened on your CPSD cases since your last digest:', ''];
  for (const [reference, list] of byCase) {
    const desk = text(list.at(-1)?.deskName);
    lines.push(`${reference}${desk ? ` — ${oneLine(desk, 120)}` : ''}`);
    for (const item of list) {
      const state = text(item.state);
      const words = RAISER_WORDS[String(item.eventType)] ?? 'There is an update on your case.';
      lines.push(`  ${ukTime(item.occurredAt)}: ${words}${state ? ` (status: ${STATE_WORDS[state] ?? oneLine(state, 40)})` : ''}`);
    }
    const link = text(list[0]?.link) ?? portalLink(delivery, reference, options);
    if (link) lines.push(`  ${link}`);
    lines.push('');
  }
  if (text(data.link)) lines.push(`All your cases in the CPSD portal: ${text(data.link)}`, '');
  lines.push(
    FOOTER_PRIVACY,
    'You get this digest because of your notification preferences; change them in the CPSD portal.',
    '',
    '— CPSD (Cross-Party Service Desk)',
  );
  return {
    subject: `[CPSD] ${topic}`,
    text: maskMpan(lines.join('\n')),
    messageId: deliveryMessageId(delivery.idempotencyKey, null, options.messageIdDomain),
    inReplyTo: null,
    references: [],
    headers: HEADERS,
  };
}

export function composeEmail(delivery: OutboundDelivery, options: ComposeOptions): ComposedEmail {
  if (delivery.event.type === 'report.daily') return composeDailyReport(delivery, options);
  if (delivery.event.type === 'notification.digest') return composeDigest(delivery, options);
  if (delivery.event.data.audience === 'RAISER') return composeRaiserNotice(delivery, options);
  const { event, target } = delivery;
  const data = event.data;
  const reference = isCaseReference(event.caseReference) ? event.caseReference : null;
  const majorIncident = familyOf(event.type) === EventFamily.MAJOR_INCIDENT;
  const miReference = majorIncident ? text(data.reference) : null;
  const state = text(data.state);
  // MI comms link to the major incidents' status in the dashboard (`data.link`), never to a case.
  const link = majorIncident ? text(data.link) : portalLink(delivery, reference, options);

  const tag = majorIncident && miReference ? miReference : (reference ?? 'CPSD');
  const about =
    text(data.subject) ?? (majorIncident ? `Major incident${text(data.kind) ? ` — ${MI_KIND_WORDS[String(data.kind)] ?? String(data.kind)}` : ''}` : null);
  const subject = maskMpan(`[${oneLine(tag, 40)}] ${oneLine(about ?? EVENT_WORDS[event.type] ?? 'CPSD update')}`);

  const lines: string[] = [
    majorIncident || target.deskName.startsWith('comms:') ? 'Hello,' : `Dear ${oneLine(target.deskName, 120)},`,
    '',
    EVENT_WORDS[event.type] ?? `CPSD update (${oneLine(event.type, 60)}).`,
    '',
  ];
  if (majorIncident) {
    if (miReference) lines.push(`Major incident: ${oneLine(miReference, 40)}`);
    if (text(data.kind)) lines.push(`Notice: ${MI_KIND_WORDS[String(data.kind)] ?? oneLine(String(data.kind), 40)}`);
    if (Array.isArray(data.services) && data.services.length) lines.push(`Services affected: ${oneLine(data.services.map(String).join(', '), 300)}`);
    if (state) lines.push(`Status: ${STATE_WORDS[state] ?? oneLine(state, 40)}`);
    if (text(data.nextUpdateDueAt)) lines.push(`Next update due: ${oneLine(String(data.nextUpdateDueAt), 40)}`);
    // The comms text itself: business and impact language, refused by the hub if it held an MPAN; masked again here.
    const body = text(data.body);
    if (body) lines.push('', maskMpan(body).slice(0, 5_000));
  } else {
    if (reference) lines.push(`Case reference: ${reference}`);
    if (about) lines.push(`About: ${oneLine(about)}`);
    if (state) lines.push(`Status: ${STATE_WORDS[state] ?? oneLine(state, 40)}`);
    if (text(data.externalReference)) lines.push(`Your reference: ${oneLine(String(data.externalReference), 100)}`);
    if (event.type === 'case.sla_near_breach') {
      if (text(data.deskName)) lines.push(`Desk: ${oneLine(String(data.deskName), 120)}`);
      if (text(data.priority)) lines.push(`Priority: ${oneLine(String(data.priority), 4)}`);
      if (typeof data.elapsedPercent === 'number') lines.push(`Resolution target elapsed: ${data.elapsedPercent} %`);
      if (text(data.resolutionDueAt)) lines.push(`Resolution due: ${ukTime(data.resolutionDueAt)}`);
    }
  }
  lines.push('');
  if (link) lines.push(majorIncident ? `Status and updates in the CPSD dashboard: ${link}` : `Details and evidence are in the CPSD portal: ${link}`, '');
  lines.push(FOOTER_PRIVACY);
  if (!majorIncident && reference) {
    lines.push(`To comment, reply to this email from your desk's nominated mailbox, keeping [${reference}] in the subject.`);
  }
  lines.push('', '— CPSD (Cross-Party Service Desk)');

  const thread = reference ? caseThreadId(reference, options.messageIdDomain) : null;
  return {
    subject,
    text: maskMpan(lines.join('\n')),
    messageId: deliveryMessageId(delivery.idempotencyKey, reference, options.messageIdDomain),
    inReplyTo: thread,
    references: thread ? [thread] : [],
    headers: HEADERS,
  };
}

/**
 * Near-breach escalation and the Hypercare daily report, end to end through the delivery engine and the email bridge
 * to a real SMTP sink (Hypercare §5): Elexon configures the near-breach share and its escalation contacts; a P1 at
 * the UKPN London MPAS Help Desk (24x7, a shared mailbox) past 75 % of its 6 hours alerts that mailbox and the
 * contacts once; Elexon schedules the daily report at a UK time and asks for it on demand; each recipient gets it
 * by email, with case references and figures but never a case's subject, description or MPAN.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSmtpSink, type SmtpSink } from '../../adapters/email/__tests__/smtp-sink';
import { toLondonTime } from '../../schema/calendar';
import { CaseType, Impact, Role, Urgency } from '../../schema/enums';
import type { Principal } from '../../schema/identity';
import { makeMpan } from '../../schema/mpan';
import { CaseService } from '../../subgraphs/elexon/cases/case.service';
import { elexonOutbox } from '../../subgraphs/elexon/cases/case.runtime';
import { sendScheduledDailyReport } from '../../subgraphs/elexon/reports/daily-report';
import { alertNearBreaches } from '../../subgraphs/elexon/service-levels/escalation';
import { callers, errorOf, signIn, startTestProduct, waitFor, withEnv, type Claims, type TestProduct } from './harness';

const DESK = 'ukpn-lpn-mpas';
const DESK_MAILBOX = 'mpas.lpn@ukpn.example';
const CONTACT = 'escalations@elexon.example';
const LIST = ['hypercare@elexon.example', 'service.manager@elexon.example'];
const MPAN = makeMpan('12', '0002330596');
const SUBJECT = 'Registration rejected for a new connection';
const DESCRIPTION = 'The D0055 for our new connection bounced twice';
const HOUR = 3600_000;

let t: TestProduct;
let sink: SmtpSink;
const tokens: Record<string, string> = {};
const { as, ok } = callers(() => t, tokens);
let restoreEnv: (() => void) | undefined;
let cases: CaseService;
let elexonDb: TestProduct['product']['subgraphs'][number]['db'];
let now = new Date();

const supplier: Principal = {
  subject: 'sally@britishgas.example',
  organisationId: 'british-gas',
  visibleOrganisationIds: ['british-gas'],
  roles: [Role.PARTICIPANT],
  deskIds: [],
  kind: 'USER',
};
const ukpnAgent: Principal = {
  subject: 'una@ukpn.example',
  organisationId: 'ukpn-lpn',
  visibleOrganisationIds: ['ukpn-lpn'],
  roles: [Role.PARTICIPANT, Role.DESK_AGENT],
  deskIds: [DESK],
  kind: 'USER',
};

const mailTo = (address: string) => sink.messages().filter((m) => m.recipients.includes(address));
const NEAR_BREACH = 'A CPSD case is close to breaching its resolution target.';
const alertsTo = (address: string) => mailTo(address).filter((m) => m.subject?.endsWith(NEAR_BREACH));

/** A P1 raised `hoursAgo` hours ago and triaged five minutes later: its 6 clock hours are that far gone. */
async function p1RaisedHoursAgo(hoursAgo: number): Promise<{ id: string; reference: string }> {
  now = new Date(Date.now() - hoursAgo * HOUR);
  const raised = await cases.raiseCase(supplier, {
    deskId: DESK,
    category: 'DATA_SUBMISSION' as never,
    subject: SUBJECT,
    description: DESCRIPTION,
    evidence: { mpans: [MPAN] },
  });
  now = new Date(now.getTime() + 5 * 60_000);
  await cases.triageCase(ukpnAgent, { caseId: raised.id, type: CaseType.INCIDENT, impact: Impact.HIGH, urgency: Urgency.HIGH });
  now = new Date();
  return { id: raised.id, reference: raised.reference };
}

function expectNoCaseText(text: string): void {
  expect(text).not.toContain(SUBJECT);
  expect(text).not.toContain(DESCRIPTION);
  expect(text).not.toContain(MPAN);
  expect(text).not.toMatch(/\b\d{13}\b/);
}

beforeAll(async () => {
  sink = await startSmtpSink();
  restoreEnv = withEnv({ SMTP_HOST: sink.host, SMTP_PORT: String(sink.port), EMAIL_FROM: 'CPSD <cpsd@cpsd.example>', EMAIL_REPLY_TO: 'replies@cpsd.example' });
  t = await startTestProduct({ PUBLIC_URL: 'https://cpsd.example', DELIVERY_BACKOFF_BASE_MS: '100' });
  const people: Record<string, Claims> = {
    supplier: { sub: supplier.subject, org: 'british-gas', roles: ['participant'] },
    otherSupplier: { sub: 'olga@eonnext.example', org: 'eon-next', roles: ['participant'] },
    ukpnAgent: { sub: ukpnAgent.subject, org: 'ukpn-lpn', roles: ['participant', 'desk_agent'], desks: [DESK] },
    admin: { sub: 'ada@cpsd.example', org: 'elexon', roles: ['participant', 'cpsd_admin'] },
  };
  await signIn(t, people, tokens);
  elexonDb = t.product.subgraphs.find((s) => s.name === 'elexon')!.db;
  cases = new CaseService(elexonDb, elexonOutbox, () => now);
});

afterAll(async () => {
  await t?.stop();
  await sink?.close();
  restoreEnv?.();
});

const SET_ESCALATION = 'mutation($input: SetSlaEscalationInput!) { setSlaEscalation(input: $input) { nearBreachPercent contacts } }';
const SET_SCHEDULE = 'mutation($input: SetDailyReportScheduleInput!) { setDailyReportSchedule(input: $input) { enabled sendAt recipients nextRunAt } }';

describe('a desk hears of a case raised with it or transferred to it (OM §5.17)', () => {
  it('the desk’s mailbox gets the raise, and the desk a case is routed to gets the transfer — reference and link, no case text', async () => {
    const raised = await p1RaisedHoursAgo(0.1);
    const RAISED = `[${raised.reference}] A CPSD case has been raised with your desk.`;
    await waitFor(() => mailTo(DESK_MAILBOX).some((m) => m.subject === RAISED), 'the raise notice', 20_000);
    const [mail] = mailTo(DESK_MAILBOX).filter((m) => m.subject === RAISED);
    expect(mail!.text).toContain(`https://cpsd.example/dashboard/#/cases/${raised.id}`);
    expectNoCaseText(mail!.text);
    // Routed on to the Eastern desk: that desk's mailbox hears of the transfer.
    await cases.routeCase(ukpnAgent, { caseId: raised.id, toDeskId: 'ukpn-epn-mpas', reason: 'The MPAN is in the Eastern area' });
    const ROUTED = `[${raised.reference}] A CPSD case has been transferred to your desk.`;
    await waitFor(() => mailTo('mpas.epn@ukpn.example').some((m) => m.subject === ROUTED), 'the transfer notice', 20_000);
    expect(mailTo(DESK_MAILBOX).filter((m) => m.subject === RAISED)).toHaveLength(1);
  });
});

describe('near-breach escalation', () => {
  it('refuses a share out of range, a malformed contact and anyone but cpsd_admin, changing nothing', async () => {
    expect(errorOf(await as('admin', SET_ESCALATION, { input: { nearBreachPercent: 100, contacts: [] } }))).toMatchObject({
      code: 'BAD_USER_INPUT',
      field: 'input.nearBreachPercent',
    });
    expect(errorOf(await as('admin', SET_ESCALATION, { input: { nearBreachPercent: 75, contacts: [CONTACT, 'not an address'] } }))).toMatchObject({
      code: 'BAD_USER_INPUT',
      field: 'input.contacts[1]',
    });
    expect(errorOf(await as('ukpnAgent', SET_ESCALATION, { input: { nearBreachPercent: 50, contacts: [] } }))).toMatchObject({ code: 'FORBIDDEN' });
    const { slaEscalation } = await ok<{ slaEscalation: { nearBreachPercent: number; contacts: string[] } }>(
      'admin',
      '{ slaEscalation { nearBreachPercent contacts } }',
    );
    expect(slaEscalation).toEqual({ nearBreachPercent: 75, contacts: [] });
  });

  it('alerts the desk’s mailbox and the escalation contacts once, with the reference and the clock but no case text', async () => {
    await ok('admin', SET_ESCALATION, { input: { nearBreachPercent: 75, contacts: [CONTACT.toUpperCase()] } });
    const late = await p1RaisedHoursAgo(5); // 5 h of 6 h counted: 83 %
    await p1RaisedHoursAgo(1); // 17 %: not yet
    expect(await alertNearBreaches(elexonDb, new Date())).toBe(1);
    await waitFor(() => alertsTo(DESK_MAILBOX).length >= 1 && alertsTo(CONTACT).length >= 1, 'the near-breach emails', 20_000);
    for (const address of [DESK_MAILBOX, CONTACT]) {
      const [mail] = alertsTo(address);
      expect(mail!.subject).toBe(`[${late.reference}] ${NEAR_BREACH}`);
      expect(mail!.text).toContain(`Case reference: ${late.reference}`);
      expect(mail!.text).toContain('Priority: P1');
      expect(mail!.text).toMatch(/Resolution target elapsed: 83(\.\d)? %/);
      expect(mail!.text).toMatch(/Resolution due: \w{3} \d{1,2} \w{3} \d{4} \d{2}:\d{2} UK time/);
      expect(mail!.text).toContain(`https://cpsd.example/dashboard/#/cases/${late.id}`);
      expectNoCaseText(mail!.text);
    }
    // Once per case: the job finds nothing more; a later case's alert arrives, and the first case's does not repeat.
    expect(await alertNearBreaches(elexonDb, new Date())).toBe(0);
    const later = await p1RaisedHoursAgo(5.5);
    expect(await alertNearBreaches(elexonDb, new Date())).toBe(1);
    await waitFor(() => alertsTo(CONTACT).some((m) => m.subject?.includes(later.reference)), 'the second alert', 20_000);
    await waitFor(() => alertsTo(DESK_MAILBOX).some((m) => m.subject?.includes(later.reference)), 'the second alert at the desk', 20_000);
    for (const address of [DESK_MAILBOX, CONTACT]) expect(alertsTo(address).filter((m) => m.subject?.includes(late.reference))).toHaveLength(1);
  });

  it('a lower share re-times the open cases at once: a case at 67 % is alerted at 60 %', async () => {
    const at67 = await p1RaisedHoursAgo(4);
    expect(await alertNearBreaches(elexonDb, new Date())).toBe(0);
    await ok('admin', SET_ESCALATION, { input: { nearBreachPercent: 60, contacts: [CONTACT] } });
    expect(await alertNearBreaches(elexonDb, new Date())).toBe(1);
    await waitFor(() => alertsTo(CONTACT).some((m) => m.subject?.includes(at67.reference)), 'the re-timed alert', 20_000);
  });

  it('the desk sees what was sent to it in the deliveries API', async () => {
    await waitFor(
      async () => {
        const { deliveries } = await ok<{ deliveries: { edges: { node: { eventType: string; state: string } }[] } }>(
          'ukpnAgent',
          `{ deliveries(first: 20) { edges { node { eventType state } } } }`,
        );
        const states = deliveries.edges.filter((e) => e.node.eventType === 'case.sla_near_breach').map((e) => e.node.state);
        return states.length === 3 && states.every((state) => state === 'DELIVERED');
      },
      'three DELIVERED alerts in the deliveries API',
      20_000,
    );
  });
});

describe('the Hypercare daily report', () => {
  const REPORT = `query { hypercareDailyReport { newIncidents { count cases { reference priority } } nearBreaches { count } breaches { count } pendingRequests { count } } }`;

  it('counts only what the caller may see', async () => {
    const mine = await ok<{ hypercareDailyReport: { newIncidents: { count: number }; nearBreaches: { count: number } } }>('supplier', REPORT);
    expect(mine.hypercareDailyReport.newIncidents.count).toBe(5);
    expect(mine.hypercareDailyReport.nearBreaches.count).toBe(3);
    const theirs = await ok<{ hypercareDailyReport: { newIncidents: { count: number }; nearBreaches: { count: number } } }>('otherSupplier', REPORT);
    expect(theirs.hypercareDailyReport).toMatchObject({ newIncidents: { count: 0 }, nearBreaches: { count: 0 } });
  });

  it('refuses a bad schedule on its field', async () => {
    expect(errorOf(await as('admin', SET_SCHEDULE, { input: { enabled: true, sendAt: '24:00', recipients: LIST } }))).toMatchObject({
      code: 'BAD_USER_INPUT',
      field: 'input.sendAt',
    });
    expect(errorOf(await as('admin', SET_SCHEDULE, { input: { enabled: true, sendAt: '08:00', recipients: [] } }))).toMatchObject({
      code: 'BAD_USER_INPUT',
      field: 'input.recipients',
    });
    expect(errorOf(await as('supplier', SET_SCHEDULE, { input: { enabled: true, sendAt: '08:00', recipients: LIST } }))).toMatchObject({ code: 'FORBIDDEN' });
  });

  it('goes out at the scheduled UK time, once, to every address on the list', async () => {
    const at = toLondonTime(new Date(Date.now() + 60_000));
    const sendAt = `${String(at.hour).padStart(2, '0')}:${String(at.minute).padStart(2, '0')}`;
    const { setDailyReportSchedule } = await ok<{ setDailyReportSchedule: { nextRunAt: string } }>('admin', SET_SCHEDULE, {
      input: { enabled: true, sendAt, recipients: LIST },
    });
    const due = new Date(setDailyReportSchedule.nextRunAt);
    expect(due.getTime()).toBeGreaterThan(Date.now());
    expect(due.getTime()).toBeLessThanOrEqual(Date.now() + 61_000);
    // Before its time nothing is sent; at its time once, however many replicas run the job.
    expect(await sendScheduledDailyReport(elexonDb, new Date(due.getTime() - 1000))).toBeNull();
    const runs = await Promise.all([sendScheduledDailyReport(elexonDb, due), sendScheduledDailyReport(elexonDb, new Date(due.getTime() + 30_000))]);
    expect(runs.filter(Boolean)).toHaveLength(1);
    await waitFor(() => LIST.every((a) => mailTo(a).length >= 1), 'the daily report emails', 20_000);
    for (const address of LIST) {
      const [mail] = mailTo(address);
      expect(mail!.subject).toMatch(/^\[CPSD\] Hypercare daily report \d{1,2} \w{3} \d{4}$/);
      expect(mail!.text).toContain('New incidents: 5');
      expect(mail!.text).toContain('Near breach: 3');
      expect(mail!.text).toContain('Open major incidents: 0');
      expect(mail!.text).toMatch(/CPSD-\d{6} P1 at ukpn-lpn-mpas/);
      expect(mail!.text).toContain('https://cpsd.example/dashboard/#/reports');
      expectNoCaseText(mail!.text);
    }
  });

  it('on demand: a retry with the same key sends nothing twice; another request sends again', async () => {
    const SEND = 'mutation($key: String) { sendDailyReport(idempotencyKey: $key) { id from to scheduledFor } }';
    const first = await ok<{ sendDailyReport: { id: string; scheduledFor: string | null } }>('admin', SEND, { key: 'daily-1' });
    const retry = await ok<{ sendDailyReport: { id: string } }>('admin', SEND, { key: 'daily-1' });
    expect(retry.sendDailyReport.id).toBe(first.sendDailyReport.id);
    expect(first.sendDailyReport.scheduledFor).toBeNull();
    await ok('admin', SEND, { key: 'daily-2' });
    // Scheduled + daily-1 + daily-2: three each, and no fourth from the retry (the last request's mail is the later event).
    await waitFor(() => LIST.every((a) => mailTo(a).length >= 3), 'the on-demand reports', 20_000);
    for (const address of LIST) expect(mailTo(address)).toHaveLength(3);
    expect(errorOf(await as('ukpnAgent', SEND, { key: 'x' }))).toMatchObject({ code: 'FORBIDDEN' });
  });
});

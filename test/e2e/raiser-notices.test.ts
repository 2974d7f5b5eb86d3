/**
 * What the raiser of a case hears, end to end through the delivery engine to a real SMTP sink and a signed-webhook
 * receiver (OM §3.1, §5.17, §10.2, §10.3): the acknowledgement with the reference, state changes, the desk's
 * customer-visible comments, the resolution with the portal link to confirm or reopen, the reminder before the 5-day
 * auto-close and the closure — at the address of the raiser's token `email` claim, unless their preferences say
 * otherwise; never a work note, the case's text or an MPAN; never of the raiser's own doing.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSmtpSink, type SmtpSink } from '../../adapters/email/__tests__/smtp-sink';
import { devWebhookSecret } from '../../adapters/webhook/bridge';
import { makeMpan } from '../../schema/mpan';
import { caseService } from '../../subgraphs/elexon/cases/case.runtime';
import { sendDueDigests } from '../../subgraphs/delivery/digests';
import { webhookEndpointId } from '../../subgraphs/delivery/notification-preferences';
import { startWebhookReceiver, type WebhookReceiver } from './support/webhook-receiver';
import { callers, errorOf, signIn, startTestProduct, waitFor, withEnv, type Claims, type TestProduct } from './harness';

const SALLY = 'sally@britishgas.example';
const SALLY_WORK = 'sally.work@britishgas.example';
const MPAN = makeMpan('12', '0002330596');
const SUBJECT = 'Settlement run missing our volumes';
const DESCRIPTION = 'Our D0296 for 14 March was not included in the SF run';
const WORK_NOTE = 'Internal: looks like the aggregator job skipped this supplier';
const COMMENT = 'We have found the cause and are re-running the aggregation.';
const DAY = 24 * 3600_000;

let t: TestProduct;
let sink: SmtpSink;
let hooks: WebhookReceiver;
const tokens: Record<string, string> = {};
const { as, ok } = callers(() => t, tokens);
let restoreEnv: (() => void) | undefined;

const mailTo = (address: string) => sink.messages().filter((m) => m.recipients.includes(address));
const about = (address: string, reference: string) => mailTo(address).filter((m) => m.subject?.startsWith(`[${reference}]`));

function expectNoCaseText(text: string): void {
  for (const secret of [SUBJECT, DESCRIPTION, WORK_NOTE, MPAN]) expect(text).not.toContain(secret);
  expect(text).not.toMatch(/\b\d{13}\b/);
}

async function raise(who: string): Promise<{ id: string; reference: string }> {
  const { raiseCase } = await ok<{ raiseCase: { id: string; reference: string } }>(
    who,
    'mutation($input: RaiseCaseInput!) { raiseCase(input: $input) { id reference } }',
    {
      input: { deskId: 'elexon-service-desk', category: 'SETTLEMENT_SERVICES', subject: SUBJECT, description: DESCRIPTION, evidence: { mpans: [MPAN] } },
    },
  );
  return raiseCase;
}

const agent = (query: string, input: Record<string, unknown>) => ok('elexonAgent', query, { input });
const resolve = (caseId: string) =>
  agent('mutation($input: ResolveCaseInput!) { resolveCase(input: $input) { id } }', { caseId, resolution: 'Re-ran the aggregation.' });

beforeAll(async () => {
  sink = await startSmtpSink();
  hooks = await startWebhookReceiver({ secretFor: (path) => devWebhookSecret(webhookEndpointId('british-gas', hooks.url(path))) });
  restoreEnv = withEnv({ SMTP_HOST: sink.host, SMTP_PORT: String(sink.port), EMAIL_FROM: 'CPSD <cpsd@cpsd.example>', EMAIL_REPLY_TO: 'replies@cpsd.example' });
  t = await startTestProduct({ PUBLIC_URL: 'https://cpsd.example', DELIVERY_BACKOFF_BASE_MS: '100' });
  const people: Record<string, Claims> = {
    sally: { sub: 'sally-1', org: 'british-gas', roles: ['participant'], email: SALLY },
    bob: { sub: 'bob-2', org: 'british-gas', roles: ['participant'], email: 'bob@britishgas.example' },
    elexonAgent: { sub: 'eve@elexon.example', org: 'elexon', roles: ['participant', 'desk_agent'], desks: ['elexon-service-desk'] },
  };
  await signIn(t, people, tokens);
});

afterAll(async () => {
  await t?.stop();
  await sink?.close();
  await hooks?.close();
  restoreEnv?.();
});

describe('the raiser hears of their case at their token’s address', () => {
  let c: { id: string; reference: string };

  it('an acknowledgement with the reference and the portal link on raising — no case text, no MPAN', async () => {
    c = await raise('sally');
    await waitFor(() => about(SALLY, c.reference).length >= 1, 'the acknowledgement', 20_000);
    const [ack] = about(SALLY, c.reference);
    expect(ack!.subject).toBe(`[${c.reference}] We have received your case and it is with the desk for triage.`);
    expect(ack!.text).toContain(`Case reference: ${c.reference}`);
    expect(ack!.text).toContain(`https://cpsd.example/dashboard/#/cases/${c.id}`);
    expectNoCaseText(ack!.text);
  });

  it('triage and a customer-visible comment reach the raiser; a work note never does', async () => {
    await agent('mutation($input: TriageCaseInput!) { triageCase(input: $input) { id } }', {
      caseId: c.id,
      type: 'INCIDENT',
      impact: 'MEDIUM',
      urgency: 'HIGH',
    });
    await agent('mutation($input: AddCommentInput!) { addComment(input: $input) { id } }', { caseId: c.id, body: WORK_NOTE, visibility: 'WORK_NOTE' });
    await agent('mutation($input: AddCommentInput!) { addComment(input: $input) { id } }', { caseId: c.id, body: COMMENT, visibility: 'CUSTOMER_VISIBLE' });
    await waitFor(() => about(SALLY, c.reference).some((m) => m.subject?.includes('added a comment')), 'the comment notice', 20_000);
    const subjects = about(SALLY, c.reference).map((m) => m.subject);
    expect(subjects).toEqual([
      `[${c.reference}] We have received your case and it is with the desk for triage.`,
      `[${c.reference}] The desk has triaged your case and is working on it.`,
      `[${c.reference}] The desk has added a comment to your case.`,
    ]);
    for (const mail of about(SALLY, c.reference)) expectNoCaseText(mail.text);
  });

  it('the resolution links to confirm or reopen; the raiser’s own reopening is not news to them', async () => {
    await resolve(c.id);
    await waitFor(() => about(SALLY, c.reference).some((m) => m.subject?.endsWith('Your case has been resolved.')), 'the resolution', 20_000);
    const resolved = about(SALLY, c.reference).find((m) => m.subject?.endsWith('Your case has been resolved.'));
    expect(resolved!.text).toContain(
      `Confirm the fix, or reopen the case if it is not fixed, in the CPSD portal: https://cpsd.example/dashboard/#/cases/${c.id}`,
    );
    expect(resolved!.text).toMatch(/Closes by itself: \w{3} \d{1,2} \w{3} \d{4} \d{2}:\d{2} UK time/);
    await ok('sally', 'mutation($input: CaseReasonInput!) { reopenCase(input: $input) { id } }', { input: { caseId: c.id, comment: 'Still missing.' } });
    await resolve(c.id);
    await waitFor(() => about(SALLY, c.reference).filter((m) => m.subject?.endsWith('resolved.')).length >= 2, 'the second resolution', 20_000);
    expect(about(SALLY, c.reference).some((m) => m.subject?.includes('reopened'))).toBe(false);
  });

  it('a reminder a day before the auto-close, then the closure', async () => {
    const cases = caseService(t.product.subgraphs.find((s) => s.name === 'elexon')!.db);
    expect(await cases.remindBeforeAutoClose(new Date(Date.now() + 4 * DAY + 60_000))).toBe(1);
    expect(await cases.remindBeforeAutoClose(new Date(Date.now() + 4 * DAY + 120_000))).toBe(0);
    await waitFor(() => about(SALLY, c.reference).some((m) => m.subject?.includes('close by itself soon')), 'the reminder', 20_000);
    expect(await cases.autoCloseResolved(new Date(Date.now() + 5 * DAY + 60_000))).toBe(1);
    await waitFor(() => about(SALLY, c.reference).some((m) => m.subject?.endsWith('Your case is closed.')), 'the closure', 20_000);
    expect(about(SALLY, c.reference).filter((m) => m.subject?.includes('close by itself soon'))).toHaveLength(1);
  });
});

describe('preferences', () => {
  const SET = 'mutation($input: NotificationPreferenceInput!) { setNotificationPreference(input: $input) { id scope channel address kinds } }';

  it('refuses a malformed address, a link-local webhook and an unknown kind on the field, writing nothing', async () => {
    expect(errorOf(await as('sally', SET, { input: { channel: 'EMAIL', address: 'sally at home', kinds: ['RESOLUTION'] } }))).toMatchObject({
      code: 'BAD_USER_INPUT',
      field: 'input.address',
    });
    expect(
      errorOf(
        await as('sally', SET, { input: { scope: 'ORGANISATION', channel: 'WEBHOOK', address: 'http://169.254.169.254/latest', kinds: ['RESOLUTION'] } }),
      ),
    ).toMatchObject({ code: 'BAD_USER_INPUT', field: 'input.address' });
    const unknown = await as('sally', SET, { input: { channel: 'EMAIL', address: SALLY_WORK, kinds: ['GOSSIP'] } });
    expect(unknown.errors?.[0]?.message).toMatch(/GOSSIP/);
    const { notificationPreferences } = await ok<{ notificationPreferences: unknown[] }>('sally', '{ notificationPreferences { id } }');
    expect(notificationPreferences).toEqual([]);
  });

  it('a personal preference replaces the default for every later event; the organisation’s webhook hears what it asked for', async () => {
    await ok('sally', SET, { input: { channel: 'EMAIL', address: SALLY_WORK, kinds: ['RESOLUTION'] } });
    const hook = hooks.url('/hooks/british-gas');
    await ok('sally', SET, { input: { scope: 'ORGANISATION', channel: 'WEBHOOK', address: hook, kinds: ['ACKNOWLEDGEMENT'] } });
    const { notificationPreferences } = await ok<{ notificationPreferences: { scope: string; address: string }[] }>(
      'bob',
      '{ notificationPreferences { scope address } }',
    );
    expect(notificationPreferences).toEqual([{ scope: 'ORGANISATION', address: hook }]);

    const mine = await raise('sally');
    const bobs = await raise('bob');
    // The organisation's webhook gets both acknowledgements, signed; Bob's own address gets his (no preferences of his own).
    await waitFor(() => hooks.requests.filter((r) => r.payload?.type === 'case.raised').length >= 2, 'the webhook acknowledgements', 20_000);
    expect(hooks.requests.every((r) => r.verified)).toBe(true);
    for (const r of hooks.requests) expectNoCaseText(r.body);
    await waitFor(() => about('bob@britishgas.example', bobs.reference).length >= 1, 'Bob’s acknowledgement', 20_000);
    await resolve(mine.id);
    await waitFor(() => about(SALLY_WORK, mine.reference).length >= 1, 'the resolution at Sally’s work address', 20_000);
    // Sally's token address heard nothing of the new case: not the acknowledgement, not the resolution.
    expect(about(SALLY, mine.reference)).toEqual([]);
    expect(about(SALLY_WORK, mine.reference).map((m) => m.subject)).toEqual([`[${mine.reference}] Your case has been resolved.`]);
  });
});

describe('digests', () => {
  const DANA = 'dana@britishgas.example';
  const DIGEST = 'dana.digest@britishgas.example';
  const SET =
    'mutation($input: NotificationPreferenceInput!) { setNotificationPreference(input: $input) { id address digestEveryMinutes digestWaiting nextDigestAt } }';
  const MINE = '{ notificationPreferences { id scope address digestEveryMinutes digestWaiting nextDigestAt } }';
  const deliveryDb = () => t.product.subgraphs.find((s) => s.name === 'delivery')!.db;
  type View = { id: string; scope: string; address: string; digestEveryMinutes: number | null; digestWaiting: number; nextDigestAt: string | null };
  const digestOf = async () =>
    (await ok<{ notificationPreferences: View[] }>('dana', MINE)).notificationPreferences.find((p) => p.address === DIGEST && p.scope === 'PERSONAL')!;

  beforeAll(async () => {
    await signIn(t, { dana: { sub: 'dana-3', org: 'british-gas', roles: ['participant'], email: DANA } }, tokens);
  });

  it('refuses a digest period out of range on the field, writing nothing', async () => {
    for (const minutes of [5, 10_081, 0, -60]) {
      expect(
        errorOf(await as('dana', SET, { input: { channel: 'EMAIL', address: DIGEST, kinds: ['RESOLUTION'], digestEveryMinutes: minutes } })),
      ).toMatchObject({ code: 'BAD_USER_INPUT', field: 'input.digestEveryMinutes' });
    }
    const { notificationPreferences } = await ok<{ notificationPreferences: View[] }>('dana', MINE);
    expect(notificationPreferences.filter((p) => p.scope === 'PERSONAL')).toEqual([]);
  });

  it('gathers the notices of a period into one email per case list, once, with references and states only', async () => {
    const set = await ok<{ setNotificationPreference: View }>('dana', SET, {
      input: { channel: 'EMAIL', address: DIGEST, kinds: ['ACKNOWLEDGEMENT', 'STATE_CHANGE', 'RESOLUTION'], digestEveryMinutes: 60 },
    });
    expect(set.setNotificationPreference).toMatchObject({ digestEveryMinutes: 60, digestWaiting: 0, nextDigestAt: null });
    const first = await raise('dana');
    const second = await raise('dana');
    await agent('mutation($input: TriageCaseInput!) { triageCase(input: $input) { id } }', {
      caseId: first.id,
      type: 'INCIDENT',
      impact: 'LOW',
      urgency: 'LOW',
    });
    await resolve(second.id);
    // Two acknowledgements, a triage and a resolution wait; nothing is sent yet, and not to Dana's token address.
    await waitFor(async () => (await digestOf()).digestWaiting === 4, 'four notices waiting for the digest', 20_000);
    const waiting = await digestOf();
    const due = Date.parse(waiting.nextDigestAt!);
    expect(due).toBeGreaterThan(Date.now() + 55 * 60_000);
    expect(mailTo(DIGEST)).toEqual([]);
    expect(mailTo(DANA)).toEqual([]);

    // Before the period is up the job sends nothing; after it, one digest — and running it again sends no second.
    expect(await sendDueDigests(deliveryDb(), new Date(due - 60_000), { publicUrl: 'https://cpsd.example' })).toBe(0);
    expect(await sendDueDigests(deliveryDb(), new Date(due + 1_000), { publicUrl: 'https://cpsd.example' })).toBe(1);
    expect(await sendDueDigests(deliveryDb(), new Date(due + 2_000), { publicUrl: 'https://cpsd.example' })).toBe(0);
    await waitFor(() => mailTo(DIGEST).length >= 1, 'the digest', 20_000);
    const [digest] = mailTo(DIGEST);
    expect(digest!.subject).toBe('[CPSD] Your digest: 4 updates on 2 cases');
    const text = digest!.text;
    expect(text.indexOf(first.reference)).toBeLessThan(text.indexOf(second.reference));
    expect(text).toContain('We have received your case and it is with the desk for triage.');
    expect(text).toContain('The desk has triaged your case and is working on it.');
    expect(text).toContain('Your case has been resolved.');
    expect(text).toContain(`https://cpsd.example/dashboard/#/cases/${first.id}`);
    expectNoCaseText(text);
    expect((await digestOf()).digestWaiting).toBe(0);
  });

  it('switched back to immediate, the next notice goes at once and nothing waits', async () => {
    await ok('dana', SET, { input: { channel: 'EMAIL', address: DIGEST, kinds: ['ACKNOWLEDGEMENT'], digestEveryMinutes: null } });
    const third = await raise('dana');
    await waitFor(() => about(DIGEST, third.reference).length >= 1, 'the immediate acknowledgement', 20_000);
    expect((await digestOf()).digestWaiting).toBe(0);
    expect(mailTo(DIGEST).filter((m) => m.subject?.startsWith('[CPSD] Your digest'))).toHaveLength(1);
  });
});

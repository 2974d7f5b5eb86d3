/**
 * The email bridge with real SMTP peers on loopback, through the real product: Elexon hands a case off to an LDSO
 * MPAS help desk whose contact method is a shared mailbox; the delivery engine sends the email through our bridge to
 * an SMTP sink (the desk's relay); the desk replies with nodemailer to our SMTP receiver and the reply lands on the
 * case as a comment, visible through the gateway. No MPAN ever leaves, checked over every byte the sink received.
 */
import nodemailer from 'nodemailer';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EmailBridge, mailboxDesksFromApi } from '../../adapters/email';
import { startSmtpSink, type SmtpSink } from '../../adapters/email/__tests__/smtp-sink';
import { serviceApi } from '../../adapters/gateway-api';
import { makeMpan } from '../../schema/mpan';
import { callers, serviceTokens, signIn, startTestProduct, waitFor, withEnv, type Claims, type TestProduct } from './harness';

const LONDON_MPAN = makeMpan('12', '0004417263');
const MPAS_DESK = 'ukpn-lpn-mpas';
const MAILBOX = 'mpas.lpn@ukpn.example';

let t: TestProduct;
let sink: SmtpSink;
let receiver: Awaited<ReturnType<EmailBridge['startReceiver']>>;
const tokens: Record<string, string> = {};
const { ok } = callers(() => t, tokens);
let restoreEnv: (() => void) | undefined;

/** Sends a reply with nodemailer to our receiver; resolves with the server's answer, or its refusal code. */
async function reply(options: {
  from: string;
  subject: string;
  text: string;
  inReplyTo?: string;
  references?: string[];
}): Promise<{ accepted: boolean; code?: number; response?: string }> {
  const transport = nodemailer.createTransport({ host: '127.0.0.1', port: receiver.port, secure: false, ignoreTLS: true });
  try {
    const info = await transport.sendMail({ to: 'replies@cpsd.example', ...options });
    return { accepted: true, response: info.response };
  } catch (error) {
    return { accepted: false, code: (error as { responseCode?: number }).responseCode };
  } finally {
    transport.close();
  }
}

interface CaseView {
  id: string;
  reference: string;
  state: string;
  comments: { body: string; visibility: string; author: string }[];
  handoffs: { id: string; state: string; toDesk: { id: string } }[];
}
const CASE = `id reference state comments { body visibility author } handoffs { id state toDesk { id } }`;

beforeAll(async () => {
  sink = await startSmtpSink();
  // The product's bridges read the relay from the environment (adapters/email/index.ts).
  restoreEnv = withEnv({
    SMTP_HOST: sink.host,
    SMTP_PORT: String(sink.port),
    EMAIL_FROM: 'CPSD <cpsd@cpsd.example>',
    EMAIL_REPLY_TO: 'replies@cpsd.example',
  });
  t = await startTestProduct({ PUBLIC_URL: 'https://cpsd.example', DELIVERY_BACKOFF_BASE_MS: '100' });
  const people: Record<string, Claims> = {
    supplier: { sub: 'sally@britishgas.example', org: 'british-gas', roles: ['participant'] },
    elexonAgent: { sub: 'eve@elexon.example', org: 'elexon', roles: ['participant', 'desk_agent'], desks: ['elexon-service-desk'] },
    mpasAgent: { sub: 'lpn.agent@ukpn.example', org: 'ukpn-lpn', roles: ['participant', 'desk_agent'], desks: [MPAS_DESK] },
  };
  await signIn(t, people, tokens);
  // The reply receiver, calling the API as a desk agent of the desk that wrote (a service identity per desk).
  const bridge = new EmailBridge({
    smtp: { host: sink.host, port: sink.port },
    from: 'CPSD <cpsd@cpsd.example>',
    replyTo: 'replies@cpsd.example',
    inbound: { port: 0, addresses: ['replies@cpsd.example'], senders: { fromApi: true } },
  });
  const api = serviceApi({
    url: t.gatewayUrl,
    tokenFor: serviceTokens(t),
  });
  receiver = await bridge.startReceiver(api);
});

afterAll(async () => {
  await receiver?.stop();
  await t?.stop();
  await sink?.close();
  restoreEnv?.();
});

describe('the nominated senders come from the directory through the API', () => {
  it('the bridge’s directory identity reads each shared-mailbox desk’s senders; a participant or another desk’s agent sees none', async () => {
    const desks = await mailboxDesksFromApi(serviceApi({ url: t.gatewayUrl, tokenFor: serviceTokens(t) }));
    expect(desks.find((d) => d.deskId === MPAS_DESK)).toEqual({
      deskId: MPAS_DESK,
      organisationId: 'ukpn-lpn',
      senders: ['mpas.lpn@ukpn.example', 'mpas.helpdesk@ukpn.example'],
    });
    const QUERY = `query($id: ID!) { desk(id: $id) { profile { nominatedSenders } } }`;
    for (const who of ['supplier', 'elexonAgent']) {
      const { desk } = await ok<{ desk: { profile: { nominatedSenders: string[] } } }>(who, QUERY, { id: MPAS_DESK });
      expect(desk.profile.nominatedSenders).toEqual([]);
    }
    const own = await ok<{ desk: { profile: { nominatedSenders: string[] } } }>('mpasAgent', QUERY, { id: MPAS_DESK });
    expect(own.desk.profile.nominatedSenders).toContain('mpas.lpn@ukpn.example');
  });
});

describe('a hand-off to an LDSO MPAS help desk whose contact method is a shared mailbox', () => {
  let incident: CaseView;
  let firstEmail: { messageId: string; subject: string };

  it('Elexon hands the case off; the delivery engine emails the desk through the bridge', async () => {
    ({ raiseCase: incident } = await ok<{ raiseCase: CaseView }>('supplier', `mutation($input: RaiseCaseInput!) { raiseCase(input: $input) { ${CASE} } }`, {
      input: {
        deskId: 'elexon-service-desk',
        category: 'DATA_SUBMISSION',
        subject: `Registration stuck for ${LONDON_MPAN}`,
        description: `The supply ${LONDON_MPAN} has been pending registration for a week.`,
        evidence: { mpans: [LONDON_MPAN] },
      },
    }));
    await ok('elexonAgent', 'mutation($input: TriageCaseInput!) { triageCase(input: $input) { id } }', {
      input: { caseId: incident.id, type: 'INCIDENT', impact: 'LOW', urgency: 'MEDIUM' },
    });
    await ok('elexonAgent', 'mutation($input: HandOffCaseInput!) { handOffCase(input: $input) { id } }', {
      input: { caseId: incident.id, toDeskId: MPAS_DESK, reason: `MPAS shows ${LONDON_MPAN} registered to the wrong supplier` },
    });
    const message = await waitFor(() => sink.messages().find((m) => m.recipients.includes(MAILBOX)), 'the hand-off email', 20_000);
    firstEmail = { messageId: message.messageId!, subject: message.subject! };
    expect(message.subject).toMatch(new RegExp(`^\\[${incident.reference}\\] Registration stuck for 12\\*{11}$`));
    expect(message.messageId).toMatch(new RegExp(`^<${incident.reference}\\.[0-9a-f-]{36}@cpsd\\.example>$`));
    expect(message.inReplyTo).toBe(`<${incident.reference}@cpsd.example>`);
    // The link is the case in the participant dashboard (the delivery engine's portal URL for the case).
    expect(message.text).toContain(`Details and evidence are in the CPSD portal: https://cpsd.example/dashboard/#/cases/${incident.id}`);
    expect(message.envelopeFrom).toBe('cpsd@cpsd.example');
    // The Message-ID is the delivery's id: the delivery is visible through the API with it.
    const deliveryId = /\.([0-9a-f-]{36})@/.exec(message.messageId!)![1];
    const admin = await t.token({ sub: 'ops@elexon.example', org: 'elexon', roles: ['cpsd_admin'] });
    const { data } = await t.graphql<{ delivery: { state: string; eventType: string; attempts: { outcome: string }[] } | null }>(
      'query($id: ID!) { delivery(id: $id) { state eventType attempts { outcome } } }',
      { token: admin, variables: { id: deliveryId } },
    );
    expect(data?.delivery).toMatchObject({ state: 'DELIVERED', eventType: 'ticket.opened' });
  });

  it('a reply from the desk’s nominated mailbox, threaded by In-Reply-To, becomes a comment everyone on the case sees', async () => {
    const answer = await reply({
      from: `UKPN London MPAS <${MAILBOX}>`,
      subject: `RE: ${firstEmail.subject}`,
      inReplyTo: firstEmail.messageId,
      references: [`<${incident.reference}@cpsd.example>`, firstEmail.messageId],
      text: `We have corrected the registration in MPAS; please check tomorrow's flows.\n\nKind regards\n--\nMPAS Help Desk\n\nOn Mon, CPSD <cpsd@cpsd.example> wrote:\n> Case reference: ${incident.reference}`,
    });
    expect(answer).toMatchObject({ accepted: true });
    expect(answer.response).toContain(`Recorded on ${incident.reference}`);
    for (const who of ['elexonAgent', 'supplier']) {
      const { case: seen } = await ok<{ case: CaseView }>(who, `query($id: ID!) { case(id: $id) { ${CASE} } }`, { id: incident.id });
      expect(seen.comments).toContainEqual({
        body: `Reply by email from ${MAILBOX}.\n\nWe have corrected the registration in MPAS; please check tomorrow's flows.\n\nKind regards`,
        visibility: 'CUSTOMER_VISIBLE',
        author: `bridge:email:${MPAS_DESK}`,
      });
    }
  });

  it('the same reply retried by the sending server is recorded once', async () => {
    const transport = nodemailer.createTransport({ host: '127.0.0.1', port: receiver.port, secure: false, ignoreTLS: true });
    const message = {
      from: MAILBOX,
      to: 'replies@cpsd.example',
      subject: `RE: ${firstEmail.subject}`,
      text: 'Second thoughts: also check the MTC.',
      messageId: '<retry-1@ukpn.example>',
    };
    await transport.sendMail(message);
    await transport.sendMail(message);
    transport.close();
    const { case: seen } = await ok<{ case: CaseView }>('elexonAgent', `query($id: ID!) { case(id: $id) { ${CASE} } }`, { id: incident.id });
    expect(seen.comments.filter((c) => c.body.includes('Second thoughts'))).toHaveLength(1);
  });

  it('mail from an unknown sender is refused at the door and adds nothing; another desk’s mailbox may not write to this case', async () => {
    const before = (await ok<{ case: CaseView }>('elexonAgent', `query($id: ID!) { case(id: $id) { ${CASE} } }`, { id: incident.id })).case.comments.length;
    expect(
      await reply({ from: 'someone@phish.example', subject: `RE: [${incident.reference}]`, inReplyTo: firstEmail.messageId, text: 'Please close this case.' }),
    ).toEqual({ accepted: false, code: 550 });
    // A nominated mailbox of another desk (UKPN Eastern) is not on this hand-off.
    expect(await reply({ from: 'mpas.epn@ukpn.example', subject: `RE: [${incident.reference}]`, text: 'Not ours either.' })).toEqual({
      accepted: false,
      code: 550,
    });
    const after = (await ok<{ case: CaseView }>('elexonAgent', `query($id: ID!) { case(id: $id) { ${CASE} } }`, { id: incident.id })).case.comments.length;
    expect(after).toBe(before);
  });

  it('the desk’s progress goes out threaded on the same case; a reply to the closed case is a comment and reopens nothing', async () => {
    const { case: current } = await ok<{ case: CaseView }>('elexonAgent', `query($id: ID!) { case(id: $id) { ${CASE} } }`, { id: incident.id });
    const handoffId = current.handoffs[0]!.id;
    await ok('mpasAgent', 'mutation($input: AcknowledgeHandoffInput!) { acknowledgeHandoff(input: $input) { id } }', {
      input: { handoffId, externalReference: 'LPN-5521' },
    });
    const update = await waitFor(
      () => sink.messages().find((m) => m.recipients.includes(MAILBOX) && m.messageId !== firstEmail.messageId),
      'the update email',
      20_000,
    );
    expect(update.inReplyTo).toBe(`<${incident.reference}@cpsd.example>`);
    expect(update.text).toContain('Your reference: LPN-5521');

    await ok('mpasAgent', 'mutation($input: ResolveHandoffInput!) { resolveHandoff(input: $input) { id } }', {
      input: { handoffId, resolution: 'Registration corrected in MPAS' },
    });
    await ok('elexonAgent', 'mutation($input: ResolveCaseInput!) { resolveCase(input: $input) { id } }', {
      input: { caseId: incident.id, resolution: 'Corrected by the LDSO' },
    });
    await ok('supplier', 'mutation($input: CaseNoteInput!) { confirmResolution(input: $input) { id } }', { input: { caseId: incident.id } });

    const answer = await reply({ from: MAILBOX, subject: `RE: [${incident.reference}] closed`, text: 'For the record: the change is live.' });
    expect(answer.accepted).toBe(true);
    expect(answer.response).toContain('does not reopen');
    const { case: closed } = await ok<{ case: CaseView }>('supplier', `query($id: ID!) { case(id: $id) { ${CASE} } }`, { id: incident.id });
    expect(closed.state).toBe('CLOSED');
    expect(closed.comments.at(-1)?.body).toContain('For the record: the change is live.');
  });

  it('no MPAN ever left in an email: every byte the sink received is checked', async () => {
    const everything = sink.received().join('\n');
    expect(sink.received().length).toBeGreaterThanOrEqual(2);
    expect(everything).not.toContain(LONDON_MPAN);
    expect(everything).not.toContain(LONDON_MPAN.slice(2));
    for (const message of sink.messages()) expect(message.raw).not.toMatch(/(?<!\d)\d{13}(?!\d)/);
  });
});

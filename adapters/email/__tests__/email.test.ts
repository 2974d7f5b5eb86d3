/** The email bridge: the conformance suite against a real SMTP sink on loopback, then its own rules. */
import { simpleParser } from 'mailparser';
import nodemailer from 'nodemailer';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ContactMethodKind } from '../../../schema/enums';
import { makeMpan } from '../../../schema/mpan';
import { runBridgeConformance, sampleDelivery } from '../../conformance';
import { ApiError } from '../../gateway-api';
import type { CpsdApi, DeskTarget, ServiceIdentity } from '../../sdk';
import { EmailBridge } from '../bridge';
import { composeEmail } from '../compose';
import { handleInboundMail } from '../receiver';
import { extractReplyText, isAutomatic } from '../reply';
import { NominatedSenders, mailboxDesksOf } from '../senders';
import { DESKS } from '../../../demo/market';
import { classifySmtpError } from '../smtp';
import { caseThreadId, deliveryMessageId, findCaseReference } from '../thread';
import { startSmtpSink, type SmtpSink } from './smtp-sink';

const DESK = 'ukpn-epn-mpas';
const MAILBOX = 'mpas.epn@ukpn.example';

function target(address = MAILBOX): DeskTarget {
  return { deskId: DESK, deskName: 'UKPN Eastern MPAS Help Desk', contactMethod: { kind: ContactMethodKind.SHARED_MAILBOX, address }, config: {} };
}

function bridgeFor(sink: { host: string; port: number }): EmailBridge {
  return new EmailBridge({
    smtp: { host: sink.host, port: sink.port, connectionTimeoutMs: 2_000 },
    from: 'CPSD <cpsd@cpsd.example>',
    replyTo: 'replies@cpsd.example',
  });
}

runBridgeConformance('email (SMTP)', async () => {
  const sink = await startSmtpSink();
  // The reply receiver, with an API that only counts: a stranger's mail must never reach it.
  let apiCalls = 0;
  const countingApi: CpsdApi = {
    request: async () => {
      apiCalls++;
      return {} as never;
    },
  };
  const receiver = await new EmailBridge({
    smtp: { host: sink.host, port: sink.port },
    from: 'CPSD <cpsd@cpsd.example>',
    inbound: { port: 0, addresses: ['replies@cpsd.example'], senders: { desks: mailboxDesksOf(DESKS) } },
  }).startReceiver(countingApi);
  return {
    inbound: {
      async sendUnauthenticated() {
        const transport = nodemailer.createTransport({ host: '127.0.0.1', port: receiver.port, secure: false, ignoreTLS: true });
        try {
          await transport.sendMail({ from: 'stranger@example.com', to: 'replies@cpsd.example', subject: 'RE: [CPSD-000123] x', text: 'let me in' });
          return { refused: false };
        } catch (error) {
          return { refused: (error as { responseCode?: number }).responseCode === 550 };
        }
      },
      apiCalls: () => apiCalls,
    },
    bridge: bridgeFor(sink),
    target: target(),
    peer: sink,
    // SMTP has no Retry-After: a 4yz is retried on the engine's own backoff.
    supports: { retryAfter: false },
    // The relay, not the target, is what can be unreachable: checked below with a bridge aimed at a closed port.
    close: async () => {
      await sink.close();
      await receiver.stop();
    },
  };
});

describe('email bridge: what leaves', () => {
  let sink: SmtpSink;
  beforeAll(async () => {
    sink = await startSmtpSink();
  });
  afterAll(async () => {
    await sink.close();
  });

  it('subject carries the reference; Message-ID from the delivery; threads on the case; body has the portal link', async () => {
    const delivery = sampleDelivery(target(), { event: { caseReference: 'CPSD-000123', data: { state: 'OPEN', subject: 'Registration stuck for a site' } } });
    const outcome = await bridgeFor(sink).deliver(delivery, AbortSignal.timeout(5_000));
    expect(outcome).toMatchObject({ kind: 'DELIVERED', externalReference: `<CPSD-000123.${delivery.deliveryId}@cpsd.example>` });
    const message = sink.messages().at(-1)!;
    expect(message.subject).toBe('[CPSD-000123] Registration stuck for a site');
    expect(message.messageId).toBe(`<CPSD-000123.${delivery.deliveryId}@cpsd.example>`);
    expect(message.inReplyTo).toBe('<CPSD-000123@cpsd.example>');
    expect(message.references).toEqual(['<CPSD-000123@cpsd.example>']);
    expect(message.envelopeFrom).toBe('cpsd@cpsd.example');
    expect(message.recipients).toEqual([MAILBOX]);
    expect(message.text).toContain('Case reference: CPSD-000123');
    expect(message.text).toContain(`Details and evidence are in the CPSD portal: ${delivery.portalUrl}`);
    expect(message.raw).toMatch(/^Auto-Submitted: auto-generated/m);
    expect(message.raw).toMatch(/^Reply-To: replies@cpsd.example/m);
  });

  it('never sends evidence or an MPAN, in any field', () => {
    const mpan = makeMpan('19', '1234567890');
    const email = composeEmail(
      sampleDelivery(target(), {
        event: { caseReference: 'CPSD-000124', data: { subject: `Dark meter ${mpan}`, state: 'OPEN', evidence: { mpans: [mpan] }, note: mpan } },
      }),
      { messageIdDomain: 'cpsd.example' },
    );
    const everything = JSON.stringify(email);
    expect(everything).not.toContain(mpan);
    expect(everything).not.toContain(mpan.slice(2));
    expect(email.subject).toBe('[CPSD-000124] Dark meter 19***********');
  });

  it('a subject cannot inject headers', () => {
    const email = composeEmail(sampleDelivery(target(), { event: { data: { subject: 'Hi\r\nBcc: someone@evil.example' } } }), {
      messageIdDomain: 'cpsd.example',
    });
    expect(email.subject).not.toMatch(/[\r\n]/);
  });

  it('an MI comms update names the major incident and its services, in business words', () => {
    const email = composeEmail(
      sampleDelivery(target('comms@supplier.example'), {
        event: {
          type: 'major_incident.updated',
          caseReference: 'CPSD-000200',
          data: { reference: 'MI-000007', state: 'PROMOTED', kind: 'UPDATE', services: ['DIP'], body: 'DIP message delivery is delayed by about 20 minutes.' },
        },
      }),
      { messageIdDomain: 'cpsd.example' },
    );
    expect(email.subject).toBe('[MI-000007] Major incident — Update');
    expect(email.text).toContain('Services affected: DIP');
    expect(email.text).toContain('DIP message delivery is delayed by about 20 minutes.');
  });

  it('an unreachable relay is RETRY', async () => {
    const outcome = await bridgeFor({ host: '127.0.0.1', port: 9 }).deliver(sampleDelivery(target()), AbortSignal.timeout(5_000));
    expect(outcome).toMatchObject({ kind: 'RETRY', reason: 'could not reach the mail relay (ESOCKET)' });
  });

  it('the Message-ID is the same on every attempt, and a different delivery gets another', () => {
    expect(deliveryMessageId('abc-1', 'CPSD-000001', 'cpsd.example')).toBe(deliveryMessageId('abc-1', 'CPSD-000001', 'cpsd.example'));
    expect(deliveryMessageId('abc-2', 'CPSD-000001', 'cpsd.example')).not.toBe(deliveryMessageId('abc-1', 'CPSD-000001', 'cpsd.example'));
    expect(deliveryMessageId('weird key <x>', null, 'cpsd.example')).toMatch(/^<[0-9a-f]{40}@cpsd\.example>$/);
  });
});

describe('email bridge: SMTP replies classified', () => {
  it.each([
    [{ responseCode: 451, response: '451 4.3.0 try later' }, 'RETRY'],
    [{ responseCode: 421, response: '421 4.7.0 too busy' }, 'RETRY'],
    [{ responseCode: 503, response: '503 5.5.1 bad sequence' }, 'RETRY'],
    [{ responseCode: 554, response: '554 5.7.1 rejected' }, 'PERMANENT_FAILURE'],
    [{ responseCode: 550, response: '550 5.1.1 no such user' }, 'ENDPOINT_GONE'],
    [{ code: 'ECONNREFUSED' }, 'RETRY'],
    [{ code: 'ETIMEDOUT' }, 'RETRY'],
  ])('%o → %s', (error, kind) => {
    expect(classifySmtpError(error).kind).toBe(kind);
  });
});

describe('email bridge: reading replies', () => {
  it('finds the case from our own thread ids first, then the subject; ignores other domains', () => {
    expect(findCaseReference({ inReplyTo: '<CPSD-000123.3f2a@cpsd.example>', subject: 'Re: [CPSD-000999] x' }, 'cpsd.example')).toEqual({
      reference: 'CPSD-000123',
      from: 'thread',
    });
    expect(findCaseReference({ references: '<a@b.example> <CPSD-000124@cpsd.example>' }, 'cpsd.example')).toEqual({ reference: 'CPSD-000124', from: 'thread' });
    expect(findCaseReference({ inReplyTo: '<CPSD-000123@evil.example>', subject: 'RE: [cpsd-000125] Dark meter' }, 'cpsd.example')).toEqual({
      reference: 'CPSD-000125',
      from: 'subject',
    });
    expect(findCaseReference({ subject: 'Hello' }, 'cpsd.example')).toBeNull();
    expect(caseThreadId('CPSD-000123', 'cpsd.example')).toBe('<CPSD-000123@cpsd.example>');
  });

  it('keeps only the new text: quoted history, Outlook blocks and signatures are cut', () => {
    const body = [
      'We have corrected the registration; please check.',
      '',
      'Regards',
      '--',
      'MPAS Help Desk',
      '',
      'On Mon, 3 Mar 2025 at 10:00, CPSD <cpsd@cpsd.example> wrote:',
      '> Case reference: CPSD-000123',
    ].join('\r\n');
    expect(extractReplyText(body)).toBe('We have corrected the registration; please check.\n\nRegards');
    const outlook = ['Fixed at our end.', '', 'From: CPSD <cpsd@cpsd.example>', 'Sent: 03 March 2025 10:00', 'Subject: [CPSD-000123] x', 'Case reference'].join(
      '\n',
    );
    expect(extractReplyText(outlook)).toBe('Fixed at our end.');
    expect(extractReplyText('> only quoted\n> text')).toBe('');
  });

  it('tells auto-replies from people', () => {
    const none = () => undefined;
    expect(isAutomatic((name) => (name === 'auto-submitted' ? 'auto-replied' : undefined), 'Re: x')).toBe(true);
    expect(isAutomatic((name) => (name === 'auto-submitted' ? 'no' : undefined), 'Re: x')).toBe(false);
    expect(isAutomatic(none, 'Automatic reply: [CPSD-000123]')).toBe(true);
    expect(isAutomatic(none, 'RE: [CPSD-000123] fixed')).toBe(false);
  });

  it('nominated senders come from the desk directory in development; both From and MAIL FROM must be nominated for one desk', () => {
    const senders = new NominatedSenders(mailboxDesksOf(DESKS));
    expect(senders.desksFor('MPAS.EPN@ukpn.example').map((d) => d.deskId)).toEqual(['ukpn-epn-mpas']);
    expect(
      senders
        .desksFor('mpas.helpdesk@ukpn.example')
        .map((d) => d.deskId)
        .sort(),
    ).toEqual(['ukpn-epn-mpas', 'ukpn-lpn-mpas', 'ukpn-spn-mpas']);
    expect(senders.desksForBoth('mpas.epn@ukpn.example', 'mpas.helpdesk@ukpn.example').map((d) => d.deskId)).toEqual(['ukpn-epn-mpas']);
    expect(senders.desksForBoth('mpas.epn@ukpn.example', 'someone@else.example')).toEqual([]);
    expect(senders.isNominated('stranger@example.com')).toBe(false);
  });
});

describe('email bridge: an inbound reply becomes a comment, and nothing more', () => {
  const calls: { query: string; variables: Record<string, unknown> | undefined; identity: ServiceIdentity | undefined }[] = [];
  let caseState = 'IN_PROGRESS';
  const api: CpsdApi = {
    async request<T>(query: string, variables?: Record<string, unknown>, identity?: ServiceIdentity): Promise<T> {
      calls.push({ query, variables, identity });
      if (query.includes('caseByReference')) {
        const visible = variables?.reference === 'CPSD-000123' && identity?.deskIds.includes(DESK);
        return {
          caseByReference: visible
            ? {
                id: 'case-1',
                reference: 'CPSD-000123',
                state: caseState,
                desk: { id: 'elexon-service-desk' },
                handoffs: [{ id: 'h1', state: 'ACKNOWLEDGED', toDesk: { id: DESK } }],
              }
            : null,
        } as T;
      }
      if (query.includes('addComment')) {
        if (String((variables?.input as { body: string } | undefined)?.body).includes('boom')) throw new ApiError('INTERNAL_SERVER_ERROR', 'boom');
        return { addComment: { id: 'case-1' } } as T;
      }
      throw new Error(`unexpected ${query}`);
    },
  };
  const deps = { api, senders: new NominatedSenders(mailboxDesksOf(DESKS)), messageIdDomain: 'cpsd.example', ownAddresses: ['cpsd@cpsd.example'] };

  async function mail(options: { from?: string; subject?: string; text?: string; inReplyTo?: string; headers?: Record<string, string> }) {
    const transport = nodemailer.createTransport({ streamTransport: true, buffer: true });
    const info = await transport.sendMail({
      from: options.from ?? MAILBOX,
      to: 'replies@cpsd.example',
      subject: options.subject ?? 'RE: [CPSD-000123] Registration stuck',
      text: options.text ?? 'Fixed on our side.\n\nOn Mon, CPSD wrote:\n> old',
      ...(options.inReplyTo ? { inReplyTo: options.inReplyTo } : {}),
      headers: options.headers ?? {},
    });
    return simpleParser(info.message as Buffer);
  }

  it('a nominated sender on the hand-off desk: one customer-visible comment, as a desk agent of that desk', async () => {
    calls.length = 0;
    const verdict = await handleInboundMail(await mail({}), MAILBOX, deps);
    expect(verdict).toMatchObject({ code: 250, caseReference: 'CPSD-000123', deskId: DESK });
    const comment = calls.find((c) => c.query.includes('addComment'))!;
    expect(comment.identity).toEqual({ subject: `bridge:email:${DESK}`, organisationId: 'ukpn-epn', roles: ['desk_agent'], deskIds: [DESK] });
    expect(comment.variables?.input).toMatchObject({
      caseId: 'case-1',
      visibility: 'CUSTOMER_VISIBLE',
      body: `Reply by email from ${MAILBOX}.\n\nFixed on our side.`,
    });
    // Only look-ups and one comment: no state-changing mutation, ever.
    expect(calls.map((c) => /mutation\s+\w+/.exec(c.query)?.[0]).filter(Boolean)).toEqual(['mutation EmailReplyComment']);
  });

  it('a reply to a closed case is recorded as a comment and does not reopen it', async () => {
    caseState = 'CLOSED';
    calls.length = 0;
    const verdict = await handleInboundMail(await mail({}), MAILBOX, deps);
    caseState = 'IN_PROGRESS';
    expect(verdict.code).toBe(250);
    expect(verdict.message).toContain('does not reopen');
    expect(calls.some((c) => c.query.includes('reopenCase'))).toBe(false);
  });

  it('refuses: a stranger, a mismatched envelope, no reference, a case the desk may not write to, only quoted text', async () => {
    expect((await handleInboundMail(await mail({ from: 'stranger@example.com' }), 'stranger@example.com', deps)).code).toBe(550);
    expect((await handleInboundMail(await mail({}), 'stranger@example.com', deps)).code).toBe(550);
    expect((await handleInboundMail(await mail({ subject: 'Hello' }), MAILBOX, deps)).code).toBe(550);
    expect((await handleInboundMail(await mail({ subject: 'RE: [CPSD-000999] x' }), MAILBOX, deps)).message).toBe(
      '5.7.1 No case CPSD-000999 that this mailbox may write to',
    );
    expect((await handleInboundMail(await mail({ text: '> nothing new' }), MAILBOX, deps)).code).toBe(550);
  });

  it('an auto-reply is accepted and dropped; an API failure is a 451 so the sender retries', async () => {
    calls.length = 0;
    expect((await handleInboundMail(await mail({ headers: { 'Auto-Submitted': 'auto-replied' } }), MAILBOX, deps)).code).toBe(250);
    expect(calls).toHaveLength(0);
    expect((await handleInboundMail(await mail({ text: 'boom' }), MAILBOX, deps)).code).toBe(451);
  });
});

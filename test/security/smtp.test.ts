/**
 * Attacks on the inbound email bridge (the SMTP reply receiver), against a real receiver calling the real product:
 * oversized messages, recipient floods, connection floods and idle connections, senders that are not a desk's
 * nominated mailbox, a reply that tries to change a case's state, header injection through the subject — and no
 * case text in any log line.
 */
import { connect, type Socket } from 'node:net';
import nodemailer from 'nodemailer';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildMessage } from '../../adapters/email/smtp';
import { mailboxDesksOf } from '../../adapters/email/senders';
import { DESKS } from '../../demo/market';
import { startEmailReceiver } from '../../adapters/email/receiver';
import { serviceApi } from '../../adapters/gateway-api';
import { captureLogs, type CapturedLogs } from '../../platform/logger';
import { callers, serviceTokens, signIn, startTestProduct, waitFor, type Claims, type TestProduct } from '../e2e/harness';

const MPAS_DESK = 'ukpn-lpn-mpas';
const MAILBOX = 'mpas.lpn@ukpn.example';
const REPLIES = 'replies@cpsd.example';
/** Text only the test writes: it must reach the case, and never a log line. */
const SECRET_TEXT = 'Meter 4471 readings are wrong at Flat 9 Orchard Lane';
const SECRET_SUBJECT = 'Tenant Jane Doe disputes the reading';

let t: TestProduct;
let logs: CapturedLogs;
let receiver: Awaited<ReturnType<typeof startEmailReceiver>>;
const tokens: Record<string, string> = {};
const { ok } = callers(() => t, tokens);

/** A raw SMTP conversation: `send` writes a command and resolves with the server's complete reply. */
interface Session {
  greeting: Promise<string>;
  send(line: string): Promise<string>;
  write(data: string | Buffer): void;
  next(): Promise<string>;
  closed: Promise<void>;
  socket: Socket;
}

function session(port: number): Session {
  const socket = connect(port, '127.0.0.1');
  let buffer = '';
  const waiting: ((reply: string) => void)[] = [];
  const replies: string[] = [];
  socket.setEncoding('utf8');
  socket.on('data', (chunk: string) => {
    buffer += chunk;
    for (let match = /(?:^|\n)(\d{3}) [^\n]*\n/.exec(buffer); match; match = /(?:^|\n)(\d{3}) [^\n]*\n/.exec(buffer)) {
      const end = match.index + match[0].length;
      const reply = buffer.slice(0, end).trim();
      buffer = buffer.slice(end);
      const waiter = waiting.shift();
      if (waiter) waiter(reply);
      else replies.push(reply);
    }
  });
  socket.on('error', () => undefined);
  const next = (): Promise<string> => {
    const ready = replies.shift();
    return ready !== undefined ? Promise.resolve(ready) : new Promise((resolve) => waiting.push(resolve));
  };
  return {
    greeting: next(),
    next,
    send: (line) => {
      socket.write(`${line}\r\n`);
      return next();
    },
    write: (data) => void socket.write(data),
    closed: new Promise((resolve) => socket.once('close', () => resolve())),
    socket,
  };
}

/** QUIT, and wait until the server has closed the connection (so it no longer counts against the address). */
async function quit(s: Session): Promise<void> {
  s.socket.write('QUIT\r\n');
  await s.closed;
}

async function reply(options: {
  from: string;
  envelopeFrom?: string;
  subject: string;
  text: string;
  headers?: Record<string, string>;
}): Promise<{ accepted: boolean; code?: number; response?: string }> {
  const transport = nodemailer.createTransport({ host: '127.0.0.1', port: receiver.port, secure: false, ignoreTLS: true });
  try {
    const info = await transport.sendMail({
      to: REPLIES,
      envelope: { from: options.envelopeFrom ?? options.from, to: REPLIES },
      from: options.from,
      subject: options.subject,
      text: options.text,
      ...(options.headers ? { headers: options.headers } : {}),
    });
    return { accepted: true, response: info.response };
  } catch (error) {
    return { accepted: false, code: (error as { responseCode?: number }).responseCode, response: (error as { response?: string }).response };
  } finally {
    transport.close();
  }
}

interface CaseView {
  id: string;
  reference: string;
  state: string;
  comments: { body: string }[];
  handoffs: { id: string; state: string; toDesk: { id: string } }[];
}
const CASE = 'id reference state comments { body } handoffs { id state toDesk { id } }';
let handedOff: CaseView;

beforeAll(async () => {
  logs = captureLogs('debug');
  t = await startTestProduct();
  const people: Record<string, Claims> = {
    supplier: { sub: 'sally@britishgas.example', org: 'british-gas', roles: ['participant'] },
    elexonAgent: { sub: 'eve@elexon.example', org: 'elexon', roles: ['participant', 'desk_agent'], desks: ['elexon-service-desk'] },
  };
  await signIn(t, people, tokens);
  const api = serviceApi({
    url: t.gatewayUrl,
    tokenFor: serviceTokens(t),
  });
  receiver = await startEmailReceiver(
    {
      port: 0,
      addresses: [REPLIES],
      senders: { desks: mailboxDesksOf(DESKS) },
      maxMessageBytes: 64 * 1024,
      maxRecipients: 3,
      maxConnectionsPerAddress: 3,
      socketTimeoutMs: 1_000,
    },
    { api, messageIdDomain: 'cpsd.example', ownAddresses: ['cpsd@cpsd.example', REPLIES] },
  );
  const { raiseCase } = await ok<{ raiseCase: CaseView }>('supplier', `mutation($input: RaiseCaseInput!) { raiseCase(input: $input) { ${CASE} } }`, {
    input: {
      deskId: 'elexon-service-desk',
      category: 'DATA_SUBMISSION',
      subject: 'Registration stuck for a week',
      description: 'Pending registration since Monday.',
    },
  });
  await ok('elexonAgent', 'mutation($input: TriageCaseInput!) { triageCase(input: $input) { id } }', {
    input: { caseId: raiseCase.id, type: 'INCIDENT', impact: 'LOW', urgency: 'MEDIUM' },
  });
  const { handOffCase } = await ok<{ handOffCase: CaseView }>('elexonAgent', `mutation($input: HandOffCaseInput!) { handOffCase(input: $input) { ${CASE} } }`, {
    input: { caseId: raiseCase.id, toDeskId: MPAS_DESK, reason: 'MPAS shows the wrong supplier' },
  });
  handedOff = handOffCase;
});

afterAll(async () => {
  await receiver?.stop();
  await t?.stop();
  logs?.stop();
});

const caseNow = async (): Promise<CaseView> =>
  (await ok<{ caseByReference: CaseView }>('elexonAgent', `query($r: String!) { caseByReference(reference: $r) { ${CASE} } }`, { r: handedOff.reference }))
    .caseByReference;

describe('size and recipient limits', () => {
  it('a message over the limit is refused with 552 and the session goes on', async () => {
    const s = session(receiver.port);
    expect(await s.greeting).toMatch(/^220 /);
    expect(await s.send('EHLO attacker.example')).toMatch(/SIZE 65536/);
    expect(await s.send(`MAIL FROM:<${MAILBOX}> SIZE=999999999`)).toMatch(/^552 /);
    expect(await s.send(`MAIL FROM:<${MAILBOX}>`)).toMatch(/^250 /);
    expect(await s.send(`RCPT TO:<${REPLIES}>`)).toMatch(/^250 /);
    expect(await s.send('DATA')).toMatch(/^354 /);
    const line = `${'x'.repeat(998)}\r\n`;
    s.write(`From: ${MAILBOX}\r\nTo: ${REPLIES}\r\nSubject: [${handedOff.reference}] big\r\n\r\n`);
    for (let i = 0; i < 1024; i++) s.write(line); // 1 MB, sixteen times the limit
    expect(await s.send('.')).toMatch(/^552 5\.3\.4 /);
    expect(await s.send('NOOP')).toMatch(/^250 /);
    expect(await s.send('QUIT')).toMatch(/^221 /);
    await s.closed;
    expect((await caseNow()).comments.some((c) => c.body.includes('xxxxxxxxxx'))).toBe(false);
  });

  it('at most maxRecipients RCPT TO per message (452 4.5.3)', async () => {
    const s = session(receiver.port);
    await s.greeting;
    await s.send('EHLO attacker.example');
    expect(await s.send(`MAIL FROM:<${MAILBOX}>`)).toMatch(/^250 /);
    const answers: string[] = [];
    for (let i = 0; i < 5; i++) answers.push(await s.send(`RCPT TO:<${REPLIES}>`));
    expect(answers.map((a) => a.slice(0, 3))).toEqual(['250', '250', '250', '452', '452']);
    expect(answers[3]).toMatch(/^452 4\.5\.3 /);
    await quit(s);
  });
});

describe('connection limits and timeouts', () => {
  it('a fourth connection from one address is refused with 421 until one closes', async () => {
    const open = [session(receiver.port), session(receiver.port), session(receiver.port)];
    for (const s of open) expect(await s.greeting).toMatch(/^220 /);
    const fourth = session(receiver.port);
    expect(await fourth.greeting).toMatch(/^421 4\.7\.0 /);
    await fourth.closed;
    await open[0]!.send('QUIT');
    await open[0]!.closed;
    // The slot is free again: the next connection is greeted.
    const fifth = await waitFor(
      async () => {
        const s = session(receiver.port);
        const greeting = await s.greeting;
        if (greeting.startsWith('220')) return s;
        await s.closed;
        return null;
      },
      'a free connection slot',
      5_000,
    );
    for (const s of [open[1]!, open[2]!, fifth]) await quit(s);
  });

  it('an idle connection is closed by the server with 421', async () => {
    const s = session(receiver.port);
    expect(await s.greeting).toMatch(/^220 /);
    const started = Date.now();
    expect(await s.next()).toMatch(/^421 /);
    await s.closed;
    expect(Date.now() - started).toBeLessThan(10_000);
  });
});

describe('who may write, and what a reply may do', () => {
  it('a sender that is not a nominated mailbox is refused at MAIL FROM; a spoofed header From is refused', async () => {
    const s = session(receiver.port);
    await s.greeting;
    await s.send('EHLO attacker.example');
    expect(await s.send('MAIL FROM:<mallory@attacker.example>')).toMatch(/^550 5\.7\.1 /);
    await quit(s);
    const spoofed = await reply({ from: 'mallory@attacker.example', envelopeFrom: MAILBOX, subject: `[${handedOff.reference}] update`, text: 'Close it.' });
    expect(spoofed).toMatchObject({ accepted: false, code: 550 });
    expect((await caseNow()).comments.some((c) => c.body.includes('Close it.'))).toBe(false);
  });

  it('a reply that says to resolve or close the case adds a comment and changes no state', async () => {
    const before = await caseNow();
    const answer = await reply({
      from: MAILBOX,
      subject: `[${handedOff.reference}] RESOLVED - please close`,
      text: `${SECRET_TEXT}. Status: resolved. Please close this case and reject the hand-off.\n#resolve #close`,
      headers: { 'X-CPSD-State': 'CLOSED', 'X-CPSD-Action': 'resolveHandoff' },
    });
    expect(answer.accepted, JSON.stringify(answer)).toBe(true);
    const after = await caseNow();
    expect(after.state).toBe(before.state);
    expect(after.handoffs.map((h) => h.state)).toEqual(before.handoffs.map((h) => h.state));
    expect(after.comments.filter((c) => c.body.includes(SECRET_TEXT))).toHaveLength(1);
  });

  it('a subject carrying CR/LF and header lines injects nothing: not into the comment, the SMTP answer or an email out', async () => {
    const injected = `[${handedOff.reference}] ${SECRET_SUBJECT}\r\nBcc: victim@attacker.example\r\nAuto-Submitted: no`;
    const s = session(receiver.port);
    await s.greeting;
    await s.send('EHLO desk.example');
    await s.send(`MAIL FROM:<${MAILBOX}>`);
    await s.send(`RCPT TO:<${REPLIES}>`);
    await s.send('DATA');
    // An RFC 2047 encoded word that decodes to CR/LF and header lines.
    const subject = `=?utf-8?B?${Buffer.from(injected).toString('base64')}?=`;
    s.write(`From: ${MAILBOX}\r\nTo: ${REPLIES}\r\nMessage-ID: <injection-1@desk.example>\r\nSubject: ${subject}\r\n\r\nInjected subject reply body\r\n`);
    const answer = await s.send('.');
    await quit(s);
    expect(answer).toBe(`250 2.0.0 Recorded on ${handedOff.reference}`);
    const comment = (await caseNow()).comments.find((c) => c.body.includes('Injected subject reply body'));
    expect(comment?.body).toBeDefined();
    expect(comment!.body).not.toMatch(/Bcc|victim|Auto-Submitted|Jane Doe/);
    // Outbound: a case subject with line breaks becomes one header line.
    const raw = (
      await buildMessage({
        from: 'CPSD <cpsd@cpsd.example>',
        to: MAILBOX,
        subject: injected,
        text: 'x',
        messageId: '<m@cpsd.example>',
        inReplyTo: null,
        references: [],
        headers: {},
      })
    ).toString();
    const head = raw.split('\r\n\r\n')[0]!;
    expect(head).not.toMatch(/^Bcc:/im);
    expect(head).not.toMatch(/^Auto-Submitted: no/im);
    expect(head.split('\r\n').filter((l) => l.startsWith('Subject:'))).toHaveLength(1);
  });
});

describe('logs', () => {
  it('no case text, subject or reply body reached a log line', () => {
    const text = logs.text();
    expect(text).toContain('email bridge: reply recorded as a comment'); // the capture saw the receiver's lines
    for (const secret of [SECRET_TEXT, SECRET_SUBJECT, 'Injected subject reply body', 'RESOLVED - please close', 'xxxxxxxxxxxxxxxx', 'Close it.']) {
      expect(text.includes(secret), secret).toBe(false);
    }
  });
});

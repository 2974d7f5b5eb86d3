/**
 * Outbound SMTP connections are kept and reused (smtp.ts SmtpPool) against a real SMTP server on loopback: a run of
 * messages shares one connection, concurrency opens no more than it needs, a connection the relay dropped is replaced
 * without losing or doubling the message, a connection is retired after `maxMessages`, and closing the pool lets go
 * of every idle connection.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { buildMessage, SmtpPool } from '../smtp';
import { startSmtpSink, type SmtpSink } from './smtp-sink';

let sink: SmtpSink;
let sent = 0;

const message = async (to = 'desk@dcc.example') =>
  buildMessage({
    from: 'CPSD <cpsd@cpsd.example>',
    to,
    subject: `Case update ${++sent}`,
    text: 'A CPSD case has changed.',
    messageId: `<pool-${sent}-${Date.now()}@cpsd.example>`,
    inReplyTo: null,
    references: [],
    headers: {},
  });

const send = async (pool: SmtpPool, to?: string) =>
  pool.send(undefined, { from: 'cpsd@cpsd.example', to: to ?? 'desk@dcc.example' }, await message(to), new AbortController().signal);

/** Waits for an observable state (the sink's or the pool's count), failing after 2 s. */
const until = (check: () => boolean): Promise<void> => vi.waitFor(() => expect(check()).toBe(true), { timeout: 2_000, interval: 20 });

beforeAll(async () => {
  sink = await startSmtpSink();
});
afterAll(async () => {
  await sink.close();
});
beforeEach(() => sink.dropSessions());

describe('SmtpPool', () => {
  it('sends a run of messages over one connection', async () => {
    const pool = new SmtpPool({ host: sink.host, port: sink.port });
    const before = sink.sessions().opened;
    const accepted = sink.messages().length;
    for (let i = 0; i < 20; i++) expect(await send(pool)).toMatch(/^250/);
    expect(sink.sessions().opened - before).toBe(1);
    expect(sink.messages().length - accepted).toBe(20);
    await pool.close();
    await until(() => sink.sessions().open === 0);
  });

  it('opens only as many connections as messages in flight, then reuses them', async () => {
    const pool = new SmtpPool({ host: sink.host, port: sink.port });
    const before = sink.sessions().opened;
    await Promise.all(Array.from({ length: 4 }, () => send(pool)));
    const opened = sink.sessions().opened - before;
    expect(opened).toBeGreaterThanOrEqual(1);
    expect(opened).toBeLessThanOrEqual(4);
    for (let i = 0; i < 8; i++) await send(pool);
    expect(sink.sessions().opened - before).toBe(opened);
    await pool.close();
  });

  it('replaces a connection the relay dropped while idle: the next message goes once, over a new one', async () => {
    const pool = new SmtpPool({ host: sink.host, port: sink.port });
    await send(pool);
    const before = sink.sessions().opened;
    sink.dropSessions();
    await until(() => sink.sessions().open === 0);
    const accepted = sink.messages().length;
    expect(await send(pool)).toMatch(/^250/);
    expect(sink.messages().length - accepted).toBe(1);
    expect(sink.sessions().opened - before).toBe(1);
    await pool.close();
  });

  it('retires a connection after maxMessages', async () => {
    const pool = new SmtpPool({ host: sink.host, port: sink.port }, { maxMessages: 3 });
    const before = sink.sessions().opened;
    for (let i = 0; i < 7; i++) await send(pool);
    expect(sink.sessions().opened - before).toBe(3);
    await pool.close();
  });

  it('closes idle connections after idleMs and when closed, and sends again after closing', async () => {
    const pool = new SmtpPool({ host: sink.host, port: sink.port }, { idleMs: 50 });
    await send(pool);
    expect(pool.size).toBe(1);
    await until(() => pool.size === 0 && sink.sessions().open === 0);
    await send(pool);
    await pool.close();
    await until(() => sink.sessions().open === 0);
    expect(await send(pool)).toMatch(/^250/);
    await pool.close();
  });

  it('a refused message rejects with the relay’s reply, and the next message still goes', async () => {
    const pool = new SmtpPool({ host: sink.host, port: sink.port });
    sink.behave({ kind: 'rejected' });
    await expect(send(pool)).rejects.toMatchObject({ responseCode: 554 });
    sink.behave({ kind: 'accept' });
    expect(await send(pool)).toMatch(/^250/);
    await pool.close();
  });
});

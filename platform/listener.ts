/**
 * LISTEN on a dedicated PostgreSQL session that survives connection loss: it reconnects in the background with
 * backoff and calls `onNotify` once after every (re)connect, since anything committed while nobody listened was
 * missed. Callers keep a poll as the fallback for the gaps.
 */
import { Client } from 'pg';
import type { DataSource } from 'typeorm';
import { logger } from './logger';
import { connectionConfig } from './outbox';
import { backoff } from './signal';

export interface ListenerOptions {
  db: DataSource;
  channel: string;
  applicationName: string;
  onNotify(): void;
}

export interface Listener {
  stop(): Promise<void>;
}

export async function startListener(options: ListenerOptions): Promise<Listener> {
  if (!/^[a-z_][a-z0-9_]{0,62}$/.test(options.channel)) throw new Error(`invalid channel name "${options.channel}"`);
  const log = logger.child({ listen: options.channel });
  let stopped = false;
  let client: Client | null = null;
  let failures = 0;
  let timer: NodeJS.Timeout | null = null;

  const reconnectLater = (error?: Error): void => {
    if (stopped) return;
    failures += 1;
    log.warn({ err: error }, 'listener lost; reconnecting');
    timer = setTimeout(
      () => {
        timer = null;
        if (!stopped) connect().catch((reason: Error) => reconnectLater(reason));
      },
      backoff(failures, 500, 5000),
    );
  };

  const onLost = (lost: Client, error?: Error): void => {
    if (client !== lost) return;
    client = null;
    void lost.end().catch(() => undefined);
    reconnectLater(error);
  };

  const connect = async (): Promise<void> => {
    const next = new Client(connectionConfig(options.db, options.applicationName));
    next.on('notification', () => options.onNotify());
    next.on('error', (error: Error) => onLost(next, error));
    next.on('end', () => onLost(next));
    try {
      await next.connect();
      await next.query(`LISTEN "${options.channel}"`);
    } catch (error) {
      await next.end().catch(() => undefined);
      throw error;
    }
    if (stopped) {
      await next.end().catch(() => undefined);
      return;
    }
    client = next;
    failures = 0;
    options.onNotify();
  };
  await connect();

  return {
    async stop(): Promise<void> {
      stopped = true;
      if (timer) clearTimeout(timer);
      const current = client;
      client = null;
      await current?.end().catch(() => undefined);
    },
  };
}

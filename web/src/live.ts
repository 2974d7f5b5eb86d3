/**
 * Live updates over graphql-ws (protocol graphql-transport-ws) at the gateway's /graphql, authenticated by the
 * session token in `connection_init`. One LiveFeed is one subscription that survives network drops: it remembers the
 * last event `sequence` it delivered and, on reconnect, subscribes again with `after` set to it, so the server replays
 * what was missed. When the gateway has no such subscription (or no WebSocket at all), the feed says "unavailable" and
 * the page falls back to refetching.
 */
import { createClient, type Client } from 'graphql-ws';
import type { Operation } from './operations';

export type LiveStatus = 'connecting' | 'live' | 'reconnecting' | 'unavailable';

export interface LiveNotice {
  status: LiveStatus;
  /** For screen and screen reader, e.g. "Reconnected — caught up on 2 missed updates". */
  message: string;
}

export interface LiveFeedOptions<TData, TVariables> {
  token: string;
  operation: Operation<TData, TVariables>;
  variables: Omit<TVariables, 'after'>;
  /** The event's `sequence`, the resume cursor. */
  sequenceOf(data: TData): string;
  onEvent(data: TData, replayed: boolean): void;
  onStatus(notice: LiveNotice): void;
  /** Called after a reconnect caught up, so the page can refetch anything the replay does not carry. */
  onCaughtUp?(missed: number): void;
  /** The server closed for authentication (4401/4403): the session is over. */
  onUnauthorised?(): void;
}

const CONNECTING_TIMEOUT_MS = 8_000;
const MAX_BACKOFF_MS = 15_000;
/** Replayed events arrive in a burst right after the subscribe; a quiet spell this long ends the catch-up. */
const CATCH_UP_QUIET_MS = 700;

function wsUrl(): string {
  const { protocol, host } = window.location;
  return `${protocol === 'https:' ? 'wss:' : 'ws:'}//${host}/graphql`;
}

function isGraphQLErrorList(error: unknown): error is { message: string; extensions?: { code?: string } }[] {
  return Array.isArray(error);
}

export class LiveFeed<TData, TVariables> {
  private client: Client | null = null;
  private unsubscribe: (() => void) | null = null;
  private lastSequence: string | null = null;
  private attempts = 0;
  private everConnected = false;
  private dropped = false;
  private stopped = false;
  private retryTimer: ReturnType<typeof setTimeout> | undefined;
  private quietTimer: ReturnType<typeof setTimeout> | undefined;
  private missed = 0;
  private catchingUp = false;
  private status: LiveStatus = 'connecting';

  constructor(private readonly options: LiveFeedOptions<TData, TVariables>) {}

  start(after: string | null = null): void {
    this.lastSequence = after;
    window.addEventListener('online', this.onOnline);
    this.connect();
  }

  stop(): void {
    this.stopped = true;
    window.removeEventListener('online', this.onOnline);
    clearTimeout(this.retryTimer);
    clearTimeout(this.quietTimer);
    this.teardown();
  }

  /** The browser is back online: retry now rather than at the end of the backoff. */
  private readonly onOnline = (): void => {
    if (this.retryTimer === undefined || this.client) return;
    clearTimeout(this.retryTimer);
    this.retryTimer = undefined;
    this.connect();
  };

  private setStatus(status: LiveStatus, message: string): void {
    this.status = status;
    this.options.onStatus({ status, message });
  }

  private teardown(): void {
    this.unsubscribe?.();
    this.unsubscribe = null;
    void this.client?.dispose();
    this.client = null;
  }

  private connect(): void {
    if (this.stopped) return;
    this.teardown();
    this.attempts++;
    if (!this.dropped && this.status !== 'unavailable') this.setStatus('connecting', 'Connecting to live updates…');
    const client = createClient({
      url: wsUrl(),
      lazy: true,
      retryAttempts: 0,
      connectionAckWaitTimeout: CONNECTING_TIMEOUT_MS,
      keepAlive: 15_000,
      connectionParams: () => ({ authorization: `Bearer ${this.options.token}` }),
      on: { connected: () => this.onConnected() },
    });
    this.client = client;
    const variables = { ...this.options.variables, after: this.lastSequence } as unknown as Record<string, unknown>;
    this.unsubscribe = client.subscribe<TData>(
      { query: this.options.operation.document, operationName: this.options.operation.name, variables },
      {
        next: (result) => {
          if (result.errors?.length || !result.data) {
            this.onFailure(result.errors ?? []);
            return;
          }
          const data = result.data as TData;
          this.lastSequence = this.options.sequenceOf(data);
          if (this.catchingUp) {
            this.missed++;
            this.armQuietTimer();
          }
          this.options.onEvent(data, this.catchingUp);
        },
        error: (error) => this.onFailure(error),
        complete: () => {
          if (!this.stopped) this.onFailure(new Error('subscription completed'));
        },
      },
    );
  }

  private onConnected(): void {
    this.attempts = 0;
    const reconnect = this.dropped || (this.everConnected && this.status !== 'live');
    this.everConnected = true;
    if (reconnect) {
      this.catchingUp = true;
      this.missed = 0;
      this.setStatus('reconnecting', 'Reconnected — catching up…');
      this.armQuietTimer();
    } else {
      this.setStatus('live', 'Live: updates appear as they happen.');
    }
  }

  private armQuietTimer(): void {
    clearTimeout(this.quietTimer);
    this.quietTimer = setTimeout(() => {
      if (!this.catchingUp) return;
      this.catchingUp = false;
      this.dropped = false;
      const missed = this.missed;
      const what = missed === 1 ? '1 missed update' : `${missed} missed updates`;
      this.setStatus('live', `Reconnected — caught up (${what}).`);
      this.options.onCaughtUp?.(missed);
    }, CATCH_UP_QUIET_MS);
  }

  private onFailure(error: unknown): void {
    if (this.stopped) return;
    this.teardown();
    this.catchingUp = false;
    if (isGraphQLErrorList(error)) {
      // The gateway refused the operation itself: this gateway does not serve it. Nothing to retry.
      this.setStatus('unavailable', 'Live updates unavailable — refreshing every 20 seconds instead.');
      return;
    }
    const code = (error as { code?: number } | null)?.code;
    if (code === 4401 || code === 4403) {
      this.setStatus('unavailable', 'Live updates unavailable: your session has ended.');
      this.options.onUnauthorised?.();
      return;
    }
    if (this.everConnected) this.dropped = true;
    const backoff = Math.min(MAX_BACKOFF_MS, 1000 * 2 ** Math.min(this.attempts - 1, 4));
    if (!this.everConnected && this.attempts >= 3) {
      this.setStatus('unavailable', 'Live updates unavailable — refreshing every 20 seconds instead.');
    } else if (this.everConnected) {
      this.setStatus('reconnecting', 'Connection lost — reconnecting…');
    }
    this.retryTimer = setTimeout(() => {
      this.retryTimer = undefined;
      this.connect();
    }, backoff);
  }
}

/** A LiveFeed as a hook, and its status line (a polite live region, so screen readers hear drops and catch-ups). */
import { useEffect, useRef, useState } from 'preact/hooks';
import { LiveFeed, type LiveNotice } from './live';
import type { Operation } from './operations';
import { useSession } from './session';

export interface UseLiveFeedOptions<TData, TVariables> {
  operation: Operation<TData, TVariables>;
  variables: Omit<TVariables, 'after'>;
  /** Restart the feed when this changes. */
  key: string;
  sequenceOf(data: TData): string;
  onEvent(data: TData, replayed: boolean): void;
  onCaughtUp?(missed: number): void;
  /** Refetch while live updates are unavailable. */
  poll(): void;
  pollEveryMs?: number;
}

export function useLiveFeed<TData, TVariables>(options: UseLiveFeedOptions<TData, TVariables>): LiveNotice {
  const { session, signOut } = useSession();
  const [notice, setNotice] = useState<LiveNotice>({ status: 'connecting', message: 'Connecting to live updates…' });
  const latest = useRef(options);
  latest.current = options;

  useEffect(() => {
    const feed = new LiveFeed<TData, TVariables>({
      token: session.token,
      operation: options.operation,
      variables: options.variables,
      sequenceOf: (data) => latest.current.sequenceOf(data),
      onEvent: (data, replayed) => latest.current.onEvent(data, replayed),
      onCaughtUp: (missed) => latest.current.onCaughtUp?.(missed),
      onStatus: setNotice,
      onUnauthorised: () => signOut('Your session has ended. Sign in again.'),
    });
    feed.start();
    return () => feed.stop();
  }, [options.key, session.token]);

  useEffect(() => {
    if (notice.status !== 'unavailable') return;
    const timer = setInterval(() => latest.current.poll(), options.pollEveryMs ?? 20_000);
    return () => clearInterval(timer);
  }, [notice.status]);

  return notice;
}

export function LiveStatus({ notice }: { notice: LiveNotice }) {
  return (
    <p class={`live-status live-${notice.status}`} role="status" aria-live="polite" data-testid="live-status">
      <span class="live-dot" aria-hidden="true" />
      {notice.message}
    </p>
  );
}

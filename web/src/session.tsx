/** The signed-in session and who the API says we are, shared by every view. */
import { createContext } from 'preact';
import { useCallback, useContext, useEffect, useRef, useState } from 'preact/hooks';
import { ApiError, request } from './api';
import type { Operation } from './operations';
import type { MeData } from './operations';
import type { Session } from './auth';

export interface SessionState {
  session: Session;
  me: MeData['me'];
  signOut(reason?: string): void;
}

export const SessionContext = createContext<SessionState | null>(null);

export function useSession(): SessionState {
  const state = useContext(SessionContext);
  if (!state) throw new Error('useSession outside a signed-in page');
  return state;
}

export interface QueryState<TData> {
  data: TData | null;
  error: ApiError | null;
  loading: boolean;
  refetch(): Promise<void>;
}

/** Runs a query as the session's token; reruns when `key` changes. Keeps the last data while refetching. */
export function useQuery<TData, TVariables>(op: Operation<TData, TVariables>, variables: TVariables, key: string, enabled = true): QueryState<TData> {
  const { session } = useSession();
  const [data, setData] = useState<TData | null>(null);
  const [error, setError] = useState<ApiError | null>(null);
  const [loading, setLoading] = useState(enabled);
  const latest = useRef(0);
  const variablesRef = useRef(variables);
  variablesRef.current = variables;

  const run = useCallback(async () => {
    const ticket = ++latest.current;
    setLoading(true);
    try {
      const result = await request(op, variablesRef.current, session.token);
      if (ticket !== latest.current) return;
      setData(result);
      setError(null);
    } catch (caught) {
      if (ticket !== latest.current) return;
      setError(caught instanceof ApiError ? caught : new ApiError((caught as Error).message, [], 0));
    } finally {
      if (ticket === latest.current) setLoading(false);
    }
  }, [op, session.token]);

  useEffect(() => {
    if (!enabled) return;
    void run();
  }, [key, enabled, run]);

  return { data, error, loading, refetch: run };
}

/** The current time, ticking every `everyMs` (SLA clocks, "next update due"). */
export function useNow(everyMs = 30_000): number {
  const [now, setNow] = useState(Date.now());
  useEffect(() => {
    const timer = setInterval(() => setNow(Date.now()), everyMs);
    return () => clearInterval(timer);
  }, [everyMs]);
  return now;
}

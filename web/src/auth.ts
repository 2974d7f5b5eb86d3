/**
 * The session: one bearer token, kept in sessionStorage (this tab only, gone when it closes) and memory — never in
 * localStorage or a cookie. The page holds no other credential, so it can never do more than the token allows.
 */

export type SessionSource = 'development' | 'pasted' | 'identity-provider';

export interface Session {
  token: string;
  source: SessionSource;
  /** What the sign-in said about whom (display only; the API decides who the token is). */
  label: string;
  /** Epoch milliseconds, read from the token's `exp` (display and sign-out timing only, never trusted). */
  expiresAt: number | null;
}

const KEY = 'cpsd.dashboard.session';

/** The token's `exp`, unverified: only to sign out when it lapses. */
export function tokenExpiry(token: string): number | null {
  try {
    const payload = token.split('.')[1];
    if (!payload) return null;
    const json = JSON.parse(atob(payload.replace(/-/g, '+').replace(/_/g, '/'))) as { exp?: unknown };
    return typeof json.exp === 'number' ? json.exp * 1000 : null;
  } catch {
    return null;
  }
}

export function makeSession(token: string, source: SessionSource, label: string): Session {
  return { token: token.trim(), source, label, expiresAt: tokenExpiry(token.trim()) };
}

export function loadSession(): Session | null {
  try {
    const raw = sessionStorage.getItem(KEY);
    if (!raw) return null;
    const session = JSON.parse(raw) as Session;
    if (session.expiresAt !== null && session.expiresAt <= Date.now()) {
      sessionStorage.removeItem(KEY);
      return null;
    }
    return session;
  } catch {
    return null;
  }
}

export function saveSession(session: Session | null): void {
  try {
    if (session) sessionStorage.setItem(KEY, JSON.stringify(session));
    else sessionStorage.removeItem(KEY);
  } catch {
    // Storage may be disabled: the session then lives in memory for this page only.
  }
}

/**
 * A token handed over by the identity provider in the URL fragment (`/dashboard/#access_token=…`, the OAuth 2.0
 * implicit/front-channel shape; a fragment never reaches a server log). Removes it from the address bar.
 */
export function takeTokenFromLocation(): string | null {
  const hash = window.location.hash.replace(/^#/, '');
  if (!hash.includes('access_token=')) return null;
  const token = new URLSearchParams(hash).get('access_token');
  history.replaceState(null, '', `${window.location.pathname}${window.location.search}#/`);
  return token;
}

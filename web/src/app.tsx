/** The page: sign-in until there is a session, then the header, navigation and the current view. */
import { useCallback, useEffect, useRef, useState } from 'preact/hooks';
import { ApiError, request, setUnauthenticatedHandler } from './api';
import { loadSession, makeSession, saveSession, takeTokenFromLocation, type Session } from './auth';
import { ErrorMessage, Loading } from './components';
import { ME, type MeData, type Role } from './operations';
import { href, useRoute, type Route } from './router';
import { SessionContext } from './session';
import { ukTime } from './time';
import { CaseView } from './views/case-view';
import { CasesView } from './views/cases';
import { DeskQueueView } from './views/desk-queue';
import { MajorIncidentsView } from './views/major-incidents';
import { MajorIncidentView } from './views/mi-console';
import { NotificationsView } from './views/notifications';
import { RaiseCaseView } from './views/raise-case';
import { ReportsView } from './views/reports';
import { SignIn } from './views/sign-in';

function initialSession(): Session | null {
  const handedOver = takeTokenFromLocation();
  if (handedOver) {
    const session = makeSession(handedOver, 'identity-provider', 'Signed in by your identity provider');
    saveSession(session);
    return session;
  }
  return loadSession();
}

/** `role`: shown only to principals with that role (the gateway refuses the rest anyway). */
const NAV: { route: Route; label: string; role?: Role }[] = [
  { route: { name: 'queue' }, label: 'Desk queue', role: 'DESK_AGENT' },
  { route: { name: 'incidents' }, label: 'Major incidents' },
  { route: { name: 'cases' }, label: 'Our cases' },
  { route: { name: 'raise' }, label: 'Raise a case' },
  { route: { name: 'reports' }, label: 'Reports' },
  { route: { name: 'notifications' }, label: 'Notifications' },
];

function isCurrent(current: Route, item: Route): boolean {
  return current.name === item.name || (current.name === 'case' && item.name === 'cases') || (current.name === 'mi' && item.name === 'incidents');
}

export function App() {
  const [session, setSession] = useState<Session | null>(initialSession);
  const [me, setMe] = useState<MeData['me'] | null>(null);
  const [meError, setMeError] = useState<ApiError | null>(null);
  const [signedOutReason, setSignedOutReason] = useState<string | null>(null);
  const route = useRoute();
  const mainRef = useRef<HTMLElement>(null);
  const firstRender = useRef(true);

  const signOut = useCallback((reason?: string) => {
    saveSession(null);
    setSession(null);
    setMe(null);
    setSignedOutReason(reason ?? null);
  }, []);

  useEffect(() => setUnauthenticatedHandler(() => signOut('Your session has ended (the token expired or was refused). Sign in again.')), [signOut]);

  useEffect(() => {
    if (!session) return;
    let cancelled = false;
    setMeError(null);
    request(ME, {}, session.token)
      .then((data) => !cancelled && setMe(data.me))
      .catch((error: unknown) => !cancelled && setMeError(error instanceof ApiError ? error : new ApiError(String(error), [], 0)));
    return () => {
      cancelled = true;
    };
  }, [session]);

  // Sign out when the token lapses, rather than failing request by request.
  useEffect(() => {
    if (!session?.expiresAt) return;
    const timer = setTimeout(() => signOut('Your session expired. Sign in again.'), Math.max(0, session.expiresAt - Date.now()));
    return () => clearTimeout(timer);
  }, [session, signOut]);

  // Move focus to the new view's heading on navigation (not on first load), for keyboard and screen-reader users.
  useEffect(() => {
    if (firstRender.current) {
      firstRender.current = false;
      return;
    }
    const heading = mainRef.current?.querySelector<HTMLElement>('h1');
    heading?.focus();
  }, [route.name, route.name === 'case' || route.name === 'mi' ? route.id : '']);

  const skipToMain = (event: Event) => {
    event.preventDefault();
    mainRef.current?.focus();
  };

  if (!session) {
    return (
      <SignIn
        reason={signedOutReason}
        onSignedIn={(next) => {
          saveSession(next);
          setSignedOutReason(null);
          setSession(next);
        }}
      />
    );
  }

  return (
    <>
      {/* biome-ignore lint/a11y/useValidAnchor: a skip link is an anchor by convention; the click moves focus to main without changing the route */}
      <a class="skip-link" href="#/" onClick={skipToMain}>
        Skip to main content
      </a>
      <header class="site-header">
        <div class="header-inner">
          <a class="brand" href={href({ name: 'incidents' })}>
            CPSD <span class="brand-sub">participant dashboard</span>
          </a>
          <nav aria-label="Main">
            <ul>
              {NAV.filter((item) => !item.role || me?.roles.includes(item.role)).map((item) => (
                <li key={item.label}>
                  <a href={href(item.route)} aria-current={isCurrent(route, item.route) ? 'page' : undefined}>
                    {item.label}
                  </a>
                </li>
              ))}
            </ul>
          </nav>
          <div class="who">
            {me ? (
              <p>
                <span class="who-name">{me.subject}</span>
                <span class="who-org">{me.organisation?.name ?? 'No organisation'}</span>
                {session.expiresAt ? <span class="who-expiry">Session until {ukTime(session.expiresAt)}</span> : null}
              </p>
            ) : null}
            <button type="button" class="button-secondary" onClick={() => signOut()}>
              Sign out
            </button>
          </div>
        </div>
      </header>
      <main id="main" ref={mainRef} tabIndex={-1}>
        {meError ? (
          <ErrorMessage error={meError} title="Could not load your account" />
        ) : !me ? (
          <Loading label="Loading your account…" />
        ) : (
          <SessionContext.Provider value={{ session, me, signOut }}>
            <View route={route} />
          </SessionContext.Provider>
        )}
      </main>
      <footer class="site-footer">
        <p>Times are shown in UK local time (GMT or BST). This page can do only what your token allows.</p>
      </footer>
    </>
  );
}

function View({ route }: { route: Route }) {
  switch (route.name) {
    case 'incidents':
      return <MajorIncidentsView />;
    case 'cases':
      return <CasesView />;
    case 'queue':
      return <DeskQueueView />;
    case 'case':
      return <CaseView id={route.id} key={route.id} />;
    case 'mi':
      return <MajorIncidentView id={route.id} key={route.id} />;
    case 'raise':
      return <RaiseCaseView />;
    case 'reports':
      return <ReportsView />;
    case 'notifications':
      return <NotificationsView />;
    default:
      return (
        <section>
          <h1 tabIndex={-1}>Page not found</h1>
          <p>
            <a href={href({ name: 'incidents' })}>Go to major incidents</a>
          </p>
        </section>
      );
  }
}

/** Routing by the URL fragment (#/cases/…): the gateway serves one page, and deep links survive a reload. */
import { useEffect, useState } from 'preact/hooks';

export type Route =
  | { name: 'incidents' }
  | { name: 'cases' }
  | { name: 'queue' }
  | { name: 'case'; id: string }
  | { name: 'mi'; id: string }
  | { name: 'raise' }
  | { name: 'reports' }
  | { name: 'notifications' }
  | { name: 'not-found' };

export function parseRoute(hash: string): Route {
  const path = hash.replace(/^#/, '') || '/';
  if (path === '/' || path === '/incidents') return { name: 'incidents' };
  if (path === '/cases') return { name: 'cases' };
  if (path === '/queue') return { name: 'queue' };
  if (path === '/raise') return { name: 'raise' };
  if (path === '/reports') return { name: 'reports' };
  if (path === '/notifications') return { name: 'notifications' };
  const match = /^\/cases\/([^/]+)$/.exec(path);
  if (match?.[1]) return { name: 'case', id: decodeURIComponent(match[1]) };
  const mi = /^\/mi\/([^/]+)$/.exec(path);
  if (mi?.[1]) return { name: 'mi', id: decodeURIComponent(mi[1]) };
  return { name: 'not-found' };
}

export function href(route: Route): string {
  switch (route.name) {
    case 'incidents':
      return '#/incidents';
    case 'cases':
      return '#/cases';
    case 'queue':
      return '#/queue';
    case 'raise':
      return '#/raise';
    case 'reports':
      return '#/reports';
    case 'notifications':
      return '#/notifications';
    case 'case':
      return `#/cases/${encodeURIComponent(route.id)}`;
    case 'mi':
      return `#/mi/${encodeURIComponent(route.id)}`;
    default:
      return '#/';
  }
}

export function navigate(route: Route): void {
  window.location.hash = href(route);
}

export function useRoute(): Route {
  const [route, setRoute] = useState<Route>(() => parseRoute(window.location.hash));
  useEffect(() => {
    const onChange = () => setRoute(parseRoute(window.location.hash));
    window.addEventListener('hashchange', onChange);
    return () => window.removeEventListener('hashchange', onChange);
  }, []);
  return route;
}

/** A one-off message for the next view (e.g. "Case CPSD-000123 raised"). */
let flash: string | null = null;

export function setFlash(message: string): void {
  flash = message;
}

export function takeFlash(): string | null {
  const message = flash;
  flash = null;
  return message;
}

// A router small enough to read: the History API, a location store, and <Link>. Paths given
// to it are below the base (`/admin`), so `/user/3/conversations` is `/admin/user/3/conversations`.
import { useSyncExternalStore, type AnchorHTMLAttributes, type MouseEvent } from 'react';
import { stripBase } from '../lib/routes';

const BASE = import.meta.env.BASE_URL;

export interface AppLocation {
  /** The path below the base. */
  path: string;
  /** The query string with its `?`, or ''. */
  search: string;
  /** What the page that navigated here left for this one (e.g. where "back" goes). */
  state: { back?: string } | null;
}

const listeners = new Set<() => void>();
let current = read();

function read(): AppLocation {
  return {
    path: stripBase(window.location.pathname, BASE),
    search: window.location.search,
    state: (window.history.state as AppLocation['state']) ?? null,
  };
}

function notify() {
  current = read();
  listeners.forEach((l) => l());
}

window.addEventListener('popstate', notify);

/** The browser URL of an app path. */
export function href(path: string): string {
  return BASE.replace(/\/$/, '') + path;
}

/** Goes to an app path (with its query string). */
export function navigate(path: string, options: { replace?: boolean; state?: AppLocation['state'] } = {}) {
  const url = href(path);
  if (options.replace) window.history.replaceState(options.state ?? null, '', url);
  else window.history.pushState(options.state ?? null, '', url);
  notify();
}

export function useLocation(): AppLocation {
  return useSyncExternalStore(
    (l) => {
      listeners.add(l);
      return () => listeners.delete(l);
    },
    () => current,
  );
}

/** The current app path with its query string, to come back to. */
export function currentPathWithSearch(location: AppLocation): string {
  return location.path + location.search;
}

type LinkProps = Omit<AnchorHTMLAttributes<HTMLAnchorElement>, 'href'> & {
  to: string;
  state?: AppLocation['state'];
};

/** A real link (middle-click, copy link work) that navigates inside the app on a plain click. */
export function Link({ to, state, onClick, ...rest }: LinkProps) {
  const handle = (event: MouseEvent<HTMLAnchorElement>) => {
    onClick?.(event);
    if (event.defaultPrevented || event.button !== 0 || event.metaKey || event.ctrlKey || event.shiftKey || event.altKey) return;
    event.preventDefault();
    navigate(to, { state });
  };
  return <a href={href(to)} onClick={handle} {...rest} />;
}

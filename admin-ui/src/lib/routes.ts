// The admin UI's routes, matched against the path below the base (`/admin`).

export type Route =
  | { name: 'signIn' }
  | { name: 'users' }
  | { name: 'account' }
  | { name: 'conversations'; userId: string }
  | { name: 'thread'; userId: string; contact: string }
  | { name: 'credits'; userId: string }
  | { name: 'notFound' };

const PATTERNS: ReadonlyArray<[RegExp, (m: RegExpMatchArray) => Route]> = [
  [/^\/sign-in\/?$/, () => ({ name: 'signIn' })],
  [/^\/(users\/?)?$/, () => ({ name: 'users' })],
  [/^\/account\/?$/, () => ({ name: 'account' })],
  [/^\/user\/([^/]+)\/?$/, (m) => ({ name: 'conversations', userId: decode(m[1]) })],
  [/^\/user\/([^/]+)\/conversations\/?$/, (m) => ({ name: 'conversations', userId: decode(m[1]) })],
  [/^\/user\/([^/]+)\/thread\/([^/]+)\/?$/, (m) => ({ name: 'thread', userId: decode(m[1]), contact: decode(m[2]) })],
  [/^\/user\/([^/]+)\/credits\/?$/, (m) => ({ name: 'credits', userId: decode(m[1]) })],
];

/** The route of a path below the base, e.g. `/user/3/conversations`. */
export function matchRoute(path: string): Route {
  for (const [pattern, build] of PATTERNS) {
    const m = path.match(pattern);
    if (m) return build(m);
  }
  return { name: 'notFound' };
}

/** The paths of the routes, for links. */
export const paths = {
  signIn: (next?: string) => (next && next !== '/' ? `/sign-in?next=${encodeURIComponent(next)}` : '/sign-in'),
  account: () => '/account',
  users: (search?: string) => (search ? `/users?q=${encodeURIComponent(search)}` : '/users'),
  conversations: (userId: string, query = '') => `/user/${encodeURIComponent(userId)}/conversations${query ? `?${query}` : ''}`,
  thread: (userId: string, contact: string, messageId?: string) =>
    `/user/${encodeURIComponent(userId)}/thread/${encodeURIComponent(contact)}${messageId ? `?message=${encodeURIComponent(messageId)}` : ''}`,
  credits: (userId: string) => `/user/${encodeURIComponent(userId)}/credits`,
};

/**
 * Where a route sends a signed-in user who may not use it: the users list is for admins, so a
 * user (a contact who signs in) goes to their own messages instead; `null` to stay.
 */
export function redirectFor(route: Route, user: { id: string; role: string }): string | null {
  return route.name === 'users' && user.role !== 'ADMIN' ? paths.conversations(user.id) : null;
}

/** A `next` parameter that may only lead inside the app (never to another origin). */
export function safeNext(next: string | null): string {
  return next && next.startsWith('/') && !next.startsWith('//') ? next : '/users';
}

/** Removes the base (`/admin`) from a browser path. */
export function stripBase(pathname: string, base: string): string {
  const trimmed = base.replace(/\/$/, '');
  if (pathname === trimmed) return '/';
  return pathname.startsWith(`${trimmed}/`) ? pathname.slice(trimmed.length) : pathname;
}

function decode(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment;
  }
}

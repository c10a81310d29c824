// The session store: kept in localStorage so a reload keeps the admin signed in, ended by
// sign-out, by its expiry time, or by the server answering UNAUTHENTICATED.
import { useSyncExternalStore } from 'react';
import { msUntilExpiry, parseStoredSession, type Session } from '../lib/session';

const KEY = 'wagate.session';

/** Why the last session ended, shown on the sign-in page. */
export type EndReason = 'signed-out' | 'expired' | 'password-changed' | null;

interface State {
  session: Session | null;
  ended: EndReason;
}

let state: State = { session: load(), ended: null };
let timer: ReturnType<typeof setTimeout> | undefined;
const listeners = new Set<() => void>();

function load(): Session | null {
  try {
    return parseStoredSession(localStorage.getItem(KEY), new Date());
  } catch {
    return null;
  }
}

function set(next: State) {
  state = next;
  clearTimeout(timer);
  if (next.session) {
    const session = next.session;
    timer = setTimeout(() => endSession('expired'), msUntilExpiry(session, new Date()));
  }
  listeners.forEach((listener) => listener());
}

/** Starts a session after a successful sign-in. */
export function startSession(session: Session) {
  localStorage.setItem(KEY, JSON.stringify(session));
  set({ session, ended: null });
}

/** Ends the session: on sign-out, or when the token is no longer accepted. */
export function endSession(reason: Exclude<EndReason, null>) {
  if (!state.session) return;
  localStorage.removeItem(KEY);
  set({ session: null, ended: reason });
}

/** The current token, for requests made outside React (media downloads). */
export function currentToken(): string | null {
  return state.session?.token ?? null;
}

function subscribe(listener: () => void) {
  listeners.add(listener);
  return () => listeners.delete(listener);
}

// Another tab signing in or out.
window.addEventListener('storage', (event) => {
  if (event.key !== KEY) return;
  const session = load();
  set({ session, ended: session ? null : 'signed-out' });
});

/** The session and why the previous one ended. */
export function useSession(): State {
  return useSyncExternalStore(subscribe, () => state);
}

// Starts the expiry timer of a session restored from storage.
if (state.session) set(state);

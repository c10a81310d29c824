// The signed-in session as stored in the browser, and when it is over.

export interface SessionUser {
  id: string;
  name: string | null;
  phone: string | null;
  role: 'ADMIN' | 'USER';
}

export interface Session {
  token: string;
  expiresAt: string;
  user: SessionUser;
  /** The email or phone number signed in with, to sign in again after a password change. */
  identifier?: string;
}

/** A session kept in storage, or null when absent, malformed or expired at `now`. */
export function parseStoredSession(stored: string | null, now: Date): Session | null {
  if (!stored) return null;
  let value: unknown;
  try {
    value = JSON.parse(stored);
  } catch {
    return null;
  }
  if (!isSession(value)) return null;
  return isExpired(value, now) ? null : value;
}

/** Whether the token's expiry has passed (with a few seconds of margin for clock skew). */
export function isExpired(session: Pick<Session, 'expiresAt'>, now: Date, marginMs = 5_000): boolean {
  const expires = Date.parse(session.expiresAt);
  return !Number.isFinite(expires) || expires - marginMs <= now.getTime();
}

/** Milliseconds until the session should end, for a timer (capped at what timers accept). */
export function msUntilExpiry(session: Pick<Session, 'expiresAt'>, now: Date, marginMs = 5_000): number {
  const ms = Date.parse(session.expiresAt) - marginMs - now.getTime();
  return Math.max(0, Math.min(ms, 2_147_483_647));
}

function isSession(value: unknown): value is Session {
  if (!value || typeof value !== 'object') return false;
  const v = value as Record<string, unknown>;
  const user = v.user as Record<string, unknown> | undefined;
  return (
    typeof v.token === 'string' &&
    v.token !== '' &&
    typeof v.expiresAt === 'string' &&
    !!user &&
    typeof user.id === 'string' &&
    (user.role === 'ADMIN' || user.role === 'USER')
  );
}

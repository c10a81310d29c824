import { describe, expect, it } from 'vitest';
import { describeError, errorCode } from '../../src/lib/errors';
import { displayName, formatCredits, formatDateTime, formatDelta, formatPhone } from '../../src/lib/format';
import { matchRoute, paths, redirectFor, safeNext, stripBase } from '../../src/lib/routes';
import { nextRowIndex } from '../../src/lib/rowNavigation';
import { isExpired, msUntilExpiry, parseStoredSession } from '../../src/lib/session';

const gqlError = (code: string, message = 'x') => ({ graphQLErrors: [{ message, extensions: { code } }] });

describe('error sentences', () => {
  it('reads the code from the first GraphQL error', () => {
    expect(errorCode(gqlError('INSUFFICIENT_CREDITS'))).toBe('INSUFFICIENT_CREDITS');
    expect(errorCode({ networkError: new Error('offline'), graphQLErrors: [] })).toBe('NETWORK');
    expect(errorCode({ graphQLErrors: [], response: { status: 401 } })).toBe('UNAUTHENTICATED');
    expect(errorCode(null)).toBeNull();
  });

  it('says the send refusals as plain sentences', () => {
    expect(describeError(gqlError('INSUFFICIENT_CREDITS'))).toMatch(/doesn't have enough credits/);
    expect(describeError(gqlError('OUTSIDE_SERVICE_WINDOW'))).toMatch(/more than 24 hours old.*template/);
    expect(describeError(gqlError('UPSTREAM_ERROR', '[GraphQL] Meta refused (131026)'))).toBe('WhatsApp did not take the message: Meta refused (131026)');
    const unanswered = { graphQLErrors: [{ message: 'no answer in time', extensions: { code: 'UPSTREAM_ERROR', maybeSent: true } }] };
    expect(describeError(unanswered)).toMatch(/^WhatsApp may have sent the message; check the conversation/);
    expect(describeError(gqlError('SENT_NOT_STORED'))).toMatch(/sent the message.*Don't send it again/);
  });

  it('tells a server error (HTTP 5xx) from a server that could not be reached', () => {
    const answered = (status: number) => ({ networkError: new Error('Internal Server Error'), graphQLErrors: [], response: { status } });
    expect(describeError(answered(500))).toBe('The server had an error (HTTP 500); try again in a moment.');
    expect(describeError(answered(502))).toBe('The server had an error (HTTP 502); try again in a moment.');
    expect(describeError({ networkError: new TypeError('Failed to fetch'), graphQLErrors: [] })).toBe(
      'The server could not be reached. Check the connection and try again.',
    );
  });

  it("falls back to the server's message for unknown codes", () => {
    expect(describeError(gqlError('TEAPOT', 'I am a teapot'))).toBe('I am a teapot');
  });
});

describe('formats', () => {
  it('shows E.164 digits with a plus, other ids as they are', () => {
    expect(formatPhone('33612345678')).toBe('+33612345678');
    expect(formatPhone('US.1349120865')).toBe('US.1349120865');
    expect(formatPhone(null)).toBe('');
  });

  it('shows credits and deltas', () => {
    expect(formatCredits(42, 100)).toBe('42 / 100');
    expect(formatDelta(10)).toBe('+10');
    expect(formatDelta(-2)).toBe('-2');
  });

  it('shows a time in the given zone', () => {
    expect(formatDateTime('2026-11-25T10:24:00Z', 'en-GB', 'UTC')).toBe('25 Nov 2026, 10:24');
    expect(formatDateTime('nonsense')).toBe('nonsense');
  });

  it('names a person by name, else by number', () => {
    expect(displayName(' ', '33612345678')).toBe('+33612345678');
    expect(displayName(null, null)).toBe('Unknown contact');
  });
});

describe('routes', () => {
  it('matches the deep links', () => {
    expect(matchRoute('/user/3/conversations')).toEqual({ name: 'conversations', userId: '3' });
    expect(matchRoute('/user/3/thread/33612345678')).toEqual({ name: 'thread', userId: '3', contact: '33612345678' });
    expect(matchRoute('/user/3/credits')).toEqual({ name: 'credits', userId: '3' });
    expect(matchRoute('/')).toEqual({ name: 'users' });
    expect(matchRoute('/nope')).toEqual({ name: 'notFound' });
  });

  it('builds paths that match back', () => {
    expect(paths.thread('3', '33612345678', 'wamid.A=')).toBe('/user/3/thread/33612345678?message=wamid.A%3D');
    expect(matchRoute(paths.conversations('3'))).toEqual({ name: 'conversations', userId: '3' });
  });

  it('strips the base and keeps `next` inside the app', () => {
    expect(stripBase('/admin/user/3', '/admin/')).toBe('/user/3');
    expect(stripBase('/admin', '/admin/')).toBe('/');
    expect(safeNext('//evil.example/x')).toBe('/users');
    expect(safeNext('/user/3/credits')).toBe('/user/3/credits');
  });

  it('sends a user who signs in to their own messages, not the admins\' users list', () => {
    expect(redirectFor({ name: 'users' }, { id: '7', role: 'USER' })).toBe('/user/7/conversations');
    expect(redirectFor({ name: 'users' }, { id: '1', role: 'ADMIN' })).toBeNull();
    expect(redirectFor({ name: 'conversations', userId: '7' }, { id: '7', role: 'USER' })).toBeNull();
  });
});

describe('keyboard movement through rows', () => {
  it('moves by one, by page, and to the ends, clamped', () => {
    expect(nextRowIndex(0, 'ArrowDown', 3)).toBe(1);
    expect(nextRowIndex(2, 'ArrowDown', 3)).toBe(2);
    expect(nextRowIndex(0, 'ArrowUp', 3)).toBe(0);
    expect(nextRowIndex(1, 'End', 3)).toBe(2);
    expect(nextRowIndex(2, 'Home', 3)).toBe(0);
    expect(nextRowIndex(0, 'PageDown', 30, 10)).toBe(10);
    expect(nextRowIndex(5, 'PageUp', 30, 10)).toBe(0);
  });

  it('ignores other keys and empty lists', () => {
    expect(nextRowIndex(0, 'a', 3)).toBeNull();
    expect(nextRowIndex(0, 'ArrowDown', 0)).toBeNull();
  });
});

describe('the stored session', () => {
  const now = new Date('2026-11-25T10:00:00Z');
  const session = { token: 't', expiresAt: '2026-11-25T12:00:00Z', user: { id: '1', name: 'Admin', phone: null, role: 'ADMIN' } };

  it('survives a reload until it expires', () => {
    expect(parseStoredSession(JSON.stringify(session), now)).toEqual(session);
    expect(parseStoredSession(JSON.stringify(session), new Date('2026-11-25T12:00:00Z'))).toBeNull();
  });

  it('is dropped when malformed', () => {
    expect(parseStoredSession('{', now)).toBeNull();
    expect(parseStoredSession(JSON.stringify({ ...session, token: '' }), now)).toBeNull();
    expect(parseStoredSession(null, now)).toBeNull();
  });

  it('ends a few seconds early, by a timer', () => {
    expect(isExpired({ expiresAt: '2026-11-25T10:00:03Z' }, now)).toBe(true);
    expect(msUntilExpiry({ expiresAt: '2026-11-25T10:01:00Z' }, now)).toBe(55_000);
  });
});

// @vitest-environment jsdom
import { cleanup, fireEvent, render, screen, waitFor } from '@testing-library/react';
import { createElement } from 'react';
import { afterEach, describe, expect, it } from 'vitest';
import { currentToken, endSession, startSession, useSession } from '../../src/api/session';
import { AccountPage } from '../../src/features/account/AccountPage';
import { mutationClient } from './fakeUrql';

afterEach(cleanup);

function fill(next: string) {
  fireEvent.change(screen.getByLabelText('Current password'), { target: { value: 'the-old-one' } });
  fireEvent.change(screen.getByLabelText(/^New password \(at least 12/), { target: { value: next } });
  fireEvent.change(screen.getByLabelText('New password, again'), { target: { value: next } });
}

describe('changing the password', () => {
  it('counts characters as the server does: eleven, emoji among them, are too few', () => {
    render(createElement(AccountPage), { wrapper: mutationClient().wrapper });
    const submit = screen.getByRole('button', { name: 'Change password' }) as HTMLButtonElement;
    fill('🔑🔑🔑🔑🔑🔑abcde'); // 11 characters, 17 UTF-16 units
    expect(submit.disabled).toBe(true);
    fill('🔑🔑🔑🔑🔑🔑abcdef'); // 12 characters
    expect(submit.disabled).toBe(false);
  });

  it('does not count spaces at either end, as the server does not', () => {
    render(createElement(AccountPage), { wrapper: mutationClient().wrapper });
    fill('   abcdefghijk   ');
    expect((screen.getByRole('button', { name: 'Change password' }) as HTMLButtonElement).disabled).toBe(true);
  });
});

describe('after the password changed', () => {
  const user = { id: '1', name: 'Administrator', phone: null, role: 'ADMIN' as const };
  const later = new Date(Date.now() + 3_600_000).toISOString();
  afterEach(() => endSession('signed-out'));

  it('signs in again with the new password, as the old token no longer works', async () => {
    startSession({ token: 'old', expiresAt: later, identifier: 'ops@example.com', user });
    const client = mutationClient((variables) =>
      'identifier' in variables
        ? { data: { login: { token: 'new', expiresAt: later, user: { ...user, businessScopedUserId: null, currentMonthCredits: 0, monthlyAllowance: 0, creditsPeriod: '2026-12' } } } }
        : { data: { changePassword: true } },
    );
    render(createElement(AccountPage), { wrapper: client.wrapper });
    fill('a new long passphrase');
    fireEvent.click(screen.getByRole('button', { name: 'Change password' }));
    await waitFor(() => expect(screen.getByText('Your password is changed.')).toBeTruthy());
    expect(client.sent[1]).toEqual({ identifier: 'ops@example.com', password: 'a new long passphrase' });
    expect(currentToken()).toBe('new');
  });

  it('ends the session, saying why, when it cannot sign in again', async () => {
    startSession({ token: 'old', expiresAt: later, user });
    const client = mutationClient(() => ({ data: { changePassword: true } }));
    let ended: ReturnType<typeof useSession>['ended'] = null;
    const Probe = () => {
      ended = useSession().ended;
      return createElement(AccountPage);
    };
    render(createElement(Probe), { wrapper: client.wrapper });
    fill('a new long passphrase');
    fireEvent.click(screen.getByRole('button', { name: 'Change password' }));
    await waitFor(() => expect(ended).toBe('password-changed'));
    expect(currentToken()).toBeNull();
  });
});

// @vitest-environment jsdom
import { cleanup, fireEvent, render, screen } from '@testing-library/react';
import { createElement } from 'react';
import { afterEach, describe, expect, it } from 'vitest';
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

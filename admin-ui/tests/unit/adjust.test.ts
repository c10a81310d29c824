// @vitest-environment jsdom
import { act, cleanup, fireEvent, render, screen } from '@testing-library/react';
import { createElement } from 'react';
import { afterEach, describe, expect, it } from 'vitest';
import { AdjustForm } from '../../src/features/credits/AdjustForm';
import { mutationClient, type MutationAnswer } from './fakeUrql';

afterEach(cleanup);

function form(answer?: (variables: Record<string, unknown>) => MutationAnswer) {
  const server = mutationClient(answer);
  render(createElement(AdjustForm, { userId: '3', onAdjusted: () => {} }), { wrapper: server.wrapper });
  fireEvent.change(screen.getByLabelText('Reason'), { target: { value: 'Goodwill' } });
  const apply = screen.getByRole('button', { name: 'Apply' }) as HTMLButtonElement;
  const type = (value: string) => fireEvent.change(screen.getByLabelText('Change (e.g. 10 or -5)'), { target: { value } });
  return { server, apply, type };
}

const refused = {
  error: { graphQLErrors: [{ message: 'the balance cannot go below zero', extensions: { code: 'BAD_USER_INPUT' } }] },
};

describe('adjusting a balance', () => {
  it('takes only whole numbers in digits, and says why it does not take the others', () => {
    const { apply, type } = form();
    type('1e3');
    expect(apply.disabled).toBe(true);
    expect(screen.getByText('Enter a whole number of credits in digits, such as 10 or -5.')).toBeTruthy();
    type('99999999999');
    expect(apply.disabled).toBe(true);
    expect(screen.getByText('The change must be between -2,147,483,648 and 2,147,483,647 credits.')).toBeTruthy();
    type('2.5');
    expect(apply.disabled).toBe(true);
    type('-5');
    expect(apply.disabled).toBe(false);
    expect(screen.queryByText(/whole number|must be between/)).toBeNull();
  });

  it('sends the change as typed, and clears a refusal once the input changes', async () => {
    const { server, apply, type } = form(() => refused);
    type('-5');
    await act(async () => fireEvent.click(apply));
    expect(server.sent).toEqual([{ userId: '3', delta: -5, reason: 'Goodwill' }]);
    expect(screen.getByRole('alert').textContent).toBe('The server refused the input: the balance cannot go below zero');
    type('-4');
    expect(screen.queryByRole('alert')).toBeNull();
  });
});

// @vitest-environment jsdom
import { act, cleanup, fireEvent, render, screen } from '@testing-library/react';
import { createElement } from 'react';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { ReplyBox } from '../../src/features/thread/ReplyBox';
import { WINDOW_MS } from '../../src/lib/serviceWindow';
import { mutationClient } from './fakeUrql';
import { message, outbound } from './fixtures';

const NOW = new Date('2026-11-25T10:00:00Z');
const ANA = '33612345678';

beforeEach(() => sessionStorage.clear());
afterEach(() => {
  cleanup();
  vi.useRealTimers();
});

/** The reply box of Ana's thread, whose last message from Ana came `ago` ms before NOW. */
function replyBox(ago: number, server = mutationClient()) {
  const thread = [message({ timestamp: new Date(NOW.getTime() - ago).toISOString() })];
  return render(createElement(ReplyBox, { userId: '3', contact: ANA, thread, onSent: () => {} }), { wrapper: server.wrapper });
}
const textBox = () => screen.getByLabelText(`Reply to ${ANA}`) as HTMLTextAreaElement;
const type = (text: string) => fireEvent.change(textBox(), { target: { value: text } });

describe('a reply being written', () => {
  it('is kept per thread and restored when the page comes back (the session ended meanwhile)', () => {
    vi.useFakeTimers({ now: NOW, toFake: ['Date'] });
    const first = replyBox(60_000);
    type('Yes, before 6');
    first.unmount(); // the token expired: the page is gone, sign-in is shown
    replyBox(60_000);
    expect(textBox().value).toBe('Yes, before 6');
    cleanup();
    render(createElement(ReplyBox, { userId: '3', contact: '4915112345678', thread: [], onSent: () => {} }), { wrapper: mutationClient().wrapper });
    expect(screen.queryByDisplayValue('Yes, before 6'), "another thread's draft").toBeNull();
  });

  it('is forgotten once sent', async () => {
    vi.useFakeTimers({ now: NOW, toFake: ['Date'] });
    const server = mutationClient(() => ({ data: { sendMessage: { conversation: outbound({ content: 'Sent' }) } } }));
    replyBox(60_000, server);
    type('Sent');
    await act(async () => fireEvent.submit(textBox().form!));
    expect(server.sent).toHaveLength(1);
    expect(textBox().value).toBe('');
    expect(sessionStorage.length).toBe(0);
  });

  it('stays in its box, focused, when the 24-hour window closes while it is written, the template form beside it', () => {
    vi.useFakeTimers({ now: NOW });
    replyBox(WINDOW_MS - 5_000); // the window closes in 5 s
    textBox().focus();
    type('Your parcel is');
    act(() => vi.advanceTimersByTime(6_000));
    expect(screen.getByRole('status').textContent, 'said when it closes, not at the next keystroke').toMatch(/24-hour window closed/);
    type('Your parcel is on its way');

    expect(textBox().value).toBe('Your parcel is on its way');
    expect(document.activeElement).toBe(textBox());
    expect(screen.getByRole('status').textContent).toMatch(/24-hour window closed.*Your reply is kept/);
    expect(screen.getByRole('form', { name: 'Send a template' })).toBeTruthy();
    expect((screen.getByRole('button', { name: 'Send' }) as HTMLButtonElement).disabled).toBe(true);
  });

  it('gives way to the template form alone when the window is closed and nothing is written', () => {
    vi.useFakeTimers({ now: NOW, toFake: ['Date'] });
    replyBox(WINDOW_MS + 60_000);
    expect(screen.queryByLabelText(`Reply to ${ANA}`)).toBeNull();
    expect(screen.getByRole('form', { name: 'Send a template' })).toBeTruthy();
  });
});

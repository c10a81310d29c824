// @vitest-environment jsdom
// Coming back to the messages table from a thread: the rows loaded with "load more" and the
// scroll position are where the reader left them.
import { cleanup, fireEvent, render, screen } from '@testing-library/react';
import { createElement } from 'react';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { ConversationsPage } from '../../src/features/conversations/ConversationsPage';
import { forgetLists } from '../../src/lib/listMemory';
import { minutely } from './fixtures';
import { heldQueryClient } from './fakeUrql';

/** The held client, answering with a page of `ids` that has more after `endCursor`. */
function fakeServer() {
  const server = heldQueryClient();
  const answer = (ids: number[], endCursor: string) =>
    server.answer({ data: { conversations: { nodes: minutely(...ids), pageInfo: { hasNextPage: true, endCursor } } } });
  return { ...server, answer };
}

const scrolledTo = vi.fn();
beforeEach(() => {
  scrolledTo.mockReset();
  window.scrollTo = scrolledTo as unknown as typeof window.scrollTo;
});
afterEach(() => {
  cleanup();
  forgetLists();
});

const shownRows = (container: HTMLElement) => [...container.querySelectorAll('tbody tr')].map((row) => row.getAttribute('data-message-id'));

describe('back from a thread to the messages table', () => {
  it('shows the rows loaded with "load more" at once, where the reader left them, then catches up in place', async () => {
    const server = fakeServer();
    const first = render(createElement(ConversationsPage, { userId: '3' }), { wrapper: server.wrapper });
    await server.answer([5, 4], 'c1');
    fireEvent.click(screen.getByRole('button', { name: 'Load more messages' }));
    await server.answer([3, 2], 'c2');
    Object.defineProperty(window, 'scrollY', { value: 1234, configurable: true });
    first.unmount(); // a row opened its thread

    const again = render(createElement(ConversationsPage, { userId: '3' }), { wrapper: server.wrapper });
    expect(screen.queryByText('Loading messages…')).toBeNull();
    expect(shownRows(again.container)).toEqual(['wamid.5', 'wamid.4', 'wamid.3', 'wamid.2']);
    expect(scrolledTo).toHaveBeenCalledWith(0, 1234);

    await server.answer([6, 5, 4], 'c4'); // what arrived while the thread was open
    expect(shownRows(again.container)).toEqual(['wamid.6', 'wamid.5', 'wamid.4', 'wamid.3', 'wamid.2']);
    fireEvent.click(screen.getByRole('button', { name: 'Load more messages' }));
    expect(server.asked.map((v) => v.after)).toEqual([null, 'c1', null, 'c2']);
  });

  it('loads afresh for another user', async () => {
    const server = fakeServer();
    const first = render(createElement(ConversationsPage, { userId: '3' }), { wrapper: server.wrapper });
    await server.answer([5, 4], 'c1');
    first.unmount();
    render(createElement(ConversationsPage, { userId: '4' }), { wrapper: server.wrapper });
    expect(screen.getByText('Loading messages…')).toBeTruthy();
  });
});

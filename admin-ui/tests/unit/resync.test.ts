// @vitest-environment jsdom
// What the messages table and the thread do when the live socket comes back after a drop.
import { act, cleanup, fireEvent, render, renderHook, screen, within } from '@testing-library/react';
import { createElement } from 'react';
import { afterEach, describe, expect, it } from 'vitest';
import { setLiveState } from '../../src/api/live';
import { ConversationsPage } from '../../src/features/conversations/ConversationsPage';
import { useThread } from '../../src/features/thread/useThread';
import { forgetLists } from '../../src/lib/listMemory';
import { minutely } from './fixtures';
import { heldQueryClient as fakeServer } from './fakeUrql';

afterEach(() => {
  cleanup();
  forgetLists(); // each test opens the table afresh, not as a return to the last one's
});

const conversations = (ids: number[], endCursor: string) => ({
  data: { conversations: { nodes: minutely(...ids), pageInfo: { hasNextPage: true, endCursor } } },
});
const networkDown = { error: { message: 'down', networkError: new Error('down') } };
const reconnect = () => act(() => setLiveState('connected', true));
const ids = (list: readonly { id: string }[]) => list.map((m) => m.id);

describe('after a reconnect', () => {
  it('the messages table keeps its rows while it catches up, then the pages loaded with "load more"', async () => {
    const server = fakeServer();
    const { container } = render(createElement(ConversationsPage, { userId: '3' }), { wrapper: server.wrapper });
    const shown = () => [...container.querySelectorAll('tbody tr')].map((row) => row.getAttribute('data-message-id'));
    await server.answer(conversations([5, 4], 'c1'));
    fireEvent.click(screen.getByRole('button', { name: 'Load more messages' }));
    await server.answer(conversations([3, 2], 'c2'));

    reconnect();
    expect(screen.getByRole('status').textContent).toBe('Updating…');
    expect(screen.queryByText('Loading messages…')).toBeNull();
    expect(shown()).toEqual(['wamid.5', 'wamid.4', 'wamid.3', 'wamid.2']);
    await server.answer(conversations([6, 5, 4], 'c4'));
    expect(screen.getByRole('status').textContent).toBe('');
    expect(shown()).toEqual(['wamid.6', 'wamid.5', 'wamid.4', 'wamid.3', 'wamid.2']);

    fireEvent.click(screen.getByRole('button', { name: 'Load more messages' }));
    expect(server.asked.map((v) => v.after)).toEqual([null, 'c1', null, 'c2']);
  });

  it('the messages table keeps its rows when catching up fails, with the error and a retry', async () => {
    const server = fakeServer();
    const { container } = render(createElement(ConversationsPage, { userId: '3' }), { wrapper: server.wrapper });
    await server.answer(conversations([5, 4], 'c1'));

    reconnect();
    await server.answer(networkDown);
    expect(container.querySelectorAll('tbody tr')).toHaveLength(2);
    fireEvent.click(within(screen.getByRole('alert')).getByRole('button', { name: 'Try again' }));
    expect(screen.getByRole('status').textContent).toBe('Updating…');
    expect(server.asked.map((v) => v.after)).toEqual([null, null, null]);
  });

  it('the thread stays on screen while it catches up, and when that fails, with the error', async () => {
    const server = fakeServer();
    const { result } = renderHook(() => useThread('3', '33612345678'), { wrapper: server.wrapper });
    await server.answer({ data: { thread: minutely(1, 2) } });

    reconnect();
    expect(result.current.status).toBe('refreshing');
    await server.answer(networkDown);
    expect(result.current.status).toBe('ready');
    expect(result.current.error).toBeTruthy();
    expect(ids(result.current.messages)).toEqual(['1', '2']);

    act(() => void result.current.reload());
    await server.answer({ data: { thread: minutely(1, 2, 3) } });
    expect(result.current.error).toBeNull();
    expect(ids(result.current.messages)).toEqual(['1', '2', '3']);
  });
});

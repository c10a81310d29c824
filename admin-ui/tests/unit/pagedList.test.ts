// @vitest-environment jsdom
import { act, renderHook, waitFor } from '@testing-library/react';
import { describe, expect, it } from 'vitest';
import { usePagedList, type PageResult } from '../../src/components/usePagedList';
import { refreshRows } from '../../src/lib/refresh';

type Row = { id: string; status: number };

/** A fetcher whose answers the test releases one by one, recording each cursor asked for. */
function scripted() {
  const asked: (string | null)[] = [];
  const pending: ((result: PageResult<Row>) => void)[] = [];
  const fetchPage = (after: string | null) => {
    asked.push(after);
    return new Promise<PageResult<Row>>((resolve) => pending.push(resolve));
  };
  const answer = async (result: PageResult<Row>) => {
    await waitFor(() => expect(pending.length).toBeGreaterThan(0));
    await act(async () => pending.shift()?.(result));
  };
  return { asked, fetchPage, answer };
}

const page = (rows: Row[], endCursor: string | null): PageResult<Row> => ({
  page: { nodes: rows, pageInfo: { hasNextPage: endCursor !== null, endCursor } },
});
/** Rows `ids` (newest first, by id) at status 1. */
const rows = (...ids: number[]): Row[] => ids.map((id) => ({ id: String(id), status: 1 }));
/** Newest first by id; a status never moves back. */
const refreshInto = (items: Row[], fresh: Row[], complete: boolean) =>
  refreshRows(items, fresh, complete, {
    isAfter: (a, b) => Number(a.id) < Number(b.id),
    newer: (current, incoming) => (incoming.status >= current.status ? incoming : current),
  });
const failure: PageResult<Row> = { error: { message: 'boom', networkError: new Error('down') } };

describe('a paged list', () => {
  it('tries again the page whose load failed, first page or further', async () => {
    const server = scripted();
    const { result } = renderHook(() => usePagedList(server.fetchPage));
    await server.answer(failure);
    expect(result.current.status).toBe('error');
    act(() => result.current.loadMore());
    await server.answer(page([{ id: 'a', status: 1 }], 'c1'));
    expect(result.current.items.map((r) => r.id)).toEqual(['a']);

    act(() => result.current.loadMore());
    await server.answer(failure);
    expect(result.current.status).toBe('error');
    act(() => result.current.loadMore());
    await server.answer(page([{ id: 'b', status: 1 }], null));
    expect(server.asked).toEqual([null, null, 'c1', 'c1']);
    expect(result.current.items.map((r) => r.id)).toEqual(['a', 'b']);
    expect(result.current.status).toBe('ready');
  });

  it('keeps the live changes made while a first page was on its way', async () => {
    const server = scripted();
    const { result } = renderHook(() => usePagedList(server.fetchPage));
    await server.answer(page([{ id: 'a', status: 1 }], null));
    act(() => result.current.reload());
    // Meanwhile a status moves on and a new row arrives; the page was read before both.
    act(() => result.current.update((rows) => rows.map((r) => (r.id === 'a' ? { ...r, status: 2 } : r))));
    act(() => result.current.update((rows) => [{ id: 'new', status: 1 }, ...rows.filter((r) => r.id !== 'new')]));
    await server.answer(page([{ id: 'a', status: 1 }], null));
    expect(result.current.items).toEqual([
      { id: 'new', status: 1 },
      { id: 'a', status: 2 },
    ]);
  });
});

describe('a paged list refreshed after a resync', () => {
  /** A list showing rows 5..2 in two pages, the second loaded with "load more" (cursor c2 after it). */
  async function twoPagesShown() {
    const server = scripted();
    const hook = renderHook(() => usePagedList(server.fetchPage, undefined, refreshInto));
    await server.answer(page(rows(5, 4), 'c1'));
    act(() => hook.result.current.loadMore());
    await server.answer(page(rows(3, 2), 'c2'));
    return { server, result: hook.result };
  }

  it('keeps the rows on screen meanwhile, then the pages loaded since, and "load more" goes on after them', async () => {
    const { server, result } = await twoPagesShown();
    act(() => result.current.refresh());
    expect(result.current.status).toBe('refreshing');
    expect(result.current.items.map((r) => r.id)).toEqual(['5', '4', '3', '2']);
    await server.answer(page([{ id: '6', status: 1 }, { id: '5', status: 2 }, { id: '4', status: 1 }], 'c0'));
    expect(result.current.status).toBe('ready');
    expect(result.current.items).toEqual([{ id: '6', status: 1 }, { id: '5', status: 2 }, ...rows(4, 3, 2)]);
    expect(result.current.hasMore).toBe(true);
    act(() => result.current.loadMore());
    expect(server.asked).toEqual([null, 'c1', null, 'c2']);
  });

  it('goes on from the refreshed page\'s cursor when that page does not reach the rows shown', async () => {
    const { server, result } = await twoPagesShown();
    act(() => result.current.refresh());
    await server.answer(page(rows(9, 8), 'c8'));
    expect(result.current.items.map((r) => r.id)).toEqual(['9', '8']);
    act(() => result.current.loadMore());
    expect(server.asked.at(-1)).toBe('c8');
  });

  it('keeps the rows when the refresh fails, and "Try again" refreshes again', async () => {
    const { server, result } = await twoPagesShown();
    act(() => result.current.refresh());
    await server.answer(failure);
    expect(result.current.status).toBe('error');
    expect(result.current.error).toBeTruthy();
    expect(result.current.items.map((r) => r.id)).toEqual(['5', '4', '3', '2']);
    act(() => result.current.loadMore());
    expect(result.current.status).toBe('refreshing');
    await server.answer(page(rows(6, 5, 4), 'c4'));
    expect(server.asked).toEqual([null, 'c1', null, null]);
    expect(result.current.items.map((r) => r.id)).toEqual(['6', '5', '4', '3', '2']);
  });

  it('keeps the live changes made while the refresh was on its way', async () => {
    const { server, result } = await twoPagesShown();
    act(() => result.current.refresh());
    act(() => result.current.update((items) => [{ id: '7', status: 1 }, ...items]));
    await server.answer(page(rows(6, 5, 4), 'c4'));
    expect(result.current.items.map((r) => r.id)).toEqual(['7', '6', '5', '4', '3', '2']);
  });
});

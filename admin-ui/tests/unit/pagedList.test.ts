// @vitest-environment jsdom
import { act, renderHook, waitFor } from '@testing-library/react';
import { describe, expect, it } from 'vitest';
import { usePagedList, type PageResult } from '../../src/components/usePagedList';

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

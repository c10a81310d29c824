// A list loaded page by page through a Relay connection ("load more" by cursor), which live
// events may also change, and which a resync refreshes in place.
import { useCallback, useEffect, useLayoutEffect, useRef, useState } from 'react';
import { describeError, type ErrorLike } from '../lib/errors';
import { recall, remember } from '../lib/listMemory';
import type { Refreshed } from '../lib/refresh';

export interface Page<T> {
  nodes: T[];
  pageInfo: { hasNextPage: boolean; endCursor?: string | null };
}

export type PageResult<T> = { page: Page<T> } | { error: ErrorLike };

/** Merges a first page fetched again into the items shown (`complete`: no page after it). */
type RefreshInto<T> = (items: T[], page: T[], complete: boolean) => Refreshed<T>;

export interface PagedList<T> {
  items: T[];
  /**
   * `loading` is the first page (nothing shown); `more` a further one; `refreshing` the first
   * page again, the items staying on screen; `error` any of them failed (the items stay).
   */
  status: 'loading' | 'ready' | 'more' | 'refreshing' | 'error';
  error: string | null;
  hasMore: boolean;
  /** The next page, or again the load that failed ("Try again"). */
  loadMore(): void;
  /** Starts over from the first page, showing "loading" (a new query). */
  reload(): void;
  /**
   * Fetches the first page again and merges it with `refreshInto`, keeping the items on screen
   * meanwhile and after a failure (a resync). Before a first page has arrived, reloads.
   */
  refresh(): void;
  /** Changes the items in place (live events); a first page still on its way gets the change too. */
  update(change: (items: T[]) => T[]): void;
}

interface Cursor {
  hasMore: boolean;
  after: string | null;
}

/** What a list left behind: its items, the cursor after them, and the page's scroll position. */
interface Remembered<T> {
  items: T[];
  cursor: Cursor;
  scrollY: number;
}

/**
 * `fetchPage` must keep its identity until what it fetches changes (it reloads then). By
 * default a further page is appended and a refreshed first page replaces the items. With
 * `memoryKey` (the URL of the page, say), the list is remembered with the page's scroll position
 * when the page is left, and shown again at once when a page with that key opens: it is then
 * refreshed in place, as after a resync, since events were missed meanwhile.
 */
export function usePagedList<T>(
  fetchPage: (after: string | null) => Promise<PageResult<T>>,
  append: (items: T[], page: T[]) => T[] = (items, page) => [...items, ...page],
  refreshInto: RefreshInto<T> = (_, page) => ({ rows: page, keptOlder: false }),
  memoryKey?: string,
): PagedList<T> {
  const [restored] = useState(() => (memoryKey ? recall<Remembered<T>>(memoryKey) : undefined));
  /** The query the restored items belong to: its first load refreshes them instead. */
  const restoredFor = useRef(restored ? fetchPage : null);
  // The items and the cursor after the last of them change together.
  const [list, setList] = useState<{ items: T[]; cursor: Cursor }>(() =>
    restored ? { items: restored.items, cursor: restored.cursor } : { items: [], cursor: { hasMore: false, after: null } },
  );
  const [status, setStatus] = useState<PagedList<T>['status']>(restored ? 'refreshing' : 'loading');
  const [error, setError] = useState<string | null>(null);
  /** Bumped by each first-page load: the answers of older loads are dropped. */
  const generation = useRef(0);
  const merges = useRef({ append, refreshInto });
  merges.current = { append, refreshInto };
  /** The live changes made while a first page is on its way, to apply again on top of it. */
  const changedMeanwhile = useRef<((items: T[]) => T[])[] | null>(null);
  /** Whether the current query's first page is on screen (`refresh` keeps it). */
  const firstPageShown = useRef(restored !== undefined);
  /** The load that failed, for "Try again". */
  const retry = useRef<() => void>(() => {});

  const fail = useCallback((cause: ErrorLike, again: () => void) => {
    retry.current = again;
    setError(describeError(cause));
    setStatus('error');
  }, []);

  const loadFirst = useCallback(
    async (mode: 'reload' | 'refresh') => {
      const mine = ++generation.current;
      changedMeanwhile.current = [];
      if (mode === 'reload') firstPageShown.current = false;
      setStatus(mode === 'reload' ? 'loading' : 'refreshing');
      setError(null);
      const result = await fetchPage(null);
      if (mine !== generation.current) return;
      const replay = changedMeanwhile.current ?? [];
      changedMeanwhile.current = null;
      if ('error' in result) return fail(result.error, () => void loadFirst(mode));
      const { nodes, pageInfo } = result.page;
      const cursor = { hasMore: pageInfo.hasNextPage, after: pageInfo.endCursor ?? null };
      setList((current) => {
        const refreshed =
          mode === 'reload' ? { rows: nodes, keptOlder: false } : merges.current.refreshInto(current.items, nodes, !cursor.hasMore);
        return {
          items: replay.reduce((items, change) => change(items), refreshed.rows),
          cursor: refreshed.keptOlder ? current.cursor : cursor,
        };
      });
      firstPageShown.current = true;
      setStatus('ready');
    },
    [fetchPage, fail],
  );

  const loadAfter = useCallback(
    async (after: string | null) => {
      const mine = generation.current;
      setStatus('more');
      setError(null);
      const result = await fetchPage(after);
      if (mine !== generation.current) return;
      if ('error' in result) return fail(result.error, () => void loadAfter(after));
      const { nodes, pageInfo } = result.page;
      setList((current) => ({
        items: merges.current.append(current.items, nodes),
        cursor: { hasMore: pageInfo.hasNextPage, after: pageInfo.endCursor ?? null },
      }));
      setStatus('ready');
    },
    [fetchPage, fail],
  );

  useEffect(() => {
    void loadFirst(restoredFor.current === fetchPage ? 'refresh' : 'reload');
  }, [loadFirst, fetchPage]);

  // Left: remembered before the next page replaces this one (and its height, the scroll).
  const shown = useRef(list);
  shown.current = list;
  useLayoutEffect(() => {
    if (restored) window.scrollTo(0, restored.scrollY);
  }, [restored]);
  useLayoutEffect(() => {
    if (!memoryKey) return;
    return () => {
      if (firstPageShown.current) remember(memoryKey, { ...shown.current, scrollY: window.scrollY } satisfies Remembered<T>);
    };
  }, [memoryKey]);

  return {
    items: list.items,
    status,
    error,
    hasMore: list.cursor.hasMore,
    loadMore: () => {
      if (status === 'error') retry.current();
      else if (list.cursor.hasMore && status === 'ready') void loadAfter(list.cursor.after);
    },
    reload: () => void loadFirst('reload'),
    refresh: () => void loadFirst(firstPageShown.current ? 'refresh' : 'reload'),
    update: (change) => {
      changedMeanwhile.current?.push(change);
      setList((current) => ({ ...current, items: change(current.items) }));
    },
  };
}

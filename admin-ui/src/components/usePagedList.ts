// A list loaded page by page through a Relay connection ("load more" by cursor), which live
// events may also change.
import { useCallback, useEffect, useRef, useState } from 'react';
import { describeError, type ErrorLike } from '../lib/errors';

export interface Page<T> {
  nodes: T[];
  pageInfo: { hasNextPage: boolean; endCursor?: string | null };
}

export type PageResult<T> = { page: Page<T> } | { error: ErrorLike };

export interface PagedList<T> {
  items: T[];
  /** `loading` is the first page; `more` a further one. */
  status: 'loading' | 'ready' | 'more' | 'error';
  error: string | null;
  hasMore: boolean;
  /** The next page, or again the one whose load failed ("Try again"). */
  loadMore(): void;
  reload(): void;
  /** Changes the items in place (live events); a first page still on its way gets the change too. */
  update(change: (items: T[]) => T[]): void;
}

/** `fetchPage` must keep its identity until what it fetches changes (it reloads then). */
export function usePagedList<T>(
  fetchPage: (after: string | null) => Promise<PageResult<T>>,
  append: (items: T[], page: T[]) => T[] = (items, page) => [...items, ...page],
): PagedList<T> {
  const [items, setItems] = useState<T[]>([]);
  const [status, setStatus] = useState<PagedList<T>['status']>('loading');
  const [error, setError] = useState<string | null>(null);
  const [cursor, setCursor] = useState<{ hasMore: boolean; after: string | null }>({ hasMore: false, after: null });
  const generation = useRef(0);
  const appendRef = useRef(append);
  appendRef.current = append;
  /** The live changes made while a first page is on its way, to apply again on top of it. */
  const changedMeanwhile = useRef<((items: T[]) => T[])[] | null>(null);
  /** The cursor of the load that failed, for "Try again". */
  const failedAfter = useRef<string | null>(null);

  const load = useCallback(
    async (after: string | null) => {
      const mine = after === null ? ++generation.current : generation.current;
      if (after === null) changedMeanwhile.current = [];
      setStatus(after === null ? 'loading' : 'more');
      setError(null);
      const result = await fetchPage(after);
      if (mine !== generation.current) return;
      const replay = after === null ? (changedMeanwhile.current ?? []) : [];
      if (after === null) changedMeanwhile.current = null;
      if ('error' in result) {
        failedAfter.current = after;
        setError(describeError(result.error));
        setStatus('error');
        return;
      }
      const { nodes, pageInfo } = result.page;
      setItems((current) =>
        after === null ? replay.reduce((items, change) => change(items), nodes) : appendRef.current(current, nodes),
      );
      setCursor({ hasMore: pageInfo.hasNextPage, after: pageInfo.endCursor ?? null });
      setStatus('ready');
    },
    [fetchPage],
  );

  useEffect(() => {
    void load(null);
  }, [load]);

  return {
    items,
    status,
    error,
    hasMore: cursor.hasMore,
    loadMore: () => {
      if (status === 'error') void load(failedAfter.current);
      else if (cursor.hasMore && status === 'ready') void load(cursor.after);
    },
    reload: () => void load(null),
    update: (change) => {
      changedMeanwhile.current?.push(change);
      setItems(change);
    },
  };
}

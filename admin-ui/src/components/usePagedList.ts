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
  loadMore(): void;
  reload(): void;
  /** Changes the items in place (live events). */
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

  const load = useCallback(
    async (after: string | null) => {
      const mine = after === null ? ++generation.current : generation.current;
      setStatus(after === null ? 'loading' : 'more');
      setError(null);
      const result = await fetchPage(after);
      if (mine !== generation.current) return;
      if ('error' in result) {
        setError(describeError(result.error));
        setStatus('error');
        return;
      }
      const { nodes, pageInfo } = result.page;
      setItems((current) => (after === null ? nodes : appendRef.current(current, nodes)));
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
      if (cursor.hasMore && status === 'ready') void load(cursor.after);
    },
    reload: () => void load(null),
    update: (change) => setItems(change),
  };
}

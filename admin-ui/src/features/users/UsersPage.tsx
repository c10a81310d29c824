// The users: searchable (the search is kept in the URL), paginated, each row opening the
// user's messages.
import { useCallback, useEffect, useState } from 'react';
import { useClient } from 'urql';
import { UsersQuery } from '../../api/operations';
import type { UserFieldsFragment } from '../../gql/graphql';
import { usePagedList, type PageResult } from '../../components/usePagedList';
import { Empty, ErrorNotice, Loading } from '../../components/States';
import { navigate, useLocation } from '../../routes/router';
import { paths } from '../../lib/routes';
import { UsersTable } from './UsersTable';

const PAGE_SIZE = 25;

export function UsersPage() {
  const client = useClient();
  const location = useLocation();
  const search = new URLSearchParams(location.search).get('q') ?? '';
  const [draft, setDraft] = useState(search);

  // The URL follows the search box after a short pause, replacing the history entry.
  useEffect(() => {
    if (draft.trim() === search) return;
    const timer = setTimeout(() => navigate(paths.users(draft.trim()), { replace: true }), 250);
    return () => clearTimeout(timer);
  }, [draft, search]);

  const fetchPage = useCallback(
    async (after: string | null): Promise<PageResult<UserFieldsFragment>> => {
      const result = await client
        .query(UsersQuery, { search: search || null, first: PAGE_SIZE, after }, { requestPolicy: 'network-only' })
        .toPromise();
      return result.data ? { page: result.data.users } : { error: result.error ?? { message: 'No data' } };
    },
    [client, search],
  );
  const list = usePagedList(fetchPage);

  return (
    <section className="page" aria-labelledby="users-title">
      <div className="page__head">
        <h1 id="users-title">Users</h1>
        <form role="search" className="search" onSubmit={(e) => e.preventDefault()}>
          <label className="field field--inline">
            <span>Search users</span>
            <input
              type="search"
              name="q"
              placeholder="Name, phone or id"
              value={draft}
              onChange={(e) => setDraft(e.target.value)}
            />
          </label>
        </form>
      </div>
      {list.status === 'loading' && <Loading label="Loading users…" />}
      {list.status === 'error' && list.items.length === 0 && <ErrorNotice message={list.error ?? ''} onRetry={list.reload} />}
      {list.status !== 'loading' && list.status !== 'error' && list.items.length === 0 && (
        <Empty>{search ? `No user matches “${search}”.` : 'No users yet: they appear with their first message.'}</Empty>
      )}
      {list.items.length > 0 && list.status !== 'loading' && (
        <>
          <UsersTable users={list.items} onOpen={(user) => navigate(paths.conversations(user.id))} />
          {list.status === 'error' && <ErrorNotice message={list.error ?? ''} onRetry={list.loadMore} />}
          {list.hasMore && (
            <button type="button" className="button load-more" onClick={list.loadMore} disabled={list.status === 'more'}>
              {list.status === 'more' ? 'Loading…' : 'Load more users'}
            </button>
          )}
        </>
      )}
    </section>
  );
}

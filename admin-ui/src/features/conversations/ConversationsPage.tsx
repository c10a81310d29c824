// `/user/{id}/conversations`: the user's messages, filtered (filters live in the URL), with
// "load more" by cursor and live arrivals at the top.
import { useCallback, useMemo } from 'react';
import { Empty, ErrorNotice, Loading, Updating } from '../../components/States';
import { filtersFromSearch, filtersToSearch, isUnfiltered, type Filters } from '../../lib/filters';
import { contactOf } from '../../lib/merge';
import { paths } from '../../lib/routes';
import type { Message } from '../../lib/types';
import { currentPathWithSearch, navigate, useLocation } from '../../routes/router';
import { ConversationsTable } from './ConversationsTable';
import { FiltersForm } from './FiltersForm';
import { useConversations } from './useConversations';

export function ConversationsPage({ userId }: { userId: string }) {
  const location = useLocation();
  const filters = useMemo(() => filtersFromSearch(location.search), [location.search]);
  const list = useConversations(userId, filters);

  const setFilters = useCallback(
    (next: Filters) => navigate(paths.conversations(userId, filtersToSearch(next)), { replace: true }),
    [userId],
  );
  const open = (message: Message) =>
    navigate(paths.thread(userId, contactOf(message), message.messageId), { state: { back: currentPathWithSearch(location) } });

  return (
    <section className="page" aria-labelledby="messages-title">
      <h2 id="messages-title" className="section-title">
        Messages
      </h2>
      <FiltersForm filters={filters} onChange={setFilters} />
      <div className="sr-only" aria-live="polite" role="log" aria-label="New messages">
        {list.announcements.map((a) => (
          <p key={a.id}>{a.text}</p>
        ))}
      </div>
      <Updating active={list.status === 'refreshing'} />
      {list.status === 'loading' && <Loading label="Loading messages…" />}
      {list.status === 'error' && list.items.length === 0 && <ErrorNotice message={list.error ?? ''} onRetry={list.reload} />}
      {list.status !== 'loading' && list.status !== 'error' && list.items.length === 0 && (
        <Empty>{isUnfiltered(filters) ? 'No messages yet.' : 'No message matches these filters.'}</Empty>
      )}
      {list.status !== 'loading' && list.items.length > 0 && (
        <>
          <div className="table-wrap">
            <ConversationsTable messages={list.items} arrived={list.arrived} onOpen={open} />
          </div>
          {list.status === 'error' && <ErrorNotice message={list.error ?? ''} onRetry={list.loadMore} />}
          {list.hasMore && (
            <button
              type="button"
              className="button load-more"
              onClick={list.loadMore}
              disabled={list.status === 'more' || list.status === 'refreshing'}
            >
              {list.status === 'more' ? 'Loading…' : 'Load more messages'}
            </button>
          )}
        </>
      )}
    </section>
  );
}

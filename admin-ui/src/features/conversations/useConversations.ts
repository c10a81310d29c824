// The user's messages under the current filters: pages by cursor, then live events merged in;
// a resync refreshes the first page in place.
import { useCallback, useMemo, useState } from 'react';
import { useClient } from 'urql';
import { ConversationsQuery } from '../../api/operations';
import { useMessageEvents } from '../../api/events';
import { usePagedList, type PageResult } from '../../components/usePagedList';
import { matchesFilters, toConversationFilter, type Filters } from '../../lib/filters';
import { appendPage, applyToTable, refreshTable } from '../../lib/merge';
import type { Message, MessageEvent } from '../../lib/types';
import { useArrivalAnnouncements } from './useArrivalAnnouncements';

const PAGE_SIZE = 50;

export function useConversations(userId: string, filters: Filters) {
  const client = useClient();
  const filterKey = JSON.stringify(filters);
  const filter = useMemo(() => toConversationFilter(JSON.parse(filterKey) as Filters), [filterKey]);

  const fetchPage = useCallback(
    async (after: string | null): Promise<PageResult<Message>> => {
      const result = await client
        .query(ConversationsQuery, { userId, filter, first: PAGE_SIZE, after }, { requestPolicy: 'network-only' })
        .toPromise();
      return result.data ? { page: result.data.conversations } : { error: result.error ?? { message: 'No data' } };
    },
    [client, userId, filter],
  );
  const list = usePagedList(fetchPage, appendPage, refreshTable, `conversations/${userId}/${filterKey}`);

  /** The rows that arrived live, highlighted for a moment. */
  const [arrived, setArrived] = useState<Set<string>>(new Set());
  const { announcements, arrived: announce } = useArrivalAnnouncements();
  const complete = !list.hasMore;
  const onEvent = (event: MessageEvent) => {
    list.update((items) => applyToTable(items, event, filters, complete));
    if (event.kind === 'NEW_MESSAGE' && matchesFilters(event.conversation, filters)) {
      setArrived((current) => new Set(current).add(event.conversation.id));
      announce(event.conversation);
    }
  };
  useMessageEvents(userId, onEvent, list.refresh);

  return { ...list, arrived, announcements };
}

// Live events over graphql-ws. A subscriber that fell behind gets LAGGED, and a socket that
// dropped may have missed events: both call `onResync`, which re-queries what is shown (see
// lib/liveFeed).
import { useEffect, useRef } from 'react';
import { useClient } from 'urql';
import { followLiveFeed } from '../lib/liveFeed';
import type { MessageEvent } from '../lib/types';
import type { CreditsChangedSubscription as CreditsEvent } from '../gql/graphql';
import { onReconnect } from './live';
import { CreditsChangedSubscription, MessageEventsSubscription } from './operations';

export type CreditsChange = CreditsEvent['creditsChanged'];

/** Message events of one user (NEW_MESSAGE, STATUS_CHANGED). */
export function useMessageEvents(userId: string, onEvent: (event: MessageEvent) => void, onResync: () => void) {
  const client = useClient();
  const handlers = useLatest({ onEvent, onResync });
  useEffect(
    () =>
      followLiveFeed(client.subscription(MessageEventsSubscription, { userId }), onReconnect, {
        onData: (data) => handlers.current.onEvent(data.messageEvents),
        onResync: () => handlers.current.onResync(),
      }),
    [client, userId, handlers],
  );
}

/** Balance changes of one user, with the ledger entry behind each. */
export function useCreditsEvents(userId: string, onChange: (change: CreditsChange) => void, onResync: () => void) {
  const client = useClient();
  const handlers = useLatest({ onChange, onResync });
  useEffect(
    () =>
      followLiveFeed(client.subscription(CreditsChangedSubscription, { userId }), onReconnect, {
        onData: (data) => handlers.current.onChange(data.creditsChanged),
        onResync: () => handlers.current.onResync(),
      }),
    [client, userId, handlers],
  );
}

function useLatest<T>(value: T) {
  const ref = useRef(value);
  useEffect(() => {
    ref.current = value;
  });
  return ref;
}

// Live events over graphql-ws. A subscriber that fell behind gets LAGGED, and a socket that
// dropped may have missed events: both call `onResync`, which re-queries what is shown.
import { useEffect, useRef } from 'react';
import { useClient } from 'urql';
import { errorCode } from '../lib/errors';
import type { MessageEvent } from '../lib/types';
import type { CreditsChangedSubscription as CreditsEvent } from '../gql/graphql';
import { onReconnect } from './live';
import { CreditsChangedSubscription, MessageEventsSubscription } from './operations';

export type CreditsChange = CreditsEvent['creditsChanged'];

/** Message events of one user (NEW_MESSAGE, STATUS_CHANGED). */
export function useMessageEvents(userId: string, onEvent: (event: MessageEvent) => void, onResync: () => void) {
  const client = useClient();
  const handlers = useLatest({ onEvent, onResync });
  useEffect(() => {
    const subscription = client.subscription(MessageEventsSubscription, { userId }).subscribe((result) => {
      if (result.error) {
        if (errorCode(result.error) === 'LAGGED') handlers.current.onResync();
        return;
      }
      if (result.data) handlers.current.onEvent(result.data.messageEvents);
    });
    const off = onReconnect(() => handlers.current.onResync());
    return () => {
      subscription.unsubscribe();
      off();
    };
  }, [client, userId, handlers]);
}

/** Balance changes of one user, with the ledger entry behind each. */
export function useCreditsEvents(userId: string, onChange: (change: CreditsChange) => void, onResync: () => void) {
  const client = useClient();
  const handlers = useLatest({ onChange, onResync });
  useEffect(() => {
    const subscription = client.subscription(CreditsChangedSubscription, { userId }).subscribe((result) => {
      if (result.error) {
        if (errorCode(result.error) === 'LAGGED') handlers.current.onResync();
        return;
      }
      if (result.data) handlers.current.onChange(result.data.creditsChanged);
    });
    const off = onReconnect(() => handlers.current.onResync());
    return () => {
      subscription.unsubscribe();
      off();
    };
  }, [client, userId, handlers]);
}

function useLatest<T>(value: T) {
  const ref = useRef(value);
  useEffect(() => {
    ref.current = value;
  });
  return ref;
}

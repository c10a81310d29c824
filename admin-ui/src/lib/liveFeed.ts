// A live subscription feeding what is on screen. Its events are applied as they come; when
// some may have been missed, what is shown is re-queried instead: the server says LAGGED (this
// subscriber fell behind and events were dropped; the subscription goes on), or the socket
// came back after a drop (nothing was delivered while it was away).
import { errorCode, type ErrorLike } from './errors';

/** One result of a subscription: urql's, narrowed to what is read here. */
export interface LiveResult<D> {
  data?: D | null;
  error?: ErrorLike;
}

export interface LiveSource<D> {
  subscribe(onResult: (result: LiveResult<D>) => void): { unsubscribe(): void };
}

export interface LiveFeedHandlers<D> {
  onData(data: D): void;
  /** Re-query what is shown: events may have been missed. */
  onResync(): void;
}

/**
 * Follows `source` until the returned function is called. `onReconnect` registers a listener
 * for the socket's comebacks and returns its removal.
 */
export function followLiveFeed<D>(
  source: LiveSource<D>,
  onReconnect: (listener: () => void) => () => void,
  handlers: LiveFeedHandlers<D>,
): () => void {
  const subscription = source.subscribe((result) => {
    if (result.error) {
      // Other errors (FORBIDDEN, NOT_FOUND) end the subscription; what is shown stays.
      if (errorCode(result.error) === 'LAGGED') handlers.onResync();
      return;
    }
    if (result.data) handlers.onData(result.data);
  });
  const stopListening = onReconnect(() => handlers.onResync());
  return () => {
    subscription.unsubscribe();
    stopListening();
  };
}

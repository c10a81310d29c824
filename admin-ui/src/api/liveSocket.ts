// The graphql-ws socket behind every subscription, open and reconnecting for as long as the
// session lasts. Its lifecycle is the live state shown in the header, and every connection
// after the first is a comeback: what was published while it was away was missed.
import { createClient, type Client } from 'graphql-ws';
import type { LiveState } from './live';

export interface LiveSocketEvents {
  /** The socket's state; `reconnected` when it is connected again after a drop. */
  report(state: LiveState, reconnected: boolean): void;
  /** The server refused the token (4401, 4403): the session is over, no reconnecting. */
  onRefused(): void;
}

/** A socket to `url` that sends `authorization` in `connection_init`; `webSocketImpl` stands in
 *  for the browser's WebSocket in tests. */
export function createLiveSocket(url: string, authorization: string, events: LiveSocketEvents, webSocketImpl?: unknown): Client {
  let connectedBefore = false;
  return createClient({
    url,
    connectionParams: { Authorization: authorization },
    lazy: false,
    keepAlive: 20_000,
    retryAttempts: Number.POSITIVE_INFINITY,
    shouldRetry: () => true,
    webSocketImpl,
    on: {
      connecting: (isRetry) => events.report(isRetry || connectedBefore ? 'reconnecting' : 'connecting', false),
      // Not graphql-ws's own `wasRetry`: after a clean close (1000) it reconnects at once and
      // calls that no retry, though events were missed then too.
      connected: () => {
        events.report('connected', connectedBefore);
        connectedBefore = true;
      },
      closed: (event) => {
        const code = (event as { code?: number } | undefined)?.code;
        if (code === 4401 || code === 4403) events.onRefused();
        else events.report('reconnecting', false);
      },
    },
  });
}

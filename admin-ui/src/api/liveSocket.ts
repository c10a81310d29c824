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

/** What tells the socket to stop waiting and try again now; returns how to stop listening. */
export type WakeSignals = (wake: () => void) => () => void;

/** The browser coming back online, or the tab being shown again. */
export const browserWakeSignals: WakeSignals = (wake) => {
  const whenVisible = () => {
    if (document.visibilityState === 'visible') wake();
  };
  window.addEventListener('online', wake);
  document.addEventListener('visibilitychange', whenVisible);
  return () => {
    window.removeEventListener('online', wake);
    document.removeEventListener('visibilitychange', whenVisible);
  };
};

/** The longest wait between two attempts, before jitter. */
const MAX_BACKOFF_MS = 15_000;

/** How long to wait before retry number `retries` (from 0): 1, 2, 4, 8 s… up to 15 s, plus
 *  0.3 to 3 s of jitter so that many tabs do not all come back at the same moment. */
export function retryDelay(retries: number, random: () => number = Math.random): number {
  return Math.min(1000 * 2 ** retries, MAX_BACKOFF_MS) + Math.floor(300 + random() * 2700);
}

export interface LiveSocketOptions {
  /** Stands in for the browser's WebSocket in tests. */
  webSocketImpl?: unknown;
  /** Defaults to the browser's `online` and `visibilitychange`. */
  wakeSignals?: WakeSignals;
}

/** A socket to `url` that sends `authorization` in `connection_init`. */
export function createLiveSocket(url: string, authorization: string, events: LiveSocketEvents, options: LiveSocketOptions = {}): Client {
  let connectedBefore = false;
  /** Ends the current wait between attempts early; null while connected or connecting. */
  let retryNow: (() => void) | null = null;
  const stopWaking = (options.wakeSignals ?? browserWakeSignals)(() => retryNow?.());
  const client = createClient({
    url,
    connectionParams: { Authorization: authorization },
    lazy: false,
    keepAlive: 20_000,
    retryAttempts: Number.POSITIVE_INFINITY,
    shouldRetry: () => true,
    retryWait: (retries) =>
      new Promise<void>((resolve) => {
        const done = () => {
          clearTimeout(timer);
          retryNow = null;
          resolve();
        };
        const timer = setTimeout(done, retryDelay(retries));
        retryNow = done;
      }),
    webSocketImpl: options.webSocketImpl,
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
  return {
    ...client,
    dispose: () => {
      stopWaking();
      return client.dispose();
    },
  };
}
